"""The core's conversations through Slack: the same steps as in the console end the same way."""

from __future__ import annotations

from adapters import text
from bot.app import Setlist
from bot.events import Member, MessagePosted
from bot.keys import ChannelKey
from tests.adapters.slack.conftest import PROMPT, root_of
from tests.fakes import slack_api as s

ALICE, BOB = Member("U1", "alice"), Member("U2", "bob")


def summary(session) -> dict:
    """What the conversation decided. Titles differ: the planner's variety is seeded by the
    session's id, which is new in every session."""
    return {
        "round": session.round_no,
        "prompt": session.prompt,
        "length": len(session.tracks),
        "voted": sorted((t.state, tuple(sorted(t.votes.items()))) for t in session.tracks),
        "banned": session.banned,
        "requests": [r.text for r in session.requests],
    }


async def test_the_newcomer_flow_ends_as_in_the_console(slack, store, core: Setlist):
    # In the console.
    console = ChannelKey.console("music")

    async def say(line: str, member: Member = ALICE) -> None:
        replies = await core.reply_all(MessagePosted(console, member, line))
        assert not any(text.render(r).startswith("! ") for r in replies), replies

    await say(f"/setlist new {PROMPT}")
    await say("/setlist drop 2 5", BOB)
    artist = (await store.active_session(str(console))).tracks[0].artists[0]
    await say(f"/setlist ban {artist}")
    await say("no more vocals, harder drops", BOB)
    await say("/setlist keep 1")
    await say("/setlist more")
    await say("/setlist undo", BOB)
    expected = summary(await store.active_session(str(console)))

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
    got = summary(await store.active_session(key))
    assert got == expected
    assert ("kept", (("U1", "up"),)) in got["voted"] and got["banned"] == [artist]
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
