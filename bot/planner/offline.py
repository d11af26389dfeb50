"""The offline planner: picks from the catalog by reading the members' words. No keys needed."""

from __future__ import annotations

import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator

from bot import rules
from bot.catalog.index import VERSION, Catalog, Facts
from bot.catalog.model import CatalogTrack
from bot.planner.base import Plan, PlanRequest, Proposal, Slot
from bot.planner.understand import Intent, understand
from bot.planner.vocabulary import FAMILIES
from bot.tempo import DEFAULT_TOLERANCE, fits_bpm

PER_ARTIST = 2  # at most this many tracks by one artist in a playlist
NEAR = 0.10  # a "near" tempo: within 10% of the asked BPM (or its half/double)
# Fit levels, best first: a track's level is the first at which every hard filter lets it
# through, so an over-specific request still gets tracks, and says which ones stretch it.
EXACT, NEAR_TEMPO, UNKNOWN_TEMPO, ANY_TEMPO, ANY_YEAR, ANYTHING = range(6)


def family(genres: Iterable[str]) -> frozenset[str]:
    out: set[str] = set()
    for g in genres:
        out |= FAMILIES.get(g, {g})
    return frozenset(out)


class OfflinePlanner:
    name = "offline"
    overask = 1.0  # it only proposes catalog tracks: nothing to over-ask for

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    async def propose(self, request: PlanRequest) -> Plan:
        return Plan(tuple(self.plan(request)))

    def plan(self, request: PlanRequest) -> list[Proposal]:
        known = self.catalog.artist_names
        base = understand(request.prompt, known)
        everyone = Intent()  # what any member ruled out applies to every slot
        for _member, text in request.refinements:
            everyone = everyone.then(understand(text, known).exclusions())
        taken = set(request.exclude)
        per_artist = Counter(rules.artist_key(s.artists[0]) for s in request.present if s.artists)
        out: list[Proposal] = []
        for slot in request.slots:
            intent = base
            for text in slot.texts[1:]:
                intent = intent.then(understand(text, known))
            out += self._fill(slot, intent.then(everyone), request, taken, per_artist)
        return out

    def _fill(
        self,
        slot: Slot,
        intent: Intent,
        request: PlanRequest,
        taken: set[str],
        per_artist: Counter[str],
    ) -> list[Proposal]:
        like = [
            self.catalog.lookup(s.artists, s.title)
            for s in request.present
            if s.position in intent.like
        ]
        match = Match(
            intent,
            [t for t in like if t is not None],
            {rules.artist_key(b) for b in request.banned} | intent.avoid_artists,
        )
        picked: list[Proposal] = []
        pool = self._pool(intent, match.refs)
        buckets: dict[int, list[int]] = defaultdict(list)
        for i in pool:
            facts = self.catalog.facts[i]
            if facts.key not in taken:
                level = match.level(self.catalog.tracks[i], facts)
                if level is not None:
                    buckets[level].append(i)

        def groups() -> Iterator[tuple[int, list[int]]]:
            # Best level first; scoring only the levels we reach keeps a round fast.
            yield from sorted(buckets.items())
            # The pool ran dry: look at the whole catalog (computed only if we get here).
            tracks, facts = self.catalog.tracks, self.catalog.facts
            rest = sorted(set(range(len(tracks))) - set(pool))
            yield (
                ANYTHING,
                [
                    i
                    for i in rest
                    if facts[i].key not in taken and match.level(tracks[i], facts[i]) is not None
                ],
            )

        for level, indices in groups():
            if len(picked) >= slot.count:
                break
            picked += self._pick(
                indices,
                level,
                match,
                slot,
                request.seed,
                taken,
                per_artist,
                slot.count - len(picked),
            )
        return picked

    def _pick(
        self,
        indices: list[int],
        level: int,
        match: Match,
        slot: Slot,
        seed: str,
        taken: set[str],
        per_artist: Counter[str],
        count: int,
    ) -> list[Proposal]:
        tracks, facts = self.catalog.tracks, self.catalog.facts
        ranked = sorted(
            indices, key=lambda i: -match.score(tracks[i], facts[i]) - _jitter(seed, facts[i].key)
        )
        picked: list[Proposal] = []
        for i in ranked:
            if len(picked) >= count:
                break
            track, fact = tracks[i], facts[i]
            if fact.key in taken or per_artist[fact.lead] >= PER_ARTIST:
                continue
            taken.add(fact.key)
            per_artist[fact.lead] += 1
            picked.append(
                Proposal(
                    artists=track.artists,
                    title=track.title,
                    serves=slot.member,
                    reason=explain(track, fact, match, level),
                    year=track.year,
                    tempo=track.tempo,
                    uri=track.uri,
                )
            )
        return picked

    def _pool(self, intent: Intent, refs: list[CatalogTrack]) -> Iterable[int]:
        """Tracks worth scoring: those tagged with a wanted genre (or mood), or by an artist."""
        wanted = family(intent.genres) | {g for r in refs for g in r.genres[:1]}
        if not wanted:
            wanted = set(intent.moods)
        if not wanted and not intent.artists:
            return range(len(self.catalog.tracks))
        pool: set[int] = set()
        for tag in wanted:
            pool.update(self.catalog.by_tag.get(tag, ()))
        for artist in intent.artists:
            pool.update(self.catalog.by_artist.get(artist, ()))
        return sorted(pool)


