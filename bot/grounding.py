"""Grounding: every proposal becomes a known recording, or is reported as not found."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Protocol

from bot.catalog.index import Catalog
from bot.planner.base import Proposal
from bot.session import Track
from bot.tempo import CatalogTempo, TempoSource


@dataclass(frozen=True, slots=True)
class Found:
    """The recording a proposal resolved to."""

    artists: tuple[str, ...]
    title: str
    uri: str | None = None
    year: int | None = None
    tempo: float | None = None
    album_art: str | None = None
    vocals: bool | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)


class Resolver(Protocol):
    """Turns proposals into recordings. `strict` resolvers (Spotify) drop what they can't
    find; the catalog resolver keeps it, marked unverified, since the catalog is small."""

    name: str
    strict: bool

    async def resolve(self, proposals: list[Proposal]) -> list[Found | None]: ...


class CatalogResolver:
    name = "catalog"
    strict = False

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    async def resolve(self, proposals: list[Proposal]) -> list[Found | None]:
        out: list[Found | None] = []
        for p in proposals:
            t = self.catalog.lookup(p.artists, p.title)
            out.append(
                None
                if t is None
                else Found(
                    artists=t.artists,
                    title=t.title,
                    uri=t.uri or p.uri,
                    year=t.year,
                    tempo=t.tempo,
                    vocals=t.vocals,
                    tags=tuple(dict.fromkeys(t.genres + t.moods)),
                )
            )
        return out


def make_track(
    p: Proposal, found: Found | None, tempo_sources: list[TempoSource], name_member: bool
) -> Track:
    """A session track from a proposal and what it resolved to (None: unverified)."""
    artists = found.artists if found else p.artists
    title = found.title if found else p.title
    tempo, source = (found.tempo, "catalog") if found and found.tempo else (None, None)
    for tempo_source in tempo_sources:  # known tempos first, the planner's guess last
        if tempo is None and (known := tempo_source.tempo(artists, title)) is not None:
            tempo, source = known, tempo_source.name
    if tempo is None and p.tempo is not None:
        tempo, source = p.tempo, "estimate"
    return Track(
        id=uuid.uuid4().hex[:12],
        artists=list(artists),
        title=title,
        reason=p.reason + (f" · for {p.serves}" if name_member and p.serves else ""),
        round_no=0,
        serves=p.serves,
        uri=(found.uri if found else None) or p.uri,
        year=(found.year if found else None) or p.year,
        tempo=tempo,
        tempo_source=source,
        verified=found is not None,
        vocals=found.vocals if found else None,
        tags=sorted(found.tags) if found else [],
        proposed=[p.title, *p.artists],
        album_art=found.album_art if found else None,
    )


def tempo_sources(catalog: Catalog) -> list[TempoSource]:
    return [CatalogTempo(catalog)]
