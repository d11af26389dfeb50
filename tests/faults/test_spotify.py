"""Spotify misbehaving under a whole conversation: rate limits, quota, 5xx, timeouts."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot import messages
from bot.app import Setlist
from bot.replies import Reply
from bot.spotify.client import SpotifyGateway
from tests.bot.spotify.conftest import fake, settings, spotify_app
from tests.bot.spotify.test_spotify import say, texts
from tests.conftest import ALICE, BOB, CAROL
from tests.fakes.spotify_api import Dataset, FakeSpotify
from tests.faults.conftest import problems, readable, round_of, timed, until, whole

__all__ = ["fake", "settings", "spotify_app"]  # fixtures, shared with tests/bot/spotify
KEY = "console:spot"


@pytest.fixture(scope="session")
def spotify_data() -> Dataset:
    """The built-in catalog (and its decoys) is all the offline planner proposes: about a
    second to build, where the 28k-song file takes five."""
    return Dataset(None)


def gateway(app: Setlist) -> SpotifyGateway:
    return app.resolver.gateway  # type: ignore[attr-defined]


async def session(app: Setlist):
    return await app.store.active_session(KEY)


def answer(replies: list[Reply]) -> str:
    """The one plain answer among the replies (after "Publishing…"), checked as readable."""
    readable(replies)
    (said,) = texts(replies)
    return said


async def voted(app: Setlist) -> dict:
    """A round with votes on it: 1 and 2 dropped, 3 kept. Returns the session as data."""
    round_of(await say(app, "/new 80s synthpop road trip"))
    for line, member in (("/drop 1 2", ALICE), ("/keep 3", BOB)):
        readable(await say(app, line, member))
    return (await session(app)).to_dict()


async def test_a_short_429_mid_round_is_waited_out_while_votes_go_on(
    spotify_app: Setlist, fake: FakeSpotify
):
    await voted(spotify_app)
    fake.fail(429, path="/v1/search", retry_after=1)
    start = time.monotonic()
    more = asyncio.create_task(say(spotify_app, "/more", CAROL))
    await until(lambda: not fake.faults)  # the round now waits out Retry-After
    # Votes don't wait for the round: they answer at once and the round lands on them.
    vote, took = await timed(say(spotify_app, "/drop 4", BOB))
    assert took < 0.5 and "dropped 4" in readable(vote)[0]
    held = (await session(spotify_app)).track_at(4)
    posted = round_of(await more)
    assert time.monotonic() - start >= 1.0  # it waited, as asked
    s = await session(spotify_app)
    whole(s)
    assert s.round_no == 2 and posted.round_no == 2
    assert held.key in {t.key for t in s.dropped}  # the vote cast during the wait counted
    assert len(s.dropped) == 3 and s.tracks[0].votes == {BOB.id: "up"}
    # It planned for two free places and landed on three: it says so, not "nothing fits".
    assert posted.notes[-1] == messages.round_notes(2, 15, 14, late=1)[0]
    assert all(t.verified and t.uri for t in s.tracks)


async def test_a_long_retry_after_stops_the_first_round_and_leaves_nothing_half_made(
    spotify_app: Setlist, fake: FakeSpotify
):
    fake.fail(429, path="/v1/search", retry_after=7200)  # no reason given, hours to wait
    replies, took = await timed(say(spotify_app, "/new 90s hip hop"))
    assert problems(replies) == [messages.spotify_quota(7200)] and took < 1
    assert await session(spotify_app) is None and await spotify_app.store.sessions() == []
    assert "try again in 2 hours" in messages.spotify_quota(7200)


async def test_quota_used_up_while_publishing_then_published_once(
    spotify_app: Setlist, fake: FakeSpotify
):
    before = await voted(spotify_app)
    fake.fail(429, path="/v1/me/playlists", retry_after=1, reason="QUOTA_EXCEEDED")
    replies, took = await timed(say(spotify_app, "/publish"))
    (problem,) = problems(replies)
    assert problem == messages.spotify_quota(1) and took < 1
    assert not fake.playlists and (await session(spotify_app)).to_dict() == before
    # Meanwhile the chat goes on without Spotify, and fails fast where it needs it.
    calls = len(fake.requests)
    readable(await say(spotify_app, "/keep 5", CAROL))
    assert problems(await say(spotify_app, "/publish")) and len(fake.requests) == calls
    await asyncio.sleep(max(0, gateway(spotify_app).blocked_until - time.time()))
    done = answer(await say(spotify_app, "/publish"))
    assert done.startswith("Published the playlist on Spotify with 13 tracks")
    (pid,) = fake.playlists
    s = await session(spotify_app)
    assert fake.items[pid] == [t.uri for t in s.tracks if t.state != "dropped"]
    assert s.spotify == {"playlist_id": pid, "url": f"https://open.spotify.com/playlist/{pid}"}


async def test_a_5xx_burst_is_absorbed_and_an_outage_changes_nothing(
    spotify_app: Setlist, fake: FakeSpotify
):
    for status in (500, 502, 503):  # one each: every search retries its own at most twice
        fake.fail(status, path="/v1/search")
    posted = round_of(await say(spotify_app, "/new 90s hip hop"))
    assert "15 of 15 found on Spotify." in posted.notes
    assert fake.paths("GET").count("/v1/search") == 15 + 3
    readable(await say(spotify_app, "/drop 1 2", ALICE))
    before = (await session(spotify_app)).to_dict()
    fake.fail(503, count=1000, path="/v1/search")  # down for good
    replies, took = await timed(say(spotify_app, "/more", BOB))
    assert problems(replies) == [messages.spotify_unavailable(503)]
    assert took < 3  # two retries with backoff, not a hang
    assert (await session(spotify_app)).to_dict() == before
    fake.faults.clear()  # Spotify is back: the next round works, on the votes from before
    posted = round_of(await say(spotify_app, "/more", BOB))
    s = await session(spotify_app)
    whole(s)
    assert posted.round_no == 2 and len(s.live()) == 15 and len(s.dropped) == 2


async def test_grounding_timeouts_are_retried_then_reported(
    spotify_app: Setlist, fake: FakeSpotify
):
    gateway(spotify_app).timeout = 0.3
    fake.hang(3.0, count=2, path="/v1/search")
    replies, took = await timed(say(spotify_app, "/new chill lofi for studying"))
    assert len(round_of(replies).tracks) == 15 and took >= 0.3
    assert fake.paths("GET").count("/v1/search") == 15 + 2
    before = (await session(spotify_app)).to_dict()
    readable(await say(spotify_app, "/drop 4", CAROL))
    fake.hang(3.0, count=1000, path="/v1/search")  # Spotify stops answering
    replies, took = await timed(say(spotify_app, "/more", CAROL))
    assert problems(replies) == [messages.spotify_unavailable("no answer")]
    assert took < 2  # three attempts of 0.3 s, not a hang
    s = await session(spotify_app)
    assert s.track_at(4).state == "dropped" and s.round_no == before["round_no"]
    assert [t.id for t in s.tracks] == [t["id"] for t in before["tracks"]]


async def test_publish_through_timeouts_makes_one_playlist_without_doubles(
    spotify_app: Setlist, fake: FakeSpotify
):
    gateway(spotify_app).timeout = 0.3
    await voted(spotify_app)
    # Spotify creates the playlist but the answer never comes; the fill's answer is late too.
    fake.hang(3.0, path="/v1/me/playlists", method="POST", after=True)
    fake.hang(3.0, path="/v1/playlists/", method="PUT", after=True)
    done = answer(await say(spotify_app, "/publish Road trip"))
    assert done.startswith("Published the playlist on Spotify with 13 tracks")
    (pid,) = fake.playlists
    live = [t.uri for t in (await session(spotify_app)).tracks if t.state != "dropped"]
    assert fake.items[pid] == live and fake.paths("PUT").count(f"/v1/playlists/{pid}/items") == 2


async def test_a_publish_that_failed_after_creating_is_retried_into_the_same_playlist(
    spotify_app: Setlist, fake: FakeSpotify
):
    gateway(spotify_app).timeout = 0.3
    before = await voted(spotify_app)
    # The create goes through unanswered, and Spotify then stops answering altogether.
    fake.hang(3.0, path="/v1/me/playlists", method="POST", after=True)
    fake.fail(503, count=3, path="/v1/me/playlists", method="GET")
    (problem,) = problems(await say(spotify_app, "/publish"))
    assert problem == messages.spotify_unavailable(503)
    assert len(fake.playlists) == 1 and (await session(spotify_app)).to_dict() == before
    # A member tries again once Spotify is back: the playlist made then is the one filled.
    done = answer(await say(spotify_app, "/publish", BOB))
    assert done.startswith("Published the playlist on Spotify with 13 tracks"), done
    (pid,) = fake.playlists
    assert len(fake.items[pid]) == 13 == len(set(fake.items[pid]))
    assert (await session(spotify_app)).spotify["playlist_id"] == pid
