"""CatalogTrack: what the offline planner and the resolver know about a recording."""

from __future__ import annotations

from dataclasses import dataclass

from bot import rules


@dataclass(frozen=True, slots=True)
class CatalogTrack:
    artists: tuple[str, ...]
    title: str
    year: int | None = None
    genres: tuple[str, ...] = ()
    moods: tuple[str, ...] = ()
    tempo: float | None = None
    energy: float | None = None
    vocals: bool | None = None
    uri: str | None = None  # spotify:track:<id> for imported tracks
    popularity: int = 70  # 0–100; the built-in catalog holds well-known tracks only
    tags: tuple[str, ...] = ()  # extra words, e.g. from the playlist names of an import
    source: str = "builtin"

    @property
    def key(self) -> str:
        return rules.track_key(self.artists, self.title)

    @property
    def label(self) -> str:
        return f"{', '.join(self.artists)} – {self.title}"
