"""Slack payloads in: the fields we read (TypedDicts) and pure translators to core events."""

from __future__ import annotations

import re
from typing import Any, NotRequired, TypedDict

from bot.events import (
    CommandIssued,
    Direction,
    Member,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
    VoteCast,
)
from bot.keys import ChannelKey


class CommandBody(TypedDict):
    """A slash command's form body (https://api.slack.com/interactivity/slash-commands)."""

    team_id: str
    channel_id: str
    user_id: str
    user_name: NotRequired[str]
    command: str
    text: str
    trigger_id: str
    response_url: NotRequired[str]
    thread_ts: NotRequired[str]


class MessageItem(TypedDict):
    type: str
    channel: str
    ts: str


class MentionEvent(TypedDict):
    type: str  # "app_mention"
    user: str
    text: str
    ts: str
    channel: str
    thread_ts: NotRequired[str]


class ReactionEvent(TypedDict):
    type: str  # "reaction_added" | "reaction_removed"
    user: str
    reaction: str
    item: MessageItem


class EventBody(TypedDict):
    """An event_callback envelope (https://api.slack.com/apis/events-api#callback-field)."""

    team_id: str
    event_id: str
    event: dict[str, Any]


class Action(TypedDict):
    action_id: str
    value: str
    action_ts: str


class ActionBody(TypedDict):
    """A block_actions payload (https://api.slack.com/reference/interaction-payloads)."""

    team: dict[str, str]
    user: dict[str, str]
    channel: dict[str, str]
    container: dict[str, Any]
    trigger_id: str
    actions: list[Action]
    message: NotRequired[dict[str, Any]]


_ENTITY = re.compile(r"<([@#!])([^|>]+)(?:\|([^>]*))?>|<([^|>]+)(?:\|([^>]*))?>")


def message_id(channel: str, ts: str) -> str:
    """A Slack message, globally: a ts is unique only within its channel."""
    return f"{channel}:{ts}"


def split_message_id(mid: str) -> tuple[str, str]:
    channel, _, ts = mid.partition(":")
    return channel, ts


def plain_text(text: str, bot_user_id: str | None = None) -> str:
    """Slack's encoded message text → what the member typed, without the bot's mention."""

    def entity(m: re.Match[str]) -> str:
        sigil, target, label, url, url_label = m.groups()
        if sigil == "@":
            return "" if target == bot_user_id else f"@{label or target}"
        if sigil == "#":
            return f"#{label or target}"
        if sigil == "!":
            return f"@{label or target.split('^')[0]}"
        return url_label or url

    text = _ENTITY.sub(entity, text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return " ".join(text.split())


def command_event(body: CommandBody, key: ChannelKey, member: Member) -> CommandIssued:
    """`/setlist drop 2 5` → CommandIssued("drop", "2 5"); a bare `/setlist` asks for help."""
    name, _, args = plain_text(body.get("text", "")).partition(" ")
    return CommandIssued(
        key, member, name or "help", args.strip(), event_id=f"slack:cmd:{body['trigger_id']}"
    )


def command_name(body: CommandBody) -> str:
    return (plain_text(body.get("text", "")).partition(" ")[0] or "help").lower()


def mention_key(team_id: str, event: MentionEvent) -> ChannelKey:
    """A mention in a thread speaks to that thread's playlist; at the top it starts a thread."""
    thread = event.get("thread_ts") or event["ts"]
    return ChannelKey("slack", event["channel"], tenant=team_id, thread=thread)


def mention_event(
    body: EventBody, member: Member, bot_user_id: str | None
) -> MessagePosted | None:
    event: MentionEvent = body["event"]  # type: ignore[assignment]
    said = plain_text(event.get("text", ""), bot_user_id)
    key = mention_key(body["team_id"], event)
    return MessagePosted(key, member, said, event_id=f"slack:{body['event_id']}")


def reaction_event(
    body: EventBody, key: ChannelKey, member: Member
) -> ReactionAdded | ReactionRemoved | None:
    event: ReactionEvent = body["event"]  # type: ignore[assignment]
    item = event.get("item", {})
    if item.get("type") != "message":
        return None  # reactions on files and file comments
    kind = ReactionAdded if event["type"] == "reaction_added" else ReactionRemoved
    mid = message_id(item["channel"], item["ts"])
    return kind(key, member, mid, event["reaction"], event_id=f"slack:{body['event_id']}")


def action_event_id(body: ActionBody) -> str:
    action = body["actions"][0]
    return f"slack:act:{body['trigger_id']}:{action.get('action_ts', '')}"


def vote_event(body: ActionBody, key: ChannelKey, member: Member, position: int) -> VoteCast:
    direction: Direction = "up" if body["actions"][0]["action_id"].endswith(".up") else "down"
    return VoteCast(key, member, position, direction, event_id=action_event_id(body))


def round_event(body: ActionBody, key: ChannelKey, member: Member, name: str) -> CommandIssued:
    return CommandIssued(key, member, name, "", event_id=action_event_id(body))


def action_message(body: ActionBody) -> tuple[str, str]:
    """(channel, ts) of the message whose button was pressed."""
    container = body.get("container", {})
    channel = container.get("channel_id") or body.get("channel", {}).get("id", "")
    return channel, container.get("message_ts", "")


def action_member(body: ActionBody) -> Member:
    user = body["user"]
    return Member(user["id"], user.get("name") or user.get("username") or user["id"])
