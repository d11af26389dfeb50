"""PostgreSQL restarted (and crashed) under a burst of votes: every vote the bot acknowledged
is kept, every other member is told clearly, and the bot carries on without a restart."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator

import pytest

from bot.app import Setlist
from bot.catalog.index import Catalog
from bot.events import Member, MessagePosted, VoteCast
from bot.keys import ChannelKey
from bot.planner.offline import OfflinePlanner
from bot.replies import Problem
from bot.store import open_store
from bot.store.postgres import PostgresStore
from tests.faults.conftest import clear
from tests.pgserver import PostgresServer, binaries, new_database

KEY = ChannelKey.console("restart")


@pytest.fixture(scope="module")
def server() -> Iterator[PostgresServer]:
    """A server of this test's own, since the test stops it."""
    if binaries() is None and os.environ.get("SETLIST_REQUIRE_POSTGRES") != "1":
        pytest.skip("no PostgreSQL here; `.ci/run` installs it")
    server = PostgresServer().init()
    yield server
    server.destroy()


@pytest.mark.parametrize("mode", ["fast", "immediate"])  # a clean restart, then a crash
async def test_votes_across_a_database_restart(server: PostgresServer, builtin: Catalog, mode):
    store = await open_store(await new_database(server.url()))
    app = Setlist(store, OfflinePlanner(builtin), builtin)
    await app.reply_all(MessagePosted(KEY, Member("u0", "host"), "new 90s hip hop"))
    members = [Member(f"u{i}", f"m{i}") for i in range(1, 121)]
    acked: list[tuple[Member, int]] = []
    refused: list[str] = []
    waits: list[float] = []

    async def vote(member: Member, delay: float) -> None:
        await asyncio.sleep(delay)
        position = 1 + int(member.id[1:]) % 15
        start = time.monotonic()
        replies = await app.reply_all(VoteCast(KEY, member, position, "up"))
        waits.append(time.monotonic() - start)
        said = [r.text for r in replies if isinstance(r, Problem)]
        clear([r.text for r in replies if hasattr(r, "text")])
        if said:
            refused.extend(said)
        else:
            acked.append((member, position))

    async def restart() -> None:
        await asyncio.sleep(0.3)  # mid-burst
        await asyncio.to_thread(server.stop, mode)
        await asyncio.sleep(0.5)  # votes keep arriving while it's down
        await asyncio.to_thread(server.start)

    await asyncio.gather(restart(), *(vote(m, i * 0.01) for i, m in enumerate(members)))
    # Most votes wait out the restart; a vote caught in COMMIT is refused with a clear line.
    assert len(acked) + len(refused) == len(members)
    assert len(acked) >= len(members) - 5, refused
    assert max(waits) > 0.4  # some votes did arrive while the server was down
    session = await store.active_session(str(KEY))
    for member, position in acked:
        assert session.track_at(position).votes.get(member.id) == "up", member
    # The same store object goes on working: no reopen, no restart of the bot.
    replies = await app.reply_all(MessagePosted(KEY, Member("u0", "host"), "more"))
    assert not [r for r in replies if isinstance(r, Problem)]
    assert (await store.active_session(str(KEY))).round_no == 2
    await store.close()


async def test_a_database_down_for_long_gets_a_clear_line(
    server: PostgresServer, builtin: Catalog
):
    store = await PostgresStore.open(await new_database(server.url()), reconnect=0.5)
    app = Setlist(store, OfflinePlanner(builtin), builtin)
    await app.reply_all(MessagePosted(KEY, Member("u0", "host"), "new disco"))
    server.stop("fast")
    replies = await app.reply_all(VoteCast(KEY, Member("u1", "m1"), 1, "up"))
    said = [r.text for r in replies if isinstance(r, Problem)]
    assert said and "database" in said[0] and "Try again" in said[0], said
    clear(said)
    server.start()
    replies = await app.reply_all(VoteCast(KEY, Member("u1", "m1"), 1, "up"))
    assert not [r for r in replies if isinstance(r, Problem)]
    assert (await store.active_session(str(KEY))).track_at(1).votes == {"u1": "up"}
    await store.close()
