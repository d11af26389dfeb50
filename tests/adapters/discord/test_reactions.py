"""Votes where the tracks are: reactions, buttons and mentions, before and after a restart."""

from __future__ import annotations

from tests.adapters.discord.conftest import Harness, eventually


async def test_reactions_from_several_members_vote_and_retract(harness: Harness):
    fake = harness.fake
    await harness.start()
    alice, bob, carol = fake.member("alice"), fake.member("bob"), fake.member("carol")
    thread = await harness.new_thread(alice)
    tracks = await harness.round_in(thread)
    await fake.react(alice, tracks[0], "🔥")
    await fake.react(bob, tracks[0], "👍")
    await fake.react(carol, tracks[0], "👎")
    await harness.footer(thread, tracks[0], "👍 2 · 👎 1", "✔ kept")
    await fake.react(bob, tracks[0], "👍", add=False)  # bob takes his back: a tie
    await harness.footer(thread, tracks[0], "👍 1 · 👎 1", "pending")
    await fake.react(bob, tracks[2], "🚫")
    await fake.react(bob, tracks[2], "🎉")  # not a vote
    await harness.footer(thread, tracks[2], "✘ dropped")
    await harness.idle()
    session = await harness.session(thread)
    assert session.track_at(1).votes == {
        alice["user"]["id"]: "up",
        carol["user"]["id"]: "down",
    }
    assert session.track_at(3).state == "dropped"
    # In place: the header stays on message 1, nothing new was posted for the votes.
    assert "Round 1" in fake.messages[thread][tracks[0]["id"]]["content"]
    assert len(harness.track_messages(thread)) == 15


async def test_reactions_and_buttons_on_messages_from_before_a_restart(harness: Harness):
    fake = harness.fake
    await harness.start()
    alice, bob = fake.member("alice"), fake.member("bob")
    thread = await harness.new_thread(alice)
    tracks = await harness.round_in(thread)
    await harness.restart()  # a new process: empty caches, the same database
    assert harness.bot.get_channel(int(thread)) is not None  # threads come with GUILD_CREATE
    await fake.react(alice, tracks[4], "❤️")
    await fake.react(bob, tracks[4], "✅")
    await harness.footer(thread, tracks[4], "👍 2 · 👎 0", "✔ kept")
    await fake.react(bob, tracks[5], "❌")
    await harness.footer(thread, tracks[5], "✘ dropped")
    # The round's More button, on a message the new process never saw, starts round 2.
    header = fake.messages[thread][tracks[0]["id"]]
    click = await fake.click(bob, header, "setlist:more:1")
    round2 = await harness.round_in(thread, after=15)
    state = fake.interactions[click["token"]]
    assert state["callback"]["type"] == 5  # the click answers "thinking…" at once
    assert "Round 2" in state["original"]["content"]
    session = await harness.session(thread)
    assert session.round_no == 2 and len(round2) == 15
    assert session.track_by_id(
        (await harness.store.track_for_message(tracks[4]["id"]))[1]
    ).state == ("kept")


async def test_mentioning_the_bot_refines_and_plain_talk_is_ignored(harness: Harness):
    fake = harness.fake
    await harness.start()
    alice, bob = fake.member("alice"), fake.member("bob")
    thread = await harness.new_thread(alice)
    await harness.round_in(thread)
    await fake.say(bob, thread, "no more vocals, harder drops")  # no mention, no intent
    await fake.say(bob, thread, "no more vocals, harder drops", mention=True)
    round2 = await harness.round_in(thread, after=15)
    assert "refined it" in round2[0]["content"] and "Round 2" in round2[0]["content"]
    assert fake.sent("POST", rf"/channels/{thread}/typing$")  # working while it plans
    session = await harness.session(thread)
    assert [r.text for r in session.requests if r.kind == "refine"] == [
        "no more vocals, harder drops"
    ]


async def test_plain_messages_refine_with_the_message_content_intent(harness: Harness):
    fake = harness.fake
    bot = await harness.start(message_content=True)
    assert fake.identifies[-1]["intents"] & (1 << 15)
    assert bot.intents.message_content
    alice = fake.member("alice")
    thread = await harness.new_thread(alice)
    await harness.round_in(thread)
    await fake.say(alice, fake.general, "what a day")  # outside a playlist thread: ignored
    await fake.say(alice, thread, "more 90s please")
    await harness.round_in(thread, after=15)
    session = await harness.session(thread)
    assert [r.text for r in session.requests if r.kind == "refine"] == ["more 90s please"]
    assert len(fake.threads()) == 1


async def test_a_mention_in_a_channel_starts_a_playlist_in_a_thread(harness: Harness):
    fake = harness.fake
    await harness.start()
    alice = fake.member("alice")
    said = await fake.say(alice, fake.general, "chill lofi for studying", mention=True)
    threads = await eventually(_now(fake.threads))
    assert threads[0]["parent_id"] == fake.general
    assert fake.sent("POST", rf"/channels/{fake.general}/messages/{said['id']}/threads$")
    await harness.round_in(threads[0]["id"])
    assert (await harness.session(threads[0]["id"])).prompt == "chill lofi for studying"


def _now(fn):
    async def check():
        return fn()

    return check
