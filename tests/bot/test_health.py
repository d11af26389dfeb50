"""The heartbeat a running bot writes, and `setlist health` (the container's HEALTHCHECK)."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.config import Settings, default_db
from bot.health import beat, check, heartbeat, heartbeat_path

ROOT = Path(__file__).resolve().parents[2]
QUICK = 0.02  # seconds between beats in these tests


def health(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SETLIST_HEARTBEAT", "SETLIST_DB", "SETLIST_DATABASE_URL")
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "health", *args],
        text=True,
        capture_output=True,
        cwd=ROOT,
        env={**base, **env},
        timeout=60,
    )


async def wait_for(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(QUICK / 2)


def stamp(path: Path) -> float:
    return float(path.read_text(encoding="utf-8").split()[0])


def test_fresh_heartbeat_is_healthy(tmp_path: Path):
    beat_file = tmp_path / "hb"
    beat_file.write_text("now\n")
    out = health(env={"SETLIST_HEARTBEAT": str(beat_file)})
    assert out.returncode == 0, out.stderr
    assert re.fullmatch(
        rf"healthy: heartbeat [0-9] s old \({re.escape(str(beat_file))}\)\n", out.stdout
    )


def test_stale_heartbeat_fails_with_its_age(tmp_path: Path):
    beat_file = tmp_path / "hb"
    beat_file.write_text("then\n")
    old = time.time() - 300
    os.utime(beat_file, (old, old))
    out = health(env={"SETLIST_HEARTBEAT": str(beat_file)})
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1  # one line for `docker inspect`, no traceback
    assert re.fullmatch(
        rf"unhealthy: heartbeat {re.escape(str(beat_file))} is 30[0-9] s old "
        r"\(limit 90 s\): the bot's event loop is stuck or the bot stopped",
        lines[0],
    )
    # --max-age moves the limit
    assert health("--max-age", "600", env={"SETLIST_HEARTBEAT": str(beat_file)}).returncode == 0


def test_missing_heartbeat_fails_and_opens_no_database(tmp_path: Path):
    db = tmp_path / "setlist.db"
    out = health("--db", str(db), env={})
    assert out.returncode == 1
    # without SETLIST_HEARTBEAT the file sits beside the SQLite database
    assert out.stderr.strip() == (
        f"unhealthy: no heartbeat at {tmp_path / 'heartbeat'}: the bot is not running, has not "
        "started yet, or runs with another SETLIST_HEARTBEAT/SETLIST_DB"
    )
    assert not db.exists()  # a check every 30 s must not create or open the store


def test_heartbeat_path_precedence(tmp_path: Path):
    assert heartbeat_path(Settings(db="x.db", heartbeat=str(tmp_path / "hb"))) == tmp_path / "hb"
    assert heartbeat_path(Settings(db=str(tmp_path / "s.db"))) == tmp_path / "heartbeat"
    assert heartbeat_path(Settings(db=f"sqlite:///{tmp_path}/s.db")) == tmp_path / "heartbeat"
    url = "postgresql://setlist:pw@db:5432/setlist"
    assert heartbeat_path(Settings(db=url)) == default_db().parent / "heartbeat"
    assert heartbeat_path(Settings(db=":memory:")) == default_db().parent / "heartbeat"


def test_check_reads_age_from_mtime(tmp_path: Path):
    beat_file = tmp_path / "hb"
    beat_file.write_text("x")
    mtime = beat_file.stat().st_mtime
    assert check(beat_file, max_age=90, now=mtime + 89)[0]
    healthy, message = check(beat_file, max_age=90, now=mtime + 91)
    assert not healthy
    assert "91 s old" in message


async def test_heartbeat_writes_and_refreshes_atomically(tmp_path: Path):
    beat_file = tmp_path / "run" / "hb"  # the folder is created on the first beat
    async with heartbeat(beat_file, interval=QUICK):
        await wait_for(beat_file.exists)
        first = stamp(beat_file)
        assert f"pid={os.getpid()}" in beat_file.read_text(encoding="utf-8")
        await wait_for(lambda: stamp(beat_file) > first)
        assert check(beat_file, max_age=1.0)[0]
    stopped = beat_file.read_text(encoding="utf-8")
    await asyncio.sleep(QUICK * 5)
    assert beat_file.read_text(encoding="utf-8") == stopped  # the task ended with the body
    assert sorted(p.name for p in beat_file.parent.iterdir()) == ["hb"]  # no temp files left


async def test_a_blocked_loop_stops_the_heartbeat(tmp_path: Path):
    beat_file = tmp_path / "hb"
    async with heartbeat(beat_file, interval=QUICK):
        await wait_for(beat_file.exists)
        time.sleep(0.5)  # deliberately hang the loop: the beats come from it, not a thread
        healthy, message = check(beat_file, max_age=0.2)
        assert not healthy, message
        await wait_for(lambda: check(beat_file, max_age=0.2)[0])  # and resume with it


async def test_unwritable_heartbeat_warns_once_and_keeps_beating(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    task = asyncio.create_task(beat(blocker / "hb", interval=QUICK))
    await asyncio.sleep(QUICK * 6)
    assert not task.done()  # the bot must not die because its heartbeat can't be written
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "Cannot write the heartbeat" in warnings[0].getMessage()
