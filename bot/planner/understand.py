"""Reading a request: the genres, moods, tempo, years and artists a member's words ask for."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from bot import rules
from bot.planner.vocabulary import (
    DECADE_WORDS,
    FILLER,
    GENRE_WORDS,
    MOOD_WORDS,
    NEGATORS,
    VOCAL_WORDS,
)

_BPM_RANGE = re.compile(r"(\d{2,3})\s*(?:-|–|to|and)\s*(\d{2,3})\s*bpm")
_BPM = re.compile(r"(\d{2,3})\s*bpm|bpm\s*(?:of\s*)?(\d{2,3})|tempo\s*(\d{2,3})")
_DECADE = re.compile(r"(?<!\d)(?:(19|20)(\d)0s|(\d)0s)(?!\w)")
_YEAR_RANGE = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*(?:-|–|to)\s*((?:19|20)\d\d)(?!\d)")
_YEAR = re.compile(r"(?<![\d.])((?:19|20)\d\d)(?![\d s])")
_LIKE = re.compile(
    r"(?:like|similar to|as)\s+(?:#|number\s+|track\s+)?(\d{1,3}(?:\s*(?:,|and|&)\s*\d{1,3})*)"
)


@dataclass(frozen=True, slots=True)
class Intent:
    genres: frozenset[str] = frozenset()
    moods: frozenset[str] = frozenset()
    avoid_genres: frozenset[str] = frozenset()
    avoid_moods: frozenset[str] = frozenset()
    bpm: tuple[float, float] | None = None
    years: tuple[int, int] | None = None
    energy: tuple[float, float] | None = None
    vocals: bool | None = None  # False: instrumental only
    artists: frozenset[str] = frozenset()  # artist keys asked for
    avoid_artists: frozenset[str] = frozenset()
    like: tuple[int, ...] = ()  # positions: "more like 3"
    words: frozenset[str] = field(default_factory=frozenset)  # content words, for catalog tags

    def then(self, later: Intent) -> Intent:
        """This intent refined by a later request: what it names replaces, exclusions add up."""
        return Intent(
            genres=later.genres or self.genres,
            moods=self.moods | later.moods,
            avoid_genres=self.avoid_genres | later.avoid_genres,
            avoid_moods=self.avoid_moods | later.avoid_moods,
            bpm=later.bpm or self.bpm,
            years=later.years or self.years,
            energy=later.energy or self.energy,
            vocals=later.vocals if later.vocals is not None else self.vocals,
            artists=self.artists | later.artists,
            avoid_artists=self.avoid_artists | later.avoid_artists,
            like=later.like or self.like,
            words=self.words | later.words,
        )

    def exclusions(self) -> Intent:
        """Only what this intent rules out: those apply to every member's slots."""
        return Intent(
            avoid_genres=self.avoid_genres,
            avoid_moods=self.avoid_moods,
            avoid_artists=self.avoid_artists,
            vocals=False if self.vocals is False else None,
        )


def _phrases(words: list[str], table: Mapping[str, object]) -> list[tuple[int, int, str]]:
    """(start, end, phrase) for the longest table phrases found in the word list."""
    found, i = [], 0
    while i < len(words):
        for n in (3, 2, 1):
            phrase = " ".join(words[i : i + n])
            if len(words[i : i + n]) == n and phrase in table:
                found.append((i, i + n, phrase))
                i += n
                break
        else:
            i += 1
    return found


def _negated(words: list[str], start: int) -> bool:
    """A negator within the three words before, or earlier in the same clause."""
    before = " ".join(words[max(0, start - 3) : start])
    return any(re.search(rf"(^| ){n}( |$)", before) for n in NEGATORS)


