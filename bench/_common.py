"""Shared bits for the benchmark scripts: paths and the imported catalog."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SONGS_CSV = ROOT.parent / "shared" / "data" / "spotify_songs_tidytuesday" / "spotify_songs.csv"
sys.path.insert(0, str(ROOT))


def songs_csv() -> Path:
    if not SONGS_CSV.exists():
        sys.exit(f"{SONGS_CSV} is absent: this benchmark needs ../shared/data")
    return SONGS_CSV


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]
