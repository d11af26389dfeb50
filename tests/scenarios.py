"""The newcomer conversation, run in the console and then through each adapter: the steps
members take end in the same decisions whatever the platform."""

from __future__ import annotations

from typing import Any

from adapters import text
from bot.app import Setlist
from bot.events import Member, MessagePosted
from bot.keys import ChannelKey
from bot.session import Session
from bot.store.base import Store

PROMPT = "a running playlist, EDM, big drops, 160 BPM"
ALICE, BOB = Member("u-alice", "alice"), Member("u-bob", "bob")


def summary(session: Session, names: dict[str, str]) -> dict[str, Any]:
    """What the conversation decided, with members by name (ids differ by platform). Titles
    differ: the planner's variety is seeded by the session's id, new in every session."""
    return {
        "round": session.round_no,
        "prompt": session.prompt,
        "length": len(session.tracks),
        "voted": sorted(
            (t.state, tuple(sorted((names[m], d) for m, d in t.votes.items())))
            for t in session.tracks
        ),
        "banned": session.banned,
        "requests": [(names[r.member_id], r.text) for r in session.requests],
    }


async def newcomer_in_console(core: Setlist, store: Store) -> tuple[dict[str, Any], str]:
    """The conversation in the console: (its summary, the artist it banned). Each adapter's
    test then takes the same steps its own way: a slash command, a mention, a reaction, a
    button."""
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
    session = await store.active_session(str(console))
    return summary(session, {ALICE.id: "alice", BOB.id: "bob"}), artist
