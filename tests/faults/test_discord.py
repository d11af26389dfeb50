"""Discord's gateway going away mid-round: resumed or re-identified, the round is posted once
and every vote counts once."""

from __future__ import annotations

from tests.adapters.discord.conftest import Harness, eventually, fake, harness, spec
from tests.adapters.discord.test_commands import answered
from tests.faults.conftest import clear

__all__ = ["fake", "harness", "spec"]  # fixtures, shared with tests/adapters/discord


async def _now(value):
    return value


async def posting(h: Harness, thread: str, at_least: int, after: int = 0) -> None:
    """Wait until the bot is part-way through posting a round."""
    await eventually(lambda: _now(len(h.track_messages(thread)) >= after + at_least))


def said_in(h: Harness, thread: str) -> list[str]:
    return [m["content"] for m in h.fake.thread_messages(thread) if m["content"]]


async def test_a_drop_mid_round_resumes_and_replays_the_votes_made_meanwhile(harness: Harness):
    fake = harness.fake
    await harness.start()
    alice, bob, carol = fake.member("alice"), fake.member("bob"), fake.member("carol")
    thread = await harness.new_thread(alice)
    await posting(harness, thread, 3)
    session_id = fake.active.id
    await fake.drop_connection()  # the socket dies while the round's messages go out
    assert len(harness.track_messages(thread)) < 15
    first = harness.track_messages(thread)[0]
    await fake.react(bob, first, "👎")
    vote = await fake.slash(carol, thread, "keep", tracks="2")
    tracks = await harness.round_in(thread)
    assert fake.resumes and fake.resumes[-1]["session_id"] == session_id
    assert len(fake.identifies) == 1
    await harness.footer(thread, tracks[0], "👍 0 · 👎 1", "✘ dropped")
    assert "kept 2" in (await answered(fake, vote))["content"]
    await harness.idle()
    # Posted once (REST never depended on the socket), each vote counted once.
    assert len(fake.sent("POST", rf"/channels/{thread}/messages$")) == 15
    assert len(fake.sent("POST", rf"/interactions/{vote['id']}/")) == 1
    session = await harness.session(thread)
    assert session.tracks[0].votes == {bob["user"]["id"]: "down"}
    assert session.tracks[1].votes == {carol["user"]["id"]: "up"}
    clear(said_in(harness, thread))


async def test_an_invalid_session_identifies_afresh_without_reposting(harness: Harness):
    fake = harness.fake
    await harness.start()
    alice, bob = fake.member("alice"), fake.member("bob")
    thread = await harness.new_thread(alice)
    tracks = await harness.round_in(thread)
    await fake.react(bob, tracks[0], "👎")
    await harness.footer(thread, tracks[0], "✘ dropped")
    await fake.slash(alice, thread, "more")
    await posting(harness, thread, 5, after=15)  # op 9 while round 2 goes out
    await fake.invalidate_session()
    assert len(harness.track_messages(thread)) < 30
    await eventually(lambda: _now(len(fake.identifies) == 2 and fake.active.ws is not None))
    assert not fake.resumes or fake.resumes[-1]["session_id"] != fake.active.id
    await harness.round_in(thread, after=15)
    await harness.idle()
    # Nothing was posted twice: fifteen track messages a round.
    assert len(fake.sent("POST", rf"/channels/{thread}/messages$")) == 30
    assert sum("Round 2" in c for c in said_in(harness, thread)) == 1
    # The new session delivers votes again, each once.
    fresh = harness.track_messages(thread)[-1]
    await fake.react(bob, fresh, "👍")
    await fake.react(alice, fresh, "👍")
    await harness.footer(thread, fresh, "👍 2 · 👎 0", "✔ kept")
    session = await harness.session(thread)
    assert session.round_no == 2 and len(session.live()) == 15
    assert session.tracks[-1].votes == {bob["user"]["id"]: "up", alice["user"]["id"]: "up"}
    clear(said_in(harness, thread))
