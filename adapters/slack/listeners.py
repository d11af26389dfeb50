"""Bolt listeners: ack at once, translate the payload, run the core in a lazy listener."""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from contextlib import asynccontextmanager
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.posting import Posting
from adapters.slack import blocks as bk
from adapters.slack import payloads as pl
from adapters.slack.poster import THREAD, Origin, Pacer, Poster
from bot import messages
from bot.app import Setlist
from bot.commands import parse_command
from bot.errors import SetlistError, UserError
from bot.events import Event, Member
from bot.keys import ChannelKey
from bot.replies import Problem
from bot.votes import direction_of

log = logging.getLogger("setlist.slack")

SLASH = "/setlist"
VOTE = re.compile(r"^setlist\.vote\.(up|down)$")
ROUND = re.compile(r"^setlist\.round\.(more|publish|undo)$")


class Listeners:
    def __init__(self, core: Setlist, pacer: Pacer | None = None) -> None:
        self.core = core
        self.store = core.store
        self.pacer = pacer or Pacer()
        self.posting = Posting()  # rounds this process is posting, per channel
        self.names: dict[str, str] = {}  # user id → display name (users.info is Tier 4)
        self._busy = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def register(self, app: AsyncApp) -> None:
        app.command(SLASH)(ack=self.ack, lazy=[self.on_command])
        app.event("app_mention")(ack=self.ack, lazy=[self.on_mention])
        app.event("reaction_added")(ack=self.ack, lazy=[self.on_reaction])
        app.event("reaction_removed")(ack=self.ack, lazy=[self.on_reaction])
        app.action(VOTE)(ack=self.ack, lazy=[self.on_vote])
        app.action(ROUND)(ack=self.ack, lazy=[self.on_round_button])
        # Channel messages arrive with the history scopes; only mentions speak to the bot.
        app.event("message")(self.ack)

    # -- bookkeeping -------------------------------------------------------------------------
    async def ack(self, ack: AsyncAck) -> None:
        await ack()  # within Slack's 3 seconds; the work follows in a lazy listener

    @asynccontextmanager
    async def working(self):
        self._busy += 1
        self._idle.clear()
        try:
            yield
        except (KeyError, IndexError, TypeError, AttributeError) as exc:
            # A payload without the fields Slack documents: ignore it rather than fail in bolt.
            log.warning("ignored a Slack payload missing what a listener reads: %r", exc)
        finally:
            self._busy -= 1
            if not self._busy:
                self._idle.set()

    async def idle(self) -> None:
        """Wait until every lazy listener started so far has finished."""
        for _ in range(3):  # let lazy tasks scheduled with the ack start
            await asyncio.sleep(0)
        await self._idle.wait()

    async def member(self, client: AsyncWebClient, user_id: str, name: str = "") -> Member:
        if name:
            self.names[user_id] = name
        if user_id not in self.names:
            try:
                info = (await client.users_info(user=user_id))["user"]
                profile = info.get("profile", {})
                self.names[user_id] = (
                    profile.get("display_name") or info.get("real_name") or info.get("name")
                ) or user_id
            except SlackApiError as exc:  # no users:read scope: the id still works
                log.info("users.info %s: %s", user_id, exc)
                return Member(user_id, user_id)
        return Member(user_id, self.names[user_id])

    async def run(self, client: AsyncWebClient, origin: Origin, event: Event) -> None:
        """The core's replies for one event, rendered; a failure is an apology, never a trace."""
        poster = Poster(self.core, client, self.pacer, origin, self.posting)
        try:
            async for reply in self.core.handle(event):
                await poster.render(reply)
        except Exception:
            log.exception("Slack adapter failed on %s", type(event).__name__)
            await poster.render(Problem(messages.unexpected()))

    async def linked(self, channel: Any, mid: str, vote: bool = True) -> tuple[str, str] | None:
        """The (key, track) a message shows. A vote can arrive before our chat.postMessage
        has returned and linked its message: while a round goes out in the channel, wait."""
        lookup = functools.partial(self.store.track_for_message, mid)
        return await (self.posting.find(str(channel), lookup) if vote else lookup())

    # -- listeners ---------------------------------------------------------------------------
    async def on_command(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        async with self.working():
            cmd: pl.CommandBody = body  # type: ignore[assignment]
            team, channel = cmd["team_id"], cmd["channel_id"]
            member = await self.member(client, cmd["user_id"], cmd.get("user_name", ""))
            scope = str(ChannelKey("slack", channel, tenant=team))
            origin = Origin(
                ChannelKey("slack", channel, tenant=team),
                member,
                "command",
                response_url=cmd.get("response_url"),
            )
            probe = pl.command_event(cmd, origin.key, member)
            try:
                origin.command = parse_command(probe.name, probe.args).name
            except UserError as exc:
                await Poster(self.core, client, self.pacer, origin).render(Problem(str(exc)))
                return
            thread = cmd.get("thread_ts") or await self.store.get_setting(scope, THREAD) or ""
            if origin.command == "new":  # the session's thread hangs off a message of its own
                if not await self.store.first_sighting(probe.event_id + ":thread"):
                    return  # the same command delivered twice: one thread
                poster = Poster(self.core, client, self.pacer, origin)
                origin.anchor_text = bk.escape(messages.planning(probe.args.strip()))
                origin.anchor = thread = await poster.post(origin.anchor_text)
            origin.key = ChannelKey("slack", channel, tenant=team, thread=thread)
            await self.run(client, origin, pl.command_event(cmd, origin.key, member))

    async def on_mention(
        self, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        async with self.working():
            event = body["event"]
            if event.get("bot_id"):
                return  # other bots: no loops
            member = await self.member(client, event["user"])
            said = pl.mention_event(body, member, context.bot_user_id)  # type: ignore[arg-type]
            if said is None:
                return
            await self.run(client, Origin(said.key, member, "mention"), said)

    async def on_reaction(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        async with self.working():
            event = body["event"]
            item = event.get("item", {})
            if item.get("type") != "message":
                return
            mid = pl.message_id(item["channel"], item["ts"])
            vote = direction_of(str(event.get("reaction", ""))) is not None
            link = await self.linked(item["channel"], mid, vote)
            if link is None:
                return  # a reaction on some other message
            key = ChannelKey.parse(link[0])
            if key.platform != "slack" or key.tenant != body.get("team_id", key.tenant):
                return
            member = await self.member(client, event["user"])
            reaction = pl.reaction_event(body, key, member)  # type: ignore[arg-type]
            if reaction is not None:
                await self.run(client, Origin(key, member, "reaction"), reaction)

    async def on_vote(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        async with self.working():
            payload: pl.ActionBody = body  # type: ignore[assignment]
            member = pl.action_member(payload)
            self.names.setdefault(member.id, member.name)
            channel, ts = pl.action_message(payload)
            link = await self.linked(channel, pl.message_id(channel, ts))
            key = ChannelKey.parse(link[0]) if link else ChannelKey("slack", channel)
            origin = Origin(key, member, "button")
            # Positions shift between rounds; the button names the track, the core a number.
            session = await self.store.active_session(str(key)) if link else None
            track = session.track_by_id(payload["actions"][0]["value"]) if session else None
            if track is None:
                poster = Poster(self.core, client, self.pacer, origin)
                await poster.render(Problem(messages.reaction_unknown()))
                return
            await self.run(client, origin, pl.vote_event(payload, key, member, track.position))

    async def on_round_button(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        async with self.working():
            payload: pl.ActionBody = body  # type: ignore[assignment]
            member = pl.action_member(payload)
            self.names.setdefault(member.id, member.name)
            action = payload["actions"][0]
            channel, _ = pl.action_message(payload)
            try:
                key = ChannelKey.parse(action.get("value", ""))
            except SetlistError:
                return
            if (key.platform, key.tenant, key.channel) != (
                "slack",
                payload["team"]["id"],
                channel,
            ):
                return  # a value that doesn't name this very thread
            name = bk.ROUND_ACTIONS[action["action_id"]]
            origin = Origin(key, member, "button", command=name)
            await self.run(client, origin, pl.round_event(payload, key, member, name))
