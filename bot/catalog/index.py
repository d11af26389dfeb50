"""Catalog: the tracks the offline planner knows, with lookups by artist, tag and name."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from importlib import resources

from rapidfuzz import fuzz, process

from bot import rules
from bot.catalog.model import CatalogTrack

VERSION = re.compile(
    r"\b(remix|mix|live|ao vivo|en vivo|karaoke|cover|sped up|slowed|edit|"
    r"remaster(ed)?|version|instrumental|acoustic)\b",
    re.IGNORECASE,
)
TITLE_FLOOR = 88  # a fuzzy title match below this is a different song
ARTIST_FLOOR = 85


@dataclass(frozen=True, slots=True)
class Facts:
    """What the planner tests on every track, normalised once when the catalog is built."""

    key: str
    artist_keys: frozenset[str]
    lead: str  # the first artist's key
    genres: frozenset[str]
    moods: frozenset[str]
    tags: frozenset[str]
    version: bool  # a live/remix/remaster... title, not the original recording

    @classmethod
    def of(cls, t: CatalogTrack) -> Facts:
        keys = [rules.artist_key(a) for a in t.artists]
        return cls(
            t.key,
            frozenset(keys),
            keys[0] if keys else "",
            frozenset(t.genres),
            frozenset(t.moods),
            frozenset(t.tags),
            bool(VERSION.search(t.title)),
        )


class Catalog:
    def __init__(self, tracks: Iterable[CatalogTrack]) -> None:
        self.tracks: list[CatalogTrack] = []
        self.facts: list[Facts] = []
        self._by_key: dict[str, int] = {}
        self.by_artist: dict[str, list[int]] = defaultdict(list)
        self.by_tag: dict[str, list[int]] = defaultdict(list)
        self.artist_names: dict[str, str] = {}  # artist key → name as written
        for track in tracks:
            self.add(track)

    def __len__(self) -> int:
        return len(self.tracks)

    def add(self, track: CatalogTrack) -> None:
        """Add a track; a second copy of a song fills what the first lacked (uri, tempo)."""
        facts = Facts.of(track)
        existing = self._by_key.get(facts.key)
        if existing is not None:
            old = self.facts[existing]
            merged = merge(self.tracks[existing], track)
            self.tracks[existing] = merged
            self.facts[existing] = Facts.of(merged)
            for tag in {*merged.genres, *merged.moods, *merged.tags} - (
                old.genres | old.moods | old.tags
            ):
                self.by_tag[tag].append(existing)
            return
        index = len(self.tracks)
        self.tracks.append(track)
        self.facts.append(facts)
        self._by_key[facts.key] = index
        for artist in track.artists:
            key = rules.artist_key(artist)
            self.by_artist[key].append(index)
            self.artist_names.setdefault(key, artist)
        for tag in {*track.genres, *track.moods, *track.tags}:
            self.by_tag[tag].append(index)

    def lookup(self, artists: Iterable[str], title: str) -> CatalogTrack | None:
        """The catalog's copy of a song: exact normalised match, else a close fuzzy one
        by the same artist (the right title by the wrong artist is a different track)."""
        artists = list(artists)
        exact = self._by_key.get(rules.track_key(artists, title))
        if exact is not None:
            return self.tracks[exact]
        wanted = rules.title_key(title)
        for artist in artists:
            candidates = self.by_artist.get(rules.artist_key(artist), [])
            titles = {i: rules.title_key(self.tracks[i].title) for i in candidates}
            best = process.extractOne(wanted, titles, scorer=fuzz.ratio, score_cutoff=TITLE_FLOOR)
            if best:
                return self.tracks[best[2]]
        return None

    def find_artist(self, name: str) -> str | None:
        """The catalog's spelling of an artist, tolerating small typos."""
        key = rules.artist_key(name)
        if key in self.artist_names:
            return self.artist_names[key]
        best = process.extractOne(
            key, self.artist_names.keys(), scorer=fuzz.ratio, score_cutoff=ARTIST_FLOOR
        )
        return self.artist_names[best[0]] if best else None


def merge(old: CatalogTrack, new: CatalogTrack) -> CatalogTrack:
    """Two copies of one song: the first wins, the second fills what it lacks."""
    return replace(
        old,
        uri=old.uri or new.uri,
        tempo=old.tempo if old.tempo is not None else new.tempo,
        energy=old.energy if old.energy is not None else new.energy,
        genres=tuple(dict.fromkeys(old.genres + new.genres)),
        moods=tuple(dict.fromkeys(old.moods + new.moods)),
        tags=tuple(dict.fromkeys(old.tags + new.tags)),
        popularity=max(old.popularity, new.popularity),
    )


def _split(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(";") if v.strip())


def builtin_tracks() -> list[CatalogTrack]:
    """The catalog shipped in the package (bot/catalog/data/*.csv)."""
    tracks: list[CatalogTrack] = []
    folder = resources.files("bot.catalog") / "data"
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".csv"):
            continue
        with entry.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                tracks.append(
                    CatalogTrack(
                        artists=_split(row["artist"]),
                        title=row["title"].strip(),
                        year=int(row["year"]) if row["year"] else None,
                        genres=_split(row["genres"]),
                        moods=_split(row["moods"]),
                        tempo=float(row["tempo"]) if row["tempo"] else None,
                        energy=float(row["energy"]) if row["energy"] else None,
                        vocals=row["vocals"] == "1" if row["vocals"] else None,
                    )
                )
    return tracks
