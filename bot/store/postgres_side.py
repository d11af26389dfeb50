"""Small PostgreSQL tables beside the sessions: settings, token usage, secrets, grounding cache."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from bot.store import documents
from bot.store.base import Usage, UsageRow


class SideTables:
    """Mixed into PostgresStore, which runs statements with reconnects (`_read`, `_tx`)."""

    async def _read(self, body: Callable[[asyncpg.Connection], Awaitable[Any]]) -> Any:
        raise NotImplementedError

    async def _tx(self, body: Callable[[asyncpg.Connection], Awaitable[Any]]) -> Any:
        raise NotImplementedError

    async def _one(self, sql: str, *args: object) -> None:
        """One idempotent write statement, in its own transaction: safe to run again after
        a dropped connection (token usage may then count a call twice, which is harmless)."""
        await self._read(lambda con: con.execute(sql, *args))

    async def get_setting(self, scope: str, name: str) -> str | None:
        return await self._read(
            lambda con: con.fetchval(
                "SELECT value FROM settings WHERE scope = $1 AND name = $2", scope, name
            )
        )

    async def set_setting(self, scope: str, name: str, value: str | None) -> None:
        if value is None:
            await self._one("DELETE FROM settings WHERE scope = $1 AND name = $2", scope, name)
        else:
            await self._one(
                "INSERT INTO settings VALUES ($1, $2, $3) ON CONFLICT (scope, name) "
                "DO UPDATE SET value = excluded.value",
                scope,
                name,
                value,
            )

    async def record_usage(self, channel: str, usage: Usage) -> None:
        await self._one(
            "INSERT INTO usage VALUES ($1, $2, $3, $4, $5, $6, $7)",
            *documents.usage_row(channel, time.time(), usage),
        )

    async def usage(self) -> list[UsageRow]:
        return documents.usage_totals(
            await self._read(lambda con: con.fetch(documents.USAGE_TOTALS))
        )

    async def get_secret(self, name: str) -> str | None:
        return await self._read(
            lambda con: con.fetchval("SELECT value FROM secrets WHERE name = $1", name)
        )

    async def set_secret(self, name: str, value: str | None) -> None:
        if value is None:
            await self._one("DELETE FROM secrets WHERE name = $1", name)
        else:
            await self._one(
                "INSERT INTO secrets VALUES ($1, $2, $3) ON CONFLICT (name) "
                "DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                name,
                value,
                time.time(),
            )

    async def cached(self, query: str, max_age: float) -> str | None:
        return await self._read(
            lambda con: con.fetchval(
                "SELECT result FROM grounding WHERE query = $1 AND at >= $2",
                query,
                time.time() - max_age,
            )
        )

    async def cache(self, query: str, result: str) -> None:
        await self._one(
            "INSERT INTO grounding VALUES ($1, $2, $3) ON CONFLICT (query) "
            "DO UPDATE SET result = excluded.result, at = excluded.at",
            query,
            result,
            time.time(),
        )

    async def lease(self, name: str, holder: str, seconds: float) -> bool:
        now = time.time()
        status = await self._read(
            lambda con: con.execute(
                "INSERT INTO leases VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET "
                "holder = excluded.holder, until = excluded.until "
                "WHERE leases.until < $4 OR leases.holder = excluded.holder",
                name,
                holder,
                now + seconds,
                now,
            )
        )
        return status == "INSERT 0 1"

    async def release(self, name: str, holder: str) -> None:
        await self._one("DELETE FROM leases WHERE name = $1 AND holder = $2", name, holder)
