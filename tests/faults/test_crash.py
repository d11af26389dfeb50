"""kill -9 in the middle of a burst of votes: every vote the bot acknowledged survives.

The console bot prints a vote's reply only after the store committed it (bot/handlers/voting.py
answers after `store.update` returns), and reads one line at a time, so what the database holds
after the kill is exactly the votes it acknowledged, plus at most the one it was working on.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import signal
import sqlite3
import sys
from pathlib import Path

from bot.events import Direction
from bot.store.sqlite import SqliteStore
from tests.adapters.test_console import PROMPT, ROOT
from tests.faults.conftest import clear

MEMBERS = ("alice", "bob", "carol", "dave")
KEY = "console:general"
ACK = re.compile(r"^(\w+) (kept|dropped) (\d+) \(.+\): now (kept|pending|dropped)\.$")
Vote = tuple[str, int, Direction]  # member, position, direction


class Bot:
    """`setlist chat` for several members, on a pipe."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[str] = []

    @classmethod
    async def start(cls, db: Path) -> Bot:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SPOTIFY", "ANTHROPIC"))}
        users = [arg for name in MEMBERS for arg in ("--user", name)]
        proc = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "bot", "chat", "--db", str(db), *users),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=ROOT,
            env={**env, "SETLIST_SECRET_KEY": ""},
        )
        return cls(proc)

    async def send(self, *lines: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("".join(f"{line}\n" for line in lines).encode())
        await self.proc.stdin.drain()

    async def read_until(self, done, timeout: float = 30.0) -> None:
        assert self.proc.stdout is not None
        while not done(self.lines):
            line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
            assert line, f"the bot ended early: {self.lines[-5:]}"
            self.lines.append(line.decode().rstrip("\n"))

    async def finish(self) -> tuple[int, str]:
        """End of input; everything it wrote (lines flushed before a kill count too)."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        out, err = await asyncio.wait_for(self.proc.communicate(), 30)
        self.lines += out.decode().splitlines()
        return self.proc.returncode or 0, err.decode()

    def acks(self) -> list[Vote]:
        found = [m.groups() for line in self.lines if (m := ACK.match(line))]
        return [(who, int(n), "up" if verb == "kept" else "down") for who, verb, n, _ in found]


async def votes_in(db: Path) -> dict[tuple[str, int], Direction]:
    """Every member's vote on every track, read back through the store."""
    store = await SqliteStore.open(db)
    try:
        session = await store.active_session(KEY)
    finally:
        await store.close()
    assert session is not None
    return {(who, t.position): d for t in session.tracks for who, d in t.votes.items()}


def integrity(db: Path) -> str:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def line(vote: Vote) -> str:
    who, position, direction = vote
    return f"{who}: /{'keep' if direction == 'up' else 'drop'} {position}"


async def burst_then_kill(db: Path, votes: list[Vote], rng: random.Random) -> list[Vote]:
    """Send every vote at once, kill -9 after a random number of replies; the acknowledged."""
    bot = await Bot.start(db)
    await bot.send(*map(line, votes))
    kill_after = rng.randrange(3, len(votes) - 3)
    await bot.read_until(lambda lines: len([ln for ln in lines if ACK.match(ln)]) >= kill_after)
    await asyncio.sleep(rng.random() / 200)  # anywhere in the next vote's work
    bot.proc.send_signal(signal.SIGKILL)
    code, err = await bot.finish()
    assert code == -signal.SIGKILL and "Traceback" not in err, err
    clear(bot.lines)
    acked = bot.acks()
    assert acked == votes[: len(acked)], "replies out of order or for votes never sent"
    return acked


async def test_kill_9_mid_burst_keeps_every_acknowledged_vote(tmp_path: Path):
    db = tmp_path / "crash.db"
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    bot = await Bot.start(db)
    await bot.send(f"alice: {PROMPT}")
    await bot.read_until(lambda lines: bool(lines) and lines[-1].startswith("Vote with"))
    assert await bot.finish() == (0, "")
    expected: dict[tuple[str, int], Direction] = {}
    for cycle in range(2):  # votes, then members changing their minds
        votes: list[Vote] = [
            (who, n, rng.choice(("up", "down")))
            for who in MEMBERS
            for n in range(1, 16)
            if (who, n) not in expected or rng.random() < 0.5
        ]
        votes = [v for v in votes if expected.get(v[:2]) != v[2]]
        rng.shuffle(votes)
        acked = await burst_then_kill(db, votes, rng)
        assert integrity(db) == "ok", (seed, cycle)
        found = await votes_in(db)
        # Exactly what was acknowledged, plus at most the one vote in flight at the kill.
        options = [
            {**expected, **{(w, n): d for w, n, d in votes[:done]}}
            for done in (len(acked), len(acked) + 1)
        ]
        assert found in options, (seed, cycle, len(acked))
        expected = found
    # A clean start on the same database shows the same votes and takes new ones.
    bot = await Bot.start(db)
    await bot.send("bob: /show", "carol: /keep 15")
    code, err = await bot.finish()
    assert code == 0 and "Traceback" not in err and "Round 1" in "\n".join(bot.lines)
    assert await votes_in(db) == {**expected, ("carol", 15): "up"}
    assert integrity(db) == "ok"
