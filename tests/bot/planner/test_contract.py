"""What every planner promises the round: offline and Claude (through the fake API)."""

from __future__ import annotations

import pytest

from bot import rules
from bot.planner.base import Plan, Planner, PlanRequest, Slot, Song
from bot.planner.offline import OfflinePlanner

RUN = "a running playlist, EDM, big drops, 160 BPM"


@pytest.fixture(params=["offline", "claude"])
def planner(request, builtin) -> Planner:
    if request.param == "offline":
        return OfflinePlanner(builtin)
    return request.getfixturevalue("claude")


def ask(count=10, slots=None, present=(), banned=()) -> PlanRequest:
    return PlanRequest(
        prompt=RUN,
        refinements=(("bob", "no more vocals"),) if slots else (),
        slots=slots or (Slot("alice", count, (RUN,)),),
        banned=tuple(banned),
        present=tuple(present),
        kept=(),
        dropped=(),
        exclude=frozenset(rules.track_key(s.artists, s.title) for s in present),
        seed="contract:1",
    )


async def test_identity(planner: Planner):
    assert isinstance(planner.name, str) and planner.name
    assert planner.overask >= 1


async def test_about_count_proposals_each_complete(planner: Planner):
    plan = await planner.propose(ask(10))
    assert isinstance(plan, Plan)
    assert len(plan.proposals) >= 10
    for p in plan.proposals:
        assert p.artists and all(a.strip() for a in p.artists)
        assert p.title.strip() and p.reason.strip()
        assert p.serves == "alice"
    assert all(isinstance(n, str) for n in plan.notes)


async def test_every_slot_is_served(planner: Planner):
    slots = (Slot("alice", 4, (RUN,)), Slot("bob", 4, (RUN, "no more vocals")))
    plan = await planner.propose(ask(slots=slots))
    served = [p.serves for p in plan.proposals]
    assert served.count("alice") >= 4 and served.count("bob") >= 4


async def test_honours_the_list_and_the_bans_when_it_can(planner: Planner, builtin):
    first = await planner.propose(ask(6))
    present = [Song(p.artists, p.title, i + 1) for i, p in enumerate(first.proposals[:6])]
    banned = [present[0].artists[0]]
    again = await planner.propose(ask(6, present=present, banned=banned))
    keys = {rules.track_key(s.artists, s.title) for s in present}
    assert not any(rules.track_key(p.artists, p.title) in keys for p in again.proposals)
    assert not any(rules.is_banned(p.artists, banned) for p in again.proposals)
