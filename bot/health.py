"""Liveness for the long-running bots: a heartbeat file the event loop refreshes, and its check.

A Discord gateway or Slack Socket Mode bot serves no HTTP port a container health check could
probe, so the bot proves its event loop still turns by rewriting a file every INTERVAL seconds;
`setlist health` (the Docker HEALTHCHECK) fails once the file is older than MAX_AGE.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

from bot.config import Settings, default_db

log = logging.getLogger(__name__)

INTERVAL = 30.0  # seconds between beats
MAX_AGE = 90.0  # three missed beats: one slow disk write or a GC pause is not a failure
FILE = "heartbeat"


def heartbeat_path(settings: Settings) -> Path:
    """SETLIST_HEARTBEAT, else beside the SQLite database (else in the user data dir)."""
    if settings.heartbeat:
        return Path(settings.heartbeat)
    db = settings.db.removeprefix("sqlite:///")
    if "://" in db or db == ":memory:":  # a database server (postgresql://), or no file
        return default_db().parent / FILE
    return Path(db).parent / FILE


def touch(path: Path) -> None:
    """Replace the file in one rename, so a check never reads a half-written one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(f"{time.time():.3f} pid={os.getpid()}\n")
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


async def beat(path: Path, interval: float = INTERVAL) -> None:
    """Rewrite the heartbeat every `interval` seconds until cancelled.

    The loop itself schedules every beat, so a blocked or dead loop stops them; the file
    write runs in a thread so a slow disk never blocks the loop."""
    failing = False
    while True:
        try:
            await asyncio.to_thread(touch, path)
        except OSError as exc:
            if not failing:  # once per outage, not every beat
                log.warning(
                    "Cannot write the heartbeat %s (health checks will fail): %s", path, exc
                )
            failing = True
        else:
            if failing:
                log.warning("Writing the heartbeat %s again", path)
            failing = False
        await asyncio.sleep(interval)


@asynccontextmanager
async def heartbeat(path: Path, interval: float = INTERVAL) -> AsyncIterator[None]:
    """Beat while the body runs (the bot's whole life)."""
    task = asyncio.create_task(beat(path, interval), name="setlist-heartbeat")
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


def check(path: Path, max_age: float = MAX_AGE, now: float | None = None) -> tuple[bool, str]:
    """(healthy, one line saying why)."""
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return False, (
            f"unhealthy: no heartbeat at {path}: the bot is not running, has not started yet, "
            "or runs with another SETLIST_HEARTBEAT/SETLIST_DB"
        )
    except OSError as exc:
        return False, f"unhealthy: cannot read the heartbeat {path}: {exc.strerror or exc}"
    age = max(0.0, (time.time() if now is None else now) - mtime)
    if age > max_age:
        return False, (
            f"unhealthy: heartbeat {path} is {age:.0f} s old (limit {max_age:.0f} s): "
            "the bot's event loop is stuck or the bot stopped"
        )
    return True, f"healthy: heartbeat {age:.0f} s old ({path})"
