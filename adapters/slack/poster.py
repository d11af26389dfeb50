"""Replies out: each reply type → Web API calls in the session's thread. Never raises."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.posting import Posting
from adapters.slack import blocks as bk
from adapters.slack.payloads import message_id, split_message_id
from bot.app import Setlist
from bot.events import Member, MessagesLinked
from bot.keys import ChannelKey
from bot.replies import (
    Document,
    Problem,
    Reply,
    RoundPosted,
    Text,
    TrackUpdated,
    TrackView,
    Working,
)

log = logging.getLogger("setlist.slack")

ROUND = "slack.round"  # per thread: the tracks last rendered, {track_id: label}
THREAD = "slack.thread"  # per channel: the thread of its latest playlist
RENDERED = "slack.rendered:"  # per thread, + message id: the digest of what it shows
SLACK_JITTER = 0.015  # seconds of margin per paced message


class Pacer:
    """chat.postMessage allows about one message a second per channel, with short bursts
    (https://api.slack.com/methods/chat.postMessage#rate_limiting): pacing ourselves beats
    paying a 429 and a Retry-After of whole seconds for each message over the limit."""

    def __init__(self, rate: float = 1.0, burst: int = 4) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.tolerance = max(0, burst - 1) * self.interval
        self._due: dict[str, float] = {}  # GCRA: the theoretical arrival time per channel

    async def wait(self, channel: str) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        due = max(self._due.get(channel, now), now)
        delay = max(0.0, due - self.tolerance - now)
        # Reserve before sleeping (fair in arrival order), a little late: the server's clock
        # sees our requests with jitter, and one early arrival costs a whole-second 429.
        self._due[channel] = due + self.interval + SLACK_JITTER
        if delay:
            await asyncio.sleep(delay)


@dataclass(slots=True)
class Origin:
    """Where an event came from, so replies land in the right thread, publicly or not."""

    key: ChannelKey
    member: Member
    via: str  # "command" | "mention" | "reaction" | "button"
    command: str = ""
    anchor: str | None = None  # a message to turn into the next "planning…" line or header
    anchor_text: str | None = None
    response_url: str | None = None


class Poster:
    def __init__(
        self,
        core: Setlist,
        client: AsyncWebClient,
        pacer: Pacer,
        origin: Origin,
        posting: Posting | None = None,
    ) -> None:
        self.core = core
        self.store = core.store
        self.client = client
        self.pacer = pacer
        self.origin = origin
        self.posting = posting or Posting()  # rounds going out: early votes wait for links
        self.pending_anchor = False  # a "planning…" message waits for its round
        self.calls = 0
        self.render_table: dict[type[Any], Callable[[Any], Awaitable[None]]] = {
            Working: self.working,
            RoundPosted: self.round,
            TrackUpdated: self.track_updated,
            Text: self.text,
            Problem: self.problem,
            Document: self.document,
        }

    @property
    def channel(self) -> str:
        return self.origin.key.channel

    @property
    def thread(self) -> str | None:
        return self.origin.key.thread or None

    async def render(self, reply: Reply) -> None:
        try:
            await self.render_table[type(reply)](reply)
        except (
            TimeoutError,
            SlackApiError,
            SlackRequestError,
            aiohttp.ClientError,
            OSError,
        ) as exc:
            log.warning("Slack refused %s: %s", type(reply).__name__, exc)

    # -- Web API -----------------------------------------------------------------------------
    async def post(self, text: str, blocks: list[bk.Block] | None = None, **extra: Any) -> str:
        await self.pacer.wait(self.channel)
        self.calls += 1
        args: dict[str, Any] = {"channel": self.channel, "text": text, **extra}
        if blocks is not None:
            args["blocks"] = blocks
        if self.thread and "thread_ts" not in extra:
            args["thread_ts"] = self.thread
        response = await self.client.chat_postMessage(**args)
        return str(response["ts"])

    async def update(
        self, mid: str, text: str, blocks: list[bk.Block] | None = None, force: bool = False
    ) -> None:
        """chat.update, skipped when the message already shows exactly this."""
        shown = bk.digest([{"text": text}, *(blocks or [])])
        name = RENDERED + mid
        scope = str(self.origin.key)
        if not force and await self.store.get_setting(scope, name) == shown:
            return
        channel, ts = split_message_id(mid)
        self.calls += 1
        await self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks or [])
        await self.store.set_setting(scope, name, shown)

    async def ephemeral(self, text: str) -> None:
        if self.origin.response_url:  # works in channels the bot isn't a member of
            self.calls += 1
            webhook = AsyncWebhookClient(self.origin.response_url)
            await webhook.send(text=text, response_type="ephemeral", replace_original=False)
            return
        self.calls += 1
        extra = {"thread_ts": self.thread} if self.thread else {}
        await self.client.chat_postEphemeral(
            channel=self.channel, user=self.origin.member.id, text=text, **extra
        )

    # -- renderers ---------------------------------------------------------------------------
    async def working(self, r: Working) -> None:
        text = bk.escape(r.text)
        if self.origin.anchor:
            if text != self.origin.anchor_text:
                await self.update(message_id(self.channel, self.origin.anchor), text)
        else:
            self.origin.anchor = await self.post(text)
        self.origin.anchor_text = text
        self.pending_anchor = True

    async def round(self, r: RoundPosted) -> None:
        key = str(self.origin.key)
        header, fallback = bk.round_blocks(r, key), bk.round_fallback(r)
        posted = False
        if r.fresh and self.origin.anchor:  # the "planning…" message becomes the header
            try:
                await self.update(message_id(self.channel, self.origin.anchor), fallback, header)
                posted = True
            except SlackApiError as exc:  # deleted meanwhile, or Slack hiccuped: post anew
                log.warning("header update failed: %s", exc)
            self.origin.anchor = None
        if not posted:
            await self.post(fallback, header)
        self.pending_anchor = False
        if r.fresh and r.round_no == 1 and self.thread:
            scope = str(ChannelKey("slack", self.channel, tenant=self.origin.key.tenant))
            await self.store.set_setting(scope, THREAD, self.thread)
        await self.sync_tracks(r)

    async def sync_tracks(self, r: RoundPosted) -> None:
        """Post the tracks that have no message yet; edit the others only where they changed;
        mark tracks that left the list. A round of 15 repeats no message."""
        key = str(self.origin.key)
        before: dict[str, str] = json.loads(await self.store.get_setting(key, ROUND) or "{}")
        shown: dict[str, str] = {}
        async with self.posting.round(self.channel):
            for t in r.tracks:
                shown[t.id] = bk.track_fallback(t)
                await self.show_track(t)
        for track_id, label in before.items():
            if track_id not in shown:
                await self.retire(track_id, label)
        await self.store.set_setting(key, ROUND, json.dumps(shown, ensure_ascii=False))

    async def show_track(self, t: TrackView) -> None:
        fallback, track_blocks = bk.track_fallback(t), bk.track_blocks(t)
        here = [
            m
            for m in await self.store.messages_for_track(t.id)
            if split_message_id(m)[0] == self.channel
        ]
        for mid in here:
            await self.update(mid, fallback, track_blocks)
        if here:
            return
        mid = message_id(self.channel, await self.post(fallback, track_blocks))
        shown = bk.digest([{"text": fallback}, *track_blocks])
        try:  # what it shows first: a vote's chat.update then compares with the truth
            await self.store.set_setting(str(self.origin.key), RENDERED + mid, shown)
        finally:
            await self.link(mid, t.id)

    async def link(self, mid: str, track_id: str) -> None:
        """At once, not after the round: posting 15 takes 15 s at Slack's pace, and members
        vote on the first tracks meanwhile."""
        linked = MessagesLinked(self.origin.key, ((mid, track_id),))
        for problem in await self.core.reply_all(linked):
            log.warning("linking message %s in %s failed: %s", mid, self.origin.key, problem)
        self.posting.linked()

    async def retire(self, track_id: str, label: str) -> None:
        """A track that left the list: struck through, without buttons."""
        retired = [
            bk.section(f"~{label}~"),
            {"type": "context", "elements": [bk.mrkdwn("retired from the list")]},
        ]
        for mid in await self.store.messages_for_track(track_id):
            if split_message_id(mid)[0] == self.channel:
                await self.update(mid, label, retired)

    async def track_updated(self, r: TrackUpdated) -> None:
        mine = [m for m in r.message_ids if split_message_id(m)[0] == self.channel]
        for mid in mine:
            await self.update(mid, bk.track_fallback(r.track), bk.track_blocks(r.track))
        if not mine:
            await self.text(Text(r.text))
        elif self.origin.via == "command":  # a typed vote: confirm it to the voter alone
            await self.ephemeral(bk.escape(r.text))

    async def text(self, r: Text) -> None:
        private = self.origin.via in ("reaction", "button") or self.origin.command == "help"
        if private or not self.thread:
            await self.ephemeral(bk.escape(r.text))
        else:
            await self.post(bk.escape(r.text))

    async def problem(self, r: Problem) -> None:
        text = f"⚠️ {bk.escape(r.text)}"
        if self.pending_anchor and self.origin.anchor:  # don't leave "planning…" behind
            await self.update(message_id(self.channel, self.origin.anchor), text)
            self.pending_anchor = False
            return
        await self.ephemeral(text)

    async def document(self, r: Document) -> None:
        try:
            self.calls += 1
            extra = {"thread_ts": self.thread} if self.thread else {}
            await self.client.files_upload_v2(
                channel=self.channel,
                content=r.content,
                filename=r.filename,
                title=r.filename,
                **extra,
            )
        except SlackApiError as exc:  # no files:write scope, or uploads disabled
            log.info("upload refused (%s): sending %s as a message", exc, r.filename)
            await self.post(bk.code_block(r.filename, r.content))
