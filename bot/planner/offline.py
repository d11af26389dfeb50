"""The offline planner: picks from the catalog by reading the members' words. No keys needed."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable

from bot import rules
from bot.catalog.index import Catalog
from bot.catalog.model import CatalogTrack
from bot.planner.base import PlanRequest, Proposal, Slot
from bot.planner.understand import FAMILIES, Intent, understand
from bot.tempo import fits_bpm

VERSION = re.compile(r"\b(remix|mix|live|ao vivo|en vivo|karaoke|cover|sped up|slowed|edit|"
                     r"remaster(ed)?|version|instrumental|acoustic)\b", re.IGNORECASE)
PER_ARTIST = 2  # at most this many tracks by one artist in a playlist
# Each pass relaxes one hard filter, so an over-specific request still gets tracks.
PASSES = ("strict", "near tempo", "unknown tempo", "any tempo", "any years", "anything near")
NEAR = 0.10  # "near tempo": within 10% of the asked BPM (or its half/double)


def family(genres: Iterable[str]) -> frozenset[str]:
    out: set[str] = set()
    for g in genres:
        out |= FAMILIES.get(g, {g})
    return frozenset(out)


class OfflinePlanner:
    name = "offline"

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    async def propose(self, request: PlanRequest) -> list[Proposal]:
        return self.plan(request)

    def plan(self, request: PlanRequest) -> list[Proposal]:
        known = self.catalog.artist_names
        base = understand(request.prompt, known)
        everyone = Intent()  # what any member ruled out applies to every slot
        for _member, text in request.refinements:
            everyone = everyone.then(understand(text, known).exclusions())
        taken = set(request.exclude)
        per_artist = Counter(rules.artist_key(a) for s in request.present for a in s.artists[:1])
        out: list[Proposal] = []
        for slot in request.slots:
            intent = base
            for text in slot.texts[1:]:
                intent = intent.then(understand(text, known))
            intent = intent.then(everyone)
            out += self._fill(slot, intent, request, taken, per_artist)
        return out

    def _fill(self, slot: Slot, intent: Intent, request: PlanRequest, taken: set[str],
              per_artist: Counter[str]) -> list[Proposal]:
        like = [self.catalog.lookup(s.artists, s.title) for s in request.present
                if s.position in intent.like]
        refs = [t for t in like if t is not None]
        banned = {rules.artist_key(b) for b in request.banned} | intent.avoid_artists
        picked: list[Proposal] = []
        for relax in range(len(PASSES)):
            if len(picked) >= slot.count:
                break
            ranked = self._rank(intent, refs, request.seed, relax, banned, taken)
            for score, track in ranked:
                if len(picked) >= slot.count:
                    break
                lead = rules.artist_key(track.artists[0])
                if track.key in taken or per_artist[lead] >= PER_ARTIST:
                    continue
                taken.add(track.key)
                per_artist[lead] += 1
                picked.append(Proposal(
                    artists=track.artists, title=track.title, serves=slot.member,
                    reason=explain(track, intent, refs, relax), year=track.year,
                    tempo=track.tempo, uri=track.uri,
                ))
        return picked

    def _pool(self, intent: Intent, refs: list[CatalogTrack], relax: int) -> Iterable[int]:
        if relax == len(PASSES) - 1:
            return range(len(self.catalog.tracks))  # the last pass looks everywhere
        wanted = family(intent.genres) | {g for r in refs for g in r.genres[:1]}
        if not wanted and not intent.artists:
            wanted = set(intent.moods)
        if not wanted and not intent.artists:
            return range(len(self.catalog.tracks))
        pool: set[int] = set()
        for tag in wanted:
            pool.update(self.catalog.by_tag.get(tag, ()))
        for artist in intent.artists:
            pool.update(self.catalog.by_artist.get(artist, ()))
        return sorted(pool)

    def _rank(self, intent: Intent, refs: list[CatalogTrack], seed: str, relax: int,
              banned: set[str], taken: set[str]) -> list[tuple[float, CatalogTrack]]:
        genres = family(intent.genres)
        avoid = family(intent.avoid_genres)
        scored: list[tuple[float, CatalogTrack]] = []
        for i in self._pool(intent, refs, relax):
            track = self.catalog.tracks[i]
            if track.key in taken or any(rules.artist_key(a) in banned for a in track.artists):
                continue
            if avoid & set(track.genres) or intent.avoid_moods & set(track.moods):
                continue
            if intent.vocals is False and track.vocals:
                continue
            score = _score(track, intent, genres, refs, relax)
            if score is not None:
                scored.append((score + _jitter(seed, track.key), track))
        scored.sort(key=lambda pair: -pair[0])
        return scored


def _score(t: CatalogTrack, intent: Intent, genres: frozenset[str], refs: list[CatalogTrack],
           relax: int) -> float | None:
    """How well a track fits, or None when a hard filter (at this relax level) rules it out."""
    score = (t.popularity - 50) / 25
    if t.source == "builtin":
        score += 1.5  # hand-tagged and well known: the better pick when both fit
    if VERSION.search(t.title) and not VERSION.search(" ".join(intent.words)):
        score -= 2.5  # the original recording, unless a version was asked for
    if intent.genres:
        exact = intent.genres & set(t.genres)
        if exact:
            score += 4 + (1 if t.genres[0] in intent.genres else 0)
        elif genres & set(t.genres):
            score += 2.5
        elif intent.artists & {rules.artist_key(a) for a in t.artists}:
            pass
        elif relax < 5:
            return None
    if intent.bpm:
        # Judge BPM requests on known tempos first: exact, then near, then unknown, then any.
        low, high = intent.bpm
        if t.tempo is None:
            if relax < 2:
                return None
            score -= 3
        elif fits_bpm(t.tempo, low, high):
            score += 4 if low - 5 <= t.tempo <= high + 5 else 3
        elif fits_bpm(t.tempo, low, high, tolerance=NEAR * low):
            if relax < 1:
                return None
            score += 1
        elif relax < 3:
            return None
        else:
            score -= 2
    if intent.years and t.year is not None:
        low, high = intent.years
        if not low <= t.year <= high:
            if relax < 4:
                return None
            score -= min(abs(t.year - low), abs(t.year - high)) / 5
    elif intent.years:
        score -= 2
    score += 1.5 * len(intent.moods & set(t.moods))
    if intent.energy and t.energy is not None:
        low, high = intent.energy
        score += 1.5 if low <= t.energy <= high else -4 * min(abs(t.energy - low),
                                                              abs(t.energy - high))
    if intent.vocals is False and t.vocals is None:
        score -= 1
    if intent.artists & {rules.artist_key(a) for a in t.artists}:
        score += 6
    for ref in refs:
        score += 1.5 * min(2, len(set(ref.genres) & set(t.genres)))
        if ref.tempo and t.tempo and fits_bpm(t.tempo, ref.tempo, ref.tempo, ref.tempo * 0.06):
            score += 1.5
        if ref.year and t.year and abs(ref.year - t.year) <= 5:
            score += 1
    score += 0.5 * min(4, len(intent.words & set(t.tags)))
    return score


def _jitter(seed: str, key: str) -> float:
    """Stable variety: the same session and round always pick the same tracks."""
    digest = hashlib.blake2b(f"{seed}|{key}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") / 2**32


def explain(t: CatalogTrack, intent: Intent, refs: list[CatalogTrack], relax: int) -> str:
    """One line saying why this track answers the request."""
    parts: list[str] = []
    if intent.artists & {rules.artist_key(a) for a in t.artists}:
        parts.append(f"{t.artists[0]}, as asked")
    if refs:
        parts.append(f"like {refs[0].title}")
    genre = next((g for g in t.genres if g in family(intent.genres)), t.genres[0] if t.genres else "")
    if genre:
        parts.append(genre)
    moods = [m for m in t.moods if m in intent.moods][:2]
    parts += ["big drops" if m == "drops" else m for m in moods]
    if intent.bpm and t.tempo:
        low, high = intent.bpm
        target = f"{low:.0f}" if low == high else f"{low:.0f}–{high:.0f}"
        if low - 5 <= t.tempo <= high + 5:
            parts.append(f"{t.tempo:.0f} BPM")
        elif fits_bpm(t.tempo, low, high):
            parts.append(f"{t.tempo:.0f} BPM, {'half' if t.tempo < low else 'double'}-time "
                         f"for {target}")
        else:
            parts.append(f"{t.tempo:.0f} BPM, near {target}")
    elif intent.bpm:
        parts.append("tempo unknown")
    if intent.years and t.year:
        parts.append(str(t.year))
    if intent.vocals is False and t.vocals is False:
        parts.append("instrumental")
    if relax >= 5:
        parts.append("nearest fit left")
    return " · ".join(parts) if parts else "a well-known pick near your request"
