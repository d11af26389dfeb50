"""Votes on a round's first tracks while the rest are still going out at Slack's pace."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from adapters.slack import blocks as bk
from adapters.slack.app import SlackAdapter
from adapters.slack.poster import Pacer
from bot import messages
from bot.app import Setlist
from bot.config import Settings
from bot.store.sqlite import SqliteStore
from tests.adapters.slack.conftest import PROMPT, Running, buttons, tracks_in
from tests.fakes import slack_api as s

RATE = 8.0  # chat.postMessage a second: a round of 15 takes ~2 s to go out


@pytest.fixture
async def paced(
    fake: s.FakeSlack, settings: Settings, core: Setlist, store: SqliteStore
) -> AsyncIterator[Running]:
    """The app posting at a steady pace, without a burst, as it must on Slack."""
    adapter = SlackAdapter(core, store, settings, pacer=Pacer(rate=RATE, burst=1))
    server = TestServer(adapter.web_app(), host="127.0.0.1", port=0)
    await server.start_server()
    url = f"http://127.0.0.1:{server.port}/slack/events"
    async with aiohttp.ClientSession() as session:
        yield Running(adapter, s.SignedSender(session, url), fake, url)
        await adapter.idle()
    await server.close()


async def until(check: Callable[[], Awaitable[Any]], timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := await check()):
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.01)
    return result


def thread_root(fake: s.FakeSlack) -> str | None:
    tops = [ts for (ch, ts), m in fake.messages.items() if ch == "C1" and "thread_ts" not in m]
    return max(tops, key=float) if tops else None


async def posted(fake: s.FakeSlack, count: int) -> tuple[str, list[dict]]:
    """The thread and its track messages once at least `count` exist (linked or not)."""

    async def check() -> tuple[str, list[dict]] | None:
        root = thread_root(fake)
        tracks = tracks_in(fake, "C1", root) if root else []
        return (root, tracks) if root and len(tracks) >= count else None

    return await until(check)


def shows(message: dict) -> str:
    return json.dumps(message["blocks"], ensure_ascii=False)


def told_unknown(fake: s.FakeSlack) -> bool:
    said = [c.args.get("text", "") for c in fake.called("chat.postEphemeral")]
    said += [h.get("text", "") for h in fake.hooks]
    return any(messages.reaction_unknown() in t for t in said)


async def test_keep_on_track_1_counts_while_tracks_10_to_15_are_posted(paced, store):
    fake = paced.fake
    assert (await paced.sender.command(s.command(f"new {PROMPT}")))[0] == 200
    root, tracks = await posted(fake, 9)
    first = tracks[0]
    keep = s.button(bk.VOTE_UP, buttons(first)[bk.VOTE_UP], "C1", first["ts"], user="U2")
    assert (await paced.sender.action(keep))[0] == 200
    await until(lambda: _now("👍 1 · 👎 0 · ✔ kept" in shows(fake.messages[("C1", first["ts"])])))
    assert len(tracks_in(fake, "C1", root)) < 15  # shown while the round still goes out
    await paced.settle()
    key = f"slack:{s.TEAM}:C1:{root}"
    session = await store.active_session(key)
    assert session.tracks[0].votes == {"U2": "up"} and session.tracks[0].state == "kept"
    assert not told_unknown(fake)
    # The vote's chat.update went out before the round's last message, which is whole.
    update = [c for c in fake.called("chat.update") if c.args.get("ts") == first["ts"]]
    assert update and update[0].at < fake.called("chat.postMessage")[-1].at
    tracks = tracks_in(fake, "C1", root)
    assert len(tracks) == 15
    for message, track in zip(tracks, session.tracks, strict=True):
        assert await store.track_for_message(f"C1:{message['ts']}") == (key, track.id)
    # Changing one's mind later edits the message again.
    drop = s.button(bk.VOTE_DOWN, session.tracks[0].id, "C1", first["ts"], user="U2")
    assert (await paced.sender.action(drop))[0] == 200
    await paced.settle()
    assert "👍 0 · 👎 1" in shows(fake.messages[("C1", first["ts"])])


async def test_a_click_and_a_reaction_before_the_post_returns_wait_for_the_link(paced, store):
    fake = paced.fake
    assert (await paced.sender.command(s.command(f"new {PROMPT}")))[0] == 200
    root, tracks = await posted(fake, 3)
    before = {m["ts"] for m in tracks}
    fake.answer_latency = 0.3  # Slack has the message; the app doesn't know its ts yet

    async def fresh() -> dict | None:
        return next((m for m in tracks_in(fake, "C1", root) if m["ts"] not in before), None)

    message = await until(fresh)
    assert await store.track_for_message(f"C1:{message['ts']}") is None  # the race is real
    drop = s.button(bk.VOTE_DOWN, buttons(message)[bk.VOTE_DOWN], "C1", message["ts"], "U2")
    fire = s.event(s.reaction("fire", "C1", message["ts"], user="U3"))
    assert (await paced.sender.action(drop))[0] == 200
    assert (await paced.sender.event(fire))[0] == 200
    fake.answer_latency = 0.0
    await paced.settle()
    key = f"slack:{s.TEAM}:C1:{root}"
    assert await store.track_for_message(f"C1:{message['ts']}") is not None
    session = await store.active_session(key)
    track = session.track_by_id(buttons(message)[bk.VOTE_DOWN])
    assert track.votes == {"U2": "down", "U3": "up"}
    assert "👍 1 · 👎 1" in shows(fake.messages[("C1", message["ts"])])
    assert not told_unknown(fake)


async def _now(value: Any) -> Any:
    return value
