"""Replies → Discord requests: interaction responses within 3 s, track messages, edits in place."""

from __future__ import annotations

import asyncio
import io
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord

from adapters import text
from adapters.discord import render
from adapters.discord.views import round_view
from bot.events import Event, MessagesLinked
from bot.keys import ChannelKey
from bot.replies import Document, Problem, Reply, RoundPosted, Text, TrackUpdated, Working

if TYPE_CHECKING:
    from adapters.discord.bot import SetlistBot

log = logging.getLogger("setlist.discord")
DEFER_AFTER = 1.5  # seconds; Discord drops an interaction not answered within 3
POST_FAILED = "Discord refused some of this round's messages; /setlist show lists the round."


def channel_of(key: str) -> int:
    return int(ChannelKey.parse(key).channel)


class Editor:
    """Edits track messages in place: one edit at a time per message, only when it changes.

    Votes arrive in bursts; an edit shows the track as the store has it when the edit goes
    out, so concurrent reactions never leave a stale state on screen.
    """

    def __init__(self, bot: SetlistBot, remember: int = 5000) -> None:
        self.bot = bot
        self.shown: OrderedDict[int, tuple] = OrderedDict()
        self.remember = remember
        self.pending: dict[int, tuple[str, Any]] = {}
        self.tasks: dict[int, asyncio.Task[None]] = {}

    def showing(self, message_id: int, track: Any) -> None:
        self.shown[message_id] = render.fingerprint(track)
        self.shown.move_to_end(message_id)
        while len(self.shown) > self.remember:
            self.shown.popitem(last=False)

    def update(self, key: str, message_id: int, track: Any) -> None:
        self.pending[message_id] = (key, track)
        if message_id not in self.tasks:
            self.tasks[message_id] = asyncio.create_task(self._run(message_id))

    async def _run(self, message_id: int) -> None:
        try:
            while message_id in self.pending:
                key, track = self.pending.pop(message_id)
                session = await self.bot.app.store.active_session(key)
                fresh = session and session.track_by_id(track.id)
                track = fresh.view() if fresh else track
                if self.shown.get(message_id) == render.fingerprint(track):
                    continue
                channel = self.bot.get_partial_messageable(channel_of(key))
                try:
                    await channel.get_partial_message(message_id).edit(
                        embed=render.track_embed(track), allowed_mentions=render.NO_MENTIONS
                    )
                except Exception as exc:  # deleted, no access, shutting down: give up on it
                    log.warning("editing message %s failed: %r", message_id, exc)
                    self.pending.pop(message_id, None)
                    return
                self.showing(message_id, track)
        finally:
            self.tasks.pop(message_id, None)

    async def drain(self) -> None:
        while self.tasks:
            await asyncio.gather(*list(self.tasks.values()), return_exceptions=True)


