"""Spotify grounding: a proposal becomes a real Spotify track, or is reported as not found."""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import asdict
from typing import Any

from rapidfuzz import fuzz

from bot import rules
from bot.catalog.index import Catalog
from bot.grounding import Found
from bot.planner.base import Proposal
from bot.spotify.client import SpotifyGateway
from bot.store.base import Store

ARTIST_FLOOR = 80  # below this the right title by the wrong artist is another recording
TITLE_FLOOR = 85
FOUND_MAX_AGE = 30 * 86400  # Spotify ids are stable; re-check monthly
MISSING_MAX_AGE = 86400  # a track not found today may be added tomorrow
# Versions a member rarely means unless they say so.
VERSION = re.compile(
    r"\b(live|remaster(ed)?|karaoke|cover|tribute|sped up|slowed|"
    r"instrumental|acoustic|remix|demo|re-?recorded|8-bit)\b",
    re.IGNORECASE,
)


class SpotifyResolver:
    name = "spotify"
    strict = True  # what Spotify doesn't have is never shown as if it were real

    def __init__(self, gateway: SpotifyGateway, store: Store, catalog: Catalog) -> None:
        self.gateway, self.store, self.catalog = gateway, store, catalog

    async def resolve(self, proposals: list[Proposal]) -> list[Found | None]:
        # Concurrent, bounded by the gateway's semaphore, each call in a worker thread.
        return list(await asyncio.gather(*(self._one(p) for p in proposals)))

    async def _one(self, p: Proposal) -> Found | None:
        if p.uri and p.uri.startswith("spotify:track:"):
            return self._enrich(p.artists, p.title, p.uri)  # an imported Spotify id: no call
        key = "spotify:" + rules.track_key(p.artists, p.title)
        cached = await self.store.cached(key, FOUND_MAX_AGE)
        if cached is not None:
            entry = json.loads(cached)
            if entry["found"] is not None:
                found = entry["found"]
                for name in ("artists", "tags"):
                    found[name] = tuple(found[name])
                return Found(**found)
            if time.time() - entry["at"] < MISSING_MAX_AGE:
                return None
        found = await self._search(p)
        record = {"found": asdict(found) if found else None, "at": time.time()}
        await self.store.cache(key, json.dumps(record, ensure_ascii=False))
        return found

    async def _search(self, p: Proposal) -> Found | None:
        title = _clean(p.title)
        artist = p.artists[0]
        wants_version = bool(VERSION.search(p.title))
        items = await self.gateway.search(f'track:"{title}" artist:"{artist}"')
        best = pick(items, p.artists, p.title, wants_version)
        if best is None and not items:
            # Field filters are strict about punctuation; one plain query as a fallback.
            items = await self.gateway.search(f"{artist} {title}")
            best = pick(items, p.artists, p.title, wants_version)
        if best is None:
            return None
        album = best.get("album") or {}
        images = album.get("images") or []
        found = self._enrich(
            tuple(a["name"] for a in best.get("artists", [])), best["name"], best["uri"]
        )
        year = (album.get("release_date") or "")[:4]
        return Found(
            artists=found.artists,
            title=found.title,
            uri=found.uri,
            year=int(year) if year.isdigit() else found.year,
            tempo=found.tempo,
            album_art=images[0]["url"] if images else None,
            vocals=found.vocals,
            tags=found.tags,
        )

    def _enrich(self, artists: tuple[str, ...], title: str, uri: str) -> Found:
        """Spotify gives no genre or tempo: the catalogs fill them in where they know."""
        known = self.catalog.lookup(artists, title)
        if known is None:
            return Found(artists=artists, title=title, uri=uri)
        return Found(
            artists=artists,
            title=title,
            uri=uri,
            year=known.year,
            tempo=known.tempo,
            vocals=known.vocals,
            tags=tuple(dict.fromkeys(known.genres + known.moods)),
        )


def _clean(title: str) -> str:
    """A title as a search term: no version suffix, no quotes that break the filter."""
    return (
        re.sub(r"\s+", " ", rules.VERSION_SUFFIX.sub("", title)).replace('"', "").strip() or title
    )


def pick(
    items: list[dict[str, Any]], artists: tuple[str, ...], title: str, wants_version: bool
) -> dict[str, Any] | None:
    """The search result that is this recording: right artist, right song, original version."""
    wanted_title = rules.title_key(title)
    wanted_artists = [rules.artist_key(a) for a in artists]
    best, best_score = None, 0.0
    for item in items:
        names = [rules.artist_key(a.get("name", "")) for a in item.get("artists", [])]
        artist_score = max(
            (fuzz.token_set_ratio(w, n) for w in wanted_artists for n in names), default=0
        )
        if artist_score < ARTIST_FLOOR:
            continue
        title_score = fuzz.ratio(wanted_title, rules.title_key(item.get("name", "")))
        if title_score < TITLE_FLOOR:
            continue
        # The whole title, version words included, breaks ties: "Take On Me - Live" when
        # that is what was asked for.
        score = (
            artist_score
            + title_score
            + fuzz.ratio(rules.fold(title), rules.fold(item.get("name", ""))) / 10
        )
        label = f"{item.get('name', '')} {(item.get('album') or {}).get('name', '')}"
        if VERSION.search(label) and not wants_version:
            score -= 40
        if best is None or score > best_score:
            best, best_score = item, score
    return best
