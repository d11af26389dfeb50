"""Setlist.handle: every event goes through dedupe → lock → error guard → a handler."""

from __future__ import annotations

import asyncio
import logging
import uuid
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass

from bot import leases, messages
from bot.catalog.index import Catalog
from bot.commands import Command, parse_command, parse_line
from bot.errors import SetlistError
from bot.events import (
    CommandIssued,
    Event,
    Member,
    MessagePosted,
    MessagesLinked,
    ReactionAdded,
    ReactionRemoved,
    VoteCast,
)
from bot.grounding import CatalogResolver, Resolver, tempo_sources
from bot.handlers import HANDLERS, SLOW, voting
from bot.planner.base import Planner
from bot.publishing import Publisher
from bot.replies import Problem, Reply
from bot.store.base import Store
from bot.tempo import TempoSource

log = logging.getLogger("setlist")


@dataclass(frozen=True, slots=True)
class Context:
    """What a handler knows about the event it answers."""

    key: str
    member: Member
    rules_key: str = ""  # where the channel's bans live (see ChannelKey.rules_key)

    def __post_init__(self) -> None:
        if not self.rules_key:
            object.__setattr__(self, "rules_key", self.key)


class Setlist:
    """The core. It returns replies and never calls a platform."""

    def __init__(
        self,
        store: Store,
        planner: Planner,
        catalog: Catalog,
        prefix: str = "/",
        resolver: Resolver | None = None,
        publisher: Publisher | None = None,
    ) -> None:
        self.store = store
        self.planner = planner
        self.catalog = catalog
        self.prefix = prefix
        self.resolver: Resolver = resolver or CatalogResolver(catalog)
        self.publisher = publisher  # None: Spotify isn't configured
        self.tempo: list[TempoSource] = tempo_sources(catalog)
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self.instance = uuid.uuid4().hex  # holds leases on behalf of this process

    async def handle(self, event: Event) -> AsyncIterator[Reply]:
        try:
            if not await self.store.first_sighting(event.event_id):
                return  # a platform delivered the same event twice
            async for reply in self._route(event):
                yield reply
        except SetlistError as exc:
            yield Problem(str(exc))
        except Exception:
            log.exception("unexpected error handling %s", type(event).__name__)
            yield Problem(messages.unexpected())

    async def reply_all(self, event: Event) -> list[Reply]:
        return [r async for r in self.handle(event)]

    async def _route(self, event: Event) -> AsyncIterator[Reply]:
        key = str(event.key)
        if isinstance(event, MessagesLinked):
            await self.store.link_messages(key, list(event.track_messages))
            return
        ctx = Context(key, event.member, event.key.rules_key())
        if isinstance(event, VoteCast):
            async for r in voting.vote_positions(self, ctx, (event.position,), event.direction):
                yield r
        elif isinstance(event, ReactionAdded | ReactionRemoved):
            async for r in voting.reaction(self, ctx, event):
                yield r
        else:
            command = (
                parse_line(event.text, self.prefix)
                if isinstance(event, MessagePosted)
                else parse_command(event.name, event.args)
            )
            async for r in self._command(ctx, command):
                yield r

    async def _command(self, ctx: Context, command: Command) -> AsyncIterator[Reply]:
        handler = HANDLERS[command.name]
        if command.name not in SLOW:
            async for r in handler(self, ctx, command):
                yield r
            return
        # Rounds in one channel run one at a time, in this process (the lock) and among
        # every process on the database (the lease); votes don't wait for them (the store
        # applies each atomically and a round re-checks the state it lands on).
        lock = self._locks.get(ctx.key)
        if lock is None:
            lock = self._locks[ctx.key] = asyncio.Lock()
        async with lock, leases.held(self.store, f"round:{ctx.key}", self.instance):
            async for r in handler(self, ctx, command):
                yield r


__all__ = ["CommandIssued", "Context", "Setlist"]