class Delivery:
    """Where one event's replies go: an interaction, a thread, or nowhere but edits (reactions)."""

    def __init__(
        self,
        bot: SetlistBot,
        key: ChannelKey,
        interaction: discord.Interaction | None = None,
        reference: discord.Message | None = None,
        quiet: bool = False,
        pointer: str = "",
    ) -> None:
        self.bot, self.key = bot, key
        self.thread = bot.get_partial_messageable(int(key.channel), guild_id=int(key.tenant))
        self.interaction, self.reference, self.quiet = interaction, reference, quiet
        self.pointer = pointer  # set when the interaction answers outside the round's thread
        self.original_open = False  # deferred, and the "thinking…" message not yet replaced

    @property
    def in_thread(self) -> bool:
        return self.interaction is not None and self.interaction.channel_id == self.thread.id

    async def run(self, event: Event) -> None:
        replies = self.bot.app.handle(event)
        try:
            while True:
                step = asyncio.ensure_future(anext(replies, None))
                if self.interaction is not None and not self.interaction.response.is_done():
                    done, _ = await asyncio.wait({step}, timeout=DEFER_AFTER)
                    if not done:
                        await self.working(Working(""))
                reply = await step
                if reply is None:
                    break
                try:
                    await RENDER.get(type(reply), Delivery.fallback)(self, reply)
                except discord.HTTPException as exc:  # Discord said no: log it, go on
                    log.warning("Discord refused a %s: %s", type(reply).__name__, exc)
        finally:
            await replies.aclose()
            await self._close_original()

    async def _close_original(self) -> None:
        if self.original_open and self.interaction is not None:
            self.original_open = False
            try:
                await self.interaction.delete_original_response()
            except discord.HTTPException as exc:
                log.warning("deleting a deferred response failed: %s", exc)

    # -- sending -------------------------------------------------------------------------
    async def say(self, content: str = "", ephemeral: bool = False, **parts: Any) -> None:
        """Answer the interaction (or the member's message) with content and parts."""
        parts = {k: v for k, v in parts.items() if v is not None}
        if content:
            parts["content"] = render.clip(content, render.CONTENT_MAX)
        it = self.interaction
        if it is None:
            if not self.quiet:
                await self.thread.send(
                    reference=self.reference, allowed_mentions=render.NO_MENTIONS, **parts
                )
            return
        if not it.response.is_done():
            await it.response.send_message(
                ephemeral=ephemeral, allowed_mentions=render.NO_MENTIONS, **parts
            )
        elif self.original_open and not ephemeral:
            self.original_open = False
            if "file" in parts:
                parts["attachments"] = [parts.pop("file")]
            await it.edit_original_response(allowed_mentions=render.NO_MENTIONS, **parts)
        else:
            await self._close_original()  # an ephemeral answer can't replace a public one
            await it.followup.send(
                ephemeral=ephemeral, allowed_mentions=render.NO_MENTIONS, **parts
            )

    async def working(self, reply: Working) -> None:
        it = self.interaction
        if it is not None:
            if not it.response.is_done():
                await it.response.defer(thinking=True)
                self.original_open = True
        elif not self.quiet:
            await self.thread.typing()  # shows "Setlist is typing…" for a few seconds

    async def fallback(self, reply: Reply) -> None:
        await self.say(text.render(reply))  # a reply type with no Discord form yet: plain text

    async def text(self, reply: Text) -> None:
        await self.say(reply.text)

    async def problem(self, reply: Problem) -> None:
        if self.interaction is None and self.quiet:
            log.info("quiet problem in %s: %s", self.key, reply.text)
            return
        await self.say(f"⚠️ {reply.text}", ephemeral=True)

    async def document(self, reply: Document) -> None:
        data = io.BytesIO(reply.content.encode("utf-8"))
        await self.say(file=discord.File(data, filename=reply.filename))

    async def track_updated(self, reply: TrackUpdated) -> None:
        for message_id in reply.message_ids:
            self.bot.editor.update(reply.key, int(message_id), reply.track)
        if self.interaction is not None:  # a slash vote gets a line; a reaction is its own answer
            await self.say(reply.text)

    async def round_posted(self, reply: RoundPosted) -> None:
        if not reply.fresh:
            await self.shown_again(reply)
            return
        head = render.header(reply)
        view = round_view(reply.round_no)
        if self.in_thread:
            await self.say(head, view=view)
            head, view = "", None
        elif self.interaction is not None:
            await self.say(self.pointer or head)
        try:
            async with self.bot.posting.round(str(self.key)):
                for t in reply.tracks:  # one message each, in order: members vote on each
                    msg = await self.thread.send(
                        content=head or None,
                        embed=render.track_embed(t),
                        view=view,
                        allowed_mentions=render.NO_MENTIONS,
                    )
                    head, view = "", None  # the header rides on the first track's message
                    self.bot.editor.showing(msg.id, t)
                    await self.link(msg.id, t.id)
        except discord.HTTPException as exc:
            log.warning("posting round %s to %s stopped: %s", reply.round_no, self.key, exc)
            await self.thread.send(POST_FAILED, allowed_mentions=render.NO_MENTIONS)

    async def link(self, message_id: int, track_id: str) -> None:
        """At once, not after the round: posting 15 takes seconds under Discord's rate limits,
        and members vote on the first tracks meanwhile."""
        linked = MessagesLinked(self.key, ((str(message_id), track_id),))
        for problem in await self.bot.app.reply_all(linked):
            log.warning("linking message %s in %s failed: %s", message_id, self.key, problem)
        self.bot.posting.linked()

    async def shown_again(self, reply: RoundPosted) -> None:
        """`show`, `undo`, `redo`: a listing, and the track messages edited where they differ."""
        for part in render.listing(reply):
            await self.say(part)
        for t in reply.tracks:
            for message_id in await self.bot.app.store.messages_for_track(t.id):
                self.bot.editor.update(reply.key, int(message_id), t)


RENDER: dict[type[Any], Callable[[Delivery, Any], Awaitable[None]]] = {
    Text: Delivery.text,
    Working: Delivery.working,
    Problem: Delivery.problem,
    RoundPosted: Delivery.round_posted,
    TrackUpdated: Delivery.track_updated,
    Document: Delivery.document,
}
__all__ = ["RENDER", "Delivery", "Editor"]
