"""Votes per second into the store from concurrent writers, and how many were lost (must be 0).

Several processes (and several coroutines in each) vote on one session in one SQLite file.
Run: python bench/vote_throughput.py [processes] [votes-per-process]
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT

from bot.events import Member
from bot.session import Session, Track
from bot.store.sqlite import SqliteStore

KEY = "console:bench"
WORKER = (
    """
import asyncio, sys, time
from bot.events import Member
from bot.store.sqlite import SqliteStore

async def main(path, who, start, count, tracks):
    store = await SqliteStore.open(path)
    while time.time() < start:
        await asyncio.sleep(0.001)
    async def vote(i):
        member = Member(f"{who}-{i}", who)
        await store.update("%s", lambda s: s.vote(member, 1 + i %% tracks, "up") and "v")
    await asyncio.gather(*(vote(i) for i in range(count)))
    await store.close()

asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4]),
                 int(sys.argv[5])))
"""
    % KEY
)


async def run(processes: int, per_process: int, tracks: int = 15) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "votes.db"
        store = await SqliteStore.open(path)
        session = Session.start(KEY, Member("a", "a"), "bench", [])
        session.next_round(
            [
                Track(id=f"t{i}", artists=[f"A{i}"], title=f"S{i}", reason="", round_no=0)
                for i in range(tracks)
            ]
        )
        await store.start_session(session, "new")
        start = time.time() + 2.0  # every process opens its connection before the gun
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    WORKER,
                    str(path),
                    f"p{n}",
                    str(start),
                    str(per_process),
                    str(tracks),
                ],
                cwd=ROOT,
            )
            for n in range(processes)
        ]
        for p in procs:
            p.wait()
        elapsed = time.time() - start
        final = await store.active_session(KEY)
        await store.close()
    counted = sum(len(t.votes) for t in final.tracks)
    sent = processes * per_process
    print(
        f"{processes} processes × {per_process} votes: {sent / elapsed:,.0f} votes/s "
        f"({elapsed:.2f} s), counted {counted:,} of {sent:,}, lost {sent - counted}"
    )


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    asyncio.run(run(*(args or [2, 500])))
