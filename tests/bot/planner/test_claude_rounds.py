"""Group conversations through the core with the Claude planner and a fake API that errs."""

from __future__ import annotations

import json

import pytest

from bot import messages, rules
from bot.app import Setlist
from bot.catalog.index import Catalog
from bot.cli import format_usage
from bot.events import Member
from bot.replies import RoundPosted
from bot.session import Session
from tests.conftest import ALICE, BOB, CAROL, Chat
from tests.fakes.anthropic_api import FakeAnthropic, Mistakes
from tests.fakes.strict_resolver import StrictCatalogResolver

RUN = "a running playlist, EDM, big drops, 160 BPM"


def check(session: Session, catalog: Catalog, strict: bool = True) -> None:
    """What a round must never do, whatever the planner said."""
    keys = [t.key for t in session.tracks]
    assert len(keys) == len(set(keys)), "a duplicate"
    assert not {t.key for t in session.dropped} & set(keys), "a dropped track came back"
    for t in session.tracks:
        if t.round_no == session.round_no:  # this round's picks
            assert not rules.is_banned(t.artists, session.banned), f"banned: {t.artists}"
        if strict:
            assert t.verified and catalog.lookup(t.artists, t.title) is not None


def posted(replies) -> RoundPosted:
    (round_,) = [r for r in replies if isinstance(r, RoundPosted)]
    return round_


async def say(chat: Chat, text: str, member: Member = ALICE) -> RoundPosted | None:
    replies = await chat.say(text, member)
    rounds = [r for r in replies if isinstance(r, RoundPosted)]
    return rounds[0] if rounds else None


@pytest.fixture
def app(store, claude, builtin) -> Setlist:
    return Setlist(store, claude, builtin, resolver=StrictCatalogResolver(builtin))


@pytest.fixture
def chat(app: Setlist) -> Chat:
    return Chat(app)


async def test_a_conversation_with_every_mistake_stays_clean(
    chat: Chat, fake: FakeAnthropic, builtin: Catalog
):
    fake.mistakes = Mistakes(invented=0.1, banned=0.1, dropped=0.1, duplicate=0.1)
    calls, named = [], []

    async def round_(text: str, member: Member) -> RoundPosted:
        before = fake.calls
        r = await say(chat, text, member)
        assert r is not None
        calls.append(fake.calls - before)
        session = await chat.session()
        check(session, builtin)
        assert len(session.live()) == session.target_length, (r.notes, calls)
        named.extend(n for n in r.notes if "not in the catalog" in n)
        return r

    first = await round_(RUN, ALICE)
    assert len(first.tracks) == 15
    await chat.say("/drop 2 5", BOB)
    await chat.say("/keep 1", ALICE)
    banned = first.tracks[2].artists[0]
    await chat.say(f"/ban {banned}", CAROL)
    await round_("no more vocals", BOB)
    await chat.say("/drop 3", CAROL)
    await round_("/more", CAROL)  # fills the dropped place
    await round_("/more", ALICE)  # full: grows by 5
    session = await chat.session()
    assert session.target_length == 20 and banned in session.banned
    assert {k for k, _ in fake.injected} == {"invented", "banned", "dropped", "duplicate"}
    assert max(calls) <= 3
    # Misses are named in the chat: every name listed was an invented proposal.
    assert named
    invented = {label for kind, label in fake.injected if kind == "invented"}
    for note in named:
        listed = note.split("not in the catalog: ")[1].rstrip(".").split("; ")
        assert set(listed) <= invented


async def test_misses_are_reasked_naming_them(chat: Chat, fake: FakeAnthropic, builtin: Catalog):
    fake.scripted.append(Mistakes(invented=0.8))  # then no more mistakes
    r = await say(chat, RUN)
    assert r is not None and len(r.tracks) == 15
    assert fake.calls == 2
    asks = [json.loads(b["messages"][-1]["content"][1]["text"][6:-7]) for b in fake.model_calls]
    assert asks[0]["not_found"] == [] and asks[1]["not_found"]
    invented = {label for kind, label in fake.injected if kind == "invented"}
    assert set(asks[1]["not_found"]) <= invented
    assert asks[1]["already_proposed"]  # and what it proposed before, to avoid repeats
    check(await chat.session(), builtin)


