"""A fake Slack on 127.0.0.1: the Web API (recording every call, with rate limits on demand),
Socket Mode's websocket, response_url hooks, and a client that delivers signed requests."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import math
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer

TEAM = "T0TEAM"
BOT_USER = "U0BOT"
BOT_TOKEN = "xoxb-fake-bot"
APP_TOKEN = "xapp-fake-app"
SIGNING_SECRET = "fake-signing-secret"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None
    status: int = 200
    at: float = field(default_factory=time.monotonic)  # arrival, for ordering and timing


@dataclass
class Limit:
    """GCRA: `rate` calls a second, bursts of `burst`, per channel or per workspace."""

    rate: float
    burst: int = 1
    per_channel: bool = True
    due: dict[str, float] = field(default_factory=dict)

    def wait(self, bucket: str) -> float:
        now = time.monotonic()
        interval = 1 / self.rate
        due = max(self.due.get(bucket, now), now)
        wait = due - (self.burst - 1) * interval - now
        if wait > 0:
            return wait
        self.due[bucket] = due + interval
        return 0.0


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self.hooks: list[dict[str, Any]] = []  # what was sent to response_urls
        self.uploads: dict[str, bytes] = {}
        self.users: dict[str, str] = {"U1": "alice", "U2": "bob", "U3": "carol"}
        self.tokens: dict[str, str] = {BOT_TOKEN: TEAM}  # bot token → team
        # The scopes bot tokens were granted at install (the manifest's, in README.md).
        self.bot_scopes = [
            "commands",
            "chat:write",
            "app_mentions:read",
            "reactions:read",
            "users:read",
            "files:write",
        ]
        self.oauth_codes: dict[str, str] = {}  # code → team it installs in
        self.limits: dict[str, Limit] = {}
        self.faults: dict[str, list[tuple[int, int]]] = {}  # method → [(status, retry_after)]
        self.ratelimited = 0
        self.latency = 0.0  # seconds before each Web API call is handled (a network round trip)
        self.answer_latency = 0.0  # seconds between handling a call and its answer leaving
        self.acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.sockets: list[web.WebSocketResponse] = []
        self.connected = asyncio.Event()
        self._ts = itertools.count(1)
        self._server: TestServer | None = None
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self.api)
        app.router.add_post("/upload/{file_id}", self.upload)
        app.router.add_post("/hooks/{hook}", self.hook)
        app.router.add_get("/link", self.socket)
        self.app = app

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> FakeSlack:
        self._server = TestServer(self.app, host="127.0.0.1", port=0)
        await self._server.start_server()
        return self

    async def close(self) -> None:
        for ws in list(self.sockets):
            await ws.close()
        if self._server is not None:
            await self._server.close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.port}"

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    def hook_url(self) -> str:
        return f"{self.url}/hooks/{uuid.uuid4().hex[:8]}"

    # -- what tests read ---------------------------------------------------------------------
    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.status == 200]

    def thread(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """The thread's messages in order, root first, as they read now."""
        return [
            m
            for (ch, ts), m in sorted(self.messages.items(), key=lambda kv: float(kv[0][1]))
            if ch == channel and (ts == thread_ts or m.get("thread_ts") == thread_ts)
        ]

    def fail(self, method: str, status: int = 429, retry_after: int = 0, times: int = 1) -> None:
        self.faults.setdefault(method, []).extend([(status, retry_after)] * times)

    # -- the Web API -------------------------------------------------------------------------
    async def api(self, request: web.Request) -> web.Response:
        if self.latency:
            await asyncio.sleep(self.latency)
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            args.update(await request.json())
        elif request.can_read_body:
            args.update(await request.post())
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") or args.get("token")
        call = Call(method, args, token)
        self.calls.append(call)
        if self.faults.get(method):
            call.status, retry_after = self.faults[method].pop(0)
            self.ratelimited += call.status == 429
            return web.json_response(
                {"ok": False, "error": "ratelimited" if call.status == 429 else "fatal_error"},
                status=call.status,
                headers={"Retry-After": str(retry_after)},
            )
        if limit := self.limits.get(method):
            bucket = str(args.get("channel", "")) if limit.per_channel else "*"
            if wait := limit.wait(bucket):
                call.status = 429
                self.ratelimited += 1
                return web.json_response(
                    {"ok": False, "error": "ratelimited"},
                    status=429,
                    headers={"Retry-After": str(math.ceil(wait))},
                )
        handler = getattr(self, "m_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        if method not in ("oauth.v2.access", "apps.connections.open") and token not in self.tokens:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        # Slack names the token's granted scopes in a header on every authenticated answer.
        granted = {"x-oauth-scopes": ",".join(self.bot_scopes)} if token in self.tokens else {}
        answer = handler(args, token)
        if self.answer_latency:  # done (a posted message exists) but the answer is on its way
            await asyncio.sleep(self.answer_latency)
        return web.json_response(answer, headers=granted)

    def _blocks(self, args: dict[str, Any]) -> list[Any]:
        blocks = args.get("blocks") or []
        return json.loads(blocks) if isinstance(blocks, str) else blocks

    def m_auth_test(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        team = self.tokens[token]
        return {
            "ok": True,
            "url": f"https://{team.lower()}.slack.com/",
            "team": f"Team {team}",
            "user": "setlist",
            "team_id": team,
            "user_id": BOT_USER,
            "bot_id": "B0BOT",
            "is_enterprise_install": False,
        }

    def m_users_info(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        uid = args["user"]
        if uid not in self.users:
            return {"ok": False, "error": "user_not_found"}
        name = self.users[uid]
        return {
            "ok": True,
            "user": {"id": uid, "name": name, "real_name": name.title(), "profile": {}},
        }

    def m_chat_postMessage(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        ts = f"{1_800_000_000 + next(self._ts)}.000100"
        message = {
            "ts": ts,
            "text": args.get("text", ""),
            "blocks": self._blocks(args),
            "user": BOT_USER,
        }
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
        self.messages[(args["channel"], ts)] = message
        return {"ok": True, "channel": args["channel"], "ts": ts, "message": message}

    def m_chat_update(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        message = self.messages.get((args["channel"], args["ts"]))
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        message.update(text=args.get("text", ""), blocks=self._blocks(args))
        return {"ok": True, "channel": args["channel"], "ts": args["ts"], "text": message["text"]}

    def m_chat_postEphemeral(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        return {"ok": True, "message_ts": f"{1_800_000_000 + next(self._ts)}.000200"}

    def m_files_getUploadURLExternal(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        file_id = f"F{next(self._ts)}"
        return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def m_files_completeUploadExternal(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        files = args["files"]
        files = json.loads(files) if isinstance(files, str) else files
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}

    def m_oauth_v2_access(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        team = self.oauth_codes.pop(str(args.get("code")), None)
        if team is None:
            return {"ok": False, "error": "invalid_code"}
        bot_token = f"xoxb-{team.lower()}-{uuid.uuid4().hex[:8]}"
        self.tokens[bot_token] = team
        return {
            "ok": True,
            "app_id": "A0APP",
            "authed_user": {"id": "U1"},
            "scope": "commands,chat:write",
            "token_type": "bot",
            "access_token": bot_token,
            "bot_user_id": BOT_USER,
            "team": {"id": team, "name": f"Team {team}"},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def m_apps_connections_open(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        if token != APP_TOKEN:
            return {"ok": False, "error": "invalid_auth"}
        return {"ok": True, "url": self.url.replace("http", "ws") + "/link?ticket=t"}

    async def upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["file_id"]] = await request.read()
        return web.Response(text=f"OK - {len(self.uploads[request.match_info['file_id']])}")

    async def hook(self, request: web.Request) -> web.Response:
        self.hooks.append(await request.json())
        return web.Response(text="ok")

    # -- Socket Mode -------------------------------------------------------------------------
    async def socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        hello = {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0APP"}}
        await ws.send_json(hello)
        self.connected.set()
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                data = json.loads(msg.data)
                future = self.acks.get(data.get("envelope_id", ""))
                if future is not None and not future.done():
                    future.set_result(data)
        finally:
            self.sockets.remove(ws)
        return ws

    async def deliver(self, kind: str, payload: dict[str, Any], retry: int = 0) -> dict[str, Any]:
        """Push an envelope down the socket; the app's ack comes back."""
        envelope_id = uuid.uuid4().hex
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.acks[envelope_id] = future
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": retry,
            "retry_reason": "timeout" if retry else "",
        }
        await self.sockets[-1].send_json(envelope)
        return await asyncio.wait_for(future, 5)


# -- Slack-format payloads and signed delivery -------------------------------------------------
def signature(secret: str, timestamp: str, body: str) -> str:
    """slack_sdk.signature.SignatureVerifier's scheme: HMAC-SHA256 over v0:<ts>:<body>."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def command(text: str, user: str = "U1", channel: str = "C1", **extra: Any) -> dict[str, Any]:
    return {
        "token": "legacy",
        "team_id": TEAM,
        "team_domain": "team",
        "channel_id": channel,
        "channel_name": "music",
        "user_id": user,
        "user_name": {"U1": "alice", "U2": "bob", "U3": "carol"}.get(user, user),
        "command": "/setlist",
        "text": text,
        "api_app_id": "A0APP",
        "trigger_id": uuid.uuid4().hex,
        **extra,
    }


def event(inner: dict[str, Any], event_id: str | None = None, team: str = TEAM) -> dict[str, Any]:
    return {
        "token": "legacy",
        "team_id": team,
        "api_app_id": "A0APP",
        "event": inner,
        "type": "event_callback",
        "event_id": event_id or "Ev" + uuid.uuid4().hex[:10],
        "event_time": int(time.time()),
        "authorizations": [{"team_id": team, "user_id": BOT_USER, "is_bot": True}],
    }


def mention(text: str, user: str = "U1", channel: str = "C1", thread_ts: str | None = None):
    inner = {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER}> {text}",
        "ts": f"{1_700_000_000 + uuid.uuid4().int % 1_000_000}.000300",
        "channel": channel,
        "event_ts": "1.0",
    }
    if thread_ts:
        inner["thread_ts"] = thread_ts
    return inner


def reaction(name: str, channel: str, ts: str, user: str = "U1", added: bool = True):
    return {
        "type": "reaction_added" if added else "reaction_removed",
        "user": user,
        "reaction": name,
        "item": {"type": "message", "channel": channel, "ts": ts},
        "item_user": BOT_USER,
        "event_ts": "1.0",
    }


def button(action_id: str, value: str, channel: str, ts: str, user: str = "U1", team=TEAM):
    return {
        "type": "block_actions",
        "team": {"id": team, "domain": "team"},
        "user": {"id": user, "username": {"U1": "alice", "U2": "bob"}.get(user, user)},
        "api_app_id": "A0APP",
        "token": "legacy",
        "container": {"type": "message", "message_ts": ts, "channel_id": channel},
        "trigger_id": uuid.uuid4().hex,
        "channel": {"id": channel, "name": "music"},
        "message": {"ts": ts, "type": "message"},
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "b",
                "value": value,
                "action_ts": str(time.time()),
            }
        ],
    }


class SignedSender:
    """Delivers requests as Slack does: signed, with retries marked by X-Slack-Retry-Num."""

    def __init__(self, session: Any, url: str, secret: str = SIGNING_SECRET) -> None:
        self.session, self.url, self.secret = session, url, secret

    async def send(
        self,
        body: str,
        content_type: str,
        timestamp: int | None = None,
        secret: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        signed = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature(secret or self.secret, ts, body),
            **(headers or {}),
        }
        async with self.session.post(self.url, data=body.encode(), headers=signed) as response:
            return response.status, await response.text()

    async def command(self, payload: dict[str, Any], **kw: Any) -> tuple[int, str]:
        return await self.send(urlencode(payload), "application/x-www-form-urlencoded", **kw)

    async def event(self, payload: dict[str, Any], retry: int = 0, **kw: Any) -> tuple[int, str]:
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return await self.send(
            json.dumps(payload), "application/json", headers=headers if retry else None, **kw
        )

    async def action(self, payload: dict[str, Any], **kw: Any) -> tuple[int, str]:
        body = urlencode({"payload": json.dumps(payload)})
        return await self.send(body, "application/x-www-form-urlencoded", **kw)
