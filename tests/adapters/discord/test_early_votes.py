"""Votes on a round's first tracks while the rest are still going out under the rate limit."""

from __future__ import annotations

from tests.adapters.discord.conftest import Harness, eventually


async def posted(harness: Harness, thread: str, count: int) -> list[dict]:
    """The thread's track messages once at least `count` exist (linked or not)."""

    async def check() -> list[dict] | None:
        tracks = harness.track_messages(thread)
        return tracks if len(tracks) >= count else None

    return await eventually(check)


async def test_a_vote_on_track_1_counts_while_tracks_11_to_15_wait(harness: Harness):
    fake = harness.fake
    fake.window = 1.0  # 5 messages a second per channel: a round takes ~2 s to go out
    await harness.start()
    alice, bob = fake.member("alice"), fake.member("bob")
    thread = await harness.new_thread(alice)
    tracks = await posted(harness, thread, 10)
    await fake.react(bob, tracks[0], "👍")
    # Track 10 emptied the bucket: discord.py sleeps out the window before its send returns
    # with the id, so this vote waits for the link rather than being dropped.
    await fake.react(bob, tracks[9], "👎")
    await harness.footer(thread, tracks[0], "👍 1 · 👎 0", "✔ kept")
    assert len(harness.track_messages(thread)) < 15  # shown while the round still goes out
    session = await harness.session(thread)
    assert session.track_at(1).votes == {bob["user"]["id"]: "up"}
    round1 = await harness.round_in(thread)
    await harness.footer(thread, tracks[9], "👍 0 · 👎 1", "✘ dropped")
    await harness.idle()
    # The edit went out before the round's last message; the round itself is whole, in order.
    edit = fake.sent("PATCH", rf"/channels/{thread}/messages/{tracks[0]['id']}$")
    last = fake.sent("POST", rf"/channels/{thread}/messages$")[-1]
    assert edit and edit[0].at < last.at
    session = await harness.session(thread)
    for message, track in zip(round1, session.tracks, strict=True):
        assert await harness.store.track_for_message(message["id"]) == (
            f"discord:{fake.guild_id}:{thread}",
            track.id,
        )
    assert session.track_at(1).state == "kept" and session.track_at(10).state == "dropped"


async def test_a_reaction_before_the_post_call_returns_waits_for_its_link(harness: Harness):
    fake = harness.fake
    await harness.start()
    alice, bob = fake.member("alice"), fake.member("bob")
    thread = await harness.new_thread(alice)
    before = {m["id"] for m in await posted(harness, thread, 3)}
    fake.answer_latency = 0.3  # Discord has the message; the bot doesn't know its id yet
    fresh = await eventually(
        lambda: _first([m for m in harness.track_messages(thread) if m["id"] not in before])
    )
    assert await harness.store.track_for_message(fresh["id"]) is None  # the race is real
    await fake.react(bob, fresh, "👎")
    fake.answer_latency = 0.0
    await harness.footer(thread, fresh, "👍 0 · 👎 1", "✘ dropped")
    await harness.round_in(thread)
    await harness.idle()
    link = await harness.store.track_for_message(fresh["id"])
    session = await harness.session(thread)
    assert link is not None
    assert session.track_by_id(link[1]).votes == {bob["user"]["id"]: "down"}


async def _first(items: list[dict]) -> dict | None:
    return items[0] if items else None
