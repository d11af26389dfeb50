"""Grounding, publishing, limits and errors against the fake Spotify, through real spotipy."""

from __future__ import annotations

import json
import time
from pathlib import Path

from bot.app import Setlist
from bot.config import Settings
from bot.events import Member, MessagePosted
from bot.keys import ChannelKey
from bot.planner.base import Plan, PlanRequest, Proposal
from bot.replies import Problem, RoundPosted, Text
from bot.spotify.grounding import SpotifyResolver
from bot.store.sqlite import SqliteStore
from tests.conftest import ALICE, BOB, CAROL
from tests.fakes.openapi import OpenAPI
from tests.fakes.spotify_api import REMOVED, FakeSpotify

SPEC = (
    Path(__file__).resolve().parents[4] / "shared/data/spotify-openapi/fixed-spotify-open-api.yml"
)
KEY = ChannelKey.console("spot")


async def say(app: Setlist, text: str, member: Member = ALICE, key: ChannelKey = KEY):
    return await app.reply_all(MessagePosted(key, member, text))


def notes(replies) -> list[str]:
    return [n for r in replies if isinstance(r, RoundPosted) for n in r.notes]


def texts(replies, kind=Text) -> list[str]:
    return [r.text for r in replies if isinstance(r, kind)]


class Scripted:
    """A planner that proposes exactly what a test says (real and invented tracks)."""

    name, overask = "scripted", 1.0

    def __init__(self, *batches: list[tuple[str, str]]) -> None:
        self.batches = list(batches)
        self.requests: list[PlanRequest] = []

    async def propose(self, request: PlanRequest) -> Plan:
        self.requests.append(request)
        batch = self.batches.pop(0) if self.batches else []
        return Plan(
            tuple(
                Proposal((a,), t, "scripted", serves=s.member)
                for (a, t), s in zip(batch, [request.slots[0]] * len(batch), strict=True)
            )
        )


# Removed from the Web API in 2025–2026 though the published spec still requires them.
GONE_FIELDS = ("available_markets", "popularity", "linked_from", "followers")


def check_traffic(fake: FakeSpotify) -> None:
    """Every request the bot sent is in the spec, not removed, within limits; every answer
    the fake gave matches the spec's response schema."""
    spec = OpenAPI.load(SPEC, base_path="/v1")
    for r in fake.requests:
        if not r["path"].startswith("/v1/"):
            continue
        assert not any(
            __import__("re").fullmatch(p, r["path"])
            for p in REMOVED
            if not r["path"].startswith("/v1/tracks/")
        ), r
        assert spec.check_request(r["method"], r["path"], r["query"], r["body"]) == [], r
    for method, path, status, body in fake.responses:
        payload = json.loads(body) if isinstance(body, bytes) and body else None
        problems = [
            p
            for p in spec.check_response(method, path, status, payload)
            if not any(f"'{gone}' is a required property" in p for gone in GONE_FIELDS)
        ]
        assert problems == [], (method, path, problems)
    assert fake.responses  # the answers were recorded, so the check above had work to do


async def test_a_round_is_grounded_in_real_tracks(spotify_app: Setlist, fake: FakeSpotify):
    replies = await say(spotify_app, "/new a running playlist, EDM, big drops, 160 BPM")
    session = await spotify_app.store.active_session(str(KEY))
    assert len(session.tracks) == 15
    for t in session.tracks:
        assert t.verified and t.uri.startswith("spotify:track:")
        spotify = fake.data.by_uri[t.uri]
        assert " - Live" not in spotify["name"] and "Remastered" not in spotify["name"]
        assert spotify["artists"][0]["name"] not in ("Karaoke Hits Band", "The Tribute Players")
        assert t.tempo_source in ("catalog", None)
    searches = fake.paths("GET").count("/v1/search")
    assert searches <= 1.2 * 15
    assert all(int(r["query"]["limit"]) <= 10 for r in fake.requests if r["path"] == "/v1/search")
    assert "15 of 15 found on Spotify." in notes(replies)
    check_traffic(fake)


