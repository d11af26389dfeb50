"""A local fake Discord: REST and gateway websocket on 127.0.0.1, for the real discord.py.

It keeps one guild with text channels, threads, messages and reactions; records every REST
request (validated against Discord's own OpenAPI spec); sends rate-limit headers like Discord
and answers a 429 when a bucket is exhausted; and runs a gateway with IDENTIFY, RESUME (replaying
missed dispatches), heartbeats, RECONNECT and INVALID_SESSION. Tests drive members through it:
slash commands, button clicks, reactions and messages arrive at the bot as Discord would send them.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC = (
    Path(__file__).resolve().parents[3] / "shared" / "data" / "discord-api-spec" / "openapi.json"
)
SPEC_URI = "urn:discord-openapi"
EPHEMERAL = 1 << 6
ADMINISTRATOR = 1 << 3
MEMBER_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 6) | (1 << 38) | (1 << 31)  # view, send, react…
_ids = itertools.count(1_300_000_000_000_000_000)


def snowflake() -> str:
    return str(next(_ids))


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00", time.gmtime())


class Spec:
    """Request-body schemas from openapi.json, with $refs resolved against the whole document."""

    def __init__(self, path: Path = SPEC) -> None:
        self.doc = json.loads(path.read_text(encoding="utf-8"))
        resource = Resource.from_contents(self.doc, default_specification=DRAFT202012)
        self.registry = Registry().with_resource(SPEC_URI, resource)
        self.paths = [
            (re.compile("^" + re.sub(r"\{[^}]+\}", r"[^/]+", p) + "$"), p)
            for p in self.doc["paths"]
        ]

    def template(self, path: str) -> str | None:
        # Literal segments (@original, @me) must win over templated ones.
        hits = [t for rx, t in self.paths if rx.match(path)]
        return min(hits, key=lambda t: t.count("{")) if hits else None

    @cache  # noqa: B019 - one Spec per test session, a handful of operations
    def validator(self, template: str, method: str) -> Draft202012Validator | None:
        op = self.doc["paths"][template].get(method.lower())
        if op is None:
            raise KeyError(f"{method} {template} is not in Discord's API")
        if "requestBody" not in op or "application/json" not in op["requestBody"]["content"]:
            return None
        pointer = "/".join(
            s.replace("~", "~0").replace("/", "~1")
            for s in ("paths", template, method.lower(), "requestBody", "content")
        )
        ref = f"{SPEC_URI}#/{pointer}/application~1json/schema"
        return Draft202012Validator({"$ref": ref}, registry=self.registry)

    def check(self, method: str, path: str, body: Any) -> list[str]:
        template = self.template(path)
        if template is None:
            return [f"{method} {path}: no such route in the spec"]
        try:
            validator = self.validator(template, method)
        except KeyError as exc:
            return [str(exc)]
        if validator is None:
            return [] if body is None else [f"{method} {template}: takes no body"]
        if body is None:
            return []
        body = _snowflakes_as_strings(body)
        return [f"{method} {template}: {e.message}" for e in validator.iter_errors(body)]


def _snowflakes_as_strings(body: Any) -> Any:
    """discord.py numbers new attachments 0, 1, … as integers and writes a reply's
    message_reference ids as integers, both of which Discord accepts; the spec types them as
    snowflake strings. The known gaps, bridged here only."""
    if not isinstance(body, dict):
        return body
    body = dict(body)
    if isinstance(body.get("data"), dict):
        body["data"] = _snowflakes_as_strings(body["data"])
    if isinstance(body.get("message_reference"), dict):
        body["message_reference"] = {
            k: str(v) if isinstance(v, int) else v for k, v in body["message_reference"].items()
        }
    if isinstance(body.get("attachments"), list):
        body["attachments"] = [
            {**a, "id": str(a["id"])}
            if isinstance(a, dict) and isinstance(a.get("id"), int)
            else a
            for a in body["attachments"]
        ]
    return body


@dataclass
class Recorded:
    method: str
    path: str
    body: Any
    status: int = 0
    at: float = 0.0
    query: dict[str, str] = field(default_factory=dict)


@dataclass
class Session:
    id: str
    log: list[dict] = field(default_factory=list)  # every dispatch sent, for RESUME replay
    seq: int = 0
    ws: web.WebSocketResponse | None = None


class FakeDiscord:
    """One application, one bot user, one guild; members act through the helper methods."""

    def __init__(self, spec: Spec | None = None, per_window: int = 5, window: float = 0.25):
        self.spec = spec or Spec()
        self.per_window, self.window = per_window, window
        self.app_id, self.guild_id = snowflake(), snowflake()
        self.bot_user = self.user("setlist", bot=True)
        self.general = snowflake()
        self.roles: dict[str, dict] = {self.guild_id: self.role(self.guild_id, "@everyone")}
        self.channels: dict[str, dict] = {self.general: self.text_channel(self.general, "music")}
        self.messages: dict[str, dict[str, dict]] = {self.general: {}}
        self.members: dict[str, dict] = {}
        self.requests: list[Recorded] = []
        self.violations: list[str] = []
        self.commands: list[dict] = []
        self.interactions: dict[str, dict] = {}  # token → {"id", "channel_id", "original"}
        self.sessions: dict[str, Session] = {}
        self.active: Session | None = None
        self.identifies: list[dict] = []
        self.resumes: list[dict] = []
        self.rate_limited = 0
        self.latency = 0.0  # seconds before each REST request is handled (a network round trip)
        self.answer_latency = 0.0  # seconds between handling a request and its answer leaving
        self.token: str | None = None  # when set, REST answers 401 to any other bot token
        self.app_flags = 0  # the application's flags, e.g. GATEWAY_MESSAGE_CONTENT_LIMITED
        self._buckets: dict[str, list[float]] = {}
        self._failures: list[tuple[str, str, int, float]] = []
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- data ----------------------------------------------------------------------------
    def user(self, name: str, bot: bool = False) -> dict:
        return {
            "id": snowflake(),
            "username": name,
            "global_name": name.title(),
            "discriminator": "0",
            "avatar": None,
            "bot": bot,
            "flags": 0,
            "public_flags": 0,
        }

    def role(self, role_id: str, name: str) -> dict:
        perms = str(MEMBER_PERMISSIONS)
        return {
            "id": role_id,
            "name": name,
            "color": 0,
            "hoist": False,
            "position": 0,
            "permissions": perms,
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }

    def add_role(self, name: str) -> str:
        role_id = snowflake()
        self.roles[role_id] = self.role(role_id, name)
        return role_id

    def member(self, name: str, roles: tuple[str, ...] = (), admin: bool = False) -> dict:
        member = {
            "user": self.user(name),
            "nick": None,
            "roles": list(roles),
            "joined_at": now_iso(),
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "avatar": None,
            "permissions": str(MEMBER_PERMISSIONS | (ADMINISTRATOR if admin else 0)),
        }
        self.members[member["user"]["id"]] = member
        return member

    def text_channel(self, channel_id: str, name: str) -> dict:
        return {
            "id": channel_id,
            "type": 0,
            "guild_id": self.guild_id,
            "name": name,
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "parent_id": None,
            "flags": 0,
        }

    def thread_messages(self, thread_id: str) -> list[dict]:
        return list(self.messages.get(thread_id, {}).values())

    def threads(self) -> list[dict]:
        return [c for c in self.channels.values() if c["type"] == 11]

    def sent(self, method: str, pattern: str) -> list[Recorded]:
        rx = re.compile(pattern)
        return [r for r in self.requests if r.method == method and rx.search(r.path)]

    def guild_payload(self) -> dict:
        chans = [c for c in self.channels.values() if c["type"] != 11]
        return {
            "id": self.guild_id,
            "name": "Party",
            "icon": None,
            "owner_id": snowflake(),
            "roles": list(self.roles.values()),
            "emojis": [],
            "stickers": [],
            "features": [],
            "channels": chans,
            "threads": self.threads(),
            "members": [],
            "presences": [],
            "voice_states": [],
            "member_count": len(self.members) + 1,
            "large": False,
            "unavailable": False,
            "joined_at": now_iso(),
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "system_channel_flags": 0,
            "afk_timeout": 300,
        }

    # -- lifecycle -----------------------------------------------------------------------
    async def start(self) -> FakeDiscord:
        app = web.Application()
        app.router.add_get("/gateway/", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        for s in self.sessions.values():
            if s.ws is not None and not s.ws.closed:
                await s.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway/"

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Wait until predicate() is truthy (re-checked after every request and gateway frame)."""
        async with self._changed:
            result = await asyncio.wait_for(self._changed.wait_for(predicate), timeout)
        return result

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def fail_next(self, method: str, pattern: str, status: int, retry_after: float = 0.0) -> None:
        """The next matching request answers `status` (429 comes with Retry-After and Via)."""
        self._failures.append((method, pattern, status, retry_after))

    # -- gateway -------------------------------------------------------------------------
    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 45_000}, "s": None, "t": None})
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                break
            frame = json.loads(msg.data)
            op, d = frame["op"], frame["d"]
            if op == 1:
                await ws.send_json({"op": 11, "d": None, "s": None, "t": None})
            elif op == 2:
                await self._identify(ws, d)
            elif op == 6:
                await self._resume(ws, d)
            await self._notify()
        for s in self.sessions.values():
            if s.ws is ws:
                s.ws = None
        return ws

    async def _identify(self, ws: web.WebSocketResponse, d: dict) -> None:
        self.identifies.append(d)
        session = Session(snowflake())
        self.sessions[session.id] = session
        self.active, session.ws = session, ws
        ready = {
            "v": 10,
            "user": self.bot_user,
            "guilds": [{"id": self.guild_id, "unavailable": True}],
            "session_id": session.id,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": self.app_id, "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
        }
        if "shard" in d:
            ready["shard"] = d["shard"]
        await self.dispatch("READY", ready)
        await self.dispatch("GUILD_CREATE", self.guild_payload())

    async def _resume(self, ws: web.WebSocketResponse, d: dict) -> None:
        self.resumes.append(d)
        session = self.sessions.get(d["session_id"])
        if session is None:
            await ws.send_json({"op": 9, "d": False, "s": None, "t": None})
            return
        self.active, session.ws = session, ws
        for frame in session.log:
            if frame["s"] > (d["seq"] or 0):
                await ws.send_json(frame)
        await self.dispatch("RESUMED", {})

    async def dispatch(self, event: str, data: dict) -> None:
        """Send a dispatch on the active session; kept for replay if the socket is down."""
        session = self.active
        assert session is not None, "the bot has not identified"
        session.seq += 1
        frame = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.log.append(frame)
        if session.ws is not None and not session.ws.closed:
            try:
                await session.ws.send_json(frame)
            except ConnectionResetError:
                session.ws = None

    async def reconnect(self) -> None:
        """Op 7: the bot must reconnect and RESUME."""
        ws = self.active.ws if self.active else None
        if ws is not None:
            await ws.send_json({"op": 7, "d": None, "s": None, "t": None})

    async def invalidate_session(self) -> None:
        """Op 9, not resumable: the session is gone and the bot must IDENTIFY afresh;
        what happens until then is never delivered, as on Discord."""
        session = self.active
        if session is not None and session.ws is not None:
            ws, session.ws = session.ws, None
            self.sessions.pop(session.id, None)
            await ws.send_json({"op": 9, "d": False, "s": None, "t": None})

    async def drop_connection(self) -> None:
        """The socket goes away without a word; dispatches until the resume are kept."""
        if self.active and self.active.ws is not None:
            ws, self.active.ws = self.active.ws, None
            await ws.close(code=4000)

    # -- members act ---------------------------------------------------------------------
    def _interaction(self, kind: int, data: dict, member: dict, channel_id: str, **extra) -> dict:
        token = "tok" + snowflake()
        iid = snowflake()
        self.interactions[token] = {"id": iid, "channel_id": channel_id, "original": None}
        if "message" in extra:
            self.interactions[token]["message"] = extra["message"]
        return {
            "id": iid,
            "application_id": self.app_id,
            "type": kind,
            "data": data,
            "guild_id": self.guild_id,
            "guild": {"id": self.guild_id, "locale": "en-US", "features": []},
            "channel": self.channels[channel_id],
            "channel_id": channel_id,
            "member": member,
            "token": token,
            "version": 1,
            "locale": "en-US",
            "guild_locale": "en-US",
            "app_permissions": str(MEMBER_PERMISSIONS),
            "entitlements": [],
            "authorizing_integration_owners": {"0": self.guild_id},
            "context": 0,
            "attachment_size_limit": 10_485_760,
            **extra,
        }

    def _command_id(self, name: str) -> str:
        return next((c["id"] for c in self.commands if c["name"] == name), snowflake())

    async def slash(self, member: dict, channel_id: str, sub: str, **options: Any) -> dict:
        """/setlist <sub> with options, nested as Discord sends a sub-command."""
        opts = [
            {"name": k, "type": 8 if k == "role" else 4 if isinstance(v, int) else 3, "value": v}
            for k, v in options.items()
        ]
        data = {
            "id": self._command_id("setlist"),
            "name": "setlist",
            "type": 1,
            "options": [{"name": sub, "type": 1, "options": opts}],
        }
        if "role" in options:  # Discord resolves the objects an option names
            data["resolved"] = {"roles": {options["role"]: self.roles[options["role"]]}}
        payload = self._interaction(2, data, member, channel_id)
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    async def guild_role_create(self, role_id: str) -> None:
        await self.dispatch(
            "GUILD_ROLE_CREATE", {"guild_id": self.guild_id, "role": self.roles[role_id]}
        )

    async def autocomplete(self, member: dict, channel_id: str, sub: str, typed: str) -> dict:
        focused = {"name": "artist", "type": 3, "value": typed, "focused": True}
        data = {
            "id": self._command_id("setlist"),
            "name": "setlist",
            "type": 1,
            "options": [{"name": sub, "type": 1, "options": [focused]}],
        }
        payload = self._interaction(4, data, member, channel_id)
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    async def click(self, member: dict, message: dict, custom_id: str) -> dict:
        data = {"custom_id": custom_id, "component_type": 2}
        payload = self._interaction(3, data, member, message["channel_id"], message=message)
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    async def react(self, member: dict, message: dict, emoji: str, add: bool = True) -> None:
        data = {
            "user_id": member["user"]["id"],
            "channel_id": message["channel_id"],
            "message_id": message["id"],
            "guild_id": self.guild_id,
            "emoji": {"id": None, "name": emoji},
            "burst": False,
            "type": 0,
        }
        if add:
            data |= {"member": member, "message_author_id": message["author"]["id"]}
        await self.dispatch("MESSAGE_REACTION_ADD" if add else "MESSAGE_REACTION_REMOVE", data)

    async def say(
        self, member: dict, channel_id: str, content: str, mention: bool = False
    ) -> dict:
        """A member posts; `mention` puts the bot's mention first (content arrives then)."""
        if mention:
            content = f"<@{self.bot_user['id']}> {content}"
        msg = self._message(channel_id, member["user"], content)
        msg["member"] = {k: v for k, v in member.items() if k != "user"}
        if mention:
            msg["mentions"] = [self.bot_user]
        await self.dispatch("MESSAGE_CREATE", msg)
        return msg

    # -- REST ----------------------------------------------------------------------------
    def _message(self, channel_id: str, author: dict, content: str = "", body: Any = None) -> dict:
        body = body or {}
        msg = {
            "id": snowflake(),
            "channel_id": channel_id,
            "guild_id": self.guild_id,
            "author": author,
            "content": content,
            "timestamp": now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "components": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
        }
        for k in ("embeds", "components", "flags"):
            if body.get(k) is not None:
                msg[k] = body[k]
        for n, a in enumerate(body.get("attachments") or []):
            msg["attachments"].append(
                {
                    "id": snowflake(),
                    "filename": a.get("filename", f"f{n}"),
                    "size": 0,
                    "url": "https://cdn.invalid/f",
                    "proxy_url": "https://cdn.invalid/f",
                }
            )
        self.messages.setdefault(channel_id, {})[msg["id"]] = msg
        return msg

    def _rate_headers(self, bucket: str) -> tuple[dict[str, str], float]:
        stamp = time.monotonic()
        hits = [t for t in self._buckets.get(bucket, []) if stamp - t < self.window]
        retry = (hits[0] + self.window - stamp) if len(hits) >= self.per_window else 0.0
        if not retry:
            hits.append(stamp)
        self._buckets[bucket] = hits
        reset_after = (hits[0] + self.window - stamp) if hits else self.window
        headers = {
            "X-RateLimit-Limit": str(self.per_window),
            "X-RateLimit-Remaining": str(max(0, self.per_window - len(hits))),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": f"b{abs(hash(bucket)) % 10**8}",
        }
        return headers, retry

    async def _rest(self, request: web.Request) -> web.Response:
        if self.latency:
            await asyncio.sleep(self.latency)
        path = "/" + request.match_info["tail"]
        method = request.method
        body: Any = None
        if request.content_type == "multipart/form-data":
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":  # type: ignore[union-attr]
                    body = json.loads(await part.text())  # type: ignore[union-attr]
        elif request.can_read_body:
            body = await request.json()
        rec = Recorded(method, path, body, at=time.monotonic(), query=dict(request.query))
        self.requests.append(rec)
        self.violations += self.spec.check(method, path, body)
        if (
            self.token is not None
            and not path.startswith(("/webhooks/", "/interactions/"))  # no bot token there
            and request.headers.get("Authorization") != f"Bot {self.token}"
        ):
            rec.status = 401  # Discord's answer to a wrong or reset bot token
            unauthorized = json.dumps({"message": "401: Unauthorized", "code": 0})
            return web.Response(
                status=401,
                body=unauthorized.encode(),
                headers={"Content-Type": "application/json"},
            )
        # One bucket per route and channel, like Discord's per-channel message limits.
        bucket = method + re.sub(r"/messages/\d+", "/messages/:id", path)
        headers, retry = self._rate_headers(bucket)
        forced = next(
            (f for f in self._failures if f[0] == method and re.search(f[1], path)), None
        )
        if forced is not None:
            self._failures.remove(forced)
            status, retry = forced[2], forced[3] if forced[2] == 429 else 0.0
        else:
            status = 429 if retry else 200
        if status == 429:
            self.rate_limited += 1
            headers |= {
                "Retry-After": f"{retry:.3f}",
                "X-RateLimit-Scope": "user",
                "X-RateLimit-Remaining": "0",
                "Via": "1.1 google",
            }
            payload: Any = {
                "message": "You are being rate limited.",
                "retry_after": retry,
                "global": False,
            }
        elif status >= 400:
            payload = {"message": "Missing Access", "code": 50001}
        else:
            try:
                status, payload = await self._route(method, path, body, request)
            except KeyError as exc:
                status, payload = 404, {"message": f"Unknown {exc}", "code": 10003}
        rec.status = status
        await self._notify()
        if self.answer_latency:  # done (a posted message exists) but the answer is on its way
            await asyncio.sleep(self.answer_latency)
        if status == 204:
            return web.Response(status=204, headers=headers)
        headers["Content-Type"] = "application/json"  # discord.py wants exactly this
        return web.Response(status=status, body=json.dumps(payload).encode(), headers=headers)

    async def _route(self, method: str, path: str, body: Any, request: web.Request) -> tuple:
        parts = path.strip("/").split("/")
        if path == "/users/@me":
            return 200, self.bot_user
        if path == "/applications/@me" and method == "GET":  # the bot's own application
            return 200, {
                "id": self.app_id,
                "name": "Setlist",
                "icon": None,
                "description": "",
                "type": None,
                "bot": self.bot_user,
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "flags": self.app_flags,
                "flags_new": str(self.app_flags),
                "redirect_uris": [],
                "interactions_endpoint_url": None,
                "role_connections_verification_url": None,
                "owner": self.user("owner"),
                "approximate_guild_count": 1,
                "approximate_user_install_count": 0,
                "approximate_user_authorization_count": 0,
                "explicit_content_filter": 0,
                "team": None,
                "eligible_oauth2_scopes": [],
            }
        if path == "/oauth2/applications/@me":
            return 200, {
                "id": self.app_id,
                "name": "Setlist",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": self.user("owner"),
                "verify_key": "0" * 64,
                "flags": 0,
                "team": None,
                "summary": "",
            }
        if path in ("/gateway/bot", "/gateway"):
            limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
            return 200, {"url": self.gateway_url, "shards": 1, "session_start_limit": limit}
        if parts[0] == "applications" and parts[-1] == "commands":
            if method == "PUT":
                self.commands = [
                    {**c, "id": snowflake(), "application_id": self.app_id, "version": snowflake()}
                    for c in body
                ]
            return 200, self.commands
        if parts[0] == "channels":
            return await self._channels(method, parts[1:], body)
        if parts[0] == "interactions":
            return await self._callback(parts[2], body)
        if parts[0] == "webhooks":
            return await self._webhook(method, parts[2], parts[3:], body)
        return 404, {"message": "404: Not Found", "code": 0}

    async def _channels(self, method: str, parts: list[str], body: Any) -> tuple:
        channel = self.channels[parts[0]]
        cid = channel["id"]
        if len(parts) == 1:
            return 200, channel
        if parts[1] == "typing":
            return 204, None
        if parts[1] == "threads" or parts[-1] == "threads":  # with or without a message
            tid = parts[2] if len(parts) == 4 else snowflake()
            thread = {
                "id": tid,
                "type": body.get("type", 11),
                "guild_id": self.guild_id,
                "parent_id": cid,
                "name": body["name"],
                "owner_id": self.bot_user["id"],
                "thread_metadata": {
                    "archived": False,
                    "locked": False,
                    "auto_archive_duration": body.get("auto_archive_duration", 1440),
                    "archive_timestamp": now_iso(),
                    "create_timestamp": now_iso(),
                },
                "member_count": 1,
                "message_count": 0,
                "rate_limit_per_user": 0,
                "flags": 0,
                "last_message_id": None,
            }
            self.channels[tid], self.messages[tid] = thread, {}
            await self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
            return 201, thread
        if parts[1] == "messages" and len(parts) == 2 and method == "POST":
            msg = self._message(cid, self.bot_user, body.get("content") or "", body)
            await self.dispatch("MESSAGE_CREATE", msg)
            return 200, msg
        if parts[1] == "messages" and len(parts) == 3:
            msg = self.messages[cid][parts[2]]
            if method == "PATCH":
                self._edit(msg, body)
            return 200, msg
        return 404, {"message": "404: Not Found", "code": 0}

    def _edit(self, msg: dict, body: dict) -> None:
        for k in ("content", "embeds", "components", "flags"):
            if k in body and body[k] is not None:
                msg[k] = body[k]
        msg["edited_timestamp"] = now_iso()
        msg.setdefault("edits", 0)
        msg["edits"] += 1

    async def _callback(self, token: str, body: dict) -> tuple:
        state = self.interactions[token]
        kind, data = body["type"], body.get("data") or {}
        state["callback"] = body
        response: dict[str, Any] = {"id": state["id"], "type": 2}
        result: dict[str, Any] = {"interaction": response}
        if kind in (4, 5):
            msg = self._message(
                state["channel_id"], self.bot_user, data.get("content") or "", data
            )
            state["original"] = msg
            loading = kind == 5
            response |= {
                "response_message_id": msg["id"],
                "response_message_loading": loading,
                "response_message_ephemeral": bool((data.get("flags") or 0) & EPHEMERAL),
            }
            result["resource"] = {"type": kind, "message": msg}
        elif kind == 7 and "message" in state:
            self._edit(state["message"], data)
        return 200, result

    async def _webhook(self, method: str, token: str, rest: list[str], body: Any) -> tuple:
        state = self.interactions[token]
        if rest == ["messages", "@original"]:
            msg = state["original"]
            if msg is None:
                raise KeyError("message")
            if method == "DELETE":
                self.messages[msg["channel_id"]].pop(msg["id"], None)
                state["original"] = None
                return 204, None
            if method == "PATCH":
                self._edit(msg, body)
            return 200, msg
        if not rest and method == "POST":
            msg = self._message(
                state["channel_id"], self.bot_user, body.get("content") or "", body
            )
            msg["webhook_id"] = self.app_id
            state.setdefault("followups", []).append(msg)
            return 200, msg
        if rest[0] == "messages" and method == "PATCH":
            msg = self.messages[state["channel_id"]][rest[1]]
            self._edit(msg, body)
            return 200, msg
        return 404, {"message": "404: Not Found", "code": 0}
