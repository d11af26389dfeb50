"""A round: ask the planner, filter what can't come back, ground the rest, fill the list."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from bot import messages, rules
from bot.fairness import slots
from bot.grounding import Resolver, make_track
from bot.planner.base import Planner, PlanRequest, Proposal, Song
from bot.planner.understand import Intent
from bot.planner.vocabulary import FAMILIES
from bot.session import MAX_LENGTH, Session, Track
from bot.store.base import Usage
from bot.tempo import TempoSource

GROW_BY = 5  # `more` on a full list grows it by this much


def plan_request(
    session: Session,
    count: int,
    exclude: set[str] | None = None,
    not_found: list[Song] | None = None,
) -> PlanRequest:
    def song(t: Track, with_position: bool = True) -> Song:
        title, *artists = t.proposed or [t.title, *t.artists]
        return Song(tuple(artists), title, t.position if with_position else None)

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
        exclude=frozenset(session.seen_keys() if exclude is None else exclude),
        seed=f"{session.id}:{session.round_no + 1}",
        not_found=tuple(not_found or ()),
    )


def room(session: Session) -> int:
    return max(0, session.target_length - len(session.live()))


def freed_since(now: Session, planned: Session) -> int:
    """Room that opened after the planner saw the session: tracks dropped while it planned,
    which the round it made can't fill."""
    return max(0, room(now) - room(planned))


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


@dataclass(slots=True)
class Proposed:
    """What a round found for the session's free room (not yet added)."""

    tracks: list[Track]
    notes: list[str]
    usage: list[Usage]
    calls: int = 0


MAX_ASKS = 3  # the first ask, then up to two asks for replacements of what wasn't found


async def propose(
    session: Session, planner: Planner, resolver: Resolver, tempo: list[TempoSource]
) -> Proposed:
    """Ask the planner, drop what can never come back, ground the rest, re-ask for misses."""
    result = Proposed([], [], [])
    need = room(session)
    if need == 0:
        return result
    quota = {s.member: s.count for s in slots(session, need)}
    seen = session.seen_keys()
    missing: list[Song] = []
    name_member = len(session.members()) > 1
    while len(result.tracks) < need and result.calls < MAX_ASKS:
        short = need - len(result.tracks)
        ask = max(short, math.ceil(short * planner.overask))
        request = plan_request(session, ask, exclude=seen, not_found=missing)
        plan = await planner.propose(request)
        result.calls += 1
        result.notes += [n for n in plan.notes if n not in result.notes]
        result.usage += plan.usage
        if not plan.proposals:
            break  # the planner has nothing more to offer
        candidates = filter_proposals(session, plan.proposals, seen)
        for p, found in zip(candidates, await resolver.resolve(candidates), strict=True):
            if found is None and resolver.strict:
                missing.append(Song(p.artists, p.title))
                continue
            if found is not None:
                seen.add(rules.track_key(found.artists, found.title))
            result.tracks.append(make_track(p, found, tempo, name_member))
    result.tracks = fair_share(result.tracks, quota, need)
    if missing or (resolver.strict and result.tracks):  # a real service: always say how it went
        result.notes.append(messages.grounding(len(result.tracks), need, missing, resolver.name))
    unverified = [t for t in result.tracks if not t.verified]
    if unverified:
        result.notes.append(messages.unverified(unverified))
    return result


def fair_share(tracks: list[Track], quota: dict[str, int], need: int) -> list[Track]:
    """At most each member's share first (in order), then anything left, up to `need`."""
    taken = dict.fromkeys(quota, 0)
    first, rest = [], []
    for t in tracks:
        if t.serves in taken and taken[t.serves] < quota[t.serves]:
            taken[t.serves] += 1
            first.append(t)
        else:
            rest.append(t)
    chosen = {id(t) for t in (first + rest)[:need]}
    return [t for t in tracks if id(t) in chosen]


def filter_proposals(
    session: Session, proposals: Iterable[Proposal], seen: set[str]
) -> list[Proposal]:
    """Never a banned artist, a dropped track or a duplicate, whatever a planner says.
    Adds what it lets through to `seen`."""
    out = []
    for p in proposals:
        if not p.title.strip() or not all(a.strip() for a in p.artists or ("",)):
            continue  # a blank name can't be searched, shown or autocompleted
        key = rules.track_key(p.artists, p.title)
        if key in seen or rules.is_banned(p.artists, session.banned):
            continue
        seen.add(key)
        out.append(p)
    return out
