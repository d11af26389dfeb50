"""Realistic requests through the core, the Claude planner and the fake model, which reads
only what the prompt carries: each request's intent must survive the trip."""

from __future__ import annotations

import pytest

from bot.app import Setlist
from bot.catalog.index import Catalog
from bot.planner.vocabulary import FAMILIES
from bot.replies import RoundPosted
from bot.tempo import fits_bpm
from tests.conftest import BOB, Chat
from tests.fakes.anthropic_api import FakeAnthropic


@pytest.fixture
def chat(store, claude, builtin) -> Chat:
    return Chat(Setlist(store, claude, builtin))


async def round_of(chat: Chat, text: str, member=None) -> RoundPosted:
    replies = await (chat.say(text, member) if member else chat.say(text))
    (r,) = [x for x in replies if isinstance(x, RoundPosted)]
    return r


def lookups(r: RoundPosted, catalog: Catalog, fresh_round: int | None = None):
    return [
        catalog.lookup(t.artists, t.title)
        for t in r.tracks
        if t.state != "dropped" and (fresh_round is None or t.position > fresh_round)
    ]


async def test_bpm(chat: Chat, builtin: Catalog, fake: FakeAnthropic):
    r = await round_of(chat, "a running playlist, EDM, big drops, 160 BPM")
    tracks = lookups(r, builtin)
    assert len(tracks) == 15 and all(tracks)
    with_tempo = [t for t in tracks if t.tempo]
    assert with_tempo and all(fits_bpm(t.tempo, 160, 160, tolerance=16) for t in with_tempo)
    assert fake.calls == 1


async def test_decade_and_genre(chat: Chat, builtin: Catalog):
    tracks = lookups(await round_of(chat, "90s hip hop for a road trip"), builtin)
    assert all(t.year and 1990 <= t.year <= 1999 for t in tracks)
    assert all(FAMILIES["hip hop"] & set(t.genres) for t in tracks)


async def test_mood(chat: Chat, builtin: Catalog):
    tracks = lookups(await round_of(chat, "chill lofi for studying"), builtin)
    calm = {"lofi", "ambient", "chill", "calm", "jazz", "classical", "mellow"}
    assert sum(bool(calm & {*t.genres, *t.moods}) for t in tracks) >= 12


async def test_exclusions_from_a_refinement(chat: Chat, builtin: Catalog):
    await round_of(chat, "rock for the gym")
    await chat.say("/drop 1-5")
    r = await round_of(chat, "no metal, no grunge", BOB)
    new = (
        [t for t in r.tracks if t.round_no == r.round_no]
        if hasattr(r.tracks[0], "round_no")
        else None
    )
    fresh = lookups(r, builtin)[-5:] if new is None else new
    for t in fresh:
        assert not {"metal", "grunge"} & set(t.genres)


async def test_more_like_3(chat: Chat, builtin: Catalog):
    first = await round_of(chat, "a party playlist, pop and disco")
    ref = builtin.lookup(first.tracks[2].artists, first.tracks[2].title)
    await chat.say("/drop 10-15")
    r = await round_of(chat, "more like 3", BOB)
    fresh = [builtin.lookup(t.artists, t.title) for t in r.tracks[-6:] if t.state != "dropped"]
    shared = [t for t in fresh if t and set(t.genres) & set(ref.genres)]
    assert len(shared) >= len(fresh) - 1