async def test_near_misses_decoys_and_inventions(spotify_app: Setlist, fake: FakeSpotify):
    resolver = spotify_app.resolver
    assert isinstance(resolver, SpotifyResolver)
    proposals = [
        Proposal(("Pendulum",), "Watercolor", "near-miss spelling"),
        Proposal(("The Human League",), "Don't You Want Me", "original, not the remaster"),
        Proposal(("Some Other Band",), "Take On Me", "right title, wrong artist"),
        Proposal(("Pendulum",), "A Song Pendulum Never Made", "invented"),
        Proposal(("a-ha",), "Take On Me - Live", "asks for the live version"),
    ]
    found = await resolver.resolve(proposals)
    assert found[0] is not None and found[0].title == "Watercolour"
    assert found[1] is not None and found[1].title == "Don't You Want Me"
    assert found[2] is None and found[3] is None
    assert found[4] is not None and found[4].title == "Take On Me - Live"
    assert found[1].album_art.startswith("https://i.scdn.co/image/")
    calls = fake.paths().count("/v1/search")
    again = await resolver.resolve(proposals)  # cached in the store: no call at all
    assert fake.paths().count("/v1/search") == calls
    assert [f.uri if f else None for f in again] == [f.uri if f else None for f in found]


async def test_the_round_names_what_spotify_lacks(
    store: SqliteStore, settings: Settings, fake: FakeSpotify
):
    from bot.cli import build

    base = await build(store, settings)
    real = [("Daft Punk", "One More Time"), ("a-ha", "Take On Me"), ("Invented Act", "No Such")]
    planner = Scripted(real, [("Eurythmics", "Sweet Dreams (Are Made of This)")])
    app = Setlist(store, planner, base.catalog, resolver=base.resolver, publisher=base.publisher)
    replies = await say(app, "/new anything")
    await say(app, "/length 3")
    session = await store.active_session(str(KEY))
    assert [t.title for t in session.tracks] == [
        "One More Time",
        "Take On Me",
        "Sweet Dreams (Are Made of This)",
    ]
    assert all(t.verified for t in session.tracks)
    assert any("of 15 found; not on Spotify: Invented Act – No Such" in n for n in notes(replies))
    # the re-ask told the planner what did not exist
    assert [s.label for s in planner.requests[1].not_found] == ["Invented Act – No Such"]


async def test_publish_then_publish_again_keeps_one_playlist(
    spotify_app: Setlist, fake: FakeSpotify
):
    await say(spotify_app, "/new 80s synthpop road trip")
    await say(spotify_app, "/keep 1 2", ALICE)
    await say(spotify_app, "/drop 3 4", BOB)
    await say(spotify_app, "/drop 3 4", CAROL)
    replies = await say(spotify_app, "/publish Road trip")
    assert any(
        "Published the playlist on Spotify with 13 tracks: https://open.spotify.com/" in t
        for t in texts(replies)
    )
    (pid,) = fake.playlists
    session = await spotify_app.store.active_session(str(KEY))
    live = [t.uri for t in session.tracks if t.state != "dropped"]
    assert fake.items[pid] == live
    description = fake.playlists[pid]["description"]
    assert "80s synthpop road trip" in description and "console:spot" in description
    assert fake.playlists[pid]["name"] == "Road trip"

    await say(spotify_app, "/more")
    await say(spotify_app, "/drop 5", BOB)
    await say(spotify_app, "/drop 5", CAROL)
    replies = await say(spotify_app, "/publish")
    assert any(t.startswith("Updated the playlist") for t in texts(replies))
    assert list(fake.playlists) == [pid]
    session = await spotify_app.store.active_session(str(KEY))
    assert fake.items[pid] == [t.uri for t in session.tracks if t.state != "dropped"]
    exported = json.loads(
        next(r.content for r in await say(spotify_app, "/export") if hasattr(r, "content"))
    )
    assert exported["spotify"] == {
        "playlist_id": pid,
        "url": f"https://open.spotify.com/playlist/{pid}",
    }
    await say(spotify_app, "/undo")  # undo doesn't forget the playlist
    await say(spotify_app, "/undo")
    await say(spotify_app, "/publish")
    assert list(fake.playlists) == [pid]
    check_traffic(fake)


async def test_retried_writes_never_duplicate(spotify_app: Setlist, fake: FakeSpotify):
    await say(spotify_app, "/new chill lofi for studying")
    # The create goes through but its answer is lost; then the fill fails once.
    fake.fail(500, path="/v1/me/playlists", method="POST", after=True)
    fake.fail(502, path="/v1/playlists/", method="PUT")
    replies = await say(spotify_app, "/publish")
    assert any(t.startswith("Published") for t in texts(replies)), replies
    assert len(fake.playlists) == 1
    (pid,) = fake.playlists
    assert len(fake.items[pid]) == 15 and len(set(fake.items[pid])) == 15


