"""The Store protocol: the domain operations the core needs, each one transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.catalog.model import CatalogTrack
from bot.session import Session

# A change edits the session in place and returns a label for the history, or None for "no
# change" (nothing is saved). Raising UserError rolls the whole step back.
Change = Callable[[Session], str | None]
HISTORY_LIMIT = 200  # versions kept behind the current one, for undo


@dataclass(frozen=True, slots=True)
class SessionInfo:
    channel: str
    platform: str
    prompt: str
    updated_at: str  # ISO 8601, UTC


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens one planner call used."""

    model: str
    input_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    output_tokens: int = 0


@dataclass(frozen=True, slots=True)
class UsageRow:
    channel: str
    model: str
    calls: int
    input_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    output_tokens: int


@dataclass(frozen=True, slots=True)
class Step:
    """A session after a change, undo or redo, with the label of the step concerned."""

    session: Session
    label: str


class Store(Protocol):
    async def active_session(self, key: str) -> Session | None: ...

    async def start_session(self, session: Session, label: str) -> None:
        """Make `session` the channel's active one (the previous one stays in the database)."""

    async def update(self, key: str, change: Change) -> Step | None:
        """Apply a change to the channel's active session atomically; None if nothing changed."""

    async def undo(self, key: str) -> Step | None:
        """Step back; the Step names what was undone. None at the start of the history."""

    async def redo(self, key: str) -> Step | None: ...

    async def banned(self, key: str) -> list[str]: ...

    async def set_banned(self, key: str, banned: list[str]) -> None:
        """The channel's rules when no session is active."""

    async def first_sighting(self, event_id: str) -> bool:
        """True the first time an event id is seen (platform retries deliver twice)."""

    async def link_messages(self, key: str, pairs: list[tuple[str, str]]) -> None: ...

    async def track_for_message(self, message_id: str) -> tuple[str, str] | None:
        """(channel key, track id) for a platform message the bot posted."""

    async def messages_for_track(self, track_id: str) -> list[str]:
        """The platform messages that show a track (to edit them in place)."""

    async def sessions(self) -> list[SessionInfo]: ...

    async def get_setting(self, scope: str, name: str) -> str | None:
        """Small per-tenant settings, e.g. a Discord server's roles allowed to publish."""

    async def set_setting(self, scope: str, name: str, value: str | None) -> None: ...

    async def record_usage(self, channel: str, usage: Usage) -> None: ...

    async def usage(self) -> list[UsageRow]:
        """Token totals per channel (and model)."""

    async def get_secret(self, name: str) -> str | None:
        """A stored secret as stored: callers encrypt before and decrypt after."""

    async def set_secret(self, name: str, value: str | None) -> None: ...

    async def cached(self, query: str, max_age: float) -> str | None:
        """A cached grounding result (JSON text) younger than max_age seconds."""

    async def cache(self, query: str, result: str) -> None: ...

    async def lease(self, name: str, holder: str, seconds: float) -> bool:
        """Take or renew a named lease for `seconds`: False while another holder's runs.
        Processes sharing a database plan one round per channel at a time with it."""

    async def release(self, name: str, holder: str) -> None: ...

    async def add_catalog(self, tracks: list[CatalogTrack]) -> int: ...

    async def catalog(self) -> list[CatalogTrack]: ...

    async def close(self) -> None: ...
