"""Two processes voting on one database at the same instant lose nothing."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

from bot.store.sqlite import SqliteStore
from tests.bot.store.test_contract import KEY, session_with

VOTER = (
    """
import asyncio, sys, time
from bot.events import Member
from bot.store.sqlite import SqliteStore

async def main(path, who, start, count):
    store = await SqliteStore.open(path)
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


async def test_two_processes_voting_at_once(tmp_path: Path):
    path = tmp_path / "shared.db"
    store = await SqliteStore.open(path)
    await store.start_session(session_with(10), "new")
    start, count = time.time() + 1.5, 150
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", VOTER, str(path), who, str(start), str(count)],
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
    await store.close()