async def test_refinements_carry_the_votes_and_the_bans(chat: Chat, fake: FakeAnthropic):
    first = await say(chat, RUN)
    assert first is not None
    await chat.say("/keep 1", ALICE)
    await chat.say("/drop 2", BOB)
    await chat.say("/drop 2", CAROL)
    await chat.say("/ban Skrillex", CAROL)
    await say(chat, "more like 1, no vocals", BOB)
    body = fake.model_calls[-1]
    text = body["messages"][-1]["content"][0]["text"]
    session = json.loads(text.removeprefix("<session>\n").removesuffix("\n</session>"))
    assert session["refinements"] == [{"by": "bob", "text": "more like 1, no vocals"}]
    assert "Skrillex" in session["banned_artists"]
    states = {c["position"]: c["state"] for c in session["current_list"]}
    assert states[1] == "kept" and states[2] == "dropped"
    label = f"{', '.join(first.tracks[1].artists)} – {first.tracks[1].title}"
    assert session["current_list"][1]["track"] == label
    ask = json.loads(body["messages"][-1]["content"][1]["text"][6:-7])
    assert {s["for_member"] for s in ask["slots"]} <= {"alice", "bob"}


async def test_overloaded_api_degrades_to_the_offline_planner(
    chat: Chat, fake: FakeAnthropic, builtin: Catalog
):
    fake.down = True
    r = await say(chat, RUN)
    assert r is not None and len(r.tracks) == 15
    line = messages.claude_fallback(messages.claude_trouble("overloaded"))
    assert r.notes.count(line) == 1
    check(await chat.session(), builtin)
    assert await chat.app.store.usage() == []


async def test_usage_is_recorded_per_channel(chat: Chat, fake: FakeAnthropic, app: Setlist):
    await say(chat, RUN)
    await chat.say("/drop 1 2 3", BOB)
    await say(chat, "harder drops", BOB)
    other = Chat(app, "other")
    await other.say("90s hip hop")
    rows = await app.store.usage()
    assert {r.channel for r in rows} == {"console:test", "console:other"}
    assert sum(r.calls for r in rows) == fake.calls
    test_row = next(r for r in rows if r.channel == "console:test")
    assert test_row.model == "claude-haiku-5-5"
    assert test_row.cache_read_tokens > 0 and test_row.cache_write_tokens > 0
    assert test_row.input_tokens > 0 and test_row.output_tokens > 0
    table = format_usage(rows)
    assert "console:other" in table and table.splitlines()[-1].startswith("total")


async def test_without_a_strict_resolver_unknown_tracks_are_marked(
    store, claude, builtin: Catalog, fake: FakeAnthropic
):
    fake.mistakes = Mistakes(invented=0.4)
    chat = Chat(Setlist(store, claude, builtin))  # the catalog resolver: keeps, marks
    r = await say(chat, RUN)
    assert r is not None
    unverified = [t for t in r.tracks if not t.verified]
    assert unverified and fake.calls == 1
    for t in unverified:
        assert builtin.lookup(t.artists, t.title) is None
        assert t.tempo_source in (None, "estimate")
    assert any(n.startswith("Not verified") for n in r.notes)
    check(await chat.session(), builtin, strict=False)


async def test_no_spotify_data_reaches_the_prompt(chat: Chat, fake: FakeAnthropic):
    await say(chat, RUN)

    def publish(s: Session) -> str:  # what a Spotify resolver and publish leave in a session
        for i, t in enumerate(s.tracks):
            t.uri = f"spotify:track:{i:022d}"
            t.album_art = f"https://i.scdn.co/image/ab67616d{i:024d}"
        s.spotify = {"playlist_id": "37i9dQZF1DX", "url": "https://open.spotify.com/playlist/x"}
        return "published"

    await chat.app.store.update(str(chat.key), publish)
    await chat.say("/drop 1 2")
    await say(chat, "/more")
    body = json.dumps(fake.model_calls[-1])
    for marker in ("spotify:", "scdn", "open.spotify", "37i9dQZF1DX"):
        assert marker not in body
