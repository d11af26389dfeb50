"""The Discord bot: intents, no mentions, the /setlist tree, raw reactions, `setlist discord`."""

from __future__ import annotations

import argparse
import logging
from typing import Any

import discord
import yarl
from discord import app_commands

from adapters.discord import access, reactions, render
from adapters.discord.commands import setlist_group
from adapters.discord.outbox import Delivery, Editor
from adapters.discord.views import RoundButton
from adapters.posting import Posting
from bot import messages
from bot.app import Setlist
from bot.commands import parse_command, parse_line
from bot.config import Settings
from bot.errors import ConfigError, UserError
from bot.events import CommandIssued, Member
from bot.store.base import Store

log = logging.getLogger("setlist.discord")
PREFIX = "/setlist "
AUTO_ARCHIVE = 1440  # minutes: a playlist thread stays open for a day without messages
NOT_A_TEXT_CHANNEL = "Start a playlist in a text channel: each playlist gets its own thread there."
TOKEN_MISSING = (
    "DISCORD_TOKEN is not set: create an application at https://discord.com/developers/"
    "applications, add a bot, and put its token in DISCORD_TOKEN."
)
CONTENT_REFUSED = (
    "Discord refused the Message Content intent: enable it for the bot in the developer "
    "portal, or unset DISCORD_MESSAGE_CONTENT (mentions work without it)."
)


def configure(settings: Settings) -> None:
    """Point discord.py at the configured API and gateway (a local fake in tests)."""
    discord.http.Route.BASE = settings.discord_api_url.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


def intents(message_content: bool = False) -> discord.Intents:
    wanted = discord.Intents.none()
    wanted.guilds = True  # channels, threads and roles in the cache
    wanted.guild_messages = True  # mentions of the bot (content arrives for those)
    wanted.guild_reactions = True  # votes
    wanted.message_content = message_content  # privileged: plain messages refine too
    return wanted


class SetlistMixin:
    """What the bot does, for a plain and an auto-sharded client alike."""

    def __init__(self, app: Setlist, *, message_content: bool = False, **options: Any) -> None:
        super().__init__(  # type: ignore[call-arg]
            intents=intents(message_content),
            allowed_mentions=render.NO_MENTIONS,
            **options,
        )
        self.app = app
        self.tree = app_commands.CommandTree(self)  # type: ignore[arg-type]
        self.tree.add_command(setlist_group())
        self.tree.on_error = self.on_app_command_error  # type: ignore[method-assign]
        self.editor = Editor(self)  # type: ignore[arg-type]
        self.posting = Posting()  # rounds going out now, so early votes wait for their link
        self.names: dict[int, str] = {}  # user id → display name, for reaction removals

    async def setup_hook(self) -> None:
        self.add_dynamic_items(RoundButton)  # type: ignore[attr-defined]

    async def close(self) -> None:
        await self.editor.drain()
        await super().close()  # type: ignore[misc]

    # -- slash commands and buttons ------------------------------------------------------
    async def run_command(self, interaction: discord.Interaction, name: str, args: str) -> None:
        refusal = await access.refusal(interaction, name)
        if refusal is not None:
            await self._ephemeral(interaction, refusal)
            return
        guild_id, channel_id = interaction.guild_id, interaction.channel_id
        if guild_id is None or channel_id is None:
            return
        member = Member(str(interaction.user.id), interaction.user.display_name)
        key = reactions.key_of(guild_id, channel_id, reactions.parent_of(interaction.channel))
        pointer = ""
        if name == "new":  # each playlist gets its own thread
            try:
                parse_command(name, args)
            except UserError as exc:
                await self._ephemeral(interaction, str(exc))
                return
            await interaction.response.defer(thinking=True)
            thread = await self.open_thread(interaction, args)
            if thread is None:
                return
            key = reactions.key_of(guild_id, thread.id, thread.parent_id)
            pointer = f"→ {thread.mention}"
        delivery = Delivery(self, key, interaction, pointer=pointer)  # type: ignore[arg-type]
        delivery.original_open = interaction.response.is_done()
        event = CommandIssued(key, member, name, args, event_id=f"discord:{interaction.id}")
        await delivery.run(event)

    async def open_thread(self, interaction: discord.Interaction, prompt: str) -> Any:
        channel = interaction.channel
        if reactions.is_thread(channel):
            channel = getattr(channel, "parent", None)
        if not isinstance(channel, discord.TextChannel):
            await self._ephemeral(interaction, NOT_A_TEXT_CHANNEL)
            return None
        try:
            return await channel.create_thread(
                name=render.thread_name(prompt),
                type=discord.ChannelType.public_thread,
                auto_archive_duration=AUTO_ARCHIVE,
            )
        except discord.HTTPException as exc:
            log.warning("creating a thread in %s failed: %s", channel.id, exc)
            await self._ephemeral(interaction, NOT_A_TEXT_CHANNEL)
            return None

    async def _ephemeral(self, interaction: discord.Interaction, said: str) -> None:
        try:
            if interaction.response.is_done():
                await interaction.followup.send(
                    f"⚠️ {said}", ephemeral=True, allowed_mentions=render.NO_MENTIONS
                )
            else:
                await interaction.response.send_message(
                    f"⚠️ {said}", ephemeral=True, allowed_mentions=render.NO_MENTIONS
                )
        except discord.HTTPException as exc:
            log.warning("answering an interaction failed: %s", exc)

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        if isinstance(error, app_commands.TransformerError | app_commands.CheckFailure):
            await self._ephemeral(interaction, str(error))
            return
        log.error("app command failed", exc_info=error)
        await self._ephemeral(interaction, messages.unexpected())

    # -- gateway events ------------------------------------------------------------------
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        if payload.member is not None:
            self.names[payload.user_id] = payload.member.display_name
        await self._reaction(payload)

    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        await self._reaction(payload)

    async def _reaction(self, payload: discord.RawReactionActionEvent) -> None:
        me = self.user  # type: ignore[attr-defined]
        event = reactions.reaction(payload, me.id, self.names.get(payload.user_id))
        if event is None:
            return
        where = str(event.key)
        if self.posting.busy(where):  # Discord may deliver it before its message is linked
            await self.posting.find(
                where, lambda: self.app.store.track_for_message(event.message_id)
            )
        # The answer to a vote is the edited track message.
        await Delivery(self, event.key, quiet=True).run(event)  # type: ignore[arg-type]

    async def on_message(self, message: discord.Message) -> None:
        me = self.user  # type: ignore[attr-defined]
        content_intent = self.intents.message_content  # type: ignore[attr-defined]
        said = reactions.said(message, me.id, content_intent)
        if said is None or message.guild is None:
            return
        parent = reactions.parent_of(message.channel)
        key = reactions.key_of(message.guild.id, message.channel.id, parent)
        in_thread = reactions.is_thread(message.channel)
        active = await self.app.store.active_session(str(key)) is not None
        if me.id not in message.raw_mentions and not (in_thread and active):
            return  # plain talk outside a playlist thread is not for the bot
        if not in_thread and not active and self._starts(said):
            try:  # a mention in a channel starts a playlist in a thread on that message
                thread = await message.create_thread(
                    name=render.thread_name(said), auto_archive_duration=AUTO_ARCHIVE
                )
            except discord.HTTPException as exc:
                log.warning("creating a thread on %s failed: %s", message.id, exc)
                return
            key = reactions.key_of(message.guild.id, thread.id, message.channel.id)
            await Delivery(self, key).run(reactions.message_event(message, key, said))  # type: ignore[arg-type]
            return
        delivery = Delivery(self, key, reference=message)  # type: ignore[arg-type]
        await delivery.run(reactions.message_event(message, key, said))

    def _starts(self, said: str) -> bool:
        try:
            return parse_line(said, PREFIX).name in ("say", "new")
        except UserError:
            return False


