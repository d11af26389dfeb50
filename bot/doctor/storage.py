"""The database and the key that encrypts what it keeps."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import tempfile
from pathlib import Path

from bot.config import Settings
from bot.doctor.result import Result, off, ok, problem, where
from bot.errors import ConfigError, SetlistError
from bot.secrets import KEY_FILE, Vault
from bot.spotify.auth import TOKEN_SECRET
from bot.store import is_server, open_store
from bot.store.base import Store
from bot.store.migrations import MIGRATIONS, POSTGRES

MAKE_KEY = (
    'make one with `python -c "from cryptography.fernet import Fernet; '
    'print(Fernet.generate_key().decode())"`'
)


def sqlite_path(settings: Settings) -> str:
    return settings.db.removeprefix("sqlite:///")


def key_file(settings: Settings) -> Path:
    """Where Vault.for_settings keeps a generated key: beside the database."""
    path = sqlite_path(settings)
    return (Path(path).parent if path != ":memory:" else Path.cwd()) / KEY_FILE


def unwritable(path: Path) -> str | None:
    """Why SQLite couldn't write at `path`, or None. It needs the folder too: the -wal and
    -shm files live beside the database. A real file is tried, since permissions alone
    don't tell (root, read-only mounts, ACLs)."""
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent  # the database's folder is created on first use
    if not folder.is_dir():
        return f"{folder} is not a folder"
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".setlist-doctor-"):
            pass
    except OSError as exc:
        return f"can't create files in {folder} ({exc.strerror or exc})"
    if path.exists() and not os.access(path, os.W_OK):
        return f"{path} is read-only"
    return None


def user_version(path: str) -> int:
    uri = Path(path).resolve().as_uri() + "?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
        return db.execute("PRAGMA user_version").fetchone()[0]


async def schema_version(store: Store, settings: Settings) -> int | None:
    reported = getattr(store, "schema_version", None)  # a backend may say it itself
    if reported is not None:
        return await reported()
    path = sqlite_path(settings)
    if path == ":memory:":
        return None
    return await asyncio.to_thread(user_version, path)


async def database(settings: Settings) -> tuple[Result, Store | None]:
    """Open the store as the bot does; report where, which schema, how many sessions."""
    name = "database"
    server = is_server(settings.db)
    label = where(settings.db) if server else sqlite_path(settings)
    created = False
    if not server and label != ":memory:":
        path = Path(label)
        why = await asyncio.to_thread(unwritable, path)
        if why:
            return problem(
                name,
                f"{label}: {why}",
                "make that folder writable for this user (SQLite keeps its -wal and -shm "
                "files beside the database), or point SETLIST_DB (or --db) at one that is",
            ), None
        created = not await asyncio.to_thread(path.exists)
    try:
        store = await open_store(settings.db)
    except SetlistError as exc:
        fix = (
            "start the PostgreSQL server, or correct SETLIST_DATABASE_URL "
            "(postgresql://user:password@host:port/database)"
            if server
            else "check SETLIST_DB"
        )
        return problem(name, str(exc), fix), None
    except (OSError, sqlite3.Error) as exc:
        return problem(
            name, f"can't open {label}: {exc}", "check SETLIST_DB and the file's permissions"
        ), None
    try:
        version = await schema_version(store, settings)
        sessions = len(await store.sessions())
    except BaseException:  # a failure or the time limit: don't leave it open
        await store.close()
        raise
    known = len(POSTGRES if server else MIGRATIONS)
    if version is not None and version > known:
        detail = f"{label}: schema version {version}, newer than this setlist knows ({known})"
        fix = "upgrade setlist: a newer version wrote this database"
        return problem(name, detail, fix), store
    schema = "schema as migrated" if version is None else f"schema version {version}"
    if version == known:
        schema += " (current)"
    new = " (created now)" if created else ""
    plural = "s" * (sessions != 1)
    return ok(name, f"{label}{new}: {schema}, {sessions} session{plural}"), store


async def secrets(settings: Settings, store: Store | None) -> list[Result]:
    """SETLIST_SECRET_KEY (or the generated key file), and whether stored secrets open."""
    name = "secrets"
    key, source = settings.secret_key, "SETLIST_SECRET_KEY"
    sealed = await store.get_secret(TOKEN_SECRET) if store is not None else None
    if not key:
        needed = sealed or settings.spotify_client_id or settings.slack_client_id
        if is_server(settings.db) and not needed:
            return [
                off(
                    name,
                    "SETLIST_SECRET_KEY is not set; nothing needs it yet. Set it (the same in "
                    f"every process) before Spotify or Slack OAuth: {MAKE_KEY}",
                )
            ]
        if is_server(settings.db):
            return [
                problem(
                    name,
                    "SETLIST_SECRET_KEY is not set, and a PostgreSQL database has no folder "
                    "of its own to keep a generated key in",
                    f"set SETLIST_SECRET_KEY; {MAKE_KEY}",
                )
            ]
        path = key_file(settings)
        if not await asyncio.to_thread(path.exists):
            if sealed:
                return [
                    problem(
                        name,
                        f"a Spotify login is stored encrypted, but SETLIST_SECRET_KEY is not "
                        f"set and {path} is gone",
                        "set SETLIST_SECRET_KEY to the key it was stored with, or run "
                        "`setlist spotify login` again",
                    )
                ]
            return [
                ok(
                    name,
                    f"SETLIST_SECRET_KEY is not set: a key will be generated into {path} when "
                    "first needed (set SETLIST_SECRET_KEY in production)",
                )
            ]
        key = (await asyncio.to_thread(path.read_text)).strip()
        source = f"the generated key in {path}"
    try:
        vault = Vault(key)
    except ConfigError:
        return [
            problem(name, f"{source} is not a Fernet key (32 url-safe base64 bytes)", MAKE_KEY)
        ]
    if store is None:
        return [ok(name, f"{source} is a valid key (stored secrets unchecked: no database)")]
    if sealed:
        try:
            vault.open(sealed)
        except ConfigError:
            return [
                problem(
                    name,
                    f"the stored Spotify login can't be decrypted with {source}: was the key "
                    "changed?",
                    "restore the key it was stored with, or run `setlist spotify login` again",
                )
            ]
    stored = "the stored Spotify login decrypts with it" if sealed else "no secrets stored yet"
    advice = "" if settings.secret_key else " (set SETLIST_SECRET_KEY in production)"
    return [ok(name, f"{source} is a valid key; {stored}{advice}")]
