"""Secrets at rest and in logs: the real Spotify login, rounds and publishing, and a real Slack
OAuth install, against the local fakes, with every logger at DEBUG in JSON. No token the fakes
issued and no configured secret may appear in the SQLite files (-wal and -shm included, open
or closed) or in the log; the stored ones must be there, sealed."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from cryptography.fernet import Fernet

import bot.spotify.client  # noqa: F401  (it quiets spotipy at import: before capturing)
from adapters.slack.app import SlackAdapter
from adapters.slack.installations import StoreInstallations
from adapters.slack.poster import Pacer
from bot.app import Setlist
from bot.catalog.index import Catalog
from bot.cli import build
from bot.config import Settings
from bot.errors import ConfigError
from bot.events import MessagePosted
from bot.keys import ChannelKey
from bot.planner.offline import OfflinePlanner
from bot.replies import Problem, Text
from bot.secrets import KEY_FILE, Vault
from bot.spotify.auth import TOKEN_SECRET
from bot.spotify.login import login
from bot.store.sqlite import SqliteStore
from tests.conftest import ALICE
from tests.fakes import slack_api
from tests.fakes.spotify_api import Dataset, FakeSpotify
from tests.logcapture import captured_logs, json_lines

log = logging.getLogger("setlist.test")
KEY = ChannelKey.console("vault")


def fresh() -> str:
    return secrets.token_urlsafe(24)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_files(db: Path, when: str) -> dict[str, bytes]:
    """The database and its WAL and shared-memory files, as they are on disk now."""
    files = {
        f"{p.name} ({when})": p.read_bytes()
        for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm"))
        if p.exists()
    }
    assert files.get(f"{db.name} ({when})")  # there is a database to look into
    return files


def assert_nowhere(found: set[str], places: dict[str, bytes | str]) -> None:
    assert found and all(len(s) >= 8 for s in found)  # something real to look for
    for where, content in places.items():
        data = content.encode() if isinstance(content, str) else content
        leaked = [s for s in found if s.encode() in data]
        assert not leaked, f"{len(leaked)} secret(s) in {where} in the clear"


def check_log(stream) -> list[dict]:
    """Valid JSON lines, each with the four fields."""
    records = json_lines(stream)
    assert records and all({"ts", "level", "logger", "message"} <= r.keys() for r in records)
    return records


@pytest.fixture(scope="module")
def spotify_data() -> Dataset:
    return Dataset(None)  # the built-in catalog (and its decoys) is enough here


@pytest.fixture
async def spotify(spotify_data: Dataset) -> AsyncIterator[FakeSpotify]:
    server = FakeSpotify(spotify_data)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def slack() -> AsyncIterator[slack_api.FakeSlack]:
    server = await slack_api.FakeSlack().start()
    yield server
    await server.close()


async def wait_for_url(lines: list[str]) -> str:
    for _ in range(250):
        for word in " ".join(lines).split():
            if word.startswith("http") and "/authorize?" in word:
                return word
        await asyncio.sleep(0.02)
    raise AssertionError(f"no authorize URL in {lines}")


async def test_spotify_login_rounds_and_publish_leave_no_token_in_the_clear(
    spotify: FakeSpotify, tmp_path: Path
):
    db = tmp_path / "setlist.db"
    settings = Settings(
        db=str(db),
        spotify_client_id="setlist-test-client",
        spotify_client_secret=fresh(),  # configured, yet a PKCE login never sends it
        spotify_api_url=f"{spotify.base_url}/v1/",
        spotify_accounts_url=f"{spotify.base_url}/",
        spotify_redirect_uri=f"http://127.0.0.1:{free_port()}/callback",
        secret_key=Fernet.generate_key().decode(),
    )
    store = await SqliteStore.open(db)
    try:
        with captured_logs(settings) as stream:
            lines: list[str] = []
            task = asyncio.create_task(login(settings, store, say=lines.append, stdin=False))
            url = await wait_for_url(lines)
            async with aiohttp.ClientSession() as browser:  # the owner approves on Spotify
                async with browser.get(url, allow_redirects=False) as approved:
                    landed = approved.headers["Location"]
                async with browser.get(landed) as page:
                    assert page.status == 200
            code = parse_qs(urlparse(landed).query)["code"][0]
            assert await task == "Setlist Owner"
            app = await build(store, settings)
            await app.reply_all(MessagePosted(KEY, ALICE, "/new disco"))
            session = await store.active_session(str(KEY))
            assert session.tracks and all(t.uri for t in session.tracks)  # grounded on Spotify
            issued = set(spotify.access_tokens)
            spotify.expire_tokens()  # the next call refreshes: the refresh token travels too
            replies = await app.reply_all(MessagePosted(KEY, ALICE, "/publish Vault test"))
            assert any(isinstance(r, Text) and r.text.startswith("Published") for r in replies), (
                replies
            )
            issued |= spotify.access_tokens
            # A careless line in our own code: the handler still catches the secrets.
            log.debug("settings %s %s", settings.spotify_client_secret, settings.secret_key)
        assert spotify.paths("POST").count("/api/token") == 2  # the login, then a refresh
        # The tokens are stored (sealed), the latest refresh token and access token among them.
        sealed = await store.get_secret(TOKEN_SECRET)
        stored = json.loads(Vault(settings.secret_key).open(sealed))
        assert stored["refresh_token"] in spotify.refresh_tokens
        assert stored["access_token"] in issued
        assert stored["flow"] == "pkce"  # a refresh keeps how the login was made
        tokens = issued | spotify.refresh_tokens | {code}
        configured = {settings.spotify_client_secret, settings.secret_key}
        assert len(issued) == 2 and len(spotify.refresh_tokens) == 1
        while_open = database_files(db, "open")
        assert f"{db.name}-wal (open)" in while_open  # WAL mode: the latest writes sit there
    finally:
        await store.close()
    text = stream.getvalue()
    assert_nowhere(
        tokens | configured, {**while_open, **database_files(db, "closed"), "the log": text}
    )
    records = check_log(stream)
    by_logger: dict[str, list[str]] = {}
    for r in records:
        by_logger.setdefault(r["logger"], []).append(r["message"])
    # The log really saw the tokens travel, and redacted them where they went by.
    spotipy = by_logger["spotipy.client"] + by_logger["spotipy.oauth2"]
    assert any("'Authorization': 'Bearer [redacted]'" in m for m in spotipy)
    assert any("'refresh_token': '[redacted]'" in m for m in spotipy)
    assert any("'code': '[redacted]'" in m for m in spotipy)
    assert any('"GET /v1/search?' in m for m in by_logger["urllib3.connectionpool"])
    assert any("/callback?code=[redacted]&state=" in m for m in by_logger["aiohttp.access"])
    assert by_logger["setlist.test"] == ["settings [redacted] [redacted]"]
    assert any(m.startswith("Spotify answered 401") for m in by_logger["setlist.spotify"])


# slack_sdk's oauth.v2.access still passes aiohttp.BasicAuth, which aiohttp deprecates.
@pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")
async def test_slack_install_keeps_the_bot_token_sealed_and_out_of_the_log(
    slack: slack_api.FakeSlack, builtin: Catalog, tmp_path: Path
):
    db = tmp_path / "setlist.db"
    settings = Settings(
        db=str(db),
        slack_client_id="111.222",
        slack_client_secret=fresh(),
        slack_signing_secret=fresh(),
        slack_api_url=slack.api_url,
        secret_key=Fernet.generate_key().decode(),
    )
    store = await SqliteStore.open(db)
    core = Setlist(store, OfflinePlanner(builtin), builtin, prefix="/setlist ")
    adapter = SlackAdapter(core, store, settings, oauth=True, pacer=Pacer(rate=0))
    server = TestServer(adapter.web_app(), host="127.0.0.1", port=0)
    await server.start_server()
    base = f"http://127.0.0.1:{server.port}"
    code = fresh()
    try:
        with captured_logs(settings) as stream:
            async with aiohttp.ClientSession() as browser:
                async with browser.get(f"{base}/slack/install", allow_redirects=False) as page:
                    body = await page.text()
                    cookie = page.headers["Set-Cookie"].split(";")[0]
                link = body[body.index("https://slack.com/oauth/v2/authorize") :].split('"')[0]
                state = parse_qs(urlparse(link.replace("&amp;", "&")).query)["state"][0]
                slack.oauth_codes[code] = "T0NEW"  # the admin approves on slack.com
                callback = f"{base}/slack/oauth_redirect?code={code}&state={state}"
                async with browser.get(callback, headers={"Cookie": cookie}) as done:
                    assert done.status == 200, await done.text()
                # The new workspace uses the app: its token is opened and used.
                sender = slack_api.SignedSender(
                    browser, f"{base}/slack/events", secret=settings.slack_signing_secret
                )
                command = slack_api.command("new disco", team_id="T0NEW")
                assert (await sender.command(command))[0] == 200
                await adapter.idle()
            log.debug("settings %s", settings.slack_client_secret)  # a careless line
        bot_token = next(t for t, team in slack.tokens.items() if team == "T0NEW")
        posts = slack.called("chat.postMessage")
        assert posts and {c.token for c in posts} == {bot_token}
        found = await StoreInstallations(store, settings.secret_key).async_find_bot(
            enterprise_id=None, team_id="T0NEW"
        )
        assert found.bot_token == bot_token  # stored, sealed
        while_open = database_files(db, "open")
    finally:
        await server.close()
        await store.close()
    configured = {settings.slack_client_secret, settings.slack_signing_secret, settings.secret_key}
    text = stream.getvalue()
    assert_nowhere(
        {bot_token, code} | configured,
        {**while_open, **database_files(db, "closed"), "the log": text},
    )
    records = check_log(stream)
    messages = [r["message"] for r in records]
    assert any("'access_token': '[redacted]'" in m for m in messages)  # oauth.v2.access's answer
    assert any(
        "/slack/oauth_redirect?code=[redacted]&state=" in r["message"]
        for r in records
        if r["logger"] == "aiohttp.access"
    )
    assert any(r["logger"].startswith("slack_sdk") for r in records)
    assert "settings [redacted]" in messages


async def test_a_secret_sealed_with_one_key_is_not_read_with_another(store, builtin, tmp_path):
    key, other = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = {"access_token": fresh(), "refresh_token": fresh(), "expires_at": 0}
    await store.set_secret(TOKEN_SECRET, Vault(key).seal(json.dumps(token)))
    sealed = await store.get_secret(TOKEN_SECRET)
    assert json.loads(Vault(key).open(sealed)) == token
    with pytest.raises(ConfigError, match="can't be decrypted with this SETLIST_SECRET_KEY"):
        Vault(other).open(sealed)
    # Through the core: a round says what is wrong instead of failing blindly.
    settings = Settings(
        db=str(tmp_path / "setlist.db"),
        spotify_client_id="setlist-test-client",
        spotify_api_url="http://127.0.0.1:9/v1/",  # never reached: the key fails first
        spotify_accounts_url="http://127.0.0.1:9/",
        secret_key=other,
    )
    app = await build(store, settings)
    replies = await app.reply_all(MessagePosted(KEY, ALICE, "/new disco"))
    problems = [r.text for r in replies if isinstance(r, Problem)]
    assert problems and "SETLIST_SECRET_KEY" in problems[0], replies


@pytest.mark.parametrize(
    "url", ["postgresql://setlist@db.internal/setlist", "postgres://u:p@127.0.0.1:5432/s"]
)
def test_a_database_server_needs_a_configured_key(url: str, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where a generated key would otherwise land
    with pytest.raises(ConfigError, match="SETLIST_SECRET_KEY is required with a database"):
        Vault.for_settings("", url)
    assert not list(tmp_path.iterdir())  # nothing generated
    key = Fernet.generate_key().decode()
    assert Vault.for_settings(key, url).open(Vault(key).seal("x")) == "x"


def test_a_sqlite_url_keeps_its_generated_key_beside_the_file(tmp_path: Path):
    first = Vault.for_settings("", f"sqlite:///{tmp_path}/setlist.db")
    assert (tmp_path / KEY_FILE).exists() and oct((tmp_path / KEY_FILE).stat().st_mode)[-3:] == (
        "600"
    )
    again = Vault.for_settings("", str(tmp_path / "setlist.db"))  # the same key, found again
    assert again.open(first.seal("kept")) == "kept"
