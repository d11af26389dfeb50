"""bot.logs: redaction of configured, remembered and token-shaped secrets; JSON lines."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from datetime import datetime

import httpx2
import pytest
import requests
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.fernet import Fernet

from bot import logs
from bot.config import Settings
from bot.errors import ConfigError
from bot.secrets import Vault
from tests.logcapture import captured_logs, json_lines

log = logging.getLogger("setlist.test")


def fresh(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(24)


# (text with a secret in it, the secret, what must survive around it)
XOXB, XOXP, XAPP = fresh("xoxb-1-"), fresh("xoxp-2-"), fresh("xapp-1-A0-")
ANTHROPIC = fresh("sk-ant-api03-")
DISCORD = "MTE4NzY1NDMyMTAxMjM0NTY3OA.GhIjKl." + secrets.token_urlsafe(28)
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0." + secrets.token_urlsafe(32)
OPAQUE = secrets.token_urlsafe(24)  # Spotify tokens have no shape: only their context tells
BASIC = "c2V0bGlzdC1jbGllbnQ6" + secrets.token_urlsafe(30).replace("-", "+").replace("_", "/")
SHAPES = [
    (f"token is {XOXB}.", XOXB, "token is "),
    (f"user token {XOXP}", XOXP, "user token "),
    (f"rotating xoxe.{XOXP}", XOXP, "rotating "),
    (f"connect with {XAPP}", XAPP, "connect with "),
    (f"key={ANTHROPIC}", ANTHROPIC, "key="),
    (f"logged in with {DISCORD} ok", DISCORD, " ok"),
    (f"id_token: {JWT}", JWT, "id_token: "),
    (f"Headers: {{'Authorization': 'Bearer {OPAQUE}'}}", OPAQUE, "'Authorization': 'Bearer "),
    (f"authorization: bearer {OPAQUE}", OPAQUE, "authorization: bearer "),
    (f"{{'Authorization': 'Bot {DISCORD}'}}", DISCORD, "'Bot "),
    (f"Authorization: Basic {BASIC}", BASIC, "Authorization: Basic "),
    (f'GET /cb?code={OPAQUE}&state=xyz HTTP/1.1"', OPAQUE, "&state=xyz HTTP/1.1"),
    (f"POST /api/token body grant_type=refresh_token&refresh_token={OPAQUE}", OPAQUE, "grant"),
    (f"GET /v1/me?access_token={OPAQUE} 200", OPAQUE, "/v1/me?access_token="),
    (f"form client_secret={OPAQUE}&client_id=abc", OPAQUE, "&client_id=abc"),
    (f'{{"access_token": "{OPAQUE}", "expires_in": 3600}}', OPAQUE, '"expires_in": 3600'),
    (f'{{"refresh_token":"{OPAQUE}"}}', OPAQUE, '"refresh_token":"'),
    (f"Body: {{'code': '{OPAQUE}', 'redirect_uri': 'http://127.0.0.1/cb'}}", OPAQUE, "redirect"),
    (f"Body: {{'code_verifier': '{OPAQUE}'}}", OPAQUE, "'code_verifier': '"),
    (f"callback (request: {{'code': ['{OPAQUE}'], 'state': ['s1']}})", OPAQUE, "'state': ['s1']"),
    (f'{{"token": ["{OPAQUE}"]}}', OPAQUE, '"token": ["'),
    (f"data: {{'client_secret': '{OPAQUE}'}}", OPAQUE, "'client_secret': '"),
    (f"posting to https://hooks.slack.com/commands/T0/123/{OPAQUE}", OPAQUE, "hooks.slack.com/"),
]


@pytest.mark.parametrize(("text", "secret", "kept"), SHAPES)
def test_each_token_shape_is_redacted(text: str, secret: str, kept: str):
    out = logs.redact(text)
    assert secret not in out and logs.REDACTED in out
    assert kept in out  # only the secret goes, not its context


@pytest.mark.parametrize(
    "text",
    [
        "the bot posted 15 tracks in 2.1 s",
        "Basic understanding of the round",
        "exited with code 1; code: 2",
        "max_tokens=1024 input_tokens=300",
        "GET /authorize?client_id=abc&code_challenge=xyz&code_challenge_method=S256",
        'HTTP Request: GET http://127.0.0.1:4000/v1/search?q=disco&limit=10 "200 OK"',
        "spotify:track:4uLU6hMCjMI75M1A2tKUQC and api.spotify.com.example.org",
    ],
)
def test_ordinary_text_is_left_alone(text: str):
    assert logs.redact(text) == text


def test_configured_secrets_go_from_message_args_extras_and_tracebacks():
    settings = Settings(
        db=":memory:",
        spotify_client_secret=fresh(),
        secret_key=Fernet.generate_key().decode(),
        slack_signing_secret=fresh(),
        discord_token=fresh(),
        spotify_client_id="visible-client-id",
    )
    with captured_logs(settings, level="INFO") as stream:
        log.info("signing with %s", settings.slack_signing_secret)
        log.info(f"careless: {settings.secret_key}")
        log.info("about", extra={"job": {"key": settings.discord_token}, "n": 3})
        try:
            raise ValueError(f"refused {settings.spotify_client_secret}")
        except ValueError:
            log.exception("spotify said no")
        log.debug("below the level: not written %s", settings.discord_token)
        log.info("client %s", settings.spotify_client_id)
    text = stream.getvalue()
    for value in logs.configured_secrets(settings):
        assert value not in text
    records = json_lines(stream)
    assert len(records) == 5  # one line each, the traceback included
    assert records[0]["message"] == "signing with [redacted]"
    assert records[1]["message"] == "careless: [redacted]"
    assert records[2]["job"] == {"key": "[redacted]"} and records[2]["n"] == 3
    failure = records[3]
    assert failure["level"] == "ERROR" and failure["message"] == "spotify said no"
    assert (
        "Traceback" in failure["exception"]
        and "ValueError: refused [redacted]" in (failure["exception"])
    )
    assert records[4]["message"] == "client visible-client-id"  # repr=True: not a secret


def test_json_lines_carry_ts_level_logger_message_and_extras():
    with captured_logs(Settings(db=":memory:"), level="INFO") as stream:
        logging.getLogger("setlist.rounds").warning(
            "round %d planned", 2, extra={"channel": "console:x", "ms": 41.5, "when": datetime}
        )
    (record,) = json_lines(stream)
    assert record["level"] == "WARNING" and record["logger"] == "setlist.rounds"
    assert record["message"] == "round 2 planned"
    assert record["channel"] == "console:x" and record["ms"] == 41.5
    assert record["when"] == str(datetime)  # not JSON: written as text
    assert record["ts"].endswith("Z")
    assert abs(datetime.fromisoformat(record["ts"]).timestamp() - __import__("time").time()) < 60
    assert "exception" not in record


def test_text_format():
    secret = fresh()
    with captured_logs(
        Settings(db=":memory:", slack_bot_token=secret), level="INFO", fmt="text"
    ) as stream:
        log.info("token %s", secret)
    assert stream.getvalue() == "INFO setlist.test: token [redacted]\n"


def test_the_database_password_is_a_configured_secret():
    password = fresh()
    url = f"postgresql://setlist:{password}@db:5432/setlist"
    with captured_logs(Settings(db=url), level="INFO", fmt="text") as stream:
        log.info("connecting to %s", url)
    assert stream.getvalue() == (
        "INFO setlist.test: connecting to postgresql://setlist:[redacted]@db:5432/setlist\n"
    )


def test_a_bad_format_string_is_still_redacted():
    secret = fresh("xoxb-")
    record = log.makeRecord(log.name, logging.INFO, __file__, 1, "%d tracks", (secret,), None)
    assert logs.Redactor().filter(record)  # logging would print msg and args raw on error
    assert record.getMessage() == "%d tracks ('[redacted]',)"


def test_secrets_the_vault_touches_are_redacted_alone():
    vault = Vault(Fernet.generate_key().decode())
    access, refresh, bot_token = fresh(), fresh(), fresh()
    token = {"access_token": access, "refresh_token": refresh, "token_type": "Bearer"}
    sealed = vault.seal(json.dumps(token))
    other = Vault(Fernet.generate_key().decode())
    hook = f"https://hooks.slack.com/services/T0VISIBLE/B0/{fresh()}"
    installation = {"bot_token": bot_token, "team_id": "T0VISIBLE", "incoming_webhook_url": hook}
    other.open(other.seal(json.dumps(installation)))
    assert json.loads(vault.open(sealed)) == token
    with captured_logs(Settings(db=":memory:"), level="INFO") as stream:
        log.info("saw %s then %s / %s", access, refresh, bot_token)
        log.info("team T0VISIBLE, token type Bearer, services and webhooks")
    first, second = (r["message"] for r in json_lines(stream))
    assert first == "saw [redacted] then [redacted] / [redacted]"
    assert second == "team T0VISIBLE, token type Bearer, services and webhooks"


def test_remembered_secrets_are_bounded_least_recently_used_first():
    keep, dropped = fresh(), fresh()
    for value in [keep, dropped, *(fresh() for _ in range(logs.REMEMBERED - 2))]:
        logs.remember_secret(value)  # the set is full of these alone now
    logs.remember_secret(keep)  # used again: kept
    logs.remember_secret(fresh())  # one too many: the least recently used goes
    assert logs.redact(keep) == logs.REDACTED
    assert logs.redact(dropped) == dropped


def test_bad_level_or_format_is_a_config_error():
    with pytest.raises(ConfigError, match="SETLIST_LOG_LEVEL='LOUD'"):
        logs.configure(Settings(db=":memory:", log_level="LOUD"))
    with pytest.raises(ConfigError, match="SETLIST_LOG_FORMAT='xml'"):
        logs.configure(Settings(db=":memory:", log_format="xml"))


async def test_request_lines_of_urllib3_and_httpx2_lose_their_query_tokens():
    async def ok(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_get("/v1/me", ok)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    base = f"http://127.0.0.1:{server.port}"
    access, refresh, code = fresh(), fresh(), fresh()
    try:
        with captured_logs(Settings(db=":memory:")) as stream:
            with requests.Session() as http:
                await asyncio.to_thread(http.get, f"{base}/v1/me?access_token={access}")
            async with httpx2.AsyncClient() as client:
                await client.get(f"{base}/v1/me?refresh_token={refresh}&code={code}")
    finally:
        await server.close()
    records = json_lines(stream)
    text = stream.getvalue()
    assert access not in text and refresh not in text and code not in text
    by = {r["logger"] for r in records if "/v1/me?" in r["message"]}
    assert {"urllib3.connectionpool", "httpx2", "aiohttp.access"} <= by
