"""The core's conversations through Discord: the same steps as in the console end the same way."""

from __future__ import annotations

from adapters import text
from bot.events import Member, MessagePosted
from bot.keys import ChannelKey
from tests.adapters.discord.conftest import PROMPT, Harness, eventually

ALICE, BOB = Member("u-alice", "alice"), Member("u-bob", "bob")


def summary(session, names: dict[str, str]) -> dict:
    """What the conversation decided, with members by name. Titles differ: the planner's
    variety is seeded by the session's id, which is new in every session."""
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


async def test_the_newcomer_flow_ends_as_in_the_console(harness: Harness):
    fake = harness.fake
    bot = await harness.start()
    core, store = bot.app, harness.store
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
    expected = summary(
        await store.active_session(str(console)), {"u-alice": "alice", "u-bob": "bob"}
    )

    # On Discord: slash commands, a mention in the thread, a reaction, a round button.
    alice, bob = fake.member("alice"), fake.member("bob")
    names = {alice["user"]["id"]: "alice", bob["user"]["id"]: "bob"}
    thread = await harness.new_thread(alice)
    await harness.round_in(thread)
    done = len(fake.interactions)

    async def answered() -> None:
        await eventually(_now(lambda: all("callback" in s for s in fake.interactions.values())))

    await fake.slash(bob, thread, "drop", tracks="2 5")
    await answered()
    await fake.slash(alice, thread, "ban", artist=artist)
    await answered()
    await fake.say(bob, thread, "no more vocals, harder drops", mention=True)
    round2 = await harness.round_in(thread, after=15)
    await fake.react(alice, round2[0], "👍")
    await harness.footer(thread, round2[0], "✔ kept")
    await fake.click(alice, round2[0], "setlist:more:2")
    await harness.round_in(thread, after=30)
    await fake.slash(bob, thread, "undo")
    await answered()
    assert len(fake.interactions) == done + 4
    session = await harness.session(thread)
    got = summary(session, names)
    assert got == expected


def _now(fn):
    async def check():
        return fn()

    return check
