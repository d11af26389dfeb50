"""A fake Spotify on 127.0.0.1 and a core wired to it through the real spotipy."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.app import Setlist
from bot.cli import build
from bot.config import Settings
from bot.store.sqlite import SqliteStore
from tests.conftest import SONGS_CSV
from tests.fakes.spotify_api import Dataset, FakeSpotify


@pytest.fixture(scope="session")
def spotify_data() -> Dataset:
    # Without ../shared/data the fake still knows the built-in catalog (and its decoys).
    return Dataset(SONGS_CSV if SONGS_CSV.exists() else None)


@pytest.fixture
async def fake(spotify_data: Dataset) -> AsyncIterator[FakeSpotify]:
    server = FakeSpotify(spotify_data)
    await server.start()
    yield server
    await server.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def settings(fake: FakeSpotify, db_path: Path) -> Settings:
    return Settings(
        db=str(db_path),
        spotify_client_id="setlist-test-client",
        spotify_refresh_token=fake.grant_refresh_token(),
        spotify_api_url=f"{fake.base_url}/v1/",
        spotify_accounts_url=f"{fake.base_url}/",
        spotify_redirect_uri=f"http://127.0.0.1:{free_port()}/callback",
        secret_key=Fernet.generate_key().decode(),
    )


@pytest.fixture
async def spotify_app(store: SqliteStore, settings: Settings) -> Setlist:
    return await build(store, settings)
