"""A local fake Anthropic Messages API on 127.0.0.1, for the real SDK.

It rejects what the real API rejects (no or a wrong `anthropic-version`, a bad key, sampling
parameters, assistant prefill, unknown fields, more than 4 cache breakpoints, a JSON schema with
an open object or numeric/length bounds) with the real error shapes and headers; answers 529
storms, 429s with `retry-after-ms`, refusals and max_tokens cut-offs on demand; counts prompt
cache reads and writes by breakpoint prefix; and plays a model that mostly knows its music: it
reads the <session> and <ask> data the planner sends, picks real tracks from the catalog that fit
it (the offline planner's judgement), and replaces some with the usual mistakes at set rates:
invented titles, banned artists (as lead or featured), repeats of dropped tracks (sometimes as a
remaster), duplicates of listed tracks or within the answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import random
import re
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot import rules
from bot.catalog.index import Catalog
from bot.planner.base import PlanRequest, Slot, Song
from bot.planner.offline import OfflinePlanner

VERSION = "2026-10-21"
KEY = "sk-ant-test-key"
# The smallest prefix each model caches, in tokens (assumed: the real minimum for the 5.5
# models isn't published in the notes; below it caching silently does nothing).
MIN_CACHE = {"claude-haiku-5-5": 2048, "claude-sonnet-5-5": 1024}
CACHE_TTL = 300.0
SAMPLING = ("temperature", "top_p", "top_k")
BOUNDS = (
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
)
ALLOWED = {
    "model",
    "max_tokens",
    "messages",
    "system",
    "metadata",
    "output_config",
    "stop_sequences",
    "stream",
    "thinking",
    "tool_choice",
    "tools",
    "cache_control",
    "service_tier",
    "container",
    "inference_geo",
    "speed",
    "diagnostics",
    "user_profile_id",
    "workspace_id",
}
_WORDS_A = ("Neon", "Velvet", "Midnight", "Golden", "Electric", "Paper", "Silver", "Hollow")
_WORDS_B = ("Horizon", "Satellites", "Heartbeat", "Daydream", "Avenue", "Echoes", "Lanterns")


@dataclass
class Mistakes:
    """How often a proposal is replaced by each kind of mistake (0–1 each)."""

    invented: float = 0.0
    banned: float = 0.0
    dropped: float = 0.0
    duplicate: float = 0.0


@dataclass
class Fault:
    status: int
    kind: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)


def tokens(text: str) -> int:
    return max(1, len(text) // 4)


def _tagged(text: str, tag: str) -> Any:
    m = re.search(rf"<{tag}>\s*(.*?)\s*</{tag}>", text, re.DOTALL)
    return json.loads(m.group(1)) if m else None


def _song(label: str, position: int | None = None) -> Song:
    artist, _, title = label.partition(" – ")
    return Song(tuple(a.strip() for a in artist.split(", ")), title.strip(), position)


class FakeAnthropic:
    def __init__(
        self,
        catalog: Catalog,
        mistakes: Mistakes | None = None,
        key: str = KEY,
        seed: int = 0,
        thinking: bool = True,
    ) -> None:
        self.catalog = catalog
        self.planner = OfflinePlanner(catalog)
        self.mistakes = mistakes or Mistakes()
        self.scripted: deque[Mistakes] = deque()  # mistake rates for the next answers, in order
        self.key = key
        self.rng = random.Random(seed)
        self.thinking = thinking  # start answers with a thinking block, as 5.5 models may
        self.down = False  # every call answers 529 overloaded
        self.retry_after_ms: int | None = None  # sent with 529 and 5xx answers when set
        self.faults: deque[Fault] = deque()
        self.refusals = 0
        self.cut_offs = 0
        self.latency = 0.0  # seconds from a request's arrival to its answer (generation time)
        self.hangs: deque[float] = deque()  # the next requests stall this long: timeouts
        self.stalled = 0  # requests that stalled
        self._closing = asyncio.Event()  # ends every stall at once
        self.calls = 0  # requests that reached the model (not rejected, not faulted)
        self.requests: list[dict[str, Any]] = []  # every request body received
        self.headers: list[dict[str, str]] = []
        self.errors: list[tuple[int, str]] = []  # (status, message) of every error answered
        self.cache: dict[str, float] = {}
        self.injected: list[tuple[str, str]] = []  # (kind, "artist – title") of each mistake
        self._runner: web.AppRunner | None = None
        self.url = ""

    # -- life cycle ------------------------------------------------------------------------
    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/v1/messages", self._messages)
        app.router.add_get("/v1/models/{model_id}", self._model)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def close(self) -> None:
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeAnthropic:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- scripting -------------------------------------------------------------------------
    def overloaded(self, times: int = 1) -> None:
        for _ in range(times):
            self.faults.append(
                Fault(529, "overloaded_error", "Overloaded", {"x-should-retry": "true"})
            )

    def rate_limited(self, times: int = 1, retry_after_ms: int = 20) -> None:
        headers = {
            "retry-after-ms": str(retry_after_ms),
            "retry-after": str(max(1, round(retry_after_ms / 1000))),
            "anthropic-ratelimit-requests-remaining": "0",
        }
        message = "This request would exceed your organization's rate limit."
        for _ in range(times):
            self.faults.append(Fault(429, "rate_limit_error", message, headers))

    def hang(self, seconds: float, times: int = 1) -> None:
        """The next `times` requests get no answer for `seconds`: past the client's timeout."""
        self.hangs.extend([seconds] * times)

    def server_error(self, times: int = 1) -> None:
        for _ in range(times):
            self.faults.append(Fault(500, "api_error", "Internal server error"))

    @property
    def model_calls(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r.get("_answered")]

    # -- HTTP ------------------------------------------------------------------------------
    def _error(
        self, status: int, kind: str, message: str, headers: dict[str, str] | None = None
    ) -> web.Response:
        self.errors.append((status, message))
        request_id = f"req_{uuid.uuid4().hex[:24]}"
        body = {"type": "error", "error": {"type": kind, "message": message}}
        body["request_id"] = request_id
        return web.json_response(
            body, status=status, headers={"request-id": request_id, **(headers or {})}
        )

    async def _model(self, request: web.Request) -> web.Response:
        """GET /v1/models/{id}: the Models API's ModelInfo, or its 401/404 errors."""
        if request.headers.get("anthropic-version") != VERSION:
            return self._error(400, "invalid_request_error", "anthropic-version: header invalid")
        key = request.headers.get("x-api-key") or request.headers.get(
            "authorization", ""
        ).removeprefix("Bearer ")
        if key != self.key:
            return self._error(401, "authentication_error", "invalid x-api-key")
        model_id = request.match_info["model_id"]
        if model_id not in MIN_CACHE:
            return self._error(404, "not_found_error", f"model: {model_id}")
        line = model_id.split("-")[1]
        info = {
            "type": "model",
            "id": model_id,
            "display_name": f"Claude {line.title()} 5.5",
            "created_at": "2026-09-30T00:00:00Z",
            "lifecycle": "active",
            "deprecated_at": None,
            "retires_at": None,
            "line": line,
            "max_input_tokens": 200_000,
            "max_tokens": 64_000,
        }
        return web.json_response(info, headers={"request-id": f"req_{uuid.uuid4().hex[:24]}"})

    async def _messages(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()
        self.headers.append(dict(request.headers))
        version = request.headers.get("anthropic-version")
        if version is None:
            return self._error(
                400, "invalid_request_error", "anthropic-version: header is required"
            )
        if version != VERSION:
            return self._error(
                400, "invalid_request_error", f"anthropic-version: unknown version {version!r}"
            )
        key = request.headers.get("x-api-key") or request.headers.get(
            "authorization", ""
        ).removeprefix("Bearer ")
        if key != self.key:
            return self._error(401, "authentication_error", "invalid x-api-key")
        if request.content_type != "application/json":
            return self._error(
                400, "invalid_request_error", "content-type must be application/json"
            )
        try:
            body = await request.json()
        except ValueError:
            return self._error(400, "invalid_request_error", "the body is not valid JSON")
        self.requests.append(body)
        if problem := self.validate(body):
            return self._error(400, "invalid_request_error", problem)
        if body["model"] not in MIN_CACHE:
            return self._error(404, "not_found_error", f"model: {body['model']}")
        retry = {"retry-after-ms": str(self.retry_after_ms)} if self.retry_after_ms else {}
        if self.hangs:
            self.stalled += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), self.hangs.popleft())
            if request.transport is None or request.transport.is_closing():
                return web.Response(status=499)  # the client gave up: nobody reads this
        if self.down:
            return self._error(
                529, "overloaded_error", "Overloaded", {"x-should-retry": "true", **retry}
            )
        if self.faults:
            f = self.faults.popleft()
            return self._error(f.status, f.kind, f.message, {**retry, **f.headers})
        body["_answered"] = True
        body["_at"] = arrived
        self.calls += 1
        answer = self.answer(body)
        if self.latency:  # answered calls only: errors come back at once, as they do for real
            await asyncio.sleep(max(0.0, self.latency - (time.monotonic() - arrived)))
        return web.json_response(
            answer,
            headers={
                "request-id": f"req_{uuid.uuid4().hex[:24]}",
                "anthropic-organization-id": "00000000-0000-4000-8000-000000000000",
            },
        )

    # -- what the real API refuses ---------------------------------------------------------
    def validate(self, body: dict[str, Any]) -> str | None:
        for name in SAMPLING:
            if name in body:
                return f"`{name}` is not supported for this model; remove it from the request."
        extra = sorted(set(body) - ALLOWED)
        if extra:
            return f"{extra[0]}: Extra inputs are not permitted"
        if not isinstance(body.get("model"), str):
            return "model: Field required"
        if not isinstance(body.get("max_tokens"), int) or body["max_tokens"] < 1:
            return "max_tokens: Field required"
        msgs = body.get("messages")
        if not isinstance(msgs, list) or not msgs:
            return "messages: at least one message is required"
        if msgs[0].get("role") != "user":
            return 'messages: first message must use the "user" role'
        if msgs[-1].get("role") != "user":
            return (
                "This model does not support assistant message prefill. "
                "The conversation must end with a user message."
            )
        if body.get("stream"):
            return "stream: this fake answers non-streaming requests only"
        breakpoints = len(self._blocks(body)[1]) + (1 if body.get("cache_control") else 0)
        if breakpoints > 4:
            return (
                f"A maximum of 4 blocks with cache_control may be provided. Found {breakpoints}."
            )
        fmt = (body.get("output_config") or {}).get("format")
        if fmt is not None:
            if fmt.get("type") != "json_schema" or not isinstance(fmt.get("schema"), dict):
                return "output_config.format: type must be json_schema with a schema"
            return _schema_problem(fmt["schema"], "output_config.format.schema")
        return None

    @staticmethod
    def _blocks(body: dict[str, Any]) -> tuple[list[str], list[int]]:
        """Every input block's text in cache order (system, then messages), and the indices
        of the blocks marked with cache_control."""
        texts: list[str] = []
        marks: list[int] = []
        system = body.get("system") or []
        if isinstance(system, str):
            system = [{"type": "text", "text": system}]
        for block in system:
            texts.append(block.get("text", ""))
            if block.get("cache_control"):
                marks.append(len(texts) - 1)
        for message in body.get("messages", []):
            content = message.get("content")
            if isinstance(content, str):
                content = [{"type": "text", "text": content}]
            for block in content or []:
                texts.append(f"{message.get('role')}:{block.get('text', '')}")
                if block.get("cache_control"):
                    marks.append(len(texts) - 1)
        return texts, marks

    # -- prompt caching --------------------------------------------------------------------
    def _usage(self, body: dict[str, Any]) -> tuple[int, int, int]:
        """(uncached input, cache read, cache write) tokens, by breakpoint prefixes."""
        texts, marks = self._blocks(body)
        if body.get("cache_control") and texts:
            marks = sorted({*marks, len(texts) - 1})
        counts = [tokens(t) for t in texts]
        total = sum(counts)
        minimum = MIN_CACHE.get(body["model"], 1024)
        now = time.monotonic()
        prefixes = []
        digest = hashlib.sha256(body["model"].encode())
        for i, text in enumerate(texts):
            digest.update(b"\0" + text.encode())
            if i in marks:
                prefixes.append((digest.hexdigest(), sum(counts[: i + 1])))
        read, start = 0, 0
        for j in range(len(prefixes) - 1, -1, -1):
            h, n = prefixes[j]
            if n >= minimum and self.cache.get(h, 0) > now:
                read, start = n, j + 1
                self.cache[h] = now + CACHE_TTL
                break
        written = read
        for h, n in prefixes[start:]:
            if n >= minimum:
                self.cache[h] = now + CACHE_TTL
                written = n
        write = written - read
        return total - read - write, read, write

    # -- the model -------------------------------------------------------------------------
    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        user = "\n".join(
            b.get("text", "") if isinstance(b, dict) else str(b)
            for b in _content(body["messages"][-1])
        )
        usual = self.mistakes
        if self.scripted:
            self.mistakes = self.scripted.popleft()
        try:
            tracks = self.propose(user)
        finally:
            self.mistakes = usual
        text = json.dumps({"tracks": tracks}, ensure_ascii=False)
        stop = "end_turn"
        content: list[dict[str, Any]] = []
        if self.thinking:
            content.append(
                {
                    "type": "thinking",
                    "thinking": "The group wants tracks that fit the request and votes.",
                    "signature": "EqQBCkYIBxgCKkD" + uuid.uuid4().hex,
                }
            )
        output = tokens(text) + (20 if self.thinking else 0)
        if self.refusals:
            self.refusals -= 1
            stop, text, output = "refusal", "", 5
        elif self.cut_offs or output > body["max_tokens"]:
            self.cut_offs = max(0, self.cut_offs - 1)
            keep = min(len(text) * 3 // 5, body["max_tokens"] * 4)
            stop, text, output = "max_tokens", text[:keep], min(output, body["max_tokens"])
        if text:
            content.append({"type": "text", "text": text})
        uncached, read, write = self._usage(body)
        body["_usage"] = {
            "input_tokens": uncached,
            "cache_read_input_tokens": read,
            "cache_creation_input_tokens": write,
        }
        return {
            "id": f"msg_{uuid.uuid4().hex[:24]}",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": content,
            "stop_reason": stop,
            "stop_sequence": None,
            "stop_details": (
                {"type": "refusal", "category": None, "explanation": None}
                if stop == "refusal"
                else None
            ),
            "usage": {
                "input_tokens": uncached,
                "cache_creation_input_tokens": write,
                "cache_read_input_tokens": read,
                "cache_creation": {
                    "ephemeral_5m_input_tokens": write,
                    "ephemeral_1h_input_tokens": 0,
                },
                "output_tokens": output,
                "service_tier": "standard",
            },
        }

    def propose(self, user_text: str) -> list[dict[str, Any]]:
        """What the model proposes for the planner's data: real fits, with some mistakes."""
        session = _tagged(user_text, "session") or {"request": user_text}
        ask = _tagged(user_text, "ask") or {"tracks_needed": 10, "slots": []}
        need = int(ask.get("tracks_needed") or 10)
        current = session.get("current_list") or []
        present = tuple(_song(c["track"], c.get("position")) for c in current)
        dropped = [_song(c["track"]) for c in current if c.get("state") == "dropped"]
        dropped += [_song(t) for t in session.get("dropped_earlier") or []]
        earlier = [_song(t) for t in ask.get("not_found") or []]
        earlier += [_song(t) for t in ask.get("already_proposed") or []]
        refinements = tuple((r["by"], r["text"]) for r in session.get("refinements") or [])
        slots = tuple(
            Slot(s["for_member"], int(s["count"]), tuple(s["their_words"]))
            for s in ask.get("slots") or []
        ) or (Slot("someone", need, (session.get("request", ""),)),)
        banned = tuple(session.get("banned_artists") or [])
        request = PlanRequest(
            prompt=session.get("request", ""),
            refinements=refinements,
            slots=slots,
            banned=banned,
            present=present,
            kept=(),
            dropped=tuple(dropped),
            exclude=frozenset(
                rules.track_key(s.artists, s.title) for s in (*present, *dropped, *earlier)
            ),
            seed=hashlib.sha256(user_text.encode()).hexdigest()[:12],
        )
        honest = self.planner.plan(request)
        out: list[dict[str, Any]] = []
        for i in range(need):
            base = honest[i % len(honest)] if honest else None
            serves = base.serves if base else slots[0].member
            item = self._mistake(base, serves, present, dropped, banned, out)
            if item is None and base is not None and i < len(honest):
                item = _item(base.artists, base.title, base.reason, base.tempo, base.year, serves)
            if item is not None:
                out.append(item)
        return out

    def _mistake(self, base, serves, present, dropped, banned, out) -> dict[str, Any] | None:
        """Maybe a mistake in place of an honest pick; a kind that can't apply (no bans yet,
        nothing dropped) leaves the pick honest."""
        m, r = self.mistakes, self.rng.random()
        kind = None
        for name in ("invented", "banned", "dropped", "duplicate"):
            if r < getattr(m, name):
                kind = name
                break
            r -= getattr(m, name)
        artist = base.artists[0] if base else "Daft Punk"
        if kind == "invented":
            title = f"{self.rng.choice(_WORDS_A)} {self.rng.choice(_WORDS_B)}"
            self.injected.append(("invented", f"{artist} – {title}"))
            return _item((artist,), title, "a deep cut that fits", 120.0, 2016, serves)
        if kind == "banned" and banned:
            who = self.rng.choice(banned)
            key = rules.artist_key(who)
            theirs = [self.catalog.tracks[i] for i in self.catalog.by_artist.get(key, [])]
            if theirs and self.rng.random() < 0.7:
                t = self.rng.choice(theirs)
                self.injected.append(("banned", t.label))
                return _item(t.artists, t.title, "a classic of theirs", t.tempo, t.year, serves)
            title = base.title if base else "Collab"
            self.injected.append(("banned", f"{artist} feat. {who} – {title}"))
            return _item((artist, who), title, "with a guest verse", None, None, serves)
        if kind == "dropped" and dropped:
            s = self.rng.choice(dropped)
            title = s.title + (" - 2011 Remaster" if self.rng.random() < 0.4 else "")
            self.injected.append(("dropped", f"{', '.join(s.artists)} – {title}"))
            return _item(s.artists, title, "back by popular demand", None, None, serves)
        if kind == "duplicate" and (present or out):
            pool = [(s.artists, s.title) for s in present] + [
                ((o["artist"], *o["featured"]), o["title"]) for o in out
            ]
            artists, title = self.rng.choice(pool)
            title = title + (" (Radio Edit)" if self.rng.random() < 0.4 else "")
            self.injected.append(("duplicate", f"{', '.join(artists)} – {title}"))
            return _item(artists, title, "fits the mood", None, None, serves)
        return None


def _content(message: dict[str, Any]) -> list[Any]:
    content = message.get("content")
    return [{"type": "text", "text": content}] if isinstance(content, str) else list(content)


def _item(artists, title, reason, tempo, year, serves) -> dict[str, Any]:
    artists = list(artists)
    return {
        "artist": artists[0],
        "featured": artists[1:],
        "title": title,
        "reason": reason,
        "tempo_bpm": tempo,
        "year": year,
        "for_member": serves,
    }


def _schema_problem(schema: Any, path: str) -> str | None:
    """Structured outputs: closed objects only, no numeric or length bounds."""
    if isinstance(schema, dict):
        if schema.get("type") == "object" and schema.get("additionalProperties") is not False:
            return f"{path}: additionalProperties must be false for every object"
        for word in BOUNDS:
            if word in schema:
                return f"{path}: '{word}' is not supported in structured output schemas"
        for name, sub in schema.items():
            if problem := _schema_problem(sub, f"{path}.{name}"):
                return problem
    elif isinstance(schema, list):
        for i, sub in enumerate(schema):
            if problem := _schema_problem(sub, f"{path}[{i}]"):
                return problem
    return None
