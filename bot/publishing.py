"""The Publisher interface: where a playlist goes when members say `publish`."""

from __future__ import annotations

from typing import Protocol

from bot.session import Session


class Publisher(Protocol):
    async def publish(self, session: Session, name: str) -> tuple[dict[str, str], int, bool]:
        """Create or update the session's playlist: (link {"playlist_id", "url"}, track
        count, whether an existing playlist was updated)."""
        ...

    async def link(self, session: Session) -> dict[str, str] | None:
        """The session's playlist, if it was published (it survives undo)."""
        ...
