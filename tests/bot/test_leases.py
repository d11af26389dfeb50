"""Two bot processes on one database plan one round per channel at a time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import Setlist
from bot.catalog.index import Catalog
from bot.events import MessagePosted
from bot.keys import ChannelKey
from bot.planner.base import Plan, PlanRequest
from bot.planner.offline import OfflinePlanner
from bot.replies import Problem, RoundPosted
from bot.store import open_store
from bot.store.base import Store
from tests.conftest import ALICE, BOB
from tests.pgserver import new_database

KEY = ChannelKey.console("shared")


class TimedPlanner:
    """The offline planner, taking a while, noting when each plan ran."""

    def __init__(self, catalog: Catalog, spans: list[tuple[float, float]]) -> None:
        self.inner, self.spans = OfflinePlanner(catalog), spans
        self.name, self.overask = self.inner.name, self.inner.overask

    async def propose(self, request: PlanRequest) -> Plan:
        start = time.monotonic()
        await asyncio.sleep(0.3)
        plan = await self.inner.propose(request)
        self.spans.append((start, time.monotonic()))
        return plan


@pytest.fixture(params=["sqlite", "postgres"])
async def stores(request, tmp_path: Path) -> AsyncIterator[tuple[Store, Store]]:
    if request.param == "postgres":
        url = await new_database(request.getfixturevalue("postgres"))
    else:
        url = str(tmp_path / "shared.db")
    first = await open_store(url)
    second = await open_store(url)  # a second connection, as another process has
    yield first, second
    await first.close()
    await second.close()


async def test_two_processes_take_turns_at_a_channels_rounds(stores, builtin: Catalog):
    spans: list[tuple[float, float]] = []
    one, two = (Setlist(s, TimedPlanner(builtin, spans), builtin) for s in stores)
    await one.reply_all(MessagePosted(KEY, ALICE, "/new 90s hip hop"))
    spans.clear()
    # Both members ask for more at the same instant, each reaching another process.
    said = await asyncio.gather(
        one.reply_all(MessagePosted(KEY, ALICE, "/more")),
        two.reply_all(MessagePosted(KEY, BOB, "/more")),
    )
    assert not [r for replies in said for r in replies if isinstance(r, Problem)], said
    (_, first_end), (second_start, _) = sorted(spans)
    assert first_end <= second_start  # the second plan began after the first round landed
    rounds = sorted(r.round_no for replies in said for r in replies if isinstance(r, RoundPosted))
    assert rounds == [2, 3]
    session = await stores[0].active_session(str(KEY))
    # Each "more" on a full list grew it by 5 and filled the room: nothing planned twice.
    assert session.target_length == len(session.tracks) == 25
    assert len({t.key for t in session.tracks}) == 25
