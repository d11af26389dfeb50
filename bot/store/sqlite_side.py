"""Small SQLite tables beside the sessions: settings, token usage, secrets, grounding cache."""

from __future__ import annotations

import asyncio
import time
from contextlib import AbstractAsyncContextManager

import aiosqlite

from bot.store import documents
from bot.store.base import Usage, UsageRow


class SideTables:
    """Mixed into SqliteStore, which provides the connection, its lock and transactions."""

    _db: aiosqlite.Connection
    _lock: asyncio.Lock

    def _tx(self) -> AbstractAsyncContextManager[aiosqlite.Connection]:
        raise NotImplementedError

    async def get_setting(self, scope: str, name: str) -> str | None:
        async with self._lock:
            row = await (
                await self._db.execute(
                    "SELECT value FROM settings WHERE scope = ? AND name = ?", (scope, name)
                )
            ).fetchone()
        return row[0] if row else None

    async def set_setting(self, scope: str, name: str, value: str | None) -> None:
        async with self._tx() as db:
            if value is None:
                await db.execute(
                    "DELETE FROM settings WHERE scope = ? AND name = ?", (scope, name)
                )
            else:
                await db.execute(
                    "INSERT OR REPLACE INTO settings VALUES (?, ?, ?)", (scope, name, value)
                )

    async def record_usage(self, channel: str, usage: Usage) -> None:
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO usage VALUES (?, ?, ?, ?, ?, ?, ?)",
                documents.usage_row(channel, time.time(), usage),
            )

    async def usage(self) -> list[UsageRow]:
        async with self._lock:
            rows = await (await self._db.execute(documents.USAGE_TOTALS)).fetchall()
        return documents.usage_totals(rows)

    async def get_secret(self, name: str) -> str | None:
        async with self._lock:
            row = await (
                await self._db.execute("SELECT value FROM secrets WHERE name = ?", (name,))
            ).fetchone()
        return row[0] if row else None

    async def set_secret(self, name: str, value: str | None) -> None:
        async with self._tx() as db:
            if value is None:
                await db.execute("DELETE FROM secrets WHERE name = ?", (name,))
            else:
                await db.execute(
                    "INSERT OR REPLACE INTO secrets VALUES (?, ?, ?)", (name, value, time.time())
                )

    async def cached(self, query: str, max_age: float) -> str | None:
        async with self._lock:
            row = await (
                await self._db.execute(
                    "SELECT result FROM grounding WHERE query = ? AND at >= ?",
                    (query, time.time() - max_age),
                )
            ).fetchone()
        return row[0] if row else None

    async def cache(self, query: str, result: str) -> None:
        async with self._tx() as db:
            await db.execute(
                "INSERT OR REPLACE INTO grounding VALUES (?, ?, ?)", (query, result, time.time())
            )

    async def lease(self, name: str, holder: str, seconds: float) -> bool:
        now = time.time()
        async with self._tx() as db:
            cursor = await db.execute(
                "INSERT INTO leases VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                "holder = excluded.holder, until = excluded.until "
                "WHERE leases.until < ? OR leases.holder = excluded.holder",
                (name, holder, now + seconds, now),
            )
            return cursor.rowcount == 1

    async def release(self, name: str, holder: str) -> None:
        async with self._tx() as db:
            await db.execute("DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder))
