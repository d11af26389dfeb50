"""Spotify: the app's credentials, the stored login, a refresh, and the account behind it.

The refresh is made here over plain HTTP rather than through spotipy, which replaces the
scopes Spotify granted with the ones it asked for: only the accounts service's own answer
tells whether the login can publish. The refreshed token is saved as spotipy would save it
(through the same cache handler), so a refresh token Spotify rotates is never lost."""

from __future__ import annotations

import asyncio
import base64
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin

import aiohttp

from bot.config import Settings
from bot.doctor.result import Result, off, ok, problem, unreachable
from bot.errors import ConfigError
from bot.secrets import Vault
from bot.spotify.auth import (
    LOGIN_LIFETIME_DAYS,
    SCOPES,
    TOKEN_SECRET,
    StoreCacheHandler,
    check_redirect,
)
from bot.store.base import Store

NAME = "spotify"
DASHBOARD = "https://developer.spotify.com/dashboard"
LOGIN = "run `setlist spotify login` (in a browser logged in as the bot's Spotify account)"
HTTP_TIMEOUT = aiohttp.ClientTimeout(total=8)


async def check(settings: Settings, store: Store | None) -> list[Result]:
    s = settings
    if not (s.spotify_client_id or s.spotify_client_secret or s.spotify_refresh_token):
        return [off(NAME, "not configured (set SPOTIFY_CLIENT_ID to find and publish tracks)")]
    if not s.spotify_client_id:
        return [
            problem(
                NAME,
                "SPOTIFY_CLIENT_SECRET or SPOTIFY_REFRESH_TOKEN is set, but SPOTIFY_CLIENT_ID "
                "is not",
                f"set SPOTIFY_CLIENT_ID to your app's Client ID ({DASHBOARD} → your app → "
                "Settings)",
            )
        ]
    results: list[Result] = []
    try:
        check_redirect(s.spotify_redirect_uri)
    except ConfigError as exc:  # only `spotify login` uses it, but it will fail there
        results.append(problem(NAME, str(exc), "fix SPOTIFY_REDIRECT_URI"))
    if store is None:
        return [*results, problem(NAME, "the login can't be checked", "fix the database first")]
    return [*results, await _login(settings, store)]


async def _login(settings: Settings, store: Store) -> Result:
    sealed = await store.get_secret(TOKEN_SECRET)
    if not sealed and not settings.spotify_refresh_token:
        return problem(NAME, "no Spotify login is stored", LOGIN)
    try:
        # As the bot does: with no key yet, one is generated beside a SQLite database.
        vault = await asyncio.to_thread(Vault.for_settings, settings.secret_key, settings.db)
        cache = StoreCacheHandler(
            store, vault, asyncio.get_running_loop(), settings.spotify_refresh_token
        )
        token = await asyncio.to_thread(cache.get_cached_token)
    except ConfigError as exc:
        return problem(NAME, f"the stored login can't be read: {exc}", LOGIN)
    if not token or not token.get("refresh_token"):
        return problem(NAME, "the stored login has no refresh token", LOGIN)
    answer = await _refresh(settings, token, seeded=not sealed)
    if isinstance(answer, Result):
        return answer
    granted = set(str(answer.get("scope", "")).split())
    fresh = {
        **answer,
        "refresh_token": answer.get("refresh_token") or token["refresh_token"],
        "expires_at": int(time.time()) + int(answer.get("expires_in", 3600)),
        "scope": SCOPES,  # what spotipy keeps (it checks the scopes it asks for against it)
    }
    if token.get("flow"):
        fresh["flow"] = token["flow"]
    await asyncio.to_thread(cache.save_token_to_cache, fresh)
    me = await _me(settings, str(answer.get("access_token", "")))
    if isinstance(me, Result):
        return me
    missing = sorted(set(SCOPES.split()) - granted)
    if missing:
        return problem(
            NAME,
            f"the login lacks the scope{'s' * (len(missing) > 1)} publishing needs: "
            + ", ".join(missing),
            f"{LOGIN}: it asks for every scope publishing needs",
        )
    who = me.get("display_name") or me.get("id", "?")
    product = f", {me['product']}" if me.get("product") else ""
    until = datetime.fromtimestamp(fresh["expires_at"], UTC)
    detail = (
        f"logged in as {who} ({me.get('id', '?')}{product}); token refreshed, valid until "
        f"{until:%H:%M} UTC; scopes cover publishing"
    )
    if authorized := token.get("authorized_at"):  # None for a SPOTIFY_REFRESH_TOKEN
        ends = datetime.fromtimestamp(float(authorized), UTC) + timedelta(LOGIN_LIFETIME_DAYS)
        detail += f"; the login lasts until about {ends:%Y-%m-%d}"
    return ok(NAME, detail)