def understand(text: str, artists: Mapping[str, str] | None = None) -> Intent:
    """Parse one request. `artists` maps known artist keys to names (the catalog's)."""
    wanted, avoided, spans = _artists(text, artists) if artists else (set(), set(), [])
    for span in spans:  # "Daft Punk" is an artist, not a request for punk
        text = text.replace(span, " ")
    folded = rules.fold(text)
    lowered = text.casefold()
    intent = Intent(artists=frozenset(wanted), avoid_artists=frozenset(avoided))
    genres, moods, avoid_g, avoid_m = set(), set(), set(), set()
    energy, vocals = None, None
    # Clauses split on commas and "but": "no vocals, harder drops" negates only its clause.
    for clause in re.split(r"[,;.!?]| but ", lowered):
        words = rules.fold(clause).split()
        for start, _end, phrase in _phrases(words, GENRE_WORDS):
            (avoid_g if _negated(words, start) else genres).update(GENRE_WORDS[phrase])
        for start, _end, phrase in _phrases(words, MOOD_WORDS):
            mood, span, instrumental = MOOD_WORDS[phrase]
            if _negated(words, start):
                avoid_m.update(mood)
                continue
            moods.update(mood)
            energy = span or energy
            if instrumental and vocals is None:
                vocals = False
        for i, word in enumerate(words):
            if word in VOCAL_WORDS:
                vocals = not _negated(words, i)
            elif word in ("instrumental", "instrumentals"):
                vocals = _negated(words, i)
    intent = replace(
        intent,
        genres=frozenset(genres),
        moods=frozenset(moods),
        avoid_genres=frozenset(avoid_g),
        avoid_moods=frozenset(avoid_m),
        energy=energy,
        vocals=vocals,
    )
    intent = replace(intent, bpm=_bpm(lowered), years=_years(lowered, folded))
    if m := _LIKE.search(lowered):
        intent = replace(intent, like=tuple(int(n) for n in re.findall(r"\d+", m.group(1))))
    content = {w for w in folded.split() if len(w) > 3 and not w.isdigit()} - FILLER
    return replace(intent, words=frozenset(content))


def _bpm(text: str) -> tuple[float, float] | None:
    if m := _BPM_RANGE.search(text):
        low, high = sorted((float(m.group(1)), float(m.group(2))))
        return (low, high)
    if m := _BPM.search(text):
        value = float(next(g for g in m.groups() if g))
        return (value, value)
    if re.search(r"\b(fast|faster|quick|uptempo|up tempo)\b", text):
        return (125.0, 180.0)
    if re.search(r"\b(slow|slower|downtempo)\b", text):
        return (60.0, 100.0)
    return None


def _years(text: str, folded: str) -> tuple[int, int] | None:
    if m := _YEAR_RANGE.search(text):
        low, high = sorted((int(m.group(1)), int(m.group(2))))
        return (low, high)
    decades = []
    for m in _DECADE.finditer(text.replace("'", "").replace("’", "")):
        if m.group(1):
            decades.append(int(m.group(1) + m.group(2) + "0"))
        else:
            d = int(m.group(3))
            decades.append((2000 if d < 3 else 1900) + d * 10)
    decades += [year for word, year in DECADE_WORDS.items() if word in folded.split()]
    if decades:
        return (min(decades), max(decades) + 9)
    if m := _YEAR.search(text):
        year = int(m.group(1))
        return (year, year)
    if re.search(r"\b(oldies|golden oldies)\b", folded):
        return (1950, 1979)
    if re.search(r"\b(new|recent|latest|current)\b", folded):
        return (2018, 2100)
    return None


def _artists(text: str, known: Mapping[str, str]) -> tuple[set[str], set[str], list[str]]:
    """Known artist names in the text (wanted, avoided, the spans as written).

    A single common word counts only when capitalised or cued ("like muse")."""
    wanted, avoided, spans = set(), set(), []
    for clause in re.split(r"[,;.!?]| but ", text):
        raw = clause.split()
        words = [rules.artist_key(w) for w in raw]
        i = 0
        while i < len(words):
            for n in (5, 4, 3, 2, 1):
                chunk = [w for w in words[i : i + n] if w]
                if len(words[i : i + n]) < n or not chunk:
                    continue
                key = rules.artist_key(" ".join(raw[i : i + n]))
                if key not in known:
                    continue
                if n == 1 and not raw[i][:1].isupper() and not _cued(words, i):
                    continue
                if key in GENRE_WORDS or key in MOOD_WORDS:
                    continue
                (avoided if _negated(words, i) else wanted).add(key)
                spans.append(" ".join(raw[i : i + n]))
                i += n
                break
            else:
                i += 1
    return wanted, avoided, spans


def _cued(words: list[str], i: int) -> bool:
    return i > 0 and words[i - 1] in {"like", "by", "more", "no", "without", "than", "avoid"}
