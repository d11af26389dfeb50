"""A round: ask the planner, filter what can't come back, ground the rest, fill the list."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from bot import messages, rules
from bot.catalog.index import Catalog
from bot.fairness import slots
from bot.planner.base import Planner, PlanRequest, Proposal, Song
from bot.planner.understand import Intent
from bot.planner.vocabulary import FAMILIES
from bot.session import MAX_LENGTH, Session, Track

GROW_BY = 5  # `more` on a full list grows it by this much


def plan_request(session: Session, count: int) -> PlanRequest:
    def song(t: Track, with_position: bool = True) -> Song:
        return Song(tuple(t.artists), t.title, t.position if with_position else None)

    return PlanRequest(
        prompt=session.prompt,
        refinements=tuple((r.member_name, r.text) for r in session.requests if r.kind == "refine"),
        slots=tuple(slots(session, count)),
        banned=tuple(session.banned),
        present=tuple(song(t) for t in session.tracks),
        kept=tuple(song(t) for t in session.tracks if t.state == "kept"),
        dropped=tuple(
            song(t, False) for t in [*session.dropped, *session.tracks] if t.state == "dropped"
        ),
        exclude=frozenset(session.seen_keys()),
        seed=f"{session.id}:{session.round_no + 1}",
    )


def room(session: Session) -> int:
    return max(0, session.target_length - len(session.live()))


def grow(session: Session) -> int | None:
    """Make room on a full list; returns the old length, or None if already at the cap."""
    old = session.target_length
    if old >= MAX_LENGTH:
        return None
    session.target_length = min(MAX_LENGTH, old + GROW_BY)
    return old


def conflicts(track: Track, exclusions: Intent) -> bool:
    """A track that a refinement rules out ("no more vocals", "no rap", "no Drake")."""
    if exclusions.vocals is False and track.vocals:
        return True
    avoided = set()
    for g in exclusions.avoid_genres:
        avoided |= FAMILIES.get(g, {g})
    if avoided & set(track.tags) or exclusions.avoid_moods & set(track.tags):
        return True
    return any(rules.artist_key(a) in exclusions.avoid_artists for a in track.artists)


def retire_conflicts(session: Session, exclusions: Intent, text: str) -> list[Track]:
    """Pending tracks nobody voted up that a new refinement rules out are dropped by it."""
    hit = [
        t
        for t in session.tracks
        if t.state == "pending" and "up" not in t.votes.values() and conflicts(t, exclusions)
    ]
    for t in hit:
        session.drop_by_rule(t, f"doesn't fit “{messages.quote(text, 40)}”")
    return hit


async def propose(session: Session, planner: Planner, catalog: Catalog) -> list[Track]:
    """New tracks for the session's free room, filtered and grounded (not yet added)."""
    count = room(session)
    if count == 0:
        return []
    request = plan_request(session, count)
    proposals = await planner.propose(request)
    return ground(filter_proposals(session, proposals), catalog, len(session.members()) > 1)


def filter_proposals(session: Session, proposals: Iterable[Proposal]) -> list[Proposal]:
    """Never a banned artist, a dropped track or a duplicate, whatever a planner says."""
    seen = session.seen_keys()
    out = []
    for p in proposals:
        key = rules.track_key(p.artists, p.title)
        if not p.artists or not p.title.strip() or key in seen:
            continue
        if rules.is_banned(p.artists, session.banned):
            continue
        seen.add(key)
        out.append(p)
    return out


def ground(proposals: list[Proposal], catalog: Catalog, name_member: bool) -> list[Track]:
    """Proposals become tracks; what no catalog knows is marked unverified, never as found."""
    tracks = []
    for p in proposals:
        known = catalog.lookup(p.artists, p.title)
        tempo, source = (known.tempo, "catalog") if known and known.tempo else (p.tempo, None)
        if tempo is not None and source is None:
            source = "estimate"
        reason = p.reason + (f" · for {p.serves}" if name_member and p.serves else "")
        tracks.append(
            Track(
                id=uuid.uuid4().hex[:12],
                artists=list(known.artists if known else p.artists),
                title=known.title if known else p.title,
                reason=reason,
                round_no=0,
                serves=p.serves,
                uri=(known.uri if known else None) or p.uri,
                year=(known.year if known else None) or p.year,
                tempo=tempo,
                tempo_source=source,
                verified=known is not None,
                vocals=known.vocals if known else None,
                tags=sorted({*known.genres, *known.moods}) if known else [],
            )
        )
    return tracks
