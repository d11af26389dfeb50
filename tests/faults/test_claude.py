"""Claude overloaded or silent under a whole conversation: the round falls back in bounded
time, the chat goes on meanwhile, and Claude plans again once it's back."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from bot import messages
from bot.app import Setlist
from bot.catalog.index import Catalog
from bot.planner.claude import COOL_DOWN, FallbackPlanner
from bot.store.sqlite import SqliteStore
from tests.bot.planner.conftest import Clock, clock, fake, make_claude
from tests.conftest import ALICE, BOB, CAROL, Chat
from tests.fakes.anthropic_api import FakeAnthropic
from tests.fakes.strict_resolver import StrictCatalogResolver
from tests.faults.conftest import readable, round_of, timed, until, whole

__all__ = ["clock", "fake", "make_claude"]  # fixtures, shared with tests/bot/planner
RUN = "a running playlist, EDM, big drops, 160 BPM"


def chat_with(store: SqliteStore, planner: FallbackPlanner, catalog: Catalog) -> Chat:
    return Chat(Setlist(store, planner, catalog, resolver=StrictCatalogResolver(catalog)))


def fell_back(why: str) -> str:
    return messages.claude_fallback(messages.claude_trouble(why))


async def test_an_overloaded_storm_falls_back_then_claude_plans_again(
    store: SqliteStore,
    make_claude: Callable[..., FallbackPlanner],
    fake: FakeAnthropic,
    clock: Clock,
    builtin: Catalog,
):
    chat = chat_with(store, make_claude(), builtin)
    fake.overloaded(times=5)  # three attempts in the first round, two more after the rest
    replies, took = await timed(chat.say(RUN))
    first = round_of(replies)
    assert first.notes.count(fell_back("overloaded")) == 1 and took < 2
    assert len(first.tracks) == 15 and fake.calls == 0 and len(fake.errors) == 3
    readable(await chat.say("/drop 2 5", BOB))
    readable(await chat.say("/keep 1", CAROL))
    # During the cool-down rounds don't queue behind Claude: offline at once, still saying why.
    second = round_of(await chat.say("/more", ALICE))
    assert fell_back("overloaded") in second.notes and len(fake.errors) == 3
    readable(await chat.say("/drop 3", BOB))
    clock.now += COOL_DOWN + 1
    third = round_of(await chat.say("harder drops", BOB))  # two 529s, then an answer
    assert not any("Claude is unavailable" in n for n in third.notes)
    assert [status for status, _ in fake.errors] == [529] * 5 and fake.calls == 1
    session = await chat.session()
    whole(session)
    assert session.round_no == 3 and len(session.live()) == 15
    assert session.tracks[0].votes == {CAROL.id: "up"} and len(session.dropped) == 3
    (usage,) = await store.usage()  # only the round Claude planned spent tokens
    assert usage.calls == 1


@pytest.mark.parametrize(
    ("options", "bound"),
    [
        ({"timeout": 0.2, "max_retries": 1}, 2.0),  # the SDK's own timeout, retried once
        ({"deadline": 0.5}, 1.0),  # the planner's deadline over every attempt
    ],
    ids=["sdk-timeout", "deadline"],
)
async def test_a_silent_claude_falls_back_in_bounded_time_and_votes_go_on(
    store: SqliteStore,
    make_claude: Callable[..., FallbackPlanner],
    fake: FakeAnthropic,
    clock: Clock,
    builtin: Catalog,
    options: dict,
    bound: float,
):
    chat = chat_with(store, make_claude(**options), builtin)
    round_of(await chat.say(RUN))
    assert fake.calls == 1  # Claude planned it
    readable(await chat.say("/drop 1 2", ALICE))
    fake.hang(30.0, times=3)
    more = asyncio.create_task(chat.say("/more", BOB))
    await until(lambda: fake.stalled)
    vote, took = await timed(chat.say("/keep 3", CAROL))  # the stalled round blocks no vote
    assert took < 0.5 and "kept 3" in readable(vote)[0]
    replies, took = await timed(more)
    posted = round_of(replies)
    assert fell_back("timeout") in posted.notes and took < bound
    session = await chat.session()
    whole(session)
    assert len(session.live()) == 15 and session.tracks[0].votes == {CAROL.id: "up"}
    readable(await chat.say("/drop 4", ALICE))
    fake.hangs.clear()
    clock.now += COOL_DOWN + 1
    calls = fake.calls
    again = round_of(await chat.say("/more", BOB))
    assert fell_back("timeout") not in again.notes and fake.calls == calls + 1
