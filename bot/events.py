"""What members do, as values: adapters build these from platform payloads."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Literal

from bot.keys import ChannelKey

Direction = Literal["up", "down"]


def new_event_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class Member:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class MessagePosted:
    """Plain text or a `/command` line said in a channel."""

    key: ChannelKey
    member: Member
    text: str
    event_id: str = field(default_factory=new_event_id)


@dataclass(frozen=True, slots=True)
class CommandIssued:
    """A command already split by the platform (a slash command with options)."""

    key: ChannelKey
    member: Member
    name: str
    args: str = ""
    event_id: str = field(default_factory=new_event_id)


@dataclass(frozen=True, slots=True)
class VoteCast:
    """A member votes on a track by its number (a button); None retracts the vote."""

    key: ChannelKey
    member: Member
    position: int
    direction: Direction | None
    event_id: str = field(default_factory=new_event_id)


@dataclass(frozen=True, slots=True)
class ReactionAdded:
    """An emoji reaction on a message the bot posted; the store maps message → track."""

    key: ChannelKey
    member: Member
    message_id: str
    emoji: str
    event_id: str = field(default_factory=new_event_id)


@dataclass(frozen=True, slots=True)
class ReactionRemoved:
    key: ChannelKey
    member: Member
    message_id: str
    emoji: str
    event_id: str = field(default_factory=new_event_id)


@dataclass(frozen=True, slots=True)
class MessagesLinked:
    """After posting a round, the adapter tells which platform message shows which track."""

    key: ChannelKey
    track_messages: tuple[tuple[str, str], ...]  # (message_id, track_id)
    event_id: str = field(default_factory=new_event_id)


Event = MessagePosted | CommandIssued | VoteCast | ReactionAdded | ReactionRemoved | MessagesLinked
