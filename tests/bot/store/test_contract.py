"""The store contract, run over every backend: SQLite and a real PostgreSQL server."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.catalog.model import CatalogTrack
from bot.errors import UserError
from bot.session import Session, Track
from bot.store import open_store
from bot.store.base import HISTORY_LIMIT, Store
from tests.conftest import ALICE, BOB
from tests.pgserver import new_database

KEY = "console:contract"


@pytest.fixture(params=["sqlite", "postgres"])
async def backend(request, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "postgres":
        s = await open_store(await new_database(request.getfixturevalue("postgres")))
    else:
        s = await open_store(tmp_path / "contract.db")
    yield s
    await s.close()


def session_with(n: int, key: str = KEY) -> Session:
    s = Session.start(key, ALICE, "test prompt", [])
    s.next_round(
        [
            Track(id=f"t{i}", artists=[f"Artist {i}"], title=f"Song {i}", reason="r", round_no=0)
            for i in range(n)
        ]
    )
    return s


async def test_no_session_until_started(backend: Store):
    assert await backend.active_session(KEY) is None
    assert await backend.update(KEY, lambda s: "x") is None
    assert await backend.undo(KEY) is None


async def test_round_trip(backend: Store):
    s = session_with(3)
    await backend.start_session(s, "new")
    loaded = await backend.active_session(KEY)
    assert loaded == s


async def test_update_is_versioned_and_undoable(backend: Store):
    await backend.start_session(session_with(3), "new")
    step = await backend.update(KEY, lambda s: s.vote(BOB, 2, "down") and "bob dropped 2")
    assert step.label == "bob dropped 2"
    assert (await backend.active_session(KEY)).track_at(2).state == "dropped"
    undone = await backend.undo(KEY)
    assert undone.label == "bob dropped 2"
    assert (await backend.active_session(KEY)).track_at(2).state == "pending"
    redone = await backend.redo(KEY)
    assert redone.session.track_at(2).state == "dropped"
    assert await backend.redo(KEY) is None


async def test_a_change_that_fails_saves_nothing(backend: Store):
    await backend.start_session(session_with(3), "new")

    def bad(s: Session) -> str:
        s.vote(BOB, 1, "down")
        raise UserError("no")

    with pytest.raises(UserError):
        await backend.update(KEY, bad)
    assert (await backend.active_session(KEY)).track_at(1).votes == {}
    assert await backend.update(KEY, lambda s: None) is None
    assert await backend.undo(KEY) is None  # nothing was recorded


async def test_history_is_bounded(backend: Store):
    await backend.start_session(session_with(2), "new")
    for i in range(HISTORY_LIMIT + 20):
        await backend.update(KEY, lambda s, i=i: s.set_length(1 + i % 50) or f"len {i}")
    undos = 0
    while await backend.undo(KEY):
        undos += 1
    assert undos == HISTORY_LIMIT


async def test_rules_follow_the_session_and_survive_it(backend: Store):
    await backend.set_banned(KEY, ["Drake"])
    s = Session.start(KEY, ALICE, "p", await backend.banned(KEY))
    await backend.start_session(s, "new")
    await backend.update(KEY, lambda s: (s.ban("Coldplay") and "ban") or "ban")
    assert await backend.banned(KEY) == ["Drake", "Coldplay"]
    await backend.undo(KEY)
    assert await backend.banned(KEY) == ["Drake"]
    await backend.start_session(Session.start(KEY, ALICE, "next", ["Drake"]), "new")
    assert await backend.banned(KEY) == ["Drake"]


async def test_event_ids_dedupe(backend: Store):
    assert await backend.first_sighting("e1")
    assert not await backend.first_sighting("e1")
    assert await backend.first_sighting("e2")


async def test_message_links(backend: Store):
    s = session_with(2)
    await backend.start_session(s, "new")
    await backend.link_messages(KEY, [("m1", s.tracks[0].id), ("m2", s.tracks[1].id)])
    assert await backend.track_for_message("m2") == (KEY, s.tracks[1].id)
    assert await backend.track_for_message("nope") is None


async def test_sessions_listing(backend: Store):
    await backend.start_session(session_with(1, "console:a"), "new")
    await backend.start_session(session_with(1, "discord:1:2"), "new")
    rows = {r.channel: r for r in await backend.sessions()}
    assert set(rows) == {"console:a", "discord:1:2"}
    assert rows["discord:1:2"].platform == "discord"
    assert rows["console:a"].prompt == "test prompt"
    assert rows["console:a"].updated_at.endswith("+00:00")


async def test_catalog_round_trip(backend: Store):
    t = CatalogTrack(
        ("Daft Punk",),
        "One More Time",
        2000,
        ("house",),
        ("party",),
        123.0,
        0.7,
        True,
        "spotify:track:0DiWol3AO6WpXZgp0goxAV",
        80,
        ("party",),
        "imported",
    )
    assert await backend.add_catalog([t, t]) == 1
    assert await backend.catalog() == [t]


async def test_concurrent_votes_in_one_process_lose_nothing(backend: Store):
    await backend.start_session(session_with(5), "new")
    members = [ALICE.__class__(f"m{i}", f"m{i}") for i in range(40)]

    async def vote(m):
        await backend.update(KEY, lambda s: s.vote(m, 1 + int(m.id[1:]) % 5, "up") and "v")

    await asyncio.gather(*(vote(m) for m in members))
    s = await backend.active_session(KEY)
    assert sum(len(t.votes) for t in s.tracks) == 40


async def test_sqlite_uses_wal(tmp_path: Path):
    s = await open_store(tmp_path / "wal.db")
    await s.close()
    with sqlite3.connect(tmp_path / "wal.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA user_version").fetchone()[0] >= 1


def test_moved_rules_applies_only_the_step():
    from bot.rules import moved as moved_rules

    # undo of "ban B" while C was banned elsewhere: B goes, C stays
    assert moved_rules(["A", "B", "C"], ["A", "B"], ["A"]) == ["A", "C"]
    # redo brings B back after C
    assert moved_rules(["A", "C"], ["A"], ["A", "B"]) == ["A", "C", "B"]
    # undo of an unban brings the artist back, once
    assert moved_rules(["C"], ["C"], ["C", "D"]) == ["C", "D"]
    assert moved_rules(["c", "D"], ["C"], ["C", "D"]) == ["c", "D"]


async def test_leases_exclude_other_holders_until_released_or_lapsed(backend: Store):
    assert await backend.lease("round:a", "p1", 30)
    assert not await backend.lease("round:a", "p2", 30)
    assert await backend.lease("round:a", "p1", 30)  # the holder renews
    assert await backend.lease("round:b", "p2", 30)  # another name is free
    await backend.release("round:a", "p2")  # not the holder: nothing happens
    assert not await backend.lease("round:a", "p2", 30)
    await backend.release("round:a", "p1")
    assert await backend.lease("round:a", "p2", 0.05)
    await asyncio.sleep(0.1)  # p2 died without releasing: the lease lapses
    assert await backend.lease("round:a", "p1", 30)


async def test_usage_totals_per_channel_and_model(backend: Store):
    from bot.store.base import Usage, UsageRow

    await backend.record_usage("console:a", Usage("m1", 10, 2, 3, 4))
    await backend.record_usage("console:a", Usage("m1", 1, 1, 1, 1))
    await backend.record_usage("console:b", Usage("m2", 5))
    assert await backend.usage() == [
        UsageRow("console:a", "m1", 2, 11, 3, 4, 5),
        UsageRow("console:b", "m2", 1, 5, 0, 0, 0),
    ]
    totals = [n for row in await backend.usage() for n in dataclasses.astuple(row)[2:]]
    assert all(type(n) is int for n in totals)