class Match:
    """One slot's intent, ready to test tracks against."""

    def __init__(self, intent: Intent, refs: list[CatalogTrack], banned: set[str]) -> None:
        self.intent = intent
        self.refs = refs
        self.banned = frozenset(banned)
        self.genres = family(intent.genres)
        self.avoid = family(intent.avoid_genres)
        self.wants_version = bool(VERSION.search(" ".join(intent.words)))
        # level() runs on every track of the pool: its bounds are worked out once here.
        self.exact = self.near = None
        if intent.bpm:
            low, high = intent.bpm
            self.exact = (low - DEFAULT_TOLERANCE, high + DEFAULT_TOLERANCE)
            self.near = (low - NEAR * low, high + NEAR * low)

    def level(self, t: CatalogTrack, f: Facts) -> int | None:
        """The first fit level at which every hard filter lets the track through; None when
        it is ruled out whatever we relax (a ban, an exclusion)."""
        i = self.intent
        if (
            (self.banned and not f.artist_keys.isdisjoint(self.banned))
            or (self.avoid and not f.genres.isdisjoint(self.avoid))
            or (i.avoid_moods and not f.moods.isdisjoint(i.avoid_moods))
            or (i.vocals is False and t.vocals)
        ):
            return None
        if (
            self.genres
            and f.genres.isdisjoint(self.genres)
            and f.artist_keys.isdisjoint(i.artists)
        ):
            return ANYTHING
        level = EXACT
        if self.exact is not None:
            tempo = t.tempo
            if tempo is None:
                level = UNKNOWN_TEMPO
            elif not _within(tempo, *self.exact):
                level = NEAR_TEMPO if _within(tempo, *self.near) else ANY_TEMPO
        if i.years and t.year is not None and not i.years[0] <= t.year <= i.years[1]:
            level = ANY_YEAR
        return level

    def score(self, t: CatalogTrack, f: Facts) -> float:
        """How well a track fits, within its level."""
        i = self.intent
        score = (t.popularity - 50) / 25
        if t.source == "builtin":
            score += 1.5  # hand-tagged and well known: the better pick when both fit
        if f.version and not self.wants_version:
            score -= 2.5  # the original recording, unless a version was asked for
        if i.genres & f.genres:
            score += 4 + (1 if t.genres[0] in i.genres else 0)
        elif self.genres & f.genres:
            score += 2.5
        if i.bpm:
            low, high = i.bpm
            if t.tempo is None:
                score -= 3
            elif low - 5 <= t.tempo <= high + 5:
                score += 4
            elif fits_bpm(t.tempo, low, high):
                score += 3
            else:  # nearer is better among the tracks that miss
                score -= min(abs(t.tempo * k - (low + high) / 2) for k in (0.5, 1, 2)) / 10
        if i.years:
            low, high = i.years
            if t.year is None:
                score -= 2
            elif not low <= t.year <= high:
                score -= min(abs(t.year - low), abs(t.year - high)) / 5
        score += 1.5 * len(i.moods & f.moods)
        if i.energy and t.energy is not None:
            low, high = i.energy
            score += (
                1.5
                if low <= t.energy <= high
                else -4 * min(abs(t.energy - low), abs(t.energy - high))
            )
        if i.vocals is False and t.vocals is None:
            score -= 1
        if f.artist_keys & i.artists:
            score += 6
        for ref in self.refs:
            score += 1.5 * min(2, len(f.genres.intersection(ref.genres)))
            if ref.tempo and t.tempo and fits_bpm(t.tempo, ref.tempo, ref.tempo, ref.tempo * 0.06):
                score += 1.5
            if ref.year and t.year and abs(ref.year - t.year) <= 5:
                score += 1
        return score + 0.5 * min(4, len(i.words & f.tags))


def _within(tempo: float, low: float, high: float) -> bool:
    """fits_bpm with its bounds worked out: the tempo, or its half or double time."""
    return low <= tempo <= high or low <= tempo * 2 <= high or low <= tempo / 2 <= high


def _jitter(seed: str, key: str) -> float:
    """Stable variety: the same session and round always pick the same tracks (str hash()
    changes from process to process; crc32 doesn't)."""
    return zlib.crc32(f"{seed}|{key}".encode()) / 2**32


def explain(t: CatalogTrack, f: Facts, match: Match, level: int) -> str:
    """One line saying why this track answers the request."""
    intent = match.intent
    parts: list[str] = []
    if f.artist_keys & intent.artists:
        parts.append(f"{t.artists[0]}, as asked")
    if match.refs:
        parts.append(f"like {match.refs[0].title}")
    genre = next((g for g in t.genres if g in match.genres), t.genres[0] if t.genres else "")
    if genre:
        parts.append(genre)
    parts += ["big drops" if m == "drops" else m for m in t.moods if m in intent.moods][:2]
    if intent.bpm and t.tempo:
        low, high = intent.bpm
        target = f"{low:.0f}" if low == high else f"{low:.0f}–{high:.0f}"
        if low - 5 <= t.tempo <= high + 5:
            parts.append(f"{t.tempo:.0f} BPM")
        elif fits_bpm(t.tempo, low, high):
            parts.append(
                f"{t.tempo:.0f} BPM, {'half' if t.tempo < low else 'double'}-time for {target}"
            )
        else:
            parts.append(f"{t.tempo:.0f} BPM, near {target}")
    elif intent.bpm:
        parts.append("tempo unknown")
    if intent.years and t.year:
        parts.append(str(t.year))
    if intent.vocals is False and t.vocals is False:
        parts.append("instrumental")
    if level == ANYTHING:
        parts.append("nearest fit left")
    return " · ".join(parts) if parts else "a well-known pick near your request"
