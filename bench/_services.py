"""The fakes the end-to-end benchmark talks to (Anthropic, Spotify, Discord, Slack), served from
a process of their own: their CPU is billed neither to the bot's event loop nor to its GIL. The
bot's process drives them, and reads what they recorded, through a connection.

The bench starts it as `python bench/_services.py INVENTED DECOYS`; it prints the port it
listens on, then serves one connection (authenticated with SETLIST_BENCH_AUTHKEY). Spotify knows
the built-in catalog and (DECOYS=1) its live, remastered, karaoke and tribute versions."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from multiprocessing.connection import Client, Connection, Listener
from typing import Any

import aiohttp
from _common import ROOT

AUTHKEY = "SETLIST_BENCH_AUTHKEY"


def _main() -> None:
    invented, decoys = float(sys.argv[1]), sys.argv[2] == "1"
    with Listener(("127.0.0.1", 0), authkey=bytes.fromhex(os.environ[AUTHKEY])) as listener:
        print(listener.address[1], flush=True)
        with listener.accept() as conn:
            asyncio.run(_serve(conn, invented, decoys))


async def _serve(conn: Connection, invented: float, decoys: bool) -> None:
    from bot.catalog.index import Catalog, builtin_tracks
    from tests.fakes import slack_api
    from tests.fakes.anthropic_api import FakeAnthropic, Mistakes
    from tests.fakes.discord_api import FakeDiscord, Spec
    from tests.fakes.spotify_api import Dataset, FakeSpotify

    claude = FakeAnthropic(Catalog(builtin_tracks()), Mistakes(invented=invented), seed=1)
    spotify = FakeSpotify(Dataset(None, decoys=decoys))
    discord = FakeDiscord(Spec())
    slack = slack_api.FakeSlack()
    await claude.start()
    await spotify.start()
    await discord.start()
    await slack.start()
    host = Host(claude, spotify, discord, slack)
    conn.send(host.urls())
    loop = asyncio.get_running_loop()
    try:
        while True:
            name, args = await loop.run_in_executor(None, conn.recv)
            if name == "stop":
                break
            try:
                conn.send(("ok", await getattr(host, name)(*args)))
            except Exception as exc:  # the parent raises it; this process keeps serving
                conn.send(("error", f"{name}: {exc!r}"))
    finally:
        await host.close()
        conn.send(("ok", None))


class Host:
    """What the bench may ask of the fakes, one method per request over the pipe."""

    def __init__(self, claude: Any, spotify: Any, discord: Any, slack: Any) -> None:
        self.claude, self.spotify, self.discord, self.slack = claude, spotify, discord, slack
        self.http: aiohttp.ClientSession | None = None

    def urls(self) -> dict[str, Any]:
        return {
            "claude": self.claude.url,
            "spotify": self.spotify.base_url,
            "refresh_token": self.spotify.grant_refresh_token(),
            "discord_api": self.discord.api_url,
            "discord_gateway": self.discord.gateway_url,
            "discord_general": self.discord.general,
            "discord_guild": self.discord.guild_id,
            "slack_api": self.slack.api_url,
        }

    async def close(self) -> None:
        if self.http is not None:
            await self.http.close()
        await self.slack.close()
        await self.discord.close()
        await self.spotify.stop()
        await self.claude.close()

    async def set(self, values: dict[str, Any]) -> None:
        """{"claude.latency": 1.5, "discord.window": 5.0, …}"""
        for dotted, value in values.items():
            fake, attr = dotted.split(".")
            setattr(getattr(self, fake), attr, value)

    async def slack_limits(self, rate: float, burst: int, update_rate: float) -> None:
        """Slack's limits (0: none): chat.postMessage per channel, chat.update per workspace."""
        from tests.fakes.slack_api import Limit

        self.slack.limits.clear()
        if rate:
            self.slack.limits["chat.postMessage"] = Limit(rate, burst, per_channel=True)
        if update_rate:
            self.slack.limits["chat.update"] = Limit(update_rate, 1, per_channel=False)

    async def mark(self) -> tuple[int, int, int, int]:
        return (
            len(self.claude.requests),
            len(self.spotify.requests),
            len(self.discord.requests),
            len(self.slack.calls),
        )

    async def since(self, mark: tuple[int, int, int, int]) -> dict[str, list]:
        """What every fake recorded after `mark`, with arrival times (time.monotonic, one clock
        for every process on the machine)."""
        a, s, d, k = mark
        return {
            "llm": [b["_at"] for b in self.claude.requests[a:] if b.get("_answered")],
            "spotify": [
                (r["at"], r["path"], r["query"].get("q", "")) for r in self.spotify.requests[s:]
            ],
            "discord": [(r.at, r.method, r.path, r.status) for r in self.discord.requests[d:]],
            "slack": [
                (c.at, c.method, str(c.args.get("channel", "")), c.status)
                for c in self.slack.calls[k:]
            ],
        }

    # -- Discord members ---------------------------------------------------------------------
    async def discord_member(self, name: str) -> dict:
        return self.discord.member(name)

    async def discord_slash(self, member: dict, channel: str, sub: str, options: dict) -> None:
        await self.discord.slash(member, channel, sub, **options)

    async def discord_threads(self) -> list[str]:
        return [t["id"] for t in self.discord.threads()]

    async def discord_violations(self) -> list[str]:
        return list(self.discord.violations)

    # -- Slack members -----------------------------------------------------------------------
    async def slack_users(self, ids: list[str]) -> None:
        self.slack.users.update({u: f"member-{u.lower()}" for u in ids})

    async def slack_reactions(
        self, url: str, items: list[tuple[str, str]], users: list[str], in_flight: int
    ) -> tuple[float, list[int]]:
        """Every user reacts 👍 to every item, `in_flight` requests at a time, signed as Slack
        signs them; returns the time until the last was acknowledged, and the statuses."""
        from tests.fakes import slack_api as fk

        if self.http is None:
            self.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=in_flight))
        sender = fk.SignedSender(self.http, url)
        gate = asyncio.Semaphore(in_flight)
        statuses: list[int] = []

        async def react(user: str, channel: str, ts: str) -> None:
            async with gate:
                status, _ = await sender.event(fk.event(fk.reaction("+1", channel, ts, user)))
                statuses.append(status)

        start = time.monotonic()
        await asyncio.gather(*(react(u, c, ts) for u in users for c, ts in items))
        return time.monotonic() - start, statuses