async def _fetch(method: str, url: str, **options: Any) -> tuple[int, Any]:
    """The status and JSON body ({} when there's none) of one request."""
    async with (
        aiohttp.ClientSession(timeout=HTTP_TIMEOUT) as http,
        http.request(method, url, **options) as response,
    ):
        try:
            return response.status, await response.json(content_type=None)
        except ValueError:
            return response.status, {}


async def _refresh(
    settings: Settings, token: dict[str, Any], seeded: bool
) -> dict[str, Any] | Result:
    """POST api/token as spotipy would: the client id alone for a PKCE login (or with no
    secret), else Basic auth with the secret."""
    pkce = not settings.spotify_client_secret or token.get("flow") == "pkce"
    form = {"grant_type": "refresh_token", "refresh_token": str(token["refresh_token"])}
    headers = {}
    if pkce:
        form["client_id"] = settings.spotify_client_id
    else:
        pair = f"{settings.spotify_client_id}:{settings.spotify_client_secret}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    url = urljoin(settings.spotify_accounts_url.rstrip("/") + "/", "api/token")
    try:
        status, body = await _fetch("POST", url, data=form, headers=headers)
    except (aiohttp.ClientError, TimeoutError) as exc:
        return unreachable(NAME, "Spotify's accounts service", url, exc, "SPOTIFY_ACCOUNTS_URL")
    if status == 200 and isinstance(body, dict) and body.get("access_token"):
        return body
    error = body.get("error") if isinstance(body, dict) else None
    described = body.get("error_description") if isinstance(body, dict) else None
    said = f"{error}: {described}" if described else str(error or status)
    if error == "invalid_client":
        fix = (
            "check SPOTIFY_CLIENT_ID"
            if pkce
            else "check SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET (the secret may have "
            "been rotated)"
        )
        return problem(
            NAME,
            f"Spotify refused the app's credentials ({said})",
            f"{fix} against {DASHBOARD} → your app → Settings",
        )
    if error == "invalid_grant":
        return problem(
            NAME,
            f"Spotify refused the {'SPOTIFY_REFRESH_TOKEN' if seeded else 'stored login'} "
            f"({said}): it was revoked, or is older than 6 months",
            LOGIN,
        )
    return problem(
        NAME,
        f"Spotify's accounts service answered {status} ({said})",
        "try again later; if it persists, check SPOTIFY_ACCOUNTS_URL",
    )


async def _me(settings: Settings, access: str) -> dict[str, Any] | Result:
    """GET /v1/me with the fresh token: the account the bot publishes as."""
    url = urljoin(settings.spotify_api_url.rstrip("/") + "/", "me")
    try:
        status, body = await _fetch("GET", url, headers={"Authorization": f"Bearer {access}"})
    except (aiohttp.ClientError, TimeoutError) as exc:
        return unreachable(NAME, "the Spotify Web API", url, exc, "SPOTIFY_API_URL")
    if status == 200 and isinstance(body, dict):
        return body
    message = ((body or {}).get("error") or {}) if isinstance(body, dict) else {}
    said = message.get("message", "") if isinstance(message, dict) else str(message)
    if status == 403:
        return problem(
            NAME,
            f"Spotify refused GET /me (403 {said}): the account isn't allowed to use this app",
            f"add the account under {DASHBOARD} → your app → User Management (Development "
            "Mode apps allow 5), and check the app owner's Premium",
        )
    return problem(NAME, f"Spotify answered {status} to GET /me ({said})", "try again in a minute")
