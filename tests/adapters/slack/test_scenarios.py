"""The core's conversations through Slack: the same steps as in the console end the same way."""

from __future__ import annotations

from bot.app import Setlist
from tests.adapters.slack.conftest import root_of
from tests.fakes import slack_api as s
from tests.scenarios import PROMPT, newcomer_in_console, summary

NAMES = {"U1": "alice", "U2": "bob"}


async def test_the_newcomer_flow_ends_as_in_the_console(slack, store, core: Setlist):
    expected, artist = await newcomer_in_console(core, store)

    # In Slack: slash commands, a mention in the thread, a reaction, a round button.
    send = slack.sender
    await send.command(s.command(f"new {PROMPT}"))
    await slack.settle()
    root = root_of(slack.fake)
    key = f"slack:{s.TEAM}:C1:{root}"
    await send.command(s.command("drop 2 5", user="U2"))
    await send.command(s.command(f"ban {artist}"))
    await slack.settle()
    await send.event(s.event(s.mention("no more vocals, harder drops", "U2", thread_ts=root)))
    await slack.settle()
    session = await store.active_session(key)
    first = next(m for m, t in await links(store, key, session) if t == 1)
    await send.event(s.event(s.reaction("+1", "C1", first)))
    await slack.settle()
    await send.action(s.button("setlist.round.more", key, "C1", root))
    await slack.settle()
    await send.command(s.command("undo", user="U2"))
    await slack.settle()
    got = summary(await store.active_session(key), NAMES)
    assert got == expected
    assert ("kept", (("alice", "up"),)) in got["voted"] and got["banned"] == [artist]
    # Every track the list shows has a message in the thread that shows its number.
    session = await store.active_session(key)
    for ts, position in await links(store, key, session):
        assert slack.fake.messages[("C1", ts)]["text"].startswith(f"{position}. ")


async def links(store, key: str, session) -> list[tuple[str, int]]:
    """(message ts, position) for each track of the session."""
    out = []
    for t in session.tracks:
        for mid in await store.messages_for_track(t.id):
            assert (await store.track_for_message(mid)) == (key, t.id)
            out.append((mid.split(":")[1], t.position))
    return out
