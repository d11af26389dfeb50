"""SQLite store on aiosqlite: WAL, one BEGIN IMMEDIATE transaction per domain operation."""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite

from bot.catalog.model import CatalogTrack
from bot.keys import ChannelKey
from bot.session import Session
from bot.store import documents
from bot.store.base import HISTORY_LIMIT, Change, SessionInfo, Step
from bot.store.migrations import MIGRATIONS
from bot.store.sqlite_side import SideTables

BUSY_TIMEOUT_MS = 10_000  # while opening (WAL switch, migrations) another process may write
LOCK_WAIT_S = 30.0  # give up on the write lock after this long (another process hung)


class SqliteStore(SideTables):
    def __init__(self, db: aiosqlite.Connection, path: str) -> None:
        self._db = db
        self.path = path
        # One connection runs one transaction at a time; coroutines queue here.
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str | Path) -> SqliteStore:
        path = str(path)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(path, isolation_level=None)
        await db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await db.execute("PRAGMA journal_mode = WAL")
        await db.execute("PRAGMA synchronous = NORMAL")  # WAL: durable across process crashes
        store = cls(db, path)
        await store._migrate()
        # From here on BEGIN IMMEDIATE fails fast and _begin polls; in WAL mode nothing else
        # a transaction holding the write lock does can be kept waiting.
        await db.execute("PRAGMA busy_timeout = 0")
        return store

    async def _migrate(self) -> None:
        async with self._tx() as db:
            (version,) = await (await db.execute("PRAGMA user_version")).fetchone()
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in filter(str.strip, script.split(";")):
                    await db.execute(statement)
                await db.execute(f"PRAGMA user_version = {number}")

    async def _begin(self) -> None:
        """BEGIN IMMEDIATE, waiting for another process's write with short async sleeps.

        SQLite's own busy handler backs off to 50–100 ms sleeps and blocks the connection's
        thread; polling with jitter keeps two busy processes near full speed."""
        deadline = time.monotonic() + LOCK_WAIT_S
        delay = 0.0005
        while True:
            try:
                await self._db.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
            await asyncio.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.01)

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            await self._begin()
            try:
                yield self._db
            except BaseException:
                await self._db.execute("ROLLBACK")
                raise
            await self._db.execute("COMMIT")

    async def close(self) -> None:
        await self._db.close()

    # -- sessions ----------------------------------------------------------------------------
    async def _current(
        self, db: aiosqlite.Connection, key: str
    ) -> tuple[Session, int, bool] | None:
        """(the active session, its version, whether versions after it wait for a redo)."""
        row = await (
            await db.execute(
                "SELECT s.id, s.version, v.state, (SELECT max(version) FROM versions w "
                "WHERE w.session_id = s.id) FROM channels c JOIN sessions s "
                "ON s.id = c.active_session JOIN versions v ON v.session_id = s.id "
                "AND v.version = s.version WHERE c.key = ?",
                (key,),
            )
        ).fetchone()
        if row is None:
            return None
        return documents.decode(row[2]), row[1], row[3] > row[1]

    async def active_session(self, key: str) -> Session | None:
        async with self._lock:
            found = await self._current(self._db, key)
        return found[0] if found else None

    async def _save(
        self,
        db: aiosqlite.Connection,
        session: Session,
        version: int,
        label: str,
        rules_before: list[str] | None = None,
        redo_tail: bool = False,
    ) -> None:
        """Save a step as a new version. A vote is the commonest step: it skips every
        statement it doesn't need (no redo tail, same active session, same rules)."""
        now = time.time()
        state = documents.encode(session)
        if redo_tail:  # a new step after an undo discards the redo tail, as in every editor
            await db.execute(
                "DELETE FROM versions WHERE session_id = ? AND version >= ?",
                (session.id, version),
            )
        await db.execute(
            "INSERT INTO versions VALUES (?, ?, ?, ?, ?, ?)",
            (
                session.id,
                version,
                label,
                state,
                now,
                documents.rules_text(session.banned if rules_before is None else rules_before),
            ),
        )
        await db.execute(
            "DELETE FROM versions WHERE session_id = ? AND version < ?",
            (session.id, version - HISTORY_LIMIT),
        )
        await db.execute(
            "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE "
            "SET version = excluded.version, updated_at = excluded.updated_at",
            (session.id, session.key, session.prompt, version, now, now),
        )
        if version == 1:  # a new session becomes the channel's active one
            await db.execute(
                "INSERT INTO channels (key, active_session, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET active_session = excluded.active_session, "
                "updated_at = excluded.updated_at",
                (session.key, session.id, now),
            )
        if rules_before is None or session.banned != rules_before:
            await self._set_rules(db, documents.rules_key(session), session.banned)

    async def _rules(self, db: aiosqlite.Connection, key: str) -> list[str]:
        row = await (
            await db.execute("SELECT banned FROM channels WHERE key = ?", (key,))
        ).fetchone()
        return json.loads(row[0]) if row else []

    async def _set_rules(self, db: aiosqlite.Connection, key: str, banned: list[str]) -> None:
        await db.execute(
            "INSERT INTO channels (key, banned, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET banned = excluded.banned, "
            "updated_at = excluded.updated_at",
            (key, documents.rules_text(banned), time.time()),
        )

    async def start_session(self, session: Session, label: str) -> None:
        async with self._tx() as db:
            await self._save(db, session, 1, label)

    async def update(self, key: str, change: Change) -> Step | None:
        async with self._tx() as db:
            found = await self._current(db, key)
            if found is None:
                return None
            session, version, redo_tail = found
            # The channel's rules may have changed in another session (another thread of
            # the same channel) since this one last saved: start from them.
            session.banned = await self._rules(db, documents.rules_key(session))
            rules_before = list(session.banned)
            label = change(session)
            if label is None:
                return None
            await self._save(db, session, version + 1, label, rules_before, redo_tail)
            return Step(session, label)

    async def _move(self, key: str, delta: int) -> Step | None:
        async with self._tx() as db:
            row = await (
                await db.execute(
                    "SELECT s.id, s.version FROM channels c JOIN sessions s ON s.id = "
                    "c.active_session WHERE c.key = ?",
                    (key,),
                )
            ).fetchone()
            if row is None:
                return None
            session_id, version = row
            target = version + delta
            rows = await (
                await db.execute(
                    "SELECT version, label, state, rules_before FROM versions "
                    "WHERE session_id = ? AND version IN (?, ?)",
                    (session_id, version, target),
                )
            ).fetchall()
            by_version = {r[0]: r for r in rows}
            if target < 1 or target not in by_version:
                return None
            # Undo names the step it takes back; redo the step it brings again.
            step = by_version[version if delta < 0 else target]
            session = documents.decode(by_version[target][2])
            rules_key = documents.rules_key(session)
            result = documents.moved(step[1:], session, delta, await self._rules(db, rules_key))
            await db.execute(
                "UPDATE sessions SET version = ?, updated_at = ? WHERE id = ?",
                (target, time.time(), session_id),
            )
            await self._set_rules(db, rules_key, result.session.banned)
            return result

    async def undo(self, key: str) -> Step | None:
        return await self._move(key, -1)

    async def redo(self, key: str) -> Step | None:
        return await self._move(key, +1)

    # -- channel rules -----------------------------------------------------------------------
    async def banned(self, key: str) -> list[str]:
        async with self._lock:
            row = await (
                await self._db.execute("SELECT banned FROM channels WHERE key = ?", (key,))
            ).fetchone()
        return json.loads(row[0]) if row else []

    async def set_banned(self, key: str, banned: list[str]) -> None:
        async with self._tx() as db:
            await self._set_rules(db, key, banned)

    # -- platform bookkeeping ----------------------------------------------------------------
    async def first_sighting(self, event_id: str) -> bool:
        async with self._tx() as db:
            cursor = await db.execute(
                "INSERT INTO seen_events VALUES (?, ?) ON CONFLICT DO NOTHING",
                (event_id, time.time()),
            )
            # Forget ids after a day: platforms retry within minutes.
            await db.execute("DELETE FROM seen_events WHERE at < ?", (time.time() - 86400,))
            return cursor.rowcount == 1

    async def link_messages(self, key: str, pairs: list[tuple[str, str]]) -> None:
        async with self._tx() as db:
            found = await self._current(db, key)
            if found is None:
                return
            await db.executemany(
                "INSERT OR REPLACE INTO message_links VALUES (?, ?, ?, ?)",
                [(message_id, key, found[0].id, track_id) for message_id, track_id in pairs],
            )

    async def track_for_message(self, message_id: str) -> tuple[str, str] | None:
        async with self._lock:
            row = await (
                await self._db.execute(
                    "SELECT channel, track_id FROM message_links WHERE message_id = ?",
                    (message_id,),
                )
            ).fetchone()
        return (row[0], row[1]) if row else None

    async def messages_for_track(self, track_id: str) -> list[str]:
        async with self._lock:
            rows = await (
                await self._db.execute(
                    "SELECT message_id FROM message_links WHERE track_id = ?", (track_id,)
                )
            ).fetchall()
        return [r[0] for r in rows]

    async def sessions(self) -> list[SessionInfo]:
        async with self._lock:
            rows = await (
                await self._db.execute(
                    "SELECT s.channel, s.prompt, s.updated_at FROM channels c JOIN sessions s "
                    "ON s.id = c.active_session ORDER BY s.updated_at DESC"
                )
            ).fetchall()
        return [
            SessionInfo(
                channel=r[0],
                platform=ChannelKey.parse(r[0]).platform,
                prompt=r[1],
                updated_at=datetime.fromtimestamp(r[2], UTC).isoformat(),
            )
            for r in rows
        ]

    # -- imported catalog --------------------------------------------------------------------
    async def add_catalog(self, tracks: list[CatalogTrack]) -> int:
        async with self._tx() as db:
            await db.executemany(
                "INSERT OR REPLACE INTO catalog VALUES (?, ?)",
                [documents.catalog_row(t) for t in tracks],
            )
            (count,) = await (await db.execute("SELECT count(*) FROM catalog")).fetchone()
        return count

    async def catalog(self) -> list[CatalogTrack]:
        async with self._lock:
            rows = await (await self._db.execute("SELECT data FROM catalog")).fetchall()
        return [documents.catalog_track(data) for (data,) in rows]
