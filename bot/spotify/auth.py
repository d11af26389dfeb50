"""The bot owner's Spotify login: PKCE, and the token kept encrypted in the project's store."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Awaitable
from typing import Any, TypeVar
from urllib.parse import urljoin, urlparse

from spotipy import CacheHandler, SpotifyOAuth, SpotifyPKCE

from bot import messages
from bot.config import Settings
from bot.errors import ConfigError
from bot.secrets import Vault
from bot.store.base import Store

SCOPES = "playlist-modify-public playlist-modify-private playlist-read-private"
TOKEN_SECRET = "spotify.token"
LOGIN_LIFETIME_DAYS = 183  # Spotify refresh tokens now expire six months after authorising
T = TypeVar("T")


class StoreCacheHandler(CacheHandler):
    """spotipy's token cache, kept encrypted in our store instead of a .cache file.

    spotipy is synchronous and runs in worker threads (never on the event loop); the store
    is async, so each read or write hops back to the loop and waits for it."""

    def __init__(
        self,
        store: Store,
        vault: Vault,
        loop: asyncio.AbstractEventLoop,
        seed_refresh_token: str = "",
    ) -> None:
        self.store, self.vault, self.loop = store, vault, loop
        self.seed = seed_refresh_token
        self._token: dict[str, Any] | None = None
        self._lock = threading.Lock()

    def _wait(self, coro: Awaitable[T]) -> T:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:  # waiting here would deadlock the loop
            raise RuntimeError("spotipy must run in a worker thread, not on the event loop")
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=30)

    def get_cached_token(self) -> dict[str, Any] | None:
        with self._lock:
            if self._token is None:
                sealed = self._wait(self.store.get_secret(TOKEN_SECRET))
                if sealed:
                    self._token = json.loads(self.vault.open(sealed))
                elif self.seed:  # SPOTIFY_REFRESH_TOKEN: spotipy refreshes it on first use
                    self._token = {
                        "access_token": "",
                        "token_type": "Bearer",
                        "refresh_token": self.seed,
                        "expires_at": 0,
                        "scope": SCOPES,
                        "authorized_at": None,
                    }
            return self._token

    def save_token_to_cache(self, token_info: dict[str, Any]) -> None:
        with self._lock:
            previous = self._token or {}
            token = dict(token_info)
            # A refresh keeps the login's date: it says when the owner must log in again.
            token.setdefault("authorized_at", previous.get("authorized_at", time.time()))
            # ...and how it was made: a PKCE login must refresh without the client secret.
            if previous.get("flow") and "flow" not in token:
                token["flow"] = previous["flow"]
            self._token = token
            self._wait(self.store.set_secret(TOKEN_SECRET, self.vault.seal(json.dumps(token))))


def check_redirect(uri: str) -> None:
    """Spotify accepts https or a loopback IP literal; it refuses `localhost`."""
    parsed = urlparse(uri)
    if parsed.hostname == "localhost":
        raise ConfigError(messages.spotify_localhost(uri))
    loopback = parsed.hostname in ("127.0.0.1", "::1")
    if not (parsed.scheme == "https" or (parsed.scheme == "http" and loopback)):
        raise ConfigError(messages.spotify_bad_redirect(uri))


def manager(
    settings: Settings, cache: StoreCacheHandler, pkce: bool | None = None
) -> SpotifyPKCE | SpotifyOAuth:
    """The auth manager: PKCE (client id only), or with the client secret when one is set
    and the token did not come from a PKCE login."""
    if not settings.spotify_client_id:
        raise ConfigError(messages.publish_unconfigured())
    token = None if pkce is not None else cache.get_cached_token()
    if pkce is None:
        pkce = not settings.spotify_client_secret or bool(token and token.get("flow") == "pkce")
    common = dict(
        client_id=settings.spotify_client_id,
        redirect_uri=settings.spotify_redirect_uri,
        scope=SCOPES,
        cache_handler=cache,
        open_browser=False,
        requests_timeout=10,
    )
    auth: SpotifyPKCE | SpotifyOAuth
    if pkce:
        auth = SpotifyPKCE(**common)
    else:
        auth = SpotifyOAuth(client_secret=settings.spotify_client_secret, **common)
    base = settings.spotify_accounts_url.rstrip("/") + "/"
    # Instance attributes: other deployments in the same process keep Spotify's own URLs.
    auth.OAUTH_AUTHORIZE_URL = urljoin(base, "authorize")
    auth.OAUTH_TOKEN_URL = urljoin(base, "api/token")
    return auth
