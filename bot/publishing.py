"""Publishing: the Publisher interface, and where a session's published playlist is kept."""

from __future__ import annotations

import json
from typing import Protocol

from bot.session import Session
from bot.store.base import Store

# A settings scope per session, outside the undo history: an undo can't lose the playlist,
# so publishing again updates it instead of creating a second one.
SCOPE = "session:{id}"


class Publisher(Protocol):
    async def publish(self, session: Session, name: str) -> tuple[dict[str, str], int, bool]:
        """Create or update the session's playlist: (link {"playlist_id", "url"}, track
        count, whether an existing playlist was updated)."""
        ...


async def published_link(store: Store, session: Session) -> dict[str, str] | None:
    """The session's playlist, if it was published."""
    raw = await store.get_setting(SCOPE.format(id=session.id), "spotify")
    return json.loads(raw) if raw else session.spotify


async def remember_link(store: Store, session: Session, link: dict[str, str]) -> None:
    await store.set_setting(SCOPE.format(id=session.id), "spotify", json.dumps(link))