class SetlistBot(SetlistMixin, discord.Client):
    """One gateway connection: connects to DiscordWebSocket.DEFAULT_GATEWAY."""


class ShardedSetlistBot(SetlistMixin, discord.AutoShardedClient):
    """Many guilds: asks GET /gateway/bot for the shard count and the gateway URL."""


def make_bot(
    app: Setlist, *, sharded: bool = False, message_content: bool = False, **options: Any
) -> Any:
    """The bot; `options` go to discord.py's client (e.g. guild_ready_timeout)."""
    cls = ShardedSetlistBot if sharded or "shard_ids" in options else SetlistBot
    return cls(app, message_content=message_content, **options)


def shard_options(settings: Settings) -> dict[str, Any]:
    """Several processes share the shards of one bot: each names its own and the total
    (DISCORD_SHARD_IDS, DISCORD_SHARD_COUNT); all of them use one database."""
    if not settings.discord_shard_ids and not settings.discord_shard_count:
        return {}
    ids, count = settings.discord_shard_ids, settings.discord_shard_count
    if not ids or count < 1 or any(not 0 <= i < count for i in ids):
        raise ConfigError(
            "Set DISCORD_SHARD_IDS (this process's shards, e.g. 0,1) and DISCORD_SHARD_COUNT "
            "(the total over every process) together; each id must be below the count."
        )
    return {"shard_ids": list(ids), "shard_count": count}


async def main(args: argparse.Namespace, settings: Settings, store: Store) -> int:
    """`setlist discord [run|sync]`: run the bot, or register its commands (a deploy step)."""
    from bot.cli import build  # the CLI builds the core; imported here to avoid a cycle

    if not settings.discord_token:
        raise ConfigError(TOKEN_MISSING)
    configure(settings)
    app = await build(store, settings, prefix=PREFIX)
    bot = make_bot(
        app,
        sharded=settings.discord_sharded,
        message_content=settings.discord_message_content,
        **shard_options(settings),
    )
    try:
        async with bot:
            if args.action == "sync":
                await bot.login(settings.discord_token)
                synced = await bot.tree.sync()
                subs = sum(len(c.options) for c in synced)
                print(f"Registered {len(synced)} command(s): /setlist with {subs} sub-commands.")
                return 0
            await bot.start(settings.discord_token)
    except discord.LoginFailure as exc:
        raise ConfigError(f"Discord refused the token in DISCORD_TOKEN: {exc}") from exc
    except discord.PrivilegedIntentsRequired as exc:
        raise ConfigError(CONTENT_REFUSED) from exc
    return 0


__all__ = [
    "PREFIX",
    "SetlistBot",
    "ShardedSetlistBot",
    "configure",
    "main",
    "make_bot",
    "shard_options",
]
