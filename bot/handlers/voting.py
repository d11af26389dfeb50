"""keep, drop, vote buttons and emoji reactions: one vote per member per track."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

from bot import messages
from bot.errors import UserError
from bot.events import Direction, ReactionAdded, ReactionRemoved
from bot.replies import Reply, Text, TrackUpdated
from bot.session import Session, Track
from bot.votes import direction_of

if TYPE_CHECKING:
    from bot.app import Context, Setlist
    from bot.commands import Command

VERBS = {"up": "kept", "down": "dropped", None: "took back a vote on"}


def label(t: Track) -> str:
    return f"{t.position} ({', '.join(t.artists)} – {t.title})"


async def keep(app: Setlist, ctx: Context, cmd: Command) -> AsyncIterator[Reply]:
    async for r in vote_positions(app, ctx, cmd.numbers, "up"):
        yield r


async def drop(app: Setlist, ctx: Context, cmd: Command) -> AsyncIterator[Reply]:
    async for r in vote_positions(app, ctx, cmd.numbers, "down"):
        yield r


async def vote_positions(
    app: Setlist, ctx: Context, positions: tuple[int, ...], direction: Direction | None
) -> AsyncIterator[Reply]:
    def pick(s: Session) -> list[Track]:
        valid = {t.position for t in s.tracks}
        missing = [p for p in positions if p not in valid]
        if missing:  # all or nothing: a typo in one number changes nothing
            raise UserError(messages.no_track(missing, len(s.tracks)))
        return [s.track_at(p) for p in positions]

    async for r in _vote(app, ctx, pick, direction):
        yield r


async def reaction(
    app: Setlist, ctx: Context, event: ReactionAdded | ReactionRemoved
) -> AsyncIterator[Reply]:
    direction = direction_of(event.emoji)
    if direction is None:
        return  # any other emoji is just a reaction
    link = await app.store.track_for_message(event.message_id)
    if link is None or link[0] != ctx.key:
        return  # not a track message of ours: stay quiet
    track_id = link[1]

    def pick(s: Session) -> list[Track]:
        track = s.track_by_id(track_id)
        if track is None:
            return []  # a track of an earlier round, since retired
        # Removing a reaction retracts only the vote it stood for.
        if isinstance(event, ReactionRemoved) and track.votes.get(ctx.member.id) != direction:
            return []
        return [track]

    vote: Direction | None = direction if isinstance(event, ReactionAdded) else None
    async for r in _vote(app, ctx, pick, vote):
        yield r


async def _vote(
    app: Setlist, ctx: Context, pick: Callable[[Session], list[Track]], direction: Direction | None
) -> AsyncIterator[Reply]:
    changed: list[str] = []
    unchanged: list[str] = []
    ran = False

    def change(s: Session) -> str | None:
        nonlocal ran
        ran = True
        for track in pick(s):
            if track.votes.get(ctx.member.id) == direction:
                unchanged.append(label(track))
                continue
            s.vote_on(track, ctx.member, direction)
            changed.append(track.id)
        if not changed:
            return None
        names = ", ".join(label(s.track_by_id(i)) for i in changed)
        return f"{ctx.member.name} {VERBS[direction]} {names}"

    step = await app.store.update(ctx.key, change)
    if not ran:
        raise UserError(messages.no_session())
    if step is None:
        verb = {"up": "keep", "down": "drop", None: "retract"}[direction]
        for name in unchanged:
            yield Text(messages.already(ctx.member.name, verb, name))
        return
    for track_id in changed:
        track = step.session.track_by_id(track_id)
        assert track is not None
        text = messages.vote_done(ctx.member.name, VERBS[direction], label(track), track.state)
        linked = tuple(await app.store.messages_for_track(track.id))
        yield TrackUpdated(ctx.key, track.view(), text, linked)
