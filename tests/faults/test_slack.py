"""Slack delivering the same thing twice while a slow round is still planning: one round, one
reply, one vote (test_http.py covers retries that arrive after the work is done)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from adapters.slack import blocks as bk
from bot.app import Setlist
from bot.catalog.index import Catalog
from bot.config import Settings
from bot.planner.claude import claude_planner
from bot.planner.offline import OfflinePlanner
from bot.store.sqlite import SqliteStore
from tests.adapters.slack.conftest import (
    PROMPT,
    Running,
    buttons,
    fake,
    root_of,
    settings,
    slack,
    tracks_in,
)
from tests.fakes import slack_api as s
from tests.fakes.anthropic_api import KEY, FakeAnthropic
from tests.faults.conftest import clear, until

__all__ = ["fake", "settings", "slack"]  # fixtures, shared with tests/adapters/slack
THINKING = 0.6  # seconds Claude takes to answer: long enough for a retry to land meanwhile


@pytest.fixture
async def claude_api(builtin: Catalog) -> AsyncIterator[FakeAnthropic]:
    async with FakeAnthropic(builtin, seed=3) as server:
        server.latency = THINKING
        yield server


@pytest.fixture
async def core(
    store: SqliteStore, builtin: Catalog, claude_api: FakeAnthropic
) -> AsyncIterator[Setlist]:
    """The Slack app's core, planned by a Claude that takes its time."""
    config = Settings(db=":memory:", anthropic_api_key=KEY, anthropic_base_url=claude_api.url)
    planner = claude_planner(config, OfflinePlanner(builtin), _strict_response_validation=True)
    yield Setlist(store, planner, builtin, prefix="/setlist ")
    await planner.aclose()


def said(slack: Running) -> list[str]:
    """Everything the bot wrote: messages, ephemerals, response_url answers."""
    texts = [c.args.get("text", "") for c in slack.fake.calls if c.method.startswith("chat.")]
    return [t for t in texts + [h["text"] for h in slack.fake.hooks] if t]


def headers(slack: Running, root: str, round_no: int) -> list[dict]:
    return [m for m in slack.fake.thread("C1", root) if m["text"].startswith(f"Round {round_no}")]


async def test_a_mention_retried_while_its_round_plans_makes_one_round(
    slack: Running, store: SqliteStore, claude_api: FakeAnthropic
):
    mention = s.mention(PROMPT)
    delivery = s.event(mention, event_id="EvSLOW")
    assert (await slack.sender.event(delivery))[0] == 200
    await until(lambda: claude_api.calls)  # planning: Claude is thinking
    # Unanswered in time (as Slack saw it), the event comes again; then once more, later.
    assert (await slack.sender.event(delivery, retry=1))[0] == 200
    await slack.settle()
    assert (await slack.sender.event(delivery, retry=2))[0] == 200
    await slack.settle()
    root = mention["ts"]
    assert len(headers(slack, root, 1)) == 1 and len(tracks_in(slack.fake, "C1", root)) == 15
    assert claude_api.calls == 1 and len(await store.sessions()) == 1
    assert len(slack.fake.called("chat.postMessage")) == 16  # a "planning…" line, 15 tracks
    clear(said(slack))


async def test_buttons_pressed_twice_at_once_count_once(
    slack: Running, store: SqliteStore, claude_api: FakeAnthropic
):
    assert (await slack.sender.command(s.command(f"new {PROMPT}")))[0] == 200
    await slack.settle()
    root = root_of(slack.fake)
    key = f"slack:{s.TEAM}:C1:{root}"
    tracks = tracks_in(slack.fake, "C1", root)
    second = tracks[1]
    drop = s.button(bk.VOTE_DOWN, buttons(second)[bk.VOTE_DOWN], "C1", second["ts"], user="U2")
    edits = len(slack.fake.called("chat.update"))
    await asyncio.gather(*(slack.sender.action(drop) for _ in range(2)))
    await slack.settle()
    assert len(slack.fake.called("chat.update")) == edits + 1  # one vote, one edit
    assert "👎 1" in json.dumps(slack.fake.messages[("C1", second["ts"])], ensure_ascii=False)
    posts = len(slack.fake.called("chat.postMessage"))
    more = s.button(bk.ROUND_MORE, key, "C1", root, user="U3")
    first = asyncio.create_task(slack.sender.action(more))
    await until(lambda: claude_api.calls == 2)  # round 2 is planning
    assert (await slack.sender.action(more))[0] == 200  # the same press again meanwhile
    assert (await first)[0] == 200
    await slack.settle()
    session = await store.active_session(key)
    assert session.round_no == 2 and claude_api.calls == 2
    assert len(headers(slack, root, 2)) == 1
    assert [t.votes for t in session.dropped] == [{"U2": "down"}]
    # One "planning…" line (turned into the header) and the one new track, each once.
    assert len(slack.fake.called("chat.postMessage")) == posts + 2
    clear(said(slack))
