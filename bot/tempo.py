"""Tempo: where a BPM comes from, and whether a track serves a requested BPM."""

from __future__ import annotations

from typing import Protocol

from bot.catalog.index import Catalog

DEFAULT_TOLERANCE = 5.0


def fits_bpm(tempo: float, low: float, high: float, tolerance: float = DEFAULT_TOLERANCE) -> bool:
    """True when the tempo, or its half or double time, lands in [low, high] ± tolerance.

    A runner at 160 steps a minute is served by an 80 BPM track (two steps a beat) as
    well as by a 160 BPM one.
    """
    return any(low - tolerance <= t <= high + tolerance for t in (tempo, tempo * 2, tempo / 2))


class TempoSource(Protocol):
    """Spotify gives no tempo (audio-features is gone), so every BPM comes from one of these."""

    name: str

    def tempo(self, artists: tuple[str, ...], title: str) -> float | None: ...


class CatalogTempo:
    """Tempos from the built-in and imported catalogs."""

    name = "catalog"

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    def tempo(self, artists: tuple[str, ...], title: str) -> float | None:
        track = self._catalog.lookup(artists, title)
        return track.tempo if track else None
