"""Rounds being posted, per channel: a vote that beats its message's link waits for the link."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from typing import TypeVar

T = TypeVar("T")
PATIENCE = 10.0  # seconds, at most, that a vote waits for its message to be linked


class Posting:
    """Each track message is linked to its track right after the platform accepts it, but a
    platform can deliver a member's reaction or click before our post call has returned, let
    alone linked. While this process posts a round in a channel, a vote on a message it can't
    place waits for the next link there (or the round's end) instead of being dropped.

    In-process only: posting and voting on one thread meet in one process (a Discord guild
    lives on one shard; a Slack worker posts what it answers). Votes on unknown messages while
    nothing is being posted cost one lookup, as before.
    """

    def __init__(self, patience: float = PATIENCE) -> None:
        self.patience = patience
        self._rounds: dict[str, int] = {}  # channel → rounds being posted there now
        self._links = 0  # links made (and rounds ended), for a waiter to see it missed one
        self._tick = asyncio.Event()  # set, and replaced, on each of those

    def busy(self, channel: str) -> bool:
        return channel in self._rounds

    @asynccontextmanager
    async def round(self, channel: str) -> AsyncIterator[None]:
        """While one round's track messages go out in `channel`."""
        self._rounds[channel] = self._rounds.get(channel, 0) + 1
        try:
            yield
        finally:
            self._rounds[channel] -= 1
            if not self._rounds[channel]:
                del self._rounds[channel]
            self.linked()  # the round is over: waiters look one last time

    def linked(self) -> None:
        """A track message was linked: votes waiting for theirs look again."""
        self._links += 1
        self._tick.set()
        self._tick = asyncio.Event()

    async def find(self, channel: str, lookup: Callable[[], Awaitable[T | None]]) -> T | None:
        """`lookup()`, and while a round is being posted in `channel`, again after each link
        until it finds something, the round ends or `patience` runs out."""
        start = time.monotonic()
        while True:
            links, tick = self._links, self._tick
            found = await lookup()
            left = self.patience - (time.monotonic() - start)
            if found is not None or left <= 0:
                return found
            if links != self._links:
                continue  # a link landed during the lookup: it may be this one
            if not self.busy(channel):
                return None
            with suppress(TimeoutError):
                await asyncio.wait_for(tick.wait(), left)
