"""The Slack app: bolt's AsyncApp in Socket Mode (default) or HTTP mode, with OAuth installs."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from contextlib import suppress

from aiohttp import web
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.installations import StoreInstallations, StoreStates
from adapters.slack.listeners import Listeners
from adapters.slack.poster import Pacer
from bot.app import Setlist
from bot.config import Settings
from bot.errors import ConfigError
from bot.store.base import Store

log = logging.getLogger("setlist.slack")


class _QuietTokenWarning(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment itself and warns that our client (which
    carries that very token, plus SLACK_API_URL and the retry handlers) wins: true, and noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("As you gave `client` as well")


log.addFilter(_QuietTokenWarning())

PATH = "/slack/events"
SCOPES = ("commands", "chat:write", "app_mentions:read", "reactions:read", "users:read")
SCOPES += ("files:write",)  # exports as files; without it they arrive as code blocks
RATE_LIMIT_RETRIES = 5


def web_client(token: str | None, base_url: str) -> AsyncWebClient:
    """The Web API client: SLACK_API_URL, and retries on 429 (the default client has none)."""
    return AsyncWebClient(
        token=token or None,
        base_url=base_url if base_url.endswith("/") else base_url + "/",
        timeout=15,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(),
            AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        ],
    )


class SlackAdapter:
    """One AsyncApp for either mode. OAuth (multi-workspace) when a client id and secret are
    set, otherwise the one workspace of SLACK_BOT_TOKEN."""

    def __init__(
        self,
        core: Setlist,
        store: Store,
        settings: Settings,
        oauth: bool = False,
        pacer: Pacer | None = None,
    ) -> None:
        self.settings = settings
        self.oauth = oauth
        self.client = web_client(
            None if oauth else settings.slack_bot_token, settings.slack_api_url
        )
        self.listeners = Listeners(core, pacer)
        if oauth:
            installations = StoreInstallations(store, settings.secret_key)
            oauth_settings = AsyncOAuthSettings(
                client_id=settings.slack_client_id,
                client_secret=settings.slack_client_secret,
                scopes=list(SCOPES),
                installation_store=installations,
                installation_store_bot_only=True,
                state_store=StoreStates(store),
            )
            self.bolt = AsyncApp(
                name="setlist",
                logger=log,
                client=self.client,
                signing_secret=settings.slack_signing_secret,
                oauth_settings=oauth_settings,
                installation_store=installations,
                installation_store_bot_only=True,
            )
        else:
            self.bolt = AsyncApp(
                name="setlist",
                logger=log,
                client=self.client,
                signing_secret=settings.slack_signing_secret,
            )
        self.listeners.register(self.bolt)

    def web_app(self) -> web.Application:
        """POST /slack/events for events, commands and interactivity; with OAuth also
        GET /slack/install and GET /slack/oauth_redirect."""
        return self.bolt.web_app(path=PATH)

    def socket_mode(self) -> AsyncSocketModeHandler:
        return AsyncSocketModeHandler(
            self.bolt, app_token=self.settings.slack_app_token, web_client=self.client
        )

    async def idle(self) -> None:
        await self.listeners.idle()


def check(settings: Settings, http: bool) -> bool:
    """Whether to run OAuth installs; a ConfigError that names what is missing otherwise."""
    oauth = bool(settings.slack_client_id and settings.slack_client_secret)
    if http:
        if not settings.slack_signing_secret:
            raise ConfigError("HTTP mode verifies every request: set SLACK_SIGNING_SECRET.")
        if oauth:
            if not settings.secret_key:
                raise ConfigError(
                    "OAuth installs store workspace tokens encrypted: set SETLIST_SECRET_KEY."
                )
            return True
        if not settings.slack_bot_token:
            raise ConfigError(
                "Set SLACK_BOT_TOKEN (one workspace), or SLACK_CLIENT_ID and "
                "SLACK_CLIENT_SECRET (installs over OAuth)."
            )
        return False
    if not (settings.slack_app_token and settings.slack_bot_token):
        raise ConfigError(
            "Socket Mode needs SLACK_APP_TOKEN (xapp-…, connections:write) and SLACK_BOT_TOKEN "
            "(xoxb-…). For a public URL instead: `setlist slack --http PORT`."
        )
    if oauth:
        raise ConfigError(
            "Socket Mode serves the one workspace of SLACK_BOT_TOKEN: unset SLACK_CLIENT_ID and "
            "SLACK_CLIENT_SECRET, or run `setlist slack --http PORT` for OAuth installs."
        )
    return False


async def until_stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)


async def main(args: argparse.Namespace, settings: Settings, store: Store) -> int:
    """`setlist slack [--http PORT]`: serve until SIGINT/SIGTERM, then finish what started."""
    from bot.cli import build

    http = getattr(args, "http", None)
    oauth = check(settings, http is not None)
    core = await build(store, settings, prefix="/setlist ")
    adapter = SlackAdapter(core, store, settings, oauth=oauth)
    if http is not None:
        runner = web.AppRunner(adapter.web_app())
        await runner.setup()
        await web.TCPSite(runner, "0.0.0.0", http).start()
        print(
            f"Setlist for Slack: POST {PATH} on port {http}"
            + (" · /slack/install" if oauth else "")
        )
        try:
            await until_stopped()
        finally:
            await runner.cleanup()
            await adapter.idle()
        return 0
    handler = adapter.socket_mode()
    await handler.connect_async()
    print("Setlist for Slack: connected in Socket Mode")
    try:
        await until_stopped()
    finally:
        await handler.close_async()
        await adapter.idle()
    return 0
