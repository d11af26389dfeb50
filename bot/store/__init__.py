"""open_store(url): the backend is chosen by the URL; SQLite is the default."""

from __future__ import annotations

from pathlib import Path

from bot.store.base import Store


def is_server(url: str | Path) -> bool:
    return str(url).startswith(("postgres://", "postgresql://"))


async def open_store(url: str | Path) -> Store:
    """`postgresql://user:password@host:port/database`, `sqlite:///path`, or a file path."""
    text = str(url)
    if is_server(text):
        from bot.store.postgres import PostgresStore

        return await PostgresStore.open(text)
    from bot.store.sqlite import SqliteStore

    return await SqliteStore.open(text.removeprefix("sqlite:///"))
