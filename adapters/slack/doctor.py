"""`setlist doctor` for Slack: the bot token and its scopes, and what each mode needs."""

from __future__ import annotations

import aiohttp
from slack_sdk.errors import SlackApiError

from adapters.slack.app import SCOPES, web_client
from adapters.slack.app import check as mode_check
from bot.config import Settings
from bot.doctor import Result
from bot.doctor.result import off, ok, problem, unreachable
from bot.errors import ConfigError
from bot.store.base import Store

NAME = "slack"
APPS = "https://api.slack.com/apps"
BOT_TOKEN_FIX = (
    f"{APPS} → your app → OAuth & Permissions: copy the Bot User OAuth Token (xoxb-…) into "
    "SLACK_BOT_TOKEN (reinstall the app if it was uninstalled)"
)
APP_TOKEN_FIX = (
    f"{APPS} → your app → Basic Information → App-Level Tokens: generate one with "
    "connections:write into SLACK_APP_TOKEN, and turn on Socket Mode"
)


async def check(settings: Settings, store: Store | None) -> list[Result]:
    s = settings
    oauth = bool(s.slack_client_id or s.slack_client_secret)
    if not (s.slack_bot_token or s.slack_app_token or s.slack_signing_secret or oauth):
        return [off(NAME, "not configured (set SLACK_BOT_TOKEN to run on Slack)")]
    results = [await _bot(settings)]
    if s.slack_app_token:
        results.append(await _socket_mode(settings))
    if s.slack_signing_secret or oauth:
        results.append(_http_mode(settings))
    if not (s.slack_app_token or s.slack_signing_secret):
        results.append(
            problem(
                f"{NAME} mode",
                "neither Socket Mode (SLACK_APP_TOKEN) nor HTTP mode (SLACK_SIGNING_SECRET) "
                "is configured",
                "set SLACK_APP_TOKEN (xapp-…) for Socket Mode, or SLACK_SIGNING_SECRET for "
                "`setlist slack --http PORT`",
            )
        )
    return results


async def _bot(settings: Settings) -> Result:
    token = settings.slack_bot_token
    if not token:
        if settings.slack_client_id and settings.slack_client_secret:
            return ok(NAME, "no SLACK_BOT_TOKEN: workspaces install over OAuth")
        return problem(NAME, "SLACK_BOT_TOKEN is not set", BOT_TOKEN_FIX)
    if not token.startswith("xoxb-"):
        return problem(NAME, "SLACK_BOT_TOKEN is not a bot token (xoxb-…)", BOT_TOKEN_FIX)
    try:
        answer = await web_client(token, settings.slack_api_url).auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error", "error")
        return problem(NAME, f"Slack refused SLACK_BOT_TOKEN ({error})", BOT_TOKEN_FIX)
    except (aiohttp.ClientError, TimeoutError) as exc:
        return unreachable(NAME, "Slack", settings.slack_api_url, exc, "SLACK_API_URL")
    detail = (
        f"workspace {answer.get('team', '?')} ({answer.get('team_id', '?')}), bot user "
        f"{answer.get('user', '?')} ({answer.get('user_id', '?')})"
    )
    headers = {k.lower(): v for k, v in (answer.headers or {}).items()}
    if "x-oauth-scopes" not in headers:
        return ok(NAME, f"{detail}; Slack didn't say which scopes the token has")
    granted = {g.strip() for g in headers["x-oauth-scopes"].split(",") if g.strip()}
    missing = [scope for scope in SCOPES if scope not in granted]
    if missing:
        return problem(
            NAME,
            f"{detail}; the token lacks the scope{'s' * (len(missing) > 1)} " + ", ".join(missing),
            f"{APPS} → your app → OAuth & Permissions → Bot Token Scopes: add "
            + ", ".join(missing)
            + ", then reinstall the app to the workspace (the token keeps its old scopes "
            "until you do)",
        )
    return ok(NAME, f"{detail}; the token has every scope the app needs")


async def _socket_mode(settings: Settings) -> Result:
    name = f"{NAME} socket mode"
    token = settings.slack_app_token
    if not token.startswith("xapp-"):
        return problem(name, "SLACK_APP_TOKEN is not an app-level token (xapp-…)", APP_TOKEN_FIX)
    try:
        await web_client(None, settings.slack_api_url).apps_connections_open(app_token=token)
    except SlackApiError as exc:
        error = exc.response.get("error", "error")
        return problem(name, f"Slack refused SLACK_APP_TOKEN ({error})", APP_TOKEN_FIX)
    except (aiohttp.ClientError, TimeoutError) as exc:
        return unreachable(name, "Slack", settings.slack_api_url, exc, "SLACK_API_URL")
    try:
        mode_check(settings, http=False)
    except ConfigError as exc:
        return problem(name, "the app-level token works, but Socket Mode can't start", str(exc))
    return ok(name, "the app-level token opens connections: `setlist slack` can connect")


def _http_mode(settings: Settings) -> Result:
    name = f"{NAME} http mode"
    s = settings
    if bool(s.slack_client_id) != bool(s.slack_client_secret):
        have, lack = (
            ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")
            if s.slack_client_id
            else ("SLACK_CLIENT_SECRET", "SLACK_CLIENT_ID")
        )
        return problem(
            name,
            f"{have} is set but {lack} is not: OAuth installs need both",
            f"set {lack} ({APPS} → your app → Basic Information → App Credentials), or unset "
            f"{have}",
        )
    try:
        oauth = mode_check(settings, http=True)
    except ConfigError as exc:
        return problem(name, "`setlist slack --http PORT` can't start", str(exc))
    how = "workspaces install at /slack/install" if oauth else "one workspace (SLACK_BOT_TOKEN)"
    return ok(name, f"signing secret set; {how}")
