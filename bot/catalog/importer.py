"""Read a larger catalog from CSV: the TidyTuesday Spotify songs file or an Exportify export."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bot import rules
from bot.catalog.index import merge
from bot.catalog.model import CatalogTrack
from bot.errors import UserError

# TidyTuesday's playlist subgenres, mapped onto the built-in catalog's genre words.
SUBGENRES: dict[str, tuple[str, ...]] = {
    "electro house": ("house", "electro", "edm"),
    "big room": ("house", "edm"),
    "pop edm": ("edm", "dance pop"),
    "progressive electro house": ("house", "edm"),
    "dance pop": ("dance pop", "pop"),
    "post-teen pop": ("pop",),
    "electropop": ("synthpop", "pop"),
    "indie poptimism": ("indie", "pop"),
    "hip hop": ("hip hop",),
    "southern hip hop": ("hip hop",),
    "gangster rap": ("hip hop",),
    "trap": ("trap", "hip hop"),
    "album rock": ("classic rock", "rock"),
    "classic rock": ("classic rock", "rock"),
    "permanent wave": ("new wave", "alternative", "rock"),
    "hard rock": ("hard rock", "rock"),
    "tropical": ("latin",),
    "latin pop": ("latin", "pop"),
    "reggaeton": ("reggaeton", "latin"),
    "latin hip hop": ("latin", "hip hop"),
    "urban contemporary": ("r&b",),
    "hip pop": ("r&b", "hip hop"),
    "new jack swing": ("r&b",),
    "neo soul": ("soul", "r&b"),
}
GENRES = {
    "rap": "hip hop",
    "r&b": "r&b",
    "edm": "edm",
    "pop": "pop",
    "latin": "latin",
    "rock": "rock",
}
STOPWORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "and",
        "or",
        "to",
        "in",
        "on",
        "for",
        "with",
        "my",
        "your",
        "our",
        "best",
        "top",
        "hits",
        "songs",
        "music",
    ]
)


def read_catalog(path: Path) -> list[CatalogTrack]:
    """Every distinct track in the file; rows of one track (several playlists) are merged."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise UserError(f"Can't read {path}: {exc.strerror}.") from None
    with handle:
        reader = csv.DictReader(handle)
        columns = set(reader.fieldnames or ())
        if {"track_name", "track_artist"} <= columns:
            rows = _tidytuesday(reader)
        elif "Track Name" in columns and "Artist Name(s)" in columns:
            rows = _exportify(reader)
        else:
            raise UserError(
                f"{path.name} has neither the TidyTuesday columns (track_name, track_artist, …) "
                "nor Exportify's (Track Name, Artist Name(s), …)."
            )
        merged: dict[str, CatalogTrack] = {}
        for track in rows:
            old = merged.get(track.key)
            merged[track.key] = track if old is None else merge(old, track)
    return list(merged.values())


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "", "NA") else None
    except ValueError:
        return None


def _year(value: str | None) -> int | None:
    head = (value or "")[:4]
    return int(head) if head.isdigit() else None


def moods_from_features(
    energy: float | None,
    valence: float | None,
    dance: float | None,
    acoustic: float | None,
    genres: tuple[str, ...],
    tags: tuple[str, ...],
) -> tuple[str, ...]:
    """Spotify's audio features (in the file, not from the API) turned into mood words."""
    moods: list[str] = []
    if energy is not None:
        if energy >= 0.8:
            moods += ["energetic", "workout"]
        elif energy <= 0.4:
            moods += ["chill", "mellow", "calm"]
    if valence is not None:
        if valence >= 0.7:
            moods.append("happy")
        elif valence <= 0.3:
            moods += ["sad", "melancholic"]
    if dance is not None and dance >= 0.75:
        moods += ["groovy", "party"]
    if acoustic is not None and acoustic >= 0.6:
        moods.append("acoustic")
    electronic = {"edm", "house", "electro", "dubstep", "drum and bass"} & set(genres)
    if electronic and ((energy or 0) >= 0.8 or {"drop", "drops", "bass"} & set(tags)):
        moods.append("drops")
    return tuple(dict.fromkeys(moods))


# Spotify's audio features, as both formats carry them (in their own case)
FEATURES = ("energy", "valence", "danceability", "acousticness", "tempo", "instrumentalness")


def _audio(
    row: dict[str, str],
    column: Callable[[str], str],
    genres: tuple[str, ...],
    tags: tuple[str, ...],
) -> dict[str, Any]:
    """Tempo, energy, vocals and moods from Spotify's audio-feature columns, which each format
    names in its own case (`column` turns "energy" into the file's own name)."""
    f = {name: _float(row.get(column(name))) for name in FEATURES}
    instrumental = f["instrumentalness"]
    return {
        "moods": moods_from_features(
            f["energy"], f["valence"], f["danceability"], f["acousticness"], genres, tags
        ),
        "tempo": f["tempo"],
        "energy": f["energy"],
        "vocals": None if instrumental is None else instrumental < 0.5,
    }


def _popularity(text: str | None) -> int:
    value = _float(text)
    return int(value) if value is not None else 50


def _words(name: str) -> tuple[str, ...]:
    return tuple(w for w in rules.fold(name).split() if w not in STOPWORDS and len(w) > 2)


def _tidytuesday(reader: csv.DictReader[str]) -> Iterator[CatalogTrack]:
    for row in reader:
        title, artist = row.get("track_name") or "", row.get("track_artist") or ""
        if not title or title == "NA" or not artist or artist == "NA":
            continue
        genres = (
            *SUBGENRES.get(row.get("playlist_subgenre", ""), ()),
            GENRES.get(row.get("playlist_genre", ""), ""),
        )
        genres = tuple(dict.fromkeys(g for g in genres if g))
        tags = _words(row.get("playlist_name", ""))
        yield CatalogTrack(
            artists=(artist.strip(),),
            title=title.strip(),
            year=_year(row.get("track_album_release_date")),
            genres=genres,
            uri=f"spotify:track:{row['track_id']}" if row.get("track_id") else None,
            popularity=_popularity(row.get("track_popularity")),
            tags=tags,
            source="imported",
            **_audio(row, str, genres, tags),
        )


def _exportify(reader: csv.DictReader[str]) -> Iterator[CatalogTrack]:
    for row in reader:
        title, names = row.get("Track Name") or "", row.get("Artist Name(s)") or ""
        if not title or not names:
            continue
        artists = tuple(a.strip() for a in names.split(";" if ";" in names else ",") if a.strip())
        uri = row.get("Track URI") or (
            f"spotify:track:{row['Spotify ID']}" if row.get("Spotify ID") else None
        )
        genres = tuple(g.strip() for g in (row.get("Genres") or "").split(",") if g.strip())
        yield CatalogTrack(
            artists=artists,
            title=title.strip(),
            year=_year(row.get("Album Release Date") or row.get("Release Date")),
            genres=genres,
            uri=uri or None,
            popularity=_popularity(row.get("Popularity")),
            source="imported",
            **_audio(row, str.capitalize, genres, ()),
        )
