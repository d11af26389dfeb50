"""The real bot against the fake Discord: start, restart, drive members, wait for effects."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from adapters.discord.bot import PREFIX, configure, make_bot
from bot.cli import build
from bot.config import Settings
from bot.store.sqlite import SqliteStore
from tests.fakes.discord_api import FakeDiscord, Spec

PROMPT = "a running playlist, EDM, big drops, 160 BPM"


@pytest.fixture(scope="session")
def spec() -> Spec:
    return Spec()


@pytest.fixture
async def fake(spec: Spec) -> AsyncIterator[FakeDiscord]:
    server = await FakeDiscord(spec).start()
    yield server
    await server.close()
    assert server.violations == [], "the bot sent bodies Discord's spec rejects"


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 10.0) -> Any:
    """Poll an async check until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.01)


class Harness:
    """A bot process: start it, stop it, start a fresh one on the same database."""

    def __init__(self, fake: FakeDiscord, store: SqliteStore) -> None:
        self.fake, self.store = fake, store
        self.bot: Any = None
        self.task: asyncio.Task | None = None

    async def start(self, **options: Any) -> Any:
        settings = Settings(
            db=":memory:",
            discord_token="fake-token",
            discord_api_url=self.fake.api_url,
            discord_gateway_url=self.fake.gateway_url,
        )
        configure(settings)
        app = await build(self.store, settings, prefix=PREFIX)
        self.bot = make_bot(app, guild_ready_timeout=0.01, **options)
        await self.bot.login(settings.discord_token)
        self.task = asyncio.create_task(self.bot.connect())
        await asyncio.wait_for(self.bot.wait_until_ready(), 10)
        return self.bot

    async def stop(self) -> None:
        if self.bot is not None:
            await self.bot.close()
        if self.task is not None:
            await asyncio.wait_for(self.task, 10)
        self.bot = self.task = None

    async def restart(self, **options: Any) -> Any:
        await self.stop()
        return await self.start(**options)

    # -- waiting on effects --------------------------------------------------------------
    def track_messages(self, thread_id: str) -> list[dict]:
        return [m for m in self.fake.thread_messages(thread_id) if m["embeds"]]

    async def round_in(self, thread_id: str, count: int = 15, after: int = 0) -> list[dict]:
        """The track messages of the latest round (posted after the first `after` ones), once
        posted and linked in the store."""

        async def posted() -> list[dict] | None:
            tracks = self.track_messages(thread_id)[after:]
            if len(tracks) < count:
                return None
            last = tracks[-count:]
            linked = await self.store.track_for_message(last[-1]["id"])
            return last if linked else None

        return await eventually(posted)

    async def new_thread(self, member: dict, prompt: str = PROMPT) -> str:
        before = {t["id"] for t in self.fake.threads()}
        await self.fake.slash(member, self.fake.general, "new", prompt=prompt)
        threads = await eventually(
            lambda: _now([t["id"] for t in self.fake.threads() if t["id"] not in before])
        )
        return threads[0]

    async def session(self, thread_id: str) -> Any:
        return await self.store.active_session(f"discord:{self.fake.guild_id}:{thread_id}")

    async def footer(self, thread_id: str, message: dict, *parts: str) -> str:
        """A track message's footer once it shows every part (it is edited in place)."""

        async def check() -> str | None:
            text = self.fake.messages[thread_id][message["id"]]["embeds"][0]["footer"]["text"]
            return text if all(p in text for p in parts) else None

        return await eventually(check)

    async def idle(self) -> None:
        """Every edit the bot queued has gone out."""
        await eventually(lambda: _now(not self.bot.editor.tasks))


async def _now(value: Any) -> Any:
    return value


@pytest.fixture
async def harness(fake: FakeDiscord, store: SqliteStore) -> AsyncIterator[Harness]:
    h = Harness(fake, store)
    yield h
    await h.stop()
