"""Run every check at once, each within its time limit, and print one line per finding."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Sequence
from typing import TextIO

from bot.config import Settings
from bot.doctor import claude, spotify, storage
from bot.doctor.result import PROBLEM, Check, Result, as_json, problem, scrubbed, text
from bot.store.base import Store

log = logging.getLogger("setlist.doctor")
TIMEOUT = 10.0  # seconds for each check


async def _within(
    name: str, check: Check, settings: Settings, store: Store | None, timeout: float
) -> list[Result]:
    try:
        async with asyncio.timeout(timeout):
            return await check(settings, store)
    except TimeoutError:
        return [
            problem(
                name,
                f"no answer within {timeout:g} s",
                "check the network and the service's status page, then run `setlist doctor` again",
            )
        ]
    except Exception as exc:  # one broken check must not hide the others' findings
        log.debug("the %s check failed", name, exc_info=True)
        return [
            problem(
                name,
                f"the check itself failed: {exc.__class__.__name__}: {exc}",
                "report this as a bug, with this line",
            )
        ]


async def _database(settings: Settings, timeout: float) -> tuple[Result, Store | None]:
    async def run(settings: Settings, _: Store | None) -> list[Result]:
        nonlocal store
        result, store = await storage.database(settings)
        return [result]

    store: Store | None = None
    (result,) = await _within("database", run, settings, None, timeout)
    return result, store


async def diagnose(
    settings: Settings,
    platforms: Sequence[tuple[str, Check]] = (),
    fmt: str = "text",
    timeout: float = TIMEOUT,
    out: TextIO | None = None,
) -> int:
    """Check everything; 1 if anything configured is broken (or the database), else 0."""
    await claude.warm_up(settings)
    database, store = await _database(settings, timeout)
    checks: list[tuple[str, Check]] = [
        ("secrets", storage.secrets),
        (spotify.NAME, spotify.check),
        (claude.NAME, claude.check),
        *platforms,
    ]
    try:
        found = await asyncio.gather(
            *(_within(name, check, settings, store, timeout) for name, check in checks)
        )
    finally:
        if store is not None:
            await store.close()
    results = scrubbed([database, *(r for rs in found for r in rs)], settings)
    print(as_json(results) if fmt == "json" else text(results), file=out or sys.stdout)
    return 1 if any(r.status == PROBLEM for r in results) else 0
