"""The planner interface: the offline planner and the Claude planner both implement it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.store.base import Usage


@dataclass(frozen=True, slots=True)
class Song:
    """A track as named in the conversation: what a planner may be told about."""

    artists: tuple[str, ...]
    title: str
    position: int | None = None

    @property
    def label(self) -> str:
        return f"{', '.join(self.artists)} – {self.title}"


@dataclass(frozen=True, slots=True)
class Slot:
    """How many new tracks one member's requests get this round (fairness.py decides)."""

    member: str
    count: int
    texts: tuple[str, ...]  # the prompt, then this member's refinements, in order


@dataclass(frozen=True, slots=True)
class PlanRequest:
    prompt: str
    refinements: tuple[tuple[str, str], ...]  # (member, text), in order
    slots: tuple[Slot, ...]
    banned: tuple[str, ...]
    present: tuple[Song, ...]  # the current list, with positions ("more like 3")
    kept: tuple[Song, ...]
    dropped: tuple[Song, ...]  # every track dropped in this session
    exclude: frozenset[str]  # track keys that must not be proposed (present or dropped)
    seed: str  # stable per session and round, so a round is reproducible
    not_found: tuple[Song, ...] = ()  # earlier proposals this round that don't exist

    @property
    def count(self) -> int:
        return sum(s.count for s in self.slots)


@dataclass(frozen=True, slots=True)
class Proposal:
    artists: tuple[str, ...]
    title: str
    reason: str
    serves: str | None = None
    year: int | None = None
    tempo: float | None = None  # the planner's own estimate when it has no better source
    uri: str | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """A planner's answer: proposals, lines for the chat (e.g. a fallback), tokens used."""

    proposals: tuple[Proposal, ...]
    notes: tuple[str, ...] = ()
    usage: tuple[Usage, ...] = ()


class Planner(Protocol):
    name: str
    # How many proposals to ask for per free slot: a planner that may invent tracks is asked
    # for more, since the round drops what can't be found.
    overask: float

    async def propose(self, request: PlanRequest) -> Plan:
        """About `request.count` proposals, spread over `request.slots`."""
        ...
