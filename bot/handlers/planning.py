"""new, more, refine (and plain text), length, undo, redo."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from bot import messages, rounds
from bot.errors import UserError
from bot.planner.understand import understand
from bot.replies import Reply, RoundPosted, Text, Working
from bot.session import Request, Session

if TYPE_CHECKING:
    from bot.app import Context, Setlist
    from bot.commands import Command


def posted(session: Session, notes: list[str], fresh: bool = True) -> RoundPosted:
    return RoundPosted(
        key=session.key,
        round_no=session.round_no,
        prompt=session.prompt,
        target_length=session.target_length,
        tracks=session.views(),
        notes=tuple(notes),
        fresh=fresh,
    )


def landed(session: Session, added: int, late: int = 0) -> list[str]:
    """What to say about how full the list is after a round added `added` tracks."""
    return messages.round_notes(added, session.target_length, len(session.tracks), late)


async def active(app: Setlist, ctx: Context) -> Session:
    session = await app.store.active_session(ctx.key)
    if session is None:
        raise UserError(messages.no_session())
    return session


async def say(app: Setlist, ctx: Context, cmd: Command) -> AsyncIterator[Reply]:
    """Plain text refines the active playlist, or starts one."""
    session = await app.store.active_session(ctx.key)
    handler = new if session is None else refine
    async for r in handler(app, ctx, cmd):
        yield r


async def propose(app: Setlist, ctx: Context, session: Session) -> rounds.Proposed:
    """Plan a round for the session's free room, and record what the planner spent."""
    proposed = await rounds.propose(session, app.planner, app.resolver, app.tempo)
    for usage in proposed.usage:
        await app.store.record_usage(ctx.key, usage)
    return proposed


async def new(app: Setlist, ctx: Context, cmd: Command) -> AsyncIterator[Reply]:
    banned = await app.store.banned(ctx.rules_key)
    session = Session.start(ctx.key, ctx.member, cmd.text, banned, ctx.rules_key)
    yield Working(messages.planning(cmd.text))
    proposed = await propose(app, ctx, session)
    added = session.next_round(proposed.tracks)
    await app.store.start_session(session, f"new playlist by {ctx.member.name}")
    notes = [messages.started(cmd.text, ctx.member.name), *proposed.notes]
    notes += landed(session, len(added))
    yield posted(session, notes)


async def more(app: Setlist, ctx: Context, cmd: Command) -> AsyncIterator[Reply]:
    snapshot = await active(app, ctx)
    notes: list[str] = []
    if rounds.room(snapshot) == 0:
        old = rounds.grow(snapshot)
        if old is None:
            raise UserError(messages.usage("the list is at its 100-track maximum; drop some"))
        notes.append(messages.grew(old, snapshot.target_length))
    yield Working(messages.planning(snapshot.prompt))
    proposed = await propose(app, ctx, snapshot)
    notes += proposed.notes
    added: list = []
    late: list[int] = []

    def change(s: Session) -> str:
        s.target_length = max(s.target_length, snapshot.target_length)
        late.append(rounds.freed_since(s, snapshot))
        added.extend(s.next_round(proposed.tracks))
        return f"round {s.round_no} (more, asked by {ctx.member.name})"

    step = await app.store.update(ctx.key, change)
    if step is None:
        raise UserError(messages.no_session())
    notes += landed(step.session, len(added), late[-1])
    yield posted(step.session, notes)


async def refine(app: Setlist, ctx: Context, cmd: Command) -> AsyncIterator[Reply]:
    snapshot = await active(app, ctx)
    exclusions = understand(cmd.text, app.catalog.artist_names).exclusions()
    request = Request(ctx.member.id, ctx.member.name, cmd.text, "refine", snapshot.round_no + 1)
    # Plan on a copy that already carries the refinement and what it rules out.
    snapshot.requests.append(request)
    rounds.retire_conflicts(snapshot, exclusions, cmd.text)
    yield Working(messages.planning(cmd.text))
    proposed = await propose(app, ctx, snapshot)
    added: list = []
    late: list[int] = []

    def change(s: Session) -> str:
        s.requests.append(request)
        rounds.retire_conflicts(s, exclusions, cmd.text)
        late.append(rounds.freed_since(s, snapshot))
        added.extend(s.next_round(proposed.tracks))
        return f"{ctx.member.name}'s refinement “{messages.quote(cmd.text, 40)}”"

    step = await app.store.update(ctx.key, change)
    if step is None:
        raise UserError(messages.no_session())
    notes = [messages.refined(cmd.text, ctx.member.name), *proposed.notes]
    notes += landed(step.session, len(added), late[-1])
    yield posted(step.session, notes)


async def length(app: Setlist, ctx: Context, cmd: Command) -> AsyncIterator[Reply]:
    n = cmd.numbers[0]

    def change(s: Session) -> str | None:
        if s.target_length == n:
            return None
        s.set_length(n)
        return f"length {n} (set by {ctx.member.name})"

    session = await active(app, ctx)
    session.set_length(n)  # validate before touching the store: a clear error, nothing saved
    step = await app.store.update(ctx.key, change)
    yield Text(messages.length_set(n, len(step.session.live() if step else session.live())))


async def undo(app: Setlist, ctx: Context, cmd: Command) -> AsyncIterator[Reply]:
    await active(app, ctx)
    step = await app.store.undo(ctx.key)
    if step is None:
        yield Text(messages.nothing_to_undo())
        return
    yield posted(step.session, [messages.undone(step.label)], fresh=False)


async def redo(app: Setlist, ctx: Context, cmd: Command) -> AsyncIterator[Reply]:
    await active(app, ctx)
    step = await app.store.redo(ctx.key)
    if step is None:
        yield Text(messages.nothing_to_redo())
        return
    yield posted(step.session, [messages.redone(step.label)], fresh=False)
