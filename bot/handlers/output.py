"""show, export, publish, help."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from bot import export, messages
from bot.handlers.planning import active, posted
from bot.replies import Document, Reply, Text

if TYPE_CHECKING:
    from bot.app import Context, Setlist
    from bot.commands import Command


async def show(app: Setlist, ctx: Context, cmd: Command) -> AsyncIterator[Reply]:
    yield posted(await active(app, ctx), [], fresh=False)


async def export_(app: Setlist, ctx: Context, cmd: Command) -> AsyncIterator[Reply]:
    session = await active(app, ctx)
    slug = re.sub(r"[^a-z0-9]+", "-", session.prompt.lower()).strip("-")[:40] or "playlist"
    yield Document(
        f"setlist-{slug}.{cmd.text}",
        export.render(session, cmd.text),
        export.MEDIA_TYPES[cmd.text],
    )


async def publish(app: Setlist, ctx: Context, cmd: Command) -> AsyncIterator[Reply]:
    await active(app, ctx)
    yield Text(messages.publish_unconfigured())


async def help_(app: Setlist, ctx: Context, cmd: Command) -> AsyncIterator[Reply]:
    yield Text(messages.help_text(app.prefix))