class Services:
    """The bench's handle on the fakes' process. `call` never blocks the event loop."""

    def __init__(self, invented: float, decoys: bool = True) -> None:
        self.args = [str(invented), "1" if decoys else "0"]
        self.urls: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._proc: asyncio.subprocess.Process | None = None
        self._conn: Connection | None = None

    async def start(self) -> dict[str, Any]:
        key = os.urandom(16)
        self._proc = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            *self.args,
            stdout=asyncio.subprocess.PIPE,
            cwd=ROOT,
            env={**os.environ, AUTHKEY: key.hex()},
        )
        assert self._proc.stdout is not None
        port = await asyncio.wait_for(self._proc.stdout.readline(), 60)
        if not port:
            raise RuntimeError("the fakes' process did not start")
        self._conn = await asyncio.to_thread(Client, ("127.0.0.1", int(port)), authkey=key)
        self.urls = await asyncio.to_thread(self._conn.recv)
        return self.urls

    def _roundtrip(self, name: str, args: tuple) -> Any:
        assert self._conn is not None
        with self._lock:
            self._conn.send((name, args))
            status, value = self._conn.recv()
        if status != "ok":
            raise RuntimeError(value)
        return value

    async def call(self, name: str, *args: Any) -> Any:
        return await asyncio.to_thread(self._roundtrip, name, args)

    async def close(self) -> None:
        if self._conn is not None:
            try:
                await self.call("stop")
            finally:
                self._conn.close()
        if self._proc is not None:
            if self._conn is None and self._proc.returncode is None:
                self._proc.kill()  # it never served: nothing to finish
            assert self._proc.stdout is not None
            await self._proc.stdout.read()
            await asyncio.wait_for(self._proc.wait(), 30)


if __name__ == "__main__":
    _main()
