"""ban, unban, rules: a channel's rules outlive its sessions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from bot import messages, rules
from bot.errors import UserError
from bot.replies import Reply, Text, TrackUpdated
from bot.session import Session

if TYPE_CHECKING:
    from bot.app import Context, Setlist
    from bot.commands import Command


def _spelling(app: Setlist, typed: str) -> tuple[str, str]:
    """The catalog's spelling when it knows the artist exactly; else a hint for typos."""
    known = app.catalog.find_artist(typed)
    if known and rules.artist_key(known) == rules.artist_key(typed):
        return known, ""
    return typed.strip(), messages.did_you_mean(known) if known else ""


async def ban(app: Setlist, ctx: Context, cmd: Command) -> AsyncIterator[Reply]:
    artist, hint = _spelling(app, cmd.text)
    hit: list[str] = []

    def change(s: Session) -> str:
        if any(rules.artist_key(b) == rules.artist_key(artist) for b in s.banned):
            raise UserError(messages.already_banned(artist))
        hit.extend(t.id for t in s.ban(artist))
        return f"{ctx.member.name} banned {artist}"

    step = await app.store.update(ctx.key, change)
    if step is None:  # no session: the rule still holds for the next one
        banned = await app.store.banned(ctx.rules_key)
        if not rules.add_ban(banned, artist):
            raise UserError(messages.already_banned(artist))
        await app.store.set_banned(ctx.rules_key, banned)
    yield Text(messages.banned(artist, len(hit)) + hint)
    for track_id in hit:
        track = step.session.track_by_id(track_id) if step else None
        if track is not None:
            linked = tuple(await app.store.messages_for_track(track.id))
            text = f"{track.title}: {track.removed_by_rule}."
            yield TrackUpdated(ctx.key, track.view(), text, linked)


async def unban(app: Setlist, ctx: Context, cmd: Command) -> AsyncIterator[Reply]:
    removed: list[str] = []

    def change(s: Session) -> str:
        name = s.unban(cmd.text)
        if name is None:
            raise UserError(messages.not_banned(cmd.text))
        removed.append(name)
        return f"{ctx.member.name} unbanned {name}"

    step = await app.store.update(ctx.key, change)
    if step is None:
        banned = await app.store.banned(ctx.rules_key)
        name = rules.remove_ban(banned, cmd.text)
        if name is None:
            raise UserError(messages.not_banned(cmd.text))
        await app.store.set_banned(ctx.rules_key, banned)
        removed.append(name)
    yield Text(messages.unbanned(removed[0]))


async def show_rules(app: Setlist, ctx: Context, cmd: Command) -> AsyncIterator[Reply]:
    yield Text(messages.rules(await app.store.banned(ctx.rules_key)))
