"""Name normalisation and channel rules: what counts as the same artist or the same track."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Suffixes that name a version of a recording rather than a different song.
VERSION_SUFFIX = re.compile(
    r"\s*[\(\[][^\)\]]*(remaster|live|version|edit|mix|mono|stereo|feat|with|from)[^\)\]]*[\)\]]"
    r"|\s+-\s+.*(remaster|live|version|edit|mix|mono|stereo).*$",
    re.IGNORECASE,
)
_FEAT = re.compile(r"\s+(feat\.?|ft\.?|featuring)\s+.*$", re.IGNORECASE)
_NON_WORD = re.compile(r"[^\w]+")


def fold(text: str) -> str:
    """Lower case, accents stripped, punctuation to single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = plain.casefold().replace("&", " and ")
    return _NON_WORD.sub(" ", plain).strip()


def artist_key(name: str) -> str:
    key = fold(name)
    return key[4:] if key.startswith("the ") else key


def title_key(title: str) -> str:
    base = VERSION_SUFFIX.sub("", title)
    base = _FEAT.sub("", base)
    return fold(base) or fold(title)


def track_key(artists: Iterable[str], title: str) -> str:
    """Same primary artist and same song, whatever the version or the featured guests."""
    first = next(iter(artists), "")
    return f"{artist_key(first)}|{title_key(title)}"


def is_banned(artists: Iterable[str], banned: Iterable[str]) -> bool:
    keys = {artist_key(b) for b in banned}
    return any(artist_key(a) in keys for a in artists)


def add_ban(banned: list[str], artist: str) -> bool:
    """Add an artist to a ban list in place; False when it was already there."""
    if any(artist_key(b) == artist_key(artist) for b in banned):
        return False
    banned.append(artist.strip())
    return True


def remove_ban(banned: list[str], artist: str) -> str | None:
    """Remove an artist; returns the name as it was stored, or None."""
    for existing in banned:
        if artist_key(existing) == artist_key(artist):
            banned.remove(existing)
            return existing
    return None


def moved(now: list[str], before: list[str], after: list[str]) -> list[str]:
    """The rules `now`, with the change from `before` to `after` applied (an undo passes
    them the other way round)."""
    had = {artist_key(b) for b in before}
    gone = had - {artist_key(a) for a in after}
    present = {artist_key(b) for b in now}
    added = [a for a in after if artist_key(a) not in present | had]
    return [b for b in now if artist_key(b) not in gone] + added
