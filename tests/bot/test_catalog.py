"""The built-in catalog's data, lookups, and the CSV importer."""

from __future__ import annotations

import csv
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest

from bot.catalog.importer import read_catalog
from bot.catalog.index import Catalog, builtin_tracks
from bot.errors import UserError
from bot.planner.vocabulary import GENRE_WORDS

GENRES = {g for tags in GENRE_WORDS.values() for g in tags}
MOODS = set(
    "energetic chill happy sad romantic dark uplifting party aggressive mellow dreamy "
    "nostalgic epic melancholic groovy calm focus driving workout euphoric drops "
    "anthemic summer acoustic sensual".split()
)


def test_builtin_catalog_is_big_and_varied():
    tracks = builtin_tracks()
    assert len(tracks) >= 1000
    assert len({t.genres[0] for t in tracks}) >= 25
    decades = Counter((t.year // 10) * 10 for t in tracks if t.year)
    assert len([d for d, n in decades.items() if n >= 20]) >= 6
    # Tempos are given only where known; BPM requests lean on the dance genres having them.
    assert sum(t.tempo is not None for t in tracks) >= 250
    dance = {"edm", "house", "drum and bass", "dubstep", "techno", "trance", "electro"}
    assert sum(t.tempo is not None for t in tracks if dance & set(t.genres)) >= 100


def test_builtin_rows_use_the_vocabulary_and_are_unique():
    folder = resources.files("bot.catalog") / "data"
    for entry in folder.iterdir():
        if not entry.name.endswith(".csv"):
            continue
        with entry.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                where = f"{entry.name}: {row['artist']} – {row['title']}"
                assert set(row["genres"].split(";")) <= GENRES, where
                assert set(row["moods"].split(";")) <= MOODS, where
                assert 1950 <= int(row["year"]) <= 2026, where
                assert not row["tempo"] or 40 <= float(row["tempo"]) <= 220, where
    keys = [t.key for t in builtin_tracks()]
    dupes = [k for k, n in Counter(keys).items() if n > 1]
    assert not dupes, dupes[:10]


def test_lookup_tolerates_versions_not_other_artists(builtin: Catalog):
    t = builtin.tracks[0]
    assert builtin.lookup(t.artists, t.title) is t
    assert builtin.lookup(t.artists, t.title + " - Remastered 2011") is t
    assert builtin.lookup(t.artists, t.title.upper()) is t
    assert builtin.lookup(("Somebody Else Entirely",), t.title) is None


def test_find_artist_tolerates_typos(builtin: Catalog):
    name = max(builtin.artist_names.values(), key=len)
    assert builtin.find_artist(name.lower()) == name
    assert builtin.find_artist(name[:-1]) == name
    assert builtin.find_artist("zzzz qqqq xxxx") is None


def test_import_tidytuesday(imported_tracks):
    assert len(imported_tracks) > 20_000
    first = imported_tracks[0]
    assert first.uri.startswith("spotify:track:") and len(first.uri) == 36
    assert first.tempo and first.genres and first.source == "imported"
    assert len({t.uri for t in imported_tracks}) > 20_000


def test_import_exportify(tmp_path: Path):
    path = tmp_path / "liked.csv"
    path.write_text(
        "Track URI,Track Name,Artist URI(s),Artist Name(s),Album Name,Album Release Date,"
        "Popularity,Genres,Danceability,Energy,Instrumentalness,Valence,Acousticness,Tempo\n"
        "spotify:track:0DiWol3AO6WpXZgp0goxAV,One More Time,spotify:artist:4tZwfgrHOc3mvqYlEYSvVi,"
        'Daft Punk,Discovery,2001-03-12,80,"filter house,french house",0.61,0.7,0.0,0.47,0.02,'
        "122.7\n"
        "spotify:track:3n3Ppam7vgaVa1iaRUc9Lp,Mr. Brightside,x,The Killers,Hot Fuss,2004,"
        "85,rock,0.35,0.91,0.0,0.24,0.001,148.0\n",
        encoding="utf-8",
    )
    tracks = {t.title: t for t in read_catalog(path)}
    daft = tracks["One More Time"]
    assert daft.uri == "spotify:track:0DiWol3AO6WpXZgp0goxAV"
    assert daft.year == 2001 and daft.tempo == 122.7 and "french house" in daft.genres
    assert "energetic" in tracks["Mr. Brightside"].moods


def test_import_refuses_other_files(tmp_path: Path):
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(UserError, match="TidyTuesday"):
        read_catalog(path)
    with pytest.raises(UserError, match="Can't read"):
        read_catalog(tmp_path / "missing.csv")
