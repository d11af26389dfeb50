"""Two processes voting on one database at the same instant lose nothing: SQLite and
PostgreSQL alike."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.store import open_store
from tests.bot.store.test_contract import KEY, session_with
from tests.pgserver import new_database

VOTER = (
    """
import asyncio, sys, time
from bot.events import Member
from bot.store import open_store

async def main(url, who, start, count):
    store = await open_store(url)
    while time.time() < start:
        await asyncio.sleep(0.001)
    try:
        for i in range(count):
            member = Member(f"{who}-{i}", who)
            await store.update("%s", lambda s: s.vote(member, 1 + i %% 10, "up") and "vote")
    finally:
        await store.close()

asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])))
"""
    % KEY
)


@pytest.fixture(params=["sqlite", "postgres"])
async def url(request, tmp_path: Path) -> str:
    if request.param == "postgres":
        return await new_database(request.getfixturevalue("postgres"))
    return str(tmp_path / "shared.db")


async def test_two_processes_voting_at_once(url: str):
    store = await open_store(url)
    await store.start_session(session_with(10), "new")
    start, count = time.time() + 1.5, 150
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", VOTER, url, who, str(start), str(count)],
            cwd=Path(__file__).resolve().parents[3],
        )
        for who in ("p1", "p2")
    ]
    codes = await asyncio.gather(*(asyncio.to_thread(p.wait, 120) for p in procs))
    assert codes == [0, 0]
    s = await store.active_session(KEY)
    voters = {m for t in s.tracks for m in t.votes}
    assert len(voters) == 2 * count  # every vote from both processes is there
    assert {m.split("-")[0] for m in voters} == {"p1", "p2"}
    step = await store.undo(KEY)  # the history holds every vote as its own step
    assert step is not None and step.label == "vote"
    assert sum(len(t.votes) for t in step.session.tracks) == 2 * count - 1
    await store.close()
