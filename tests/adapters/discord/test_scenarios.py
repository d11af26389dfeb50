"""The core's conversations through Discord: the same steps as in the console end the same way."""

from __future__ import annotations

from tests.adapters.discord.conftest import Harness, eventually
from tests.scenarios import newcomer_in_console, summary


async def test_the_newcomer_flow_ends_as_in_the_console(harness: Harness):
    fake = harness.fake
    bot = await harness.start()
    store = harness.store
    expected, artist = await newcomer_in_console(bot.app, store)

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
