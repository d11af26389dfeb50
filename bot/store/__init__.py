"""open_store(url): the backend is chosen by the URL; SQLite is the default."""

from __future__ import annotations

from pathlib import Path

from bot.store.base import Store


async def open_store(url: str | Path) -> Store:
    """`sqlite:///path`, or a plain file path."""
    text = str(url)
    if text.startswith(("postgres://", "postgresql://")):
        from bot.errors import ConfigError

        raise ConfigError("PostgreSQL storage is not available yet: use a SQLite path.")
    from bot.store.sqlite import SqliteStore

    return await SqliteStore.open(text.removeprefix("sqlite:///"))
