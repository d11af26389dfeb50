"""The Claude planner: AsyncAnthropic, structured proposals, and the offline planner as fallback.

This module alone calls Anthropic. Members' words go in as data (prompt.py); proposals come
back through a JSON schema; what can't be found is dropped by the round (rounds.py), which asks
again for replacements, naming the misses.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anthropic
from anthropic import AsyncAnthropic

from bot import messages
from bot.config import Settings
from bot.planner import prompt
from bot.planner.base import Plan, Planner, PlanRequest, Proposal, Song
from bot.store.base import Usage

log = logging.getLogger("setlist.claude")

# About 60 output tokens a track: 23 tracks (1.5 × 15) fit with room for a thinking block.
MAX_TOKENS = 4096
# A chat waits for the answer: short attempts, the SDK's own retries for 429/529/5xx (it honours
# retry-after-ms), and a deadline over all of them, since the SDK doesn't cap a retry-after.
TIMEOUT = anthropic.Timeout(20.0, connect=5.0)
MAX_RETRIES = 2
DEADLINE = 30.0
# After a failure, rounds skip Claude for a while instead of each waiting out the deadline.
COOL_DOWN = 60.0
CONFIG_COOL_DOWN = 600.0  # a bad key or model won't fix itself: check again now and then
MAX_COOL_DOWN = 900.0
ROUNDS_REMEMBERED = 256
_FEAT = re.compile(r"\s+(?:feat\.?|ft\.?|featuring)\s+", re.IGNORECASE)


class ClaudeUnavailable(Exception):
    """Claude gave no usable answer this time; `why` is a phrase members can read."""

    def __init__(self, why: str, cool_down: float = COOL_DOWN) -> None:
        super().__init__(why)
        self.why = why
        self.cool_down = cool_down


class ClaudePlanner:
    name = "claude"
    overask = 1.5  # it may invent tracks: ask for more, the round drops what isn't found

    def __init__(
        self,
        client: AsyncAnthropic,
        model: str,
        max_tokens: int = MAX_TOKENS,
        deadline: float = DEADLINE,
    ) -> None:
        self.client = client
        self.model = model
        self.max_tokens = max_tokens
        self.deadline = deadline
        # What the model proposed in recent rounds (by round seed), in its own words: a re-ask
        # tells it which proposals are taken, or it tends to answer the same tracks again.
        self.rounds: OrderedDict[str, list[str]] = OrderedDict()

    async def propose(self, request: PlanRequest) -> Plan:
        try:
            async with asyncio.timeout(self.deadline):
                message = await self.client.messages.create(
                    model=self.model,
                    max_tokens=self.max_tokens,
                    **prompt.build(request, self.rounds.get(request.seed, ())),
                )
        except anthropic.APIStatusError as exc:
            log.warning("Claude answered %s (request-id %s)", exc.status_code, exc.request_id)
            raise ClaudeUnavailable(*_trouble(exc, self.model)) from exc
        except anthropic.APITimeoutError as exc:
            raise ClaudeUnavailable(messages.claude_trouble("timeout")) from exc
        except TimeoutError as exc:
            raise ClaudeUnavailable(messages.claude_trouble("timeout")) from exc
        except anthropic.APIConnectionError as exc:
            raise ClaudeUnavailable(messages.claude_trouble("unreachable")) from exc
        except anthropic.APIResponseValidationError as exc:
            log.error("Claude's answer failed validation: %s", exc)
            raise ClaudeUnavailable(messages.claude_trouble("garbled")) from exc
        plan = read(message, request)
        self.remember(request.seed, [Song(p.artists, p.title).label for p in plan.proposals])
        return plan

    def remember(self, seed: str, labels: list[str]) -> None:
        earlier = self.rounds.pop(seed, [])
        self.rounds[seed] = earlier + [label for label in labels if label not in earlier]
        while len(self.rounds) > ROUNDS_REMEMBERED:
            self.rounds.popitem(last=False)

    async def aclose(self) -> None:
        await self.client.close()


def _trouble(exc: anthropic.APIStatusError, model: str) -> tuple[str, float]:
    """What to tell the members about an error status, and how long to leave Claude alone."""
    status = exc.status_code
    if status == 401:
        return messages.claude_trouble("key"), CONFIG_COOL_DOWN
    if status == 403:
        return messages.claude_trouble("forbidden"), CONFIG_COOL_DOWN
    if status == 404:
        return messages.claude_trouble("model", model), CONFIG_COOL_DOWN
    if status == 429:
        wait = _retry_after(exc.response.headers)
        return messages.claude_trouble("rate"), min(MAX_COOL_DOWN, max(COOL_DOWN, wait))
    if status == 529:
        return messages.claude_trouble("overloaded"), COOL_DOWN
    if status >= 500:
        return messages.claude_trouble("server", str(status)), COOL_DOWN
    log.error("Claude rejected the request (%s): %s", status, exc.api_message)
    return messages.claude_trouble("rejected", str(status)), COOL_DOWN


def _retry_after(headers: Any) -> float:
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        try:
            return float(headers.get(name)) / scale
        except (TypeError, ValueError):
            continue
    return 0.0


def read(message: Any, request: PlanRequest) -> Plan:
    """Proposals from an answer: text blocks only (a thinking block may come first)."""
    usage = (usage_of(message),)
    if message.stop_reason == "refusal":
        log.warning("Claude refused a plan (%s)", getattr(message.stop_details, "category", None))
        return Plan((), (messages.claude_refused(),), usage)
    text = "".join(b.text for b in message.content if b.type == "text")
    notes: tuple[str, ...] = ()
    try:
        items = json.loads(text)["tracks"]
        if not isinstance(items, list):
            raise TypeError("tracks is not a list")
    except (ValueError, KeyError, TypeError):
        # A cut-off answer (max_tokens) is JSON up to some point: keep the whole tracks.
        items = salvage(text)
        cut = message.stop_reason == "max_tokens"
        if cut:
            log.warning("Claude's answer was cut off at max_tokens after %d tracks", len(items))
        notes = (messages.claude_cut_off(len(items)) if cut else messages.claude_garbled(),)
    proposals = tuple(p for item in items if (p := proposal(item, request)) is not None)
    return Plan(proposals, notes, usage)


def salvage(text: str) -> list[dict[str, Any]]:
    """The complete track objects at the start of a truncated {"tracks": [...] answer."""
    start = text.find("[", max(0, text.find('"tracks"')))
    if start < 0:
        return []
    decoder = json.JSONDecoder()
    items, i = [], start + 1
    while i < len(text):
        while i < len(text) and text[i] in " \t\r\n,":
            i += 1
        if i >= len(text) or text[i] != "{":
            break
        try:
            item, i = decoder.raw_decode(text, i)
        except ValueError:
            break
        if isinstance(item, dict):
            items.append(item)
    return items


def proposal(item: Any, request: PlanRequest) -> Proposal | None:
    if not isinstance(item, dict):
        return None
    artist, title = _text(item.get("artist")), _text(item.get("title"))
    if not artist or not title:
        return None
    # "A feat. B" in the artist field still names B: the ban filter must see every artist.
    artists = [a.strip() for a in _FEAT.split(artist) if a.strip()]
    featured = item.get("featured")
    if isinstance(featured, list):
        artists += [_text(f) for f in featured if _text(f)]
    members = {s.member.casefold(): s.member for s in request.slots}
    serves = members.get(_text(item.get("for_member")).casefold())
    if serves is None and len(request.slots) == 1:
        serves = request.slots[0].member
    reason = " ".join(_text(item.get("reason")).split())
    return Proposal(
        artists=tuple(dict.fromkeys(artists)),
        title=title,
        reason=reason[:117] + "…" if len(reason) > 120 else reason or "Claude's pick",
        serves=serves,
        year=_number(item.get("year"), 1900, time.gmtime().tm_year + 1, int),
        tempo=_number(item.get("tempo_bpm"), 30, 300, float),
    )


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _number(value: Any, low: float, high: float, kind: Callable[[Any], Any]) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return kind(value) if low <= value <= high else None


def usage_of(message: Any) -> Usage:
    u = message.usage
    return Usage(
        model=message.model,
        input_tokens=u.input_tokens,
        cache_read_tokens=u.cache_read_input_tokens or 0,
        cache_write_tokens=u.cache_creation_input_tokens or 0,
        output_tokens=u.output_tokens,
    )


@dataclass(slots=True)
class _Outage:
    why: str
    until: float


class FallbackPlanner:
    """Claude when it answers; for a round where it stays unavailable, the fallback planner,
    with one line in the chat saying so. After a failure, Claude rests for a cool-down."""

    name = "claude"
    overask = ClaudePlanner.overask

    def __init__(
        self,
        primary: ClaudePlanner,
        fallback: Planner,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.primary = primary
        self.fallback = fallback
        self.clock = clock
        self.outage: _Outage | None = None

    async def propose(self, request: PlanRequest) -> Plan:
        if self.outage is None or self.clock() >= self.outage.until:
            try:
                plan = await self.primary.propose(request)
            except ClaudeUnavailable as exc:
                log.warning("Claude unavailable (%s); the offline planner takes this round", exc)
                self.outage = _Outage(exc.why, self.clock() + exc.cool_down)
            else:
                self.outage = None
                return plan
        plan = await self.fallback.propose(request)
        note = messages.claude_fallback(self.outage.why)
        return Plan(plan.proposals, (note, *plan.notes), plan.usage)

    async def aclose(self) -> None:
        await self.primary.aclose()


def claude_planner(
    settings: Settings,
    fallback: Planner,
    *,
    deadline: float = DEADLINE,
    clock: Callable[[], float] = time.monotonic,
    **client_options: Any,
) -> FallbackPlanner:
    """The Claude planner for these settings, with `fallback` for rounds Claude can't serve.

    A rejected key doesn't stop the chat: rounds fall back to `fallback`, and each says that
    the key was rejected, so members keep a working playlist and the admin sees what to fix.
    """
    options: dict[str, Any] = {
        "api_key": settings.anthropic_api_key,
        "timeout": TIMEOUT,
        "max_retries": MAX_RETRIES,
    }
    if settings.anthropic_base_url:  # else the SDK reads ANTHROPIC_BASE_URL itself
        options["base_url"] = settings.anthropic_base_url
    options.update(client_options)
    client = AsyncAnthropic(**options)
    return FallbackPlanner(
        ClaudePlanner(client, settings.model, deadline=deadline), fallback, clock
    )
