"""ChannelKey: the one name a conversation has on every platform."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.errors import UserError

PLATFORMS = ("console", "discord", "slack")


@dataclass(frozen=True, slots=True)
class ChannelKey:
    """`console:<C>`, `discord:<guild>:<thread>`, `slack:<team>:<channel>[:<thread_ts>]`."""

    platform: str
    channel: str
    tenant: str = ""
    thread: str = ""
    # Discord: the text channel a playlist thread hangs off (not part of the key's name)
    parent: str = field(default="", compare=False)

    def __str__(self) -> str:
        parts = [self.platform]
        if self.tenant:
            parts.append(self.tenant)
        parts.append(self.channel)
        if self.thread:
            parts.append(self.thread)
        return ":".join(parts)

    def rules_key(self) -> str:
        """Where the channel's rules live: bans belong to the channel, not to the thread
        one playlist happens to live in, so they carry over to the next playlist."""
        if self.platform == "slack":
            return str(ChannelKey("slack", self.channel, tenant=self.tenant))
        if self.platform == "discord" and self.parent:
            return str(ChannelKey("discord", self.parent, tenant=self.tenant))
        return str(self)

    @classmethod
    def console(cls, name: str) -> ChannelKey:
        return cls("console", name)

    @classmethod
    def parse(cls, text: str) -> ChannelKey:
        """A full key, or a bare name taken as a console channel."""
        parts = text.strip().split(":")
        if not text.strip() or any(not p for p in parts):
            raise UserError(f"Not a channel key: {text!r}")
        head, rest = parts[0], parts[1:]
        if head not in PLATFORMS or not rest:
            return cls.console(text.strip())
        if head == "console":  # a bare name may hold colons: "a:b" is console:a:b
            return cls.console(":".join(rest))
        if head == "discord" and len(rest) == 2:
            return cls("discord", rest[1], tenant=rest[0])
        if head == "slack" and len(rest) in (2, 3):
            return cls("slack", rest[1], tenant=rest[0], thread=rest[2] if len(rest) == 3 else "")
        raise UserError(f"Not a channel key: {text!r}")
