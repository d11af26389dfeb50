"""`setlist spotify login`: PKCE in a browser, the redirect caught on the loopback address
(or pasted from another machine's browser on a headless server)."""

from __future__ import annotations

import asyncio
import secrets
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

from aiohttp import web

from bot import messages
from bot.config import Settings
from bot.errors import ConfigError, UserError
from bot.secrets import Vault
from bot.spotify.auth import LOGIN_LIFETIME_DAYS, StoreCacheHandler, check_redirect, manager
from bot.spotify.client import SpotifyGateway
from bot.store.base import Store

PAGE = "<html><body><h1>Setlist is logged in to Spotify.</h1>You can close this tab.</body></html>"


def _code_from(url: str, state: str) -> str:
    query = parse_qs(urlparse(url.strip()).query)
    if "error" in query:
        raise UserError(f"Spotify said: {query['error'][0]}. Nothing was saved.")
    if query.get("state", [""])[0] != state:
        raise UserError("That redirect doesn't belong to this login (state mismatch).")
    if not query.get("code"):
        raise UserError("That URL has no `code`: paste the whole address the browser ended on.")
    return query["code"][0]


async def login(
    settings: Settings, store: Store, say: Callable[[str], None] = print, stdin: bool = True
) -> str:
    """Run the login; returns the Spotify display name it logged in as."""
    if not settings.spotify_client_id:
        raise ConfigError(messages.spotify_client_missing())
    check_redirect(settings.spotify_redirect_uri)
    vault = Vault.for_settings(settings.secret_key, settings.db)
    cache = StoreCacheHandler(store, vault, asyncio.get_running_loop())
    auth = manager(settings, cache, pkce=True)
    state = secrets.token_urlsafe(16)
    url = auth.get_authorize_url(state=state)
    redirect = urlparse(settings.spotify_redirect_uri)
    loop = asyncio.get_running_loop()
    arrived: asyncio.Future[str] = loop.create_future()

    async def callback(request: web.Request) -> web.Response:
        if not arrived.done():
            arrived.set_result(str(request.url))
        return web.Response(text=PAGE, content_type="text/html")

    app = web.Application()
    app.router.add_get(redirect.path or "/", callback)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, redirect.hostname, redirect.port or 80)
    try:
        await site.start()
        listening = True
    except OSError:
        listening = False  # the port is taken or not ours: pasting still works
    say("Open this URL in a browser logged in as the bot's Spotify account:\n\n" + url + "\n")
    if listening:
        say(f"Waiting for Spotify to redirect to {settings.spotify_redirect_uri} …")
    say(
        "On a headless server, open the URL elsewhere and paste the address the browser "
        "ends on (it starts with the redirect URI) here, then press Enter."
    )
    if stdin:
        # A daemon thread: a blocked readline must not keep the process alive afterwards.
        def read() -> None:
            line = sys.stdin.readline()
            if line.strip():
                loop.call_soon_threadsafe(lambda: arrived.done() or arrived.set_result(line))

        threading.Thread(target=read, daemon=True).start()
    try:
        code = _code_from(await arrived, state)
    finally:
        await runner.cleanup()
    try:
        await asyncio.to_thread(auth.get_access_token, code, False)
    except Exception as exc:  # spotipy's OAuth error: say it plainly, never a traceback
        raise ConfigError(f"Spotify refused the login: {exc}") from None
    token = await asyncio.to_thread(cache.get_cached_token)
    token["flow"] = "pkce"
    await asyncio.to_thread(cache.save_token_to_cache, token)
    me = await SpotifyGateway(settings, store, vault).me()
    name = me.get("display_name") or me.get("id", "?")
    until = datetime.now(UTC) + timedelta(days=LOGIN_LIFETIME_DAYS)
    say(
        f"Logged in as {name}. The login lasts until about {until:%Y-%m-%d}; run "
        "`setlist spotify login` again before then."
    )
    return name
