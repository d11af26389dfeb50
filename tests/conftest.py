"""Shared fixtures: a temporary database, the offline core, the imported 28k catalog."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.app import Setlist
from bot.catalog.importer import read_catalog
from bot.catalog.index import Catalog, builtin_tracks
from bot.catalog.model import CatalogTrack
from bot.events import Member, MessagePosted
from bot.keys import ChannelKey
from bot.planner.offline import OfflinePlanner
from bot.replies import Reply
from bot.store.sqlite import SqliteStore

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SONGS_CSV = SHARED / "spotify_songs_tidytuesday" / "spotify_songs.csv"

ALICE = Member("u-alice", "alice")
BOB = Member("u-bob", "bob")
CAROL = Member("u-carol", "carol")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "setlist.db"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[SqliteStore]:
    s = await SqliteStore.open(db_path)
    yield s
    await s.close()


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """The admin URL of a PostgreSQL server for this test run: SETLIST_TEST_DATABASE_URL,
    else a throwaway server started here (skipped without PostgreSQL, except in CI)."""
    from tests.pgserver import PostgresServer

    if url := os.environ.get("SETLIST_TEST_DATABASE_URL"):
        yield url
        return
    try:
        server = PostgresServer().init()
    except FileNotFoundError as exc:
        if os.environ.get("SETLIST_REQUIRE_POSTGRES") == "1":
            raise
        pytest.skip(f"no PostgreSQL here ({exc}); `.ci/run` installs it")
    try:
        yield server.url()
    finally:
        server.destroy()


@pytest.fixture
async def postgres_url(postgres: str) -> str:
    """A fresh, empty database on that server."""
    from tests.pgserver import new_database

    return await new_database(postgres)


@pytest.fixture(scope="session")
def builtin() -> Catalog:
    return Catalog(builtin_tracks())


@pytest.fixture(scope="session")
def imported_tracks() -> list[CatalogTrack]:
    if not SONGS_CSV.exists():
        pytest.skip(f"{SONGS_CSV} is absent: the imported-catalog tests need ../shared/data")
    return read_catalog(SONGS_CSV)


@pytest.fixture(scope="session")
def imported(imported_tracks: list[CatalogTrack]) -> Catalog:
    return Catalog(imported_tracks)


@pytest.fixture
async def app(store: SqliteStore, builtin: Catalog) -> Setlist:
    return Setlist(store, OfflinePlanner(builtin), builtin)


class Chat:
    """Say things in one channel as different members, through the core."""

    def __init__(self, app: Setlist, channel: str = "test") -> None:
        self.app = app
        self.key = ChannelKey.console(channel)

    async def say(self, text: str, member: Member = ALICE) -> list[Reply]:
        return await self.app.reply_all(MessagePosted(self.key, member, text))

    async def session(self):
        return await self.app.store.active_session(str(self.key))


@pytest.fixture
def chat(app: Setlist) -> Chat:
    return Chat(app)
