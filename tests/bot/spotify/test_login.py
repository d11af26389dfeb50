"""`setlist spotify login`: PKCE through the loopback redirect, or a pasted URL; the token
is stored encrypted and used afterwards."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.cli import build
from bot.config import Settings
from bot.errors import ConfigError
from bot.events import MessagePosted
from bot.keys import ChannelKey
from bot.spotify.auth import TOKEN_SECRET
from bot.spotify.login import login
from bot.store.sqlite import SqliteStore
from tests.conftest import ALICE
from tests.fakes.spotify_api import FakeSpotify

ROOT = Path(__file__).resolve().parents[3]


async def wait_for_url(lines: list[str]) -> str:
    for _ in range(200):
        for line in lines:
            for word in line.split():
                if word.startswith("http") and "/authorize?" in word:
                    return word
        await asyncio.sleep(0.02)
    raise AssertionError(f"no authorize URL in {lines}")


def database_bytes(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


async def test_login_through_the_loopback_redirect(
    settings: Settings, store: SqliteStore, fake: FakeSpotify, db_path: Path
):
    settings = dataclasses.replace(settings, spotify_refresh_token="")
    lines: list[str] = []
    task = asyncio.create_task(login(settings, store, say=lines.append, stdin=False))
    url = await wait_for_url(lines)
    assert "code_challenge_method=S256" in url and "client_id=setlist-test-client" in url
    # the browser: Spotify redirects to us
    async with aiohttp.ClientSession() as http, http.get(url) as page:
        assert page.status == 200 and "logged in" in (await page.text())
    assert await task == "Setlist Owner"
    assert any("Logged in as Setlist Owner" in line for line in lines)
    sealed = await store.get_secret(TOKEN_SECRET)
    assert sealed.startswith("gAAAA")  # Fernet
    stored = database_bytes(db_path)
    for token in fake.access_tokens | fake.refresh_tokens:
        assert token.encode() not in stored  # no token in plaintext in the database
    # the bot now works with the stored login alone
    app = await build(store, settings)
    await app.reply_all(MessagePosted(ChannelKey.console("x"), ALICE, "/new disco"))
    session = await store.active_session("console:x")
    assert all(t.uri for t in session.tracks)


async def test_localhost_redirect_is_refused(settings: Settings, store: SqliteStore):
    settings = dataclasses.replace(settings, spotify_redirect_uri="http://localhost:8888/callback")
    with pytest.raises(ConfigError, match=r"127\.0\.0\.1"):
        await login(settings, store, say=lambda _: None, stdin=False)


async def test_headless_login_with_a_pasted_url(
    settings: Settings, fake: FakeSpotify, db_path: Path
):
    with socket.socket() as busy:  # the redirect port is taken: pasting is the only way
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {
            **os.environ,
            "SETLIST_DB": str(db_path),
            "SPOTIFY_CLIENT_ID": "cli-client",
            "SPOTIFY_API_URL": f"{fake.base_url}/v1/",
            "SPOTIFY_ACCOUNTS_URL": f"{fake.base_url}/",
            "SPOTIFY_REDIRECT_URI": f"http://127.0.0.1:{port}/callback",
            "SETLIST_SECRET_KEY": settings.secret_key,
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "spotify",
            "login",
            cwd=ROOT,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        lines: list[str] = []

        async def read() -> None:
            async for raw in proc.stdout:
                lines.append(raw.decode())

        reader = asyncio.create_task(read())
        url = await wait_for_url(lines)
        async with aiohttp.ClientSession() as http, http.get(url, allow_redirects=False) as r:
            landed = r.headers["Location"]
        assert landed.startswith(f"http://127.0.0.1:{port}/callback?code=")
        proc.stdin.write((landed + "\n").encode())
        await proc.stdin.drain()
        code = await asyncio.wait_for(proc.wait(), 60)
        await reader
        errors = (await proc.stderr.read()).decode()
    assert code == 0, errors
    assert "Traceback" not in errors
    assert any("Logged in as Setlist Owner" in line for line in lines)


async def test_login_without_a_client_id_says_what_to_set(
    settings: Settings, store: SqliteStore, db_path: Path
):
    settings = dataclasses.replace(settings, spotify_client_id="", secret_key="")
    with pytest.raises(ConfigError, match="SPOTIFY_CLIENT_ID is not set"):
        await login(settings, store, say=lambda _: None, stdin=False)
    assert not (db_path.parent / "secret.key").exists()  # nothing generated for nothing
