"""The real AsyncApp behind its aiohttp adapter on 127.0.0.1, a fake Slack beside it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from adapters.slack.app import SlackAdapter
from adapters.slack.poster import Pacer
from bot.app import Setlist
from bot.catalog.index import Catalog
from bot.config import Settings
from bot.planner.offline import OfflinePlanner
from bot.store.sqlite import SqliteStore
from tests.fakes.slack_api import BOT_TOKEN, SIGNING_SECRET, FakeSlack, SignedSender


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    server = await FakeSlack().start()
    yield server
    await server.close()


@pytest.fixture
def settings(fake: FakeSlack, db_path) -> Settings:
    return Settings(
        db=str(db_path),
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake.api_url,
    )


@pytest.fixture
def core(store: SqliteStore, builtin: Catalog) -> Setlist:
    return Setlist(store, OfflinePlanner(builtin), builtin, prefix="/setlist ")


@dataclass
class Running:
    adapter: SlackAdapter
    sender: SignedSender
    fake: FakeSlack
    url: str

    async def settle(self) -> None:
        await self.adapter.idle()


@pytest.fixture
async def slack(
    fake: FakeSlack, settings: Settings, core: Setlist, store: SqliteStore
) -> AsyncIterator[Running]:
    adapter = SlackAdapter(core, store, settings, pacer=Pacer(rate=0))
    server = TestServer(adapter.web_app(), host="127.0.0.1", port=0)
    await server.start_server()
    url = f"http://127.0.0.1:{server.port}/slack/events"
    async with aiohttp.ClientSession() as session:
        yield Running(adapter, SignedSender(session, url), fake, url)
        await adapter.idle()
    await server.close()


PROMPT = "a running playlist, EDM, big drops, 160 BPM"


def tracks_in(fake: FakeSlack, channel: str, root: str) -> list[dict]:
    """The thread's track messages (those with Keep/Drop buttons), in order."""
    return [
        m
        for m in fake.thread(channel, root)
        if any(b.get("block_id", "").startswith("vote:") for b in m["blocks"])
    ]


def root_of(fake: FakeSlack, channel: str = "C1") -> str:
    """The latest top-level message the bot posted in a channel: a playlist's thread."""
    tops = [ts for (ch, ts), m in fake.messages.items() if ch == channel and "thread_ts" not in m]
    return max(tops, key=float)


def buttons(message: dict) -> dict[str, str]:
    """action_id → value of a message's buttons."""
    return {
        e["action_id"]: e["value"]
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    }
