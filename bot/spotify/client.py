"""The one Spotify gateway: spotipy off the event loop, with our own limits and errors."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import requests
import requests.adapters
import spotipy
from spotipy.exceptions import SpotifyException
from spotipy.oauth2 import SpotifyOauthError
from urllib3.util.retry import Retry

from bot import messages
from bot.config import Settings
from bot.errors import ConfigError, ServiceUnavailable
from bot.secrets import Vault
from bot.spotify.auth import StoreCacheHandler, manager
from bot.store.base import Store

# spotipy logs request headers, bearer token included, at DEBUG, and every HTTP error at
# ERROR; we handle and report errors ourselves (without secrets), so keep it quiet.
logging.getLogger("spotipy").setLevel(logging.CRITICAL)
log = logging.getLogger("setlist.spotify")

SEARCH_LIMIT = 10  # Development Mode apps: limit above 10 answers 400
MAX_SHORT_WAIT = 5.0  # a 429 asking to wait longer stops the round instead of blocking a chat
RETRIES = 2  # bounded retries for 5xx and timeouts on idempotent calls
CONCURRENCY = 8  # spotipy calls in flight at once, each in a thread of its own pool
# Its own pool: the default executor has only cores + 4 threads, shared with everything else.
_POOL = ThreadPoolExecutor(max_workers=CONCURRENCY, thread_name_prefix="spotify")
T = TypeVar("T")


class Transient(ServiceUnavailable):
    """A 5xx or a timeout on a write: it may or may not have happened."""


class SpotifyGateway:
    """Every call to Spotify goes through `_call`; nothing else imports spotipy's client."""

    def __init__(self, settings: Settings, store: Store, vault: Vault) -> None:
        self.settings, self.store, self.vault = settings, store, vault
        self.calls: Counter[str] = Counter()
        self.blocked_until = 0.0  # after a quota 429: fail fast until then
        # Seconds a request may take (connect, then between bytes) before it's retried; read
        # when the client is built, on the first call.
        self.timeout = settings.spotify_timeout
        self._sem = asyncio.Semaphore(CONCURRENCY)
        self._token_lock = asyncio.Lock()
        self._client: spotipy.Spotify | None = None
        self._cache: StoreCacheHandler | None = None

    @property
    def quota_blocked(self) -> bool:
        return time.time() < self.blocked_until

    async def _spotify(self) -> spotipy.Spotify:
        async with self._token_lock:  # one client, even when a round's searches start at once
            if self._client is None:
                self._client = await self._build()
        return self._client

    async def _build(self) -> spotipy.Spotify:
        loop = asyncio.get_running_loop()
        self._cache = StoreCacheHandler(
            self.store, self.vault, loop, self.settings.spotify_refresh_token
        )
        # The manager reads the cached token, which waits on the loop: build it off-loop.
        auth = await asyncio.to_thread(manager, self.settings, self._cache)
        # Our own session: spotipy's retries would sleep through an hours-long Retry-After
        # and re-send POSTs on 5xx (adding tracks twice). We retry ourselves, knowingly.
        client = spotipy.Spotify(
            auth_manager=auth, requests_session=_no_retry_session(), requests_timeout=self.timeout
        )
        client.prefix = self.settings.spotify_api_url.rstrip("/") + "/"
        return client

    async def _call(
        self, name: str, fn: Callable[[spotipy.Spotify], T], idempotent: bool = True
    ) -> T:
        client = await self._spotify()
        refreshed = False
        attempt = 0
        while True:
            if time.time() < self.blocked_until:
                raise ServiceUnavailable(messages.spotify_quota(self.blocked_until - time.time()))
            try:
                await self._fresh_token(client)
                async with self._sem:
                    self.calls[name] += 1
                    loop = asyncio.get_running_loop()
                    return await loop.run_in_executor(_POOL, fn, client)
            except SpotifyException as exc:
                status = exc.http_status
                log.warning("Spotify answered %s to %s", status, name)
                if status == 429:
                    wait = _retry_after(exc.headers)
                    if exc.reason == "QUOTA_EXCEEDED" or wait > MAX_SHORT_WAIT:
                        self.blocked_until = time.time() + wait
                        raise ServiceUnavailable(messages.spotify_quota(wait)) from None
                    await asyncio.sleep(wait)
                    continue
                if status == 401 and not refreshed:
                    refreshed = True
                    await asyncio.to_thread(self._refresh)
                    continue
                if status == 403:
                    raise ServiceUnavailable(messages.spotify_forbidden()) from None
                if status >= 500 and idempotent and attempt < RETRIES:
                    attempt += 1
                    await asyncio.sleep(0.2 * 2**attempt)
                    continue
                error = Transient if status >= 500 else ServiceUnavailable
                raise error(messages.spotify_unavailable(status)) from None
            except SpotifyOauthError as exc:
                if exc.error == "invalid_grant":
                    raise ConfigError(messages.spotify_login_expired()) from None
                raise ServiceUnavailable(messages.spotify_unavailable(exc.error)) from None
            except requests.RequestException:
                if idempotent and attempt < RETRIES:
                    attempt += 1
                    continue
                raise Transient(messages.spotify_unavailable("no answer")) from None

    async def _fresh_token(self, client: spotipy.Spotify) -> None:
        """One refresh for everyone: concurrent searches must not each refresh the token."""
        async with self._token_lock:
            token = await asyncio.to_thread(self._cache.get_cached_token)
            if token is None:
                raise ConfigError(messages.spotify_not_logged_in())
            if client.auth_manager.is_token_expired(token):
                await asyncio.to_thread(
                    client.auth_manager.refresh_access_token, token["refresh_token"]
                )

    def _refresh(self) -> None:
        """Runs in a worker thread, like every spotipy call."""
        token = self._cache.get_cached_token() if self._cache else None
        if token and token.get("refresh_token") and self._client is not None:
            self._client.auth_manager.refresh_access_token(token["refresh_token"])

    # -- the calls Setlist makes (none of the endpoints removed for new apps) --------------
    async def search(self, query: str) -> list[dict[str, Any]]:
        result = await self._call(
            "search", lambda sp: sp.search(q=query, limit=SEARCH_LIMIT, type="track")
        )
        return (result or {}).get("tracks", {}).get("items", []) or []

    async def me(self) -> dict[str, Any]:
        return await self._call("me", lambda sp: sp.me())

    async def my_playlists(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        offset = 0
        while True:
            page = await self._call(
                "my_playlists", lambda sp, o=offset: sp.current_user_playlists(50, o)
            )
            items = (page or {}).get("items") or []
            out += [p for p in items if p]
            if not (page or {}).get("next") or not items:
                return out
            offset += len(items)

    async def create_playlist(self, name: str, description: str) -> dict[str, Any]:
        # POST /me/playlists (POST /users/{id}/playlists is gone for new apps)
        return await self._call(
            "create_playlist",
            lambda sp: sp.current_user_playlist_create(name, public=True, description=description),
            idempotent=False,
        )

    async def replace_items(self, playlist_id: str, uris: list[str]) -> None:
        # PUT replaces the whole list: sending it twice is harmless, so it may retry.
        await self._call("replace_items", lambda sp: sp.playlist_replace_items(playlist_id, uris))

    async def add_items(self, playlist_id: str, uris: list[str]) -> None:
        await self._call(
            "add_items", lambda sp: sp.playlist_add_items(playlist_id, uris), idempotent=False
        )

    async def playlist_uris(self, playlist_id: str) -> list[str]:
        out: list[str] = []
        offset = 0
        while True:
            page = await self._call(
                "playlist_items",
                lambda sp, o=offset: sp.playlist_items(
                    playlist_id, limit=100, offset=o, additional_types=("track",)
                ),
            )
            items = (page or {}).get("items") or []
            for entry in items:
                track = (entry or {}).get("item") or (entry or {}).get("track") or {}
                if track.get("uri"):
                    out.append(track["uri"])
            if not (page or {}).get("next") or not items:
                return out
            offset += len(items)

    async def token_info(self) -> dict[str, Any] | None:
        await self._spotify()
        return await asyncio.to_thread(self._cache.get_cached_token)


def _no_retry_session() -> requests.Session:
    """A session that hands every status straight back. urllib3's default honours
    Retry-After on 429 by itself and then hides the response (and its quota reason)."""
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(
        max_retries=Retry(
            total=0,
            read=False,
            redirect=False,
            status=0,
            raise_on_status=False,
            respect_retry_after_header=False,
        )
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _retry_after(headers: Any) -> float:
    try:
        return max(0.0, float((headers or {}).get("Retry-After", 1)))
    except (TypeError, ValueError):
        return 1.0
