"""Fairness: a round's new tracks are spread across the members who asked for things."""

from __future__ import annotations

from bot.planner.base import Slot
from bot.session import Session


def slots(session: Session, count: int) -> list[Slot]:
    """Split `count` new tracks evenly across members, in the order they first asked.

    The remainder rotates with the round number, so no member is always the one short.
    """
    if count <= 0:
        return []
    order: list[str] = []
    texts: dict[str, list[str]] = {}
    for r in session.requests:
        if r.member_name not in texts:
            order.append(r.member_name)
            # Everyone builds on the session's prompt; their own refinements come on top.
            texts[r.member_name] = [session.prompt]
        if r.kind == "refine":
            texts[r.member_name].append(r.text)
    k = len(order)
    base, extra = divmod(count, k)
    start = session.round_no % k
    out = []
    for i, member in enumerate(order):
        share = base + (1 if (i - start) % k < extra else 0)
        if share:
            out.append(Slot(member, share, tuple(texts[member])))
    return out
