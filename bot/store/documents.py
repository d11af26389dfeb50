"""What every backend stores the same way: sessions as JSON documents, undo/redo of a step's
bans, imported catalog rows. The SQL around them differs per backend; this doesn't."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from bot import rules
from bot.catalog.model import CatalogTrack
from bot.session import Session
from bot.store.base import Step, Usage, UsageRow


def encode(session: Session) -> str:
    return json.dumps(session.to_dict(), ensure_ascii=False)


def decode(state: str) -> Session:
    return Session.from_dict(json.loads(state))


def rules_text(banned: list[str]) -> str:
    return json.dumps(banned, ensure_ascii=False)


def rules_key(session: Session) -> str:
    return session.rules_key or session.key


def moved(
    step: tuple[str, str, str | None], session: Session, delta: int, rules_now: list[str]
) -> Step:
    """`session` (the version undo (delta -1) or redo (+1) arrives at) with its rules.

    `step` is (label, state, rules_before) of the step concerned: the version the pointer
    leaves for undo, the one it arrives at for redo. Rules are shared by a channel's
    sessions, so only that step's own change to them (from the rules it found to the rules
    it left) is taken back or brought again; bans made elsewhere meanwhile stay."""
    label, state, rules_before = step
    found = json.loads(rules_before) if rules_before else []
    left = decode(state).banned
    before, after = (left, found) if delta < 0 else (found, left)
    session.banned = rules.moved(rules_now, before, after)
    return Step(session, label)


# Token totals per channel and model: the same SQL on every backend.
USAGE_TOTALS = (
    "SELECT channel, model, count(*), sum(input_tokens), sum(cache_read_tokens), "
    "sum(cache_write_tokens), sum(output_tokens) FROM usage "
    "GROUP BY channel, model ORDER BY channel, model"
)


def usage_row(channel: str, at: float, usage: Usage) -> tuple[str, float, str, int, int, int, int]:
    """A planner call's row in the usage table, in column order."""
    return (
        channel,
        at,
        usage.model,
        usage.input_tokens,
        usage.cache_read_tokens,
        usage.cache_write_tokens,
        usage.output_tokens,
    )


def usage_totals(rows: list[Any]) -> list[UsageRow]:
    # PostgreSQL sums bigints as numeric: back to int
    return [UsageRow(r[0], r[1], *(int(n) for n in r[2:])) for r in rows]


def catalog_row(track: CatalogTrack) -> tuple[str, str]:
    return track.key, json.dumps(dataclasses.asdict(track), ensure_ascii=False)


def catalog_track(data: str) -> CatalogTrack:
    fields = json.loads(data)
    for name in ("artists", "genres", "moods", "tags"):
        fields[name] = tuple(fields[name])
    return CatalogTrack(**fields)
