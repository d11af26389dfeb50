"""PostgreSQL store on asyncpg: the same documents as SQLite, shared by several processes.

Each domain operation is one transaction. Two processes changing one session queue on its
row (SELECT … FOR UPDATE); a channel's rules, shared by its threads, on the rules row.
A server restart or failover costs a short wait, not an error: a transaction that failed
before COMMIT is run again on a fresh connection. Only a failure during COMMIT itself, when
nobody can know whether it landed, reaches the member, as a clear "try again"."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

import asyncpg

from bot.catalog.model import CatalogTrack
from bot.errors import ServiceUnavailable
from bot.keys import ChannelKey
from bot.session import Session
from bot.store import documents
from bot.store.base import HISTORY_LIMIT, Change, SessionInfo, Step
from bot.store.migrations import POSTGRES
from bot.store.postgres_side import SideTables

log = logging.getLogger("setlist.store")
T = TypeVar("T")
RECONNECT_S = 20.0  # ride out a restart or failover this long before telling the member
# The connection went away (server restart, failover, network): safe to retry before COMMIT.
GONE = (
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,  # admin shutdown, "starting up"
    asyncpg.exceptions.TooManyConnectionsError,
    OSError,  # refused or reset while the server is down; TimeoutError too
)
CONFLICT = asyncpg.exceptions.TransactionRollbackError  # deadlock, serialization: run again
CURRENT = (
    "SELECT v.state FROM channels c "
    "JOIN sessions s ON s.id = c.active_session "
    "JOIN versions v ON v.session_id = s.id AND v.version = s.version WHERE c.key = $1"
)
LOCK = (
    "SELECT id, version, top FROM sessions WHERE id = "
    "(SELECT active_session FROM channels WHERE key = $1) FOR UPDATE"
)


def _gone(exc: BaseException) -> bool:
    if isinstance(exc, GONE):
        return True
    # asyncpg says "connection is closed" as an InterfaceError
    return isinstance(exc, asyncpg.InterfaceError) and "closed" in str(exc)


class UnsureCommit(ServiceUnavailable):
    pass


class PostgresStore(SideTables):
    def __init__(self, pool: asyncpg.Pool, url: str, reconnect: float = RECONNECT_S) -> None:
        self._pool = pool
        self.url = url
        self.reconnect = reconnect

    @classmethod
    async def open(
        cls, url: str, max_size: int = 10, reconnect: float = RECONNECT_S
    ) -> PostgresStore:
        try:
            pool = await asyncpg.create_pool(
                url, min_size=1, max_size=max_size, command_timeout=30, timeout=10
            )
        except (OSError, asyncpg.PostgresError) as exc:  # TimeoutError is an OSError
            raise ServiceUnavailable(
                f"Can't reach the PostgreSQL database at {_where(url)}: {exc}. Check "
                "SETLIST_DATABASE_URL and that the server is running."
            ) from None
        store = cls(pool, url, reconnect)
        await store._migrate()
        return store

    async def close(self) -> None:
        await self._pool.close()

    async def _migrate(self) -> None:
        async def step(con: asyncpg.Connection) -> None:
            # Two processes starting at once: one migrates, the other waits here.
            await con.execute("SELECT pg_advisory_xact_lock(7310)")
            await con.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)"
            )
            version = await con.fetchval("SELECT max(version) FROM schema_version") or 0
            for number, script in enumerate(POSTGRES[version:], start=version + 1):
                await con.execute(script)
                await con.execute("INSERT INTO schema_version VALUES ($1)", number)

        await self._tx(step)

    async def schema_version(self) -> int:
        return await self._read(
            lambda con: con.fetchval("SELECT max(version) FROM schema_version")
        )

    # -- transactions that survive a restart -------------------------------------------------
    async def _tx(
        self, body: Callable[[asyncpg.Connection], Awaitable[T]], transaction: bool = True
    ) -> T:
        deadline = time.monotonic() + self.reconnect
        delay = 0.05
        while True:
            committing = False
            try:
                async with self._pool.acquire() as con:
                    if not transaction:  # one statement: its own implicit transaction
                        return await body(con)
                    tx = con.transaction()
                    await tx.start()
                    try:
                        result = await body(con)
                    except BaseException:
                        if not con.is_closed():
                            await tx.rollback()
                        raise
                    committing = True
                    await tx.commit()
                    return result
            except CONFLICT:  # a deadlock or serialization failure: nothing was saved
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(random.uniform(0, 0.01))
            except Exception as exc:
                if not _gone(exc):
                    raise
                if committing:
                    raise UnsureCommit(
                        "The database connection dropped while saving that, so I can't tell "
                        "whether it was saved. Look at the list, and say it again if needed."
                    ) from None
                if time.monotonic() > deadline:
                    raise ServiceUnavailable(
                        "The database isn't answering; nothing was saved. Try again in a minute."
                    ) from None
                log.warning("database connection lost (%s); retrying", type(exc).__name__)
                await asyncio.sleep(delay * random.uniform(0.5, 1.5))
                delay = min(delay * 2, 1.0)

    async def _read(self, body: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        """One read statement; reads are always safe to run again."""
        return await self._tx(body, transaction=False)

    # -- sessions ----------------------------------------------------------------------------
    async def active_session(self, key: str) -> Session | None:
        row = await self._read(lambda con: con.fetchrow(CURRENT, key))
        return documents.decode(row["state"]) if row else None

    async def _rules(self, con: asyncpg.Connection, key: str, lock: bool = False) -> list[str]:
        sql = "SELECT banned FROM channels WHERE key = $1" + (" FOR UPDATE" if lock else "")
        banned = await con.fetchval(sql, key)
        return json.loads(banned) if banned else []

    async def _set_rules(self, con: asyncpg.Connection, key: str, banned: list[str]) -> None:
        await con.execute(
            "INSERT INTO channels (key, banned, updated_at) VALUES ($1, $2, $3) "
            "ON CONFLICT (key) DO UPDATE SET banned = excluded.banned, "
            "updated_at = excluded.updated_at",
            key,
            documents.rules_text(banned),
            time.time(),
        )

    async def _save(
        self,
        con: asyncpg.Connection,
        session: Session,
        version: int,
        label: str,
        rules_before: list[str] | None = None,
        top: int = 0,
    ) -> None:
        now = time.time()
        if top >= version:  # a new step after an undo discards the redo tail
            await con.execute(
                "DELETE FROM versions WHERE session_id = $1 AND version >= $2",
                session.id,
                version,
            )
        await con.execute(
            "INSERT INTO versions VALUES ($1, $2, $3, $4, $5, $6)",
            session.id,
            version,
            label,
            documents.encode(session),
            now,
            documents.rules_text(session.banned if rules_before is None else rules_before),
        )
        if version > HISTORY_LIMIT:
            await con.execute(
                "DELETE FROM versions WHERE session_id = $1 AND version = $2",
                session.id,
                version - HISTORY_LIMIT - 1,
            )
        await con.execute(
            "INSERT INTO sessions VALUES ($1, $2, $3, $4, $4, $5, $5) ON CONFLICT (id) DO "
            "UPDATE SET version = excluded.version, top = excluded.top, "
            "updated_at = excluded.updated_at",
            session.id,
            session.key,
            session.prompt,
            version,
            now,
        )
        if version == 1:  # a new session becomes the channel's active one
            await con.execute(
                "INSERT INTO channels (key, active_session, updated_at) VALUES ($1, $2, $3) "
                "ON CONFLICT (key) DO UPDATE SET active_session = excluded.active_session, "
                "updated_at = excluded.updated_at",
                session.key,
                session.id,
                now,
            )
        if rules_before is None or session.banned != rules_before:
            await self._set_rules(con, documents.rules_key(session), session.banned)

    async def start_session(self, session: Session, label: str) -> None:
        async def step(con: asyncpg.Connection) -> None:
            await self._save(con, session, 1, label)

        await self._tx(step)

    async def update(self, key: str, change: Change) -> Step | None:
        async def step(con: asyncpg.Connection) -> Step | None:
            # Lock first, then read: a statement that waited for the lock still sees the
            # versions table as it was when it started, without the other step's version.
            row = await con.fetchrow(LOCK, key)
            if row is None:
                return None
            session = documents.decode(
                await con.fetchval(
                    "SELECT state FROM versions WHERE session_id = $1 AND version = $2",
                    row["id"],
                    row["version"],
                )
            )
            # The channel's rules may have changed in another thread of the channel: start
            # from them, and hold them until this step commits.
            session.banned = await self._rules(con, documents.rules_key(session), lock=True)
            rules_before = list(session.banned)
            label = change(session)
            if label is None:
                return None
            version = row["version"] + 1
            await self._save(con, session, version, label, rules_before, row["top"])
            return Step(session, label)

        return await self._tx(step)

    async def _move(self, key: str, delta: int) -> Step | None:
        async def step(con: asyncpg.Connection) -> Step | None:
            row = await con.fetchrow(LOCK, key)
            if row is None:
                return None
            session_id, version = row["id"], row["version"]
            target = version + delta
            rows = await con.fetch(
                "SELECT version, label, state, rules_before FROM versions "
                "WHERE session_id = $1 AND version = ANY($2::integer[])",
                session_id,
                [version, target],
            )
            by_version = {r["version"]: r for r in rows}
            if target < 1 or target not in by_version:
                return None
            # Undo names the step it takes back; redo the step it brings again.
            concerned = by_version[version if delta < 0 else target]
            session = documents.decode(by_version[target]["state"])
            rules_key = documents.rules_key(session)
            rules_now = await self._rules(con, rules_key, lock=True)
            result = documents.moved(
                (concerned["label"], concerned["state"], concerned["rules_before"]),
                session,
                delta,
                rules_now,
            )
            await con.execute(
                "UPDATE sessions SET version = $1, updated_at = $2 WHERE id = $3",
                target,
                time.time(),
                session_id,
            )
            await self._set_rules(con, rules_key, result.session.banned)
            return result

        return await self._tx(step)

    async def undo(self, key: str) -> Step | None:
        return await self._move(key, -1)

    async def redo(self, key: str) -> Step | None:
        return await self._move(key, +1)

    # -- channel rules -----------------------------------------------------------------------
    async def banned(self, key: str) -> list[str]:
        return await self._read(lambda con: self._rules(con, key))

    async def set_banned(self, key: str, banned: list[str]) -> None:
        await self._tx(lambda con: self._set_rules(con, key, banned))

    # -- platform bookkeeping ----------------------------------------------------------------
    async def first_sighting(self, event_id: str) -> bool:
        async def step(con: asyncpg.Connection) -> bool:
            status = await con.execute(
                "INSERT INTO seen_events VALUES ($1, $2) ON CONFLICT DO NOTHING",
                event_id,
                time.time(),
            )
            if random.random() < 0.01:  # forget ids after a day: platforms retry in minutes
                await con.execute("DELETE FROM seen_events WHERE at < $1", time.time() - 86400)
            return status == "INSERT 0 1"

        return await self._tx(step)

    async def link_messages(self, key: str, pairs: list[tuple[str, str]]) -> None:
        async def step(con: asyncpg.Connection) -> None:
            session_id = await con.fetchval(
                "SELECT active_session FROM channels WHERE key = $1", key
            )
            if session_id is None:
                return
            await con.executemany(
                "INSERT INTO message_links VALUES ($1, $2, $3, $4) ON CONFLICT (message_id) "
                "DO UPDATE SET channel = excluded.channel, session_id = excluded.session_id, "
                "track_id = excluded.track_id",
                [(message_id, key, session_id, track_id) for message_id, track_id in pairs],
            )

        await self._tx(step)

    async def track_for_message(self, message_id: str) -> tuple[str, str] | None:
        row = await self._read(
            lambda con: con.fetchrow(
                "SELECT channel, track_id FROM message_links WHERE message_id = $1", message_id
            )
        )
        return (row["channel"], row["track_id"]) if row else None

    async def messages_for_track(self, track_id: str) -> list[str]:
        rows = await self._read(
            lambda con: con.fetch(
                "SELECT message_id FROM message_links WHERE track_id = $1", track_id
            )
        )
        return [r["message_id"] for r in rows]

    async def sessions(self) -> list[SessionInfo]:
        rows = await self._read(
            lambda con: con.fetch(
                "SELECT s.channel, s.prompt, s.updated_at FROM channels c JOIN sessions s "
                "ON s.id = c.active_session ORDER BY s.updated_at DESC"
            )
        )
        return [
            SessionInfo(
                channel=r["channel"],
                platform=ChannelKey.parse(r["channel"]).platform,
                prompt=r["prompt"],
                updated_at=datetime.fromtimestamp(r["updated_at"], UTC).isoformat(),
            )
            for r in rows
        ]

    # -- imported catalog --------------------------------------------------------------------
    async def add_catalog(self, tracks: list[CatalogTrack]) -> int:
        async def step(con: asyncpg.Connection) -> int:
            await con.executemany(
                "INSERT INTO catalog VALUES ($1, $2) ON CONFLICT (key) "
                "DO UPDATE SET data = excluded.data",
                [documents.catalog_row(t) for t in tracks],
            )
            return await con.fetchval("SELECT count(*) FROM catalog")

        return await self._tx(step)

    async def catalog(self) -> list[CatalogTrack]:
        rows = await self._read(lambda con: con.fetch("SELECT data FROM catalog"))
        return [documents.catalog_track(r["data"]) for r in rows]


def _where(url: str) -> str:
    """host:port/database of a URL, without its password."""
    rest = url.split("://", 1)[-1]
    return rest.rsplit("@", 1)[-1]
