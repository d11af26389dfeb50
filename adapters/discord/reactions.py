"""Gateway payloads → core events: raw reactions and messages said to the bot. Pure functions."""

from __future__ import annotations

import re

import discord

from bot.events import Member, MessagePosted, ReactionAdded, ReactionRemoved
from bot.keys import ChannelKey
from bot.votes import direction_of

THREADS = frozenset({discord.ChannelType.public_thread, discord.ChannelType.private_thread})


def key_of(guild_id: int, channel_id: int, parent_id: int | None = None) -> ChannelKey:
    """`discord:<guild>:<thread>`: a session lives in a thread (or the channel it was asked in).
    The thread's text channel, when known, is where the channel's bans live."""
    parent = str(parent_id) if parent_id else ""
    return ChannelKey("discord", str(channel_id), tenant=str(guild_id), parent=parent)


def parent_of(channel: object) -> int | None:
    return getattr(channel, "parent_id", None) if is_thread(channel) else None


def is_thread(channel: object) -> bool:
    return getattr(channel, "type", None) in THREADS


def reaction(
    payload: discord.RawReactionActionEvent, bot_id: int, name: str | None
) -> ReactionAdded | ReactionRemoved | None:
    """A vote emoji added or removed by a member; None for the bot's own and other emoji.

    Raw events come for every message, cached or not, so reactions on messages posted before
    a restart count: the store, not the cache, knows which track a message shows.
    """
    if payload.guild_id is None or payload.user_id == bot_id or payload.emoji.id is not None:
        return None  # a DM, the bot itself, or a custom server emoji (never a vote)
    emoji = payload.emoji.name or ""
    if direction_of(emoji) is None:
        return None
    member = Member(str(payload.user_id), name or f"member {payload.user_id}")
    key = key_of(payload.guild_id, payload.channel_id)
    kind = ReactionAdded if payload.event_type == "REACTION_ADD" else ReactionRemoved
    # No id of Discord's names a reaction event; a repeated one is harmless (the same vote
    # again changes nothing), so each gets a fresh id.
    return kind(key, member, str(payload.message_id), emoji)


def said(message: discord.Message, bot_id: int, content_intent: bool) -> str | None:
    """What a member said to the bot: a mention's text, or (with Message Content) any text."""
    if message.author.bot or message.guild is None:
        return None
    mentioned = bot_id in message.raw_mentions
    if not mentioned and not content_intent:
        return None
    text = re.sub(rf"<@!?{bot_id}>", " ", message.content)
    return " ".join(text.split()) or None


def message_event(message: discord.Message, key: ChannelKey, text: str) -> MessagePosted:
    member = Member(str(message.author.id), message.author.display_name)
    return MessagePosted(key, member, text, event_id=f"discord-message:{message.id}")
