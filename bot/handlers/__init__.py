"""Command name → handler. Each handler is an async generator of replies."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

from bot.handlers import channel, output, planning, voting

if TYPE_CHECKING:
    from bot.app import Context, Setlist
    from bot.commands import Command
    from bot.replies import Reply

Handler = Callable[["Setlist", "Context", "Command"], AsyncIterator["Reply"]]

HANDLERS: dict[str, Handler] = {
    "say": planning.say,
    "new": planning.new,
    "more": planning.more,
    "refine": planning.refine,
    "length": planning.length,
    "undo": planning.undo,
    "redo": planning.redo,
    "keep": voting.keep,
    "drop": voting.drop,
    "ban": channel.ban,
    "unban": channel.unban,
    "rules": channel.show_rules,
    "show": output.show,
    "export": output.export_,
    "publish": output.publish,
    "help": output.help_,
}
SLOW = frozenset({"say", "new", "more", "refine"})  # these plan a round