async def test_short_429_waits_and_carries_on(spotify_app: Setlist, fake: FakeSpotify):
    fake.fail(429, count=2, path="/v1/search", retry_after=1)
    start = time.monotonic()
    replies = await say(spotify_app, "/new 90s hip hop")
    assert not texts(replies, Problem)
    assert len((await spotify_app.store.active_session(str(KEY))).tracks) == 15
    assert time.monotonic() - start >= 1.0


async def test_quota_429_stops_and_says_when(spotify_app: Setlist, fake: FakeSpotify):
    await say(spotify_app, "/new 90s hip hop")
    before = (await spotify_app.store.active_session(str(KEY))).to_dict()
    await say(spotify_app, "/drop 1 2 3")
    fake.fail(429, path="/v1/search", retry_after=36000, reason="QUOTA_EXCEEDED")
    start = time.monotonic()
    replies = await say(spotify_app, "/more")
    problem = texts(replies, Problem)
    assert problem and "try again in 10 hours" in problem[0]
    assert time.monotonic() - start < 5  # never sleeps through an hours-long Retry-After
    session = await spotify_app.store.active_session(str(KEY))
    assert [t.title for t in session.tracks] == [t["title"] for t in before["tracks"]]
    calls = len(fake.requests)
    assert texts(await say(spotify_app, "/more"), Problem)  # fails fast, no new call
    assert len(fake.requests) == calls


async def test_401_refreshes_once(spotify_app: Setlist, fake: FakeSpotify):
    await say(spotify_app, "/new disco")
    fake.expire_tokens()
    replies = await say(spotify_app, "/publish")
    assert any(t.startswith("Published") for t in texts(replies))
    assert fake.paths("POST").count("/api/token") == 2  # the first token, and one refresh


async def test_expired_login_tells_an_admin(
    spotify_app: Setlist, fake: FakeSpotify, settings: Settings
):
    fake.revoked.add(settings.spotify_refresh_token)
    replies = await say(spotify_app, "/new disco")
    problem = texts(replies, Problem)
    assert problem and "setlist spotify login" in problem[0] and "6 months" in problem[0]


async def test_403_explains_the_likely_cause(spotify_app: Setlist, fake: FakeSpotify):
    await say(spotify_app, "/new disco")
    fake.fail(403, path="/v1/me/playlists", method="POST")
    problem = texts(await say(spotify_app, "/publish"), Problem)
    assert problem and "Premium" in problem[0] and "allow-list" in problem[0]


async def test_fake_answers_like_spotify(fake: FakeSpotify):
    import aiohttp

    async with aiohttp.ClientSession() as http:
        token = (
            await (
                await http.post(
                    f"{fake.base_url}/api/token",
                    data={
                        "grant_type": "refresh_token",
                        "refresh_token": fake.grant_refresh_token(),
                        "client_id": "x",
                    },
                )
            ).json()
        )["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        r = await http.get(
            f"{fake.base_url}/v1/search",
            params={"q": "abba", "type": "track", "limit": "11"},
            headers=auth,
        )
        assert r.status == 400
        for path in (
            "/v1/recommendations",
            "/v1/audio-features/abc",
            "/v1/playlists/x/tracks",
            "/v1/users/x/playlists",
        ):
            assert (await http.get(fake.base_url + path, headers=auth)).status == 403
        r = await http.get(f"{fake.base_url}/v1/me")
        assert r.status == 401


async def test_planners_are_told_their_own_names_not_spotifys(
    store: SqliteStore, settings: Settings
):
    from bot.cli import build

    base = await build(store, settings)
    planner = Scripted([("pendulum", "Watercolor")], [("a-ha", "Take On Me")])
    app = Setlist(store, planner, base.catalog, resolver=base.resolver, publisher=base.publisher)
    await say(app, "/new anything")
    await say(app, "/length 2")
    session = await store.active_session(str(KEY))
    assert (session.tracks[0].artists, session.tracks[0].title) == (["Pendulum"], "Watercolour")
    await say(app, "/more")
    present = planner.requests[-1].present
    assert (present[0].artists, present[0].title) == (("pendulum",), "Watercolor")
