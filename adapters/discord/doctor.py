"""`setlist doctor` for Discord: the bot token, and the Message Content intent in the portal."""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

import aiohttp

from bot.config import Settings
from bot.doctor import Result
from bot.doctor.result import off, ok, problem, unreachable
from bot.store.base import Store

NAME = "discord"
PORTAL = "https://discord.com/developers/applications"
# Application flags: the Message Content intent as switched on in the developer portal
# (the LIMITED flag for apps in fewer than 100 servers, the other once verified).
GATEWAY_MESSAGE_CONTENT = 1 << 18
GATEWAY_MESSAGE_CONTENT_LIMITED = 1 << 19
HTTP_TIMEOUT = aiohttp.ClientTimeout(total=8)


async def _get(http: aiohttp.ClientSession, url: str) -> tuple[int, Any]:
    async with http.get(url) as response:
        try:
            return response.status, await response.json(content_type=None)
        except ValueError:
            return response.status, None


async def check(settings: Settings, store: Store | None) -> list[Result]:
    if not settings.discord_token:
        return [off(NAME, "not configured (set DISCORD_TOKEN to run on Discord)")]
    base = settings.discord_api_url.rstrip("/")
    headers = {
        "Authorization": f"Bot {settings.discord_token}",
        # Discord wants a "DiscordBot (url, version)" agent: the one the bot itself sends.
        "User-Agent": f"DiscordBot (https://github.com/Rapptz/discord.py {version('discord.py')})",
    }
    try:
        async with aiohttp.ClientSession(headers=headers, timeout=HTTP_TIMEOUT) as http:
            status, me = await _get(http, f"{base}/users/@me")
            if status == 401:
                return [
                    problem(
                        NAME,
                        "Discord refused DISCORD_TOKEN (401 Unauthorized): it is wrong or was "
                        "reset",
                        f"{PORTAL} → your app → Bot → Reset Token, and put the new token in "
                        "DISCORD_TOKEN",
                    )
                ]
            if status != 200 or not isinstance(me, dict):
                return [_trouble(status, "GET /users/@me")]
            status, app = await _get(http, f"{base}/applications/@me")
            if status != 200 or not isinstance(app, dict):
                return [_trouble(status, "GET /applications/@me")]
    except (aiohttp.ClientError, TimeoutError) as exc:
        return [unreachable(NAME, "Discord", base, exc, "DISCORD_API_URL")]
    return [_verdict(settings, me, app)]


def _verdict(settings: Settings, me: dict[str, Any], app: dict[str, Any]) -> Result:
    flags = int(app.get("flags") or 0)
    enabled = bool(flags & (GATEWAY_MESSAGE_CONTENT | GATEWAY_MESSAGE_CONTENT_LIMITED))
    bot = f"{me.get('username', '?')} ({me.get('id', '?')})"
    servers = app.get("approximate_guild_count")
    detail = f"logged in as {bot}"
    if isinstance(servers, int):
        detail += f", in {servers} server{'s' * (servers != 1)}"
    if settings.discord_message_content and not enabled:
        return problem(
            NAME,
            f"{detail}; DISCORD_MESSAGE_CONTENT asks for the Message Content intent, but the "
            "application doesn't have it enabled (Discord would refuse the connection)",
            f"{PORTAL}/{app.get('id', me.get('id', ''))}/bot → Privileged Gateway Intents → "
            "switch on Message Content Intent and save; or unset DISCORD_MESSAGE_CONTENT "
            "(mentions work without it)",
        )
    if settings.discord_message_content:
        detail += "; Message Content intent enabled: plain thread messages refine"
    elif enabled:
        detail += (
            "; Message Content is enabled in the portal but DISCORD_MESSAGE_CONTENT is off: "
            "only mentions refine"
        )
    else:
        detail += "; mentions refine (Message Content intent not requested)"
    return ok(NAME, detail)


def _trouble(status: int, what: str) -> Result:
    if status == 429:
        return problem(NAME, f"Discord rate-limited {what} (429)", "wait a minute and try again")
    return problem(
        NAME,
        f"Discord answered {status} to {what}",
        "try again later (discordstatus.com); check DISCORD_API_URL if you set it",
    )
