"""show, export, publish, help."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from bot import export, messages
from bot.handlers.planning import active, posted
from bot.publishing import published_link
from bot.replies import Document, Reply, Text, Working
from bot.session import Session

if TYPE_CHECKING:
    from bot.app import Context, Setlist
    from bot.commands import Command


async def show(app: Setlist, ctx: Context, cmd: Command) -> AsyncIterator[Reply]:
    yield posted(await active(app, ctx), [], fresh=False)


async def export_(app: Setlist, ctx: Context, cmd: Command) -> AsyncIterator[Reply]:
    session = await active(app, ctx)
    session.spotify = await published_link(app.store, session)  # it survives undo
    slug = re.sub(r"[^a-z0-9]+", "-", session.prompt.lower()).strip("-")[:40] or "playlist"
    yield Document(
        f"setlist-{slug}.{cmd.text}",
        export.render(session, cmd.text),
        export.MEDIA_TYPES[cmd.text],
    )


async def publish(app: Setlist, ctx: Context, cmd: Command) -> AsyncIterator[Reply]:
    session = await active(app, ctx)
    if app.publisher is None:
        yield Text(messages.publish_unconfigured())
        return
    yield Working(messages.publishing())
    name = cmd.text or f"Setlist: {session.prompt}"
    link, count, updated = await app.publisher.publish(session, name)

    def change(s: Session) -> str | None:
        if s.spotify == link:
            return None
        s.spotify = link
        return f"published to Spotify by {ctx.member.name}"

    await app.store.update(ctx.key, change)
    yield Text(messages.published(link["url"], count, updated))


async def help_(app: Setlist, ctx: Context, cmd: Command) -> AsyncIterator[Reply]:
    yield Text(messages.help_text(app.prefix))
