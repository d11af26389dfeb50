"""A local fake of Spotify's Accounts service and Web API (as new apps get it in late 2026).

Real HTTP on 127.0.0.1, built from the TidyTuesday songs file and the built-in catalog (plus
decoys: live, remastered and karaoke versions, and same-title songs by other artists). It
answers removed endpoints 403, a search `limit` over 10 with 400, and injects 429s (short, and
the quota kind with `reason: QUOTA_EXCEEDED`) and 5xx on request. It records every request."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import csv
import hashlib
import re
import secrets
import string
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from rapidfuzz import fuzz, process

from bot import rules
from bot.catalog.index import builtin_tracks

REMOVED = [
    r"/v1/recommendations.*",
    r"/v1/audio-features.*",
    r"/v1/audio-analysis/.*",
    r"/v1/artists/[^/]+/related-artists",
    r"/v1/artists/[^/]+/top-tracks",
    r"/v1/browse/.*",
    r"/v1/markets",
    r"/v1/tracks",
    r"/v1/artists",
    r"/v1/albums",
    r"/v1/users/[^/]+",
    r"/v1/users/[^/]+/playlists",
    r"/v1/playlists/[^/]+/tracks",
    r"/v1/playlists/[^/]+/followers.*",
]
ALPHABET = string.ascii_letters + string.digits


def spotify_id(seed: str) -> str:
    digest = int.from_bytes(hashlib.sha256(seed.encode()).digest(), "big")
    return "".join(ALPHABET[(digest >> (6 * i)) % 62] for i in range(22))


def _words(text: str) -> set[str]:
    return set(rules.fold(text).split())


@dataclass
class Fault:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    path: str = ""  # a prefix of the path it applies to; "" for any
    method: str = ""
    after: bool = False  # do the work, then fail (the response is lost on the way back)
    delay: float = 0.0  # answer this late (status 0: then answer as usual), past a timeout


class Dataset:
    """The tracks the fake knows, indexed for search (built once, shared by servers)."""

    def __init__(self, songs_csv: Path | None, decoys: bool = True) -> None:
        self.tracks: list[dict[str, Any]] = []
        self.popularity: list[int] = []
        self.by_uri: dict[str, dict[str, Any]] = {}
        self._title_index: dict[str, set[int]] = {}
        self._artist_index: dict[str, set[int]] = {}
        self._near: dict[tuple[int, str], set[int]] = {}  # word → the tracks it finds
        self._load(songs_csv, decoys)
        self.by_uri = {t["uri"]: t for t in self.tracks}

    # -- data ------------------------------------------------------------------------------
    def _add(
        self,
        artists: list[str],
        title: str,
        album: str,
        year: str,
        popularity: int,
        track_id: str | None = None,
    ) -> None:
        index = len(self.tracks)
        track_id = track_id or spotify_id(f"{'|'.join(artists)}|{title}|{album}")
        album_id = spotify_id(f"album|{album}|{artists[0]}")
        artist_objs = [
            {
                "external_urls": {"spotify": f"https://open.spotify.com/artist/{spotify_id(a)}"},
                "href": f"https://api.spotify.com/v1/artists/{spotify_id(a)}",
                "id": spotify_id(a),
                "name": a,
                "type": "artist",
                "uri": f"spotify:artist:{spotify_id(a)}",
            }
            for a in artists
        ]
        self.tracks.append(
            {
                "album": {
                    "album_type": "album",
                    "total_tracks": 12,
                    "external_urls": {"spotify": f"https://open.spotify.com/album/{album_id}"},
                    "href": f"https://api.spotify.com/v1/albums/{album_id}",
                    "id": album_id,
                    "images": [
                        {"url": f"https://i.scdn.co/image/{album_id}", "height": 640, "width": 640}
                    ],
                    "name": album,
                    "release_date": year or "2000",
                    "release_date_precision": "year" if len(year or "2000") == 4 else "day",
                    "type": "album",
                    "uri": f"spotify:album:{album_id}",
                    "artists": artist_objs,
                },
                "artists": artist_objs,
                "disc_number": 1,
                "duration_ms": 200000,
                "explicit": False,
                "external_ids": {"isrc": f"US{track_id[:10].upper()}"},
                "external_urls": {"spotify": f"https://open.spotify.com/track/{track_id}"},
                "href": f"https://api.spotify.com/v1/tracks/{track_id}",
                "id": track_id,
                "is_playable": True,
                "name": title,
                "track_number": 1,
                "type": "track",
                "uri": f"spotify:track:{track_id}",
                "is_local": False,
            }
        )
        self.popularity.append(popularity)
        for word in _words(title):
            self._title_index.setdefault(word, set()).add(index)
        for word in {w for a in artists for w in _words(a)}:
            self._artist_index.setdefault(word, set()).add(index)

    def _load(self, songs_csv: Path | None, decoys: bool) -> None:
        seen: set[str] = set()
        for t in builtin_tracks():
            self._add(list(t.artists), t.title, f"{t.title} (album)", str(t.year or 2000), 70)
            seen.add(t.key)
            if decoys:
                self._add(
                    list(t.artists),
                    f"{t.title} - Live",
                    "Live at the Arena",
                    str(t.year or 2000),
                    40,
                )
                # Catalogs often rank a remaster above the original: grounding must not care.
                self._add(
                    list(t.artists), f"{t.title} - Remastered 2015", "Remastered", "2015", 75
                )
                self._add(["Karaoke Hits Band"], t.title, "Karaoke Favourites", "2012", 10)
                self._add(["The Tribute Players"], t.title, "Tribute", "2010", 20)
        if songs_csv is None or not songs_csv.exists():
            return
        with songs_csv.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                title, artist = row["track_name"], row["track_artist"]
                if not title or title == "NA" or not artist or artist == "NA":
                    continue
                key = rules.track_key([artist], title)
                if key in seen:
                    continue
                seen.add(key)
                self._add(
                    [artist],
                    title,
                    row["track_album_name"] or title,
                    row["track_album_release_date"],
                    int(row["track_popularity"] or 0),
                    track_id=row["track_id"],
                )

    def search(self, q: str) -> list[dict[str, Any]]:
        """Field filters (track:, artist:) must match every word; free text matches title
        or artist words. Results by popularity, as Spotify roughly does."""
        filters = dict(re.findall(r'(track|artist):"([^"]*)"', q))
        rest = re.sub(r'(track|artist):"[^"]*"', " ", q)
        candidates: set[int] | None = None

        def hits(index: dict[str, set[int]], word: str) -> set[int]:
            # Like Spotify, tolerate small spelling differences (colour/color) when a word
            # matches nothing as written.
            if word in index:
                return index[word]
            key = (id(index), word)
            if key not in self._near:
                found = set(index.get(word, ()))
                for near, _score, _ in process.extract(
                    word, index.keys(), scorer=fuzz.ratio, score_cutoff=85, limit=5
                ):
                    found |= index[near]
                self._near[key] = found
            return self._near[key]

        def narrow(index: dict[str, set[int]], words: set[str]) -> None:
            nonlocal candidates
            for word in words:
                found = hits(index, word)
                candidates = found if candidates is None else candidates & found

        narrow(self._title_index, _words(filters.get("track", "")))
        narrow(self._artist_index, _words(filters.get("artist", "")))
        for word in _words(rest):
            found = hits(self._title_index, word) | hits(self._artist_index, word)
            candidates = found if candidates is None else candidates & found
        ranked = sorted(candidates or (), key=lambda i: (-self.popularity[i], i))
        return [self.tracks[i] for i in ranked]


class FakeSpotify:
    def __init__(self, data: Dataset) -> None:
        self.data = data
        self.requests: list[dict[str, Any]] = []
        self.responses: list[tuple[str, str, int, Any]] = []
        self.faults: list[Fault] = []
        self.latency = 0.0
        self.playlists: dict[str, dict[str, Any]] = {}
        self.items: dict[str, list[str]] = {}
        self.user = {"id": "setlist-owner", "display_name": "Setlist Owner"}
        self.codes: dict[str, dict[str, str]] = {}  # code → challenge, redirect, client
        self.access_tokens: set[str] = set()
        self.refresh_tokens: set[str] = set()
        self.revoked: set[str] = set()
        # The app's credentials: None accepts any client (as most tests need); set them to
        # have the token endpoint answer `invalid_client` as Spotify does.
        self.client_id: str | None = None
        self.client_secret: str | None = None
        self.scope = "playlist-modify-public playlist-modify-private playlist-read-private"
        self.base_url = ""
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()  # ends every pending delay at once

    # -- server ----------------------------------------------------------------------------
    async def start(self) -> str:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/authorize", self.authorize)
        app.router.add_post("/api/token", self.token)
        app.router.add_get("/v1/search", self.search_endpoint)
        app.router.add_get("/v1/me", self.me)
        app.router.add_get("/v1/me/", self.me)
        app.router.add_get("/v1/me/playlists", self.my_playlists)
        app.router.add_post("/v1/me/playlists", self.create_playlist)
        app.router.add_put("/v1/playlists/{id}", self.change_details)
        app.router.add_get("/v1/playlists/{id}/items", self.get_items)
        app.router.add_post("/v1/playlists/{id}/items", self.add_items)
        app.router.add_put("/v1/playlists/{id}/items", self.replace_items)
        app.router.add_get("/v1/tracks/{id}", self.get_track)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def stop(self) -> None:
        self._stopping.set()
        if self._runner:
            await self._runner.cleanup()

    def fail(
        self,
        status: int,
        count: int = 1,
        path: str = "",
        method: str = "",
        retry_after: int | None = None,
        reason: str | None = None,
        after: bool = False,
    ) -> None:
        """Answer the next `count` matching requests with an error."""
        error: dict[str, Any] = {
            "status": status,
            "message": {
                429: "Too many requests",
                500: "Server error",
                503: "Service unavailable",
                403: "Forbidden",
            }.get(status, "Error"),
        }
        if reason:
            error["reason"] = reason
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        for _ in range(count):
            self.faults.append(Fault(status, {"error": error}, headers, path, method, after))

    def hang(
        self, seconds: float, count: int = 1, path: str = "", method: str = "", after: bool = False
    ) -> None:
        """Answer the next `count` matching requests `seconds` late (past a client's timeout);
        with `after`, the work is done at once and only the answer is late."""
        for _ in range(count):
            self.faults.append(Fault(0, {}, {}, path, method, after, seconds))

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        body = None
        if request.can_read_body and request.content_type == "application/json":
            body = await request.json()
        self.requests.append(
            {
                "method": request.method,
                "path": request.path,
                "query": dict(request.query),
                "body": body,
                "at": time.monotonic(),  # arrival, for ordering against other fakes
            }
        )
        if self.latency:
            await asyncio.sleep(self.latency)
        response = await self._answer(request, handler)
        if request.path.startswith("/v1/") and isinstance(response, web.Response):
            # What the fake answered, for checking against the spec's response schemas.
            self.responses.append((request.method, request.path, response.status, response.body))
        return response

    async def _answer(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path.startswith("/v1/"):
            for pattern in REMOVED:
                if re.fullmatch(pattern, request.path) and not (
                    request.path.startswith("/v1/tracks/")
                ):
                    return _error(403, "This endpoint is not available for your app")
            for fault in self.faults:
                if request.path.startswith(fault.path) and fault.method in ("", request.method):
                    self.faults.remove(fault)
                    return await self._faulty(fault, request, handler)
            token = request.headers.get("Authorization", "").removeprefix("Bearer ")
            if token not in self.access_tokens:
                return _error(401, "The access token expired")
        return await handler(request)

    async def _faulty(
        self, fault: Fault, request: web.Request, handler: Any
    ) -> web.StreamResponse:
        """A fault's answer: late, after doing the work (`after`), or instead of it."""
        if not fault.after:
            await self._pause(fault.delay)
        done = await handler(request) if fault.after or not fault.status else None
        if fault.after:
            await self._pause(fault.delay)
        if fault.status:
            return web.json_response(fault.body, status=fault.status, headers=fault.headers)
        assert done is not None
        return done

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    def paths(self, method: str | None = None) -> list[str]:
        return [r["path"] for r in self.requests if method in (None, r["method"])]

    def expire_tokens(self) -> None:
        self.access_tokens.clear()

    # -- accounts --------------------------------------------------------------------------
    async def authorize(self, request: web.Request) -> web.Response:
        """Stands in for the user clicking "Agree": redirects with a code at once."""
        q = request.query
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return web.Response(status=400, text="PKCE required")
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "challenge": q["code_challenge"],
            "redirect": q["redirect_uri"],
            "client": q["client_id"],
        }
        target = q["redirect_uri"] + "?" + urlencode({"code": code, "state": q.get("state", "")})
        raise web.HTTPFound(target)

    async def token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if (refused := self._refuse_client(request, form)) is not None:
            return refused
        grant = form.get("grant_type")
        if grant == "authorization_code":
            entry = self.codes.pop(str(form.get("code")), None)
            verifier = str(form.get("code_verifier", ""))
            challenge = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                .decode()
                .rstrip("=")
            )
            if (
                entry is None
                or entry["challenge"] != challenge
                or (entry["redirect"] != form.get("redirect_uri"))
            ):
                return web.json_response(
                    {"error": "invalid_grant", "error_description": "Invalid authorization code"},
                    status=400,
                )
            return web.json_response(self._issue(new_refresh=True))
        if grant == "refresh_token":
            refresh = str(form.get("refresh_token"))
            if refresh in self.revoked or refresh not in self.refresh_tokens:
                return web.json_response(
                    {"error": "invalid_grant", "error_description": "Refresh token revoked"},
                    status=400,
                )
            return web.json_response(self._issue(new_refresh=False))
        return web.json_response({"error": "unsupported_grant_type"}, status=400)

    def _refuse_client(self, request: web.Request, form: Any) -> web.Response | None:
        """Spotify's 400 `invalid_client`: an unknown client id (in the form with PKCE, in
        Basic auth with a secret), or the wrong secret."""
        if self.client_id is None:
            return None
        client, secret = str(form.get("client_id", "")), None
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            with contextlib.suppress(ValueError):
                client, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        if client != self.client_id:
            return web.json_response(
                {"error": "invalid_client", "error_description": "Invalid client"}, status=400
            )
        if secret is not None and secret != self.client_secret:
            return web.json_response(
                {"error": "invalid_client", "error_description": "Invalid client secret"},
                status=400,
            )
        return None

    def _issue(self, new_refresh: bool) -> dict[str, Any]:
        access = secrets.token_urlsafe(24)
        self.access_tokens.add(access)
        out = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": 3600,
            "scope": self.scope,
        }
        if new_refresh:
            refresh = secrets.token_urlsafe(24)
            self.refresh_tokens.add(refresh)
            out["refresh_token"] = refresh
        return out

    def grant_refresh_token(self) -> str:
        refresh = secrets.token_urlsafe(24)
        self.refresh_tokens.add(refresh)
        return refresh

    # -- web api ---------------------------------------------------------------------------
    async def search_endpoint(self, request: web.Request) -> web.Response:
        q = request.query
        try:
            limit, offset = int(q.get("limit", 5)), int(q.get("offset", 0))
        except ValueError:
            return _error(400, "Invalid limit")
        if not 1 <= limit <= 10:
            return _error(400, "Invalid limit")
        if "q" not in q or "type" not in q:
            return _error(400, "No search query")
        found = self.data.search(q["q"])
        page = found[offset : offset + limit]
        base = f"https://api.spotify.com/v1/search?query={q['q']}&type=track"
        return web.json_response(
            {
                "tracks": {
                    "href": f"{base}&offset={offset}&limit={limit}",
                    "limit": limit,
                    "next": f"{base}&offset={offset + limit}&limit={limit}"
                    if offset + limit < len(found)
                    else None,
                    "offset": offset,
                    "previous": None,
                    "total": len(found),
                    "items": page,
                }
            }
        )

    async def me(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "country": "SE",
                "display_name": self.user["display_name"],
                "external_urls": {"spotify": f"https://open.spotify.com/user/{self.user['id']}"},
                "followers": {"href": None, "total": 0},
                "href": f"https://api.spotify.com/v1/users/{self.user['id']}",
                "id": self.user["id"],
                "images": [],
                "product": "premium",
                "type": "user",
                "uri": f"spotify:user:{self.user['id']}",
            }
        )

    def _playlist(self, pid: str) -> dict[str, Any]:
        p = self.playlists[pid]
        return {
            **p,
            "tracks": {"href": p["href"] + "/items", "total": len(self.items[pid])},
            "items": {"href": p["href"] + "/items", "total": len(self.items[pid])},
            "snapshot_id": spotify_id(f"{pid}{len(self.items[pid])}"),
        }

    async def create_playlist(self, request: web.Request) -> web.Response:
        body = await request.json()
        pid = spotify_id(f"playlist{len(self.playlists)}{secrets.token_hex(4)}")
        self.playlists[pid] = {
            "collaborative": False,
            "description": body.get("description", ""),
            "external_urls": {"spotify": f"https://open.spotify.com/playlist/{pid}"},
            "href": f"https://api.spotify.com/v1/playlists/{pid}",
            "id": pid,
            "images": [],
            "name": body["name"],
            "owner": {
                "external_urls": {"spotify": "https://open.spotify.com/user/setlist-owner"},
                "href": "https://api.spotify.com/v1/users/setlist-owner",
                "id": "setlist-owner",
                "type": "user",
                "uri": "spotify:user:setlist-owner",
                "display_name": self.user["display_name"],
            },
            "public": body.get("public", True),
            "type": "playlist",
            "uri": f"spotify:playlist:{pid}",
        }
        self.items[pid] = []
        # A full PlaylistObject: its items are a paging object (empty for a new playlist).
        page = {
            "href": self.playlists[pid]["href"] + "/items",
            "items": [],
            "limit": 100,
            "next": None,
            "offset": 0,
            "previous": None,
            "total": 0,
        }
        return web.json_response(
            {**self._playlist(pid), "items": page, "tracks": page}, status=201
        )

    async def my_playlists(self, request: web.Request) -> web.Response:
        limit, offset = int(request.query.get("limit", 20)), int(request.query.get("offset", 0))
        mine = [self._playlist(pid) for pid in self.playlists][offset : offset + limit]
        return web.json_response(
            {
                "href": "https://api.spotify.com/v1/me/playlists",
                "limit": limit,
                "next": None,
                "offset": offset,
                "previous": None,
                "total": len(self.playlists),
                "items": mine,
            }
        )

    async def change_details(self, request: web.Request) -> web.Response:
        pid = request.match_info["id"]
        if pid not in self.playlists:
            return _error(404, "Not found")
        self.playlists[pid].update(await request.json())
        return web.Response(status=200)

    def _uris(self, body: dict[str, Any] | None, request: web.Request) -> list[str] | None:
        uris = (body or {}).get("uris")
        if uris is None and request.query.get("uris"):
            uris = request.query["uris"].split(",")
        if not isinstance(uris, list) or len(uris) > 100:
            return None
        return uris

    async def add_items(self, request: web.Request) -> web.Response:
        pid = request.match_info["id"]
        uris = self._uris(await request.json(), request)
        if pid not in self.items or uris is None:
            return _error(400, "Invalid request")
        self.items[pid] += uris
        return web.json_response(
            {"snapshot_id": spotify_id(f"{pid}{len(self.items[pid])}")}, status=201
        )

    async def replace_items(self, request: web.Request) -> web.Response:
        pid = request.match_info["id"]
        uris = self._uris(await request.json(), request)
        if pid not in self.items or uris is None:
            return _error(400, "Invalid request")
        self.items[pid] = list(uris)
        return web.json_response({"snapshot_id": spotify_id(f"{pid}{len(uris)}r")})

    async def get_items(self, request: web.Request) -> web.Response:
        pid = request.match_info["id"]
        if pid not in self.items:
            return _error(404, "Not found")
        by_uri = self.data.by_uri
        limit, offset = int(request.query.get("limit", 100)), int(request.query.get("offset", 0))
        page = self.items[pid][offset : offset + limit]
        return web.json_response(
            {
                "href": f"https://api.spotify.com/v1/playlists/{pid}/items",
                "limit": limit,
                "next": None if offset + limit >= len(self.items[pid]) else "more",
                "offset": offset,
                "previous": None,
                "total": len(self.items[pid]),
                "items": [
                    {
                        "added_at": "2026-11-28T00:00:00Z",
                        "added_by": None,
                        "is_local": False,
                        "item": by_uri.get(u),
                    }
                    for u in page
                ],
            }
        )

    async def get_track(self, request: web.Request) -> web.Response:
        track = self.data.by_uri.get(f"spotify:track:{request.match_info['id']}")
        return web.json_response(track) if track else _error(404, "Not found")


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": {"status": status, "message": message}}, status=status)
