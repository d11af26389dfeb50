"""Rounds for the end-to-end benchmark: one on each path (console, Discord, Slack) against its
floor, then many channels at once with the event loop's lag sampled meanwhile."""

from __future__ import annotations

import asyncio
import io
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from _common import percentile
from _floor import Floor, Row, floor_of, round_row
from _services import Services
from aiohttp.test_utils import TestServer
from cryptography.fernet import Fernet

from adapters.console.adapter import Console
from adapters.discord.bot import PREFIX, configure, make_bot
from adapters.slack.app import SlackAdapter
from adapters.slack.poster import Pacer
from bot.app import Setlist
from bot.cli import build
from bot.config import Settings
from bot.events import Member, MessagePosted
from bot.keys import ChannelKey
from bot.replies import RoundPosted
from bot.spotify.client import CONCURRENCY
from bot.store.base import Store
from tests.fakes import slack_api as fk
from tests.fakes.anthropic_api import KEY

ALICE = Member("u-alice", "alice")
SECRET = Fernet.generate_key().decode()  # one per run: every core reads the same stored token
GENRES = (
    "EDM", "90s hip hop", "lofi", "80s synthpop", "classic rock", "soul", "jazz", "indie",
    "house", "metal", "reggaeton", "disco", "punk", "folk", "country", "drum and bass",
    "techno", "r&b", "grunge", "latin pop",
)  # fmt: skip
OCCASIONS = (
    "a road trip", "studying", "a dinner party", "running", "a rainy sunday", "a barbecue",
    "lifting", "a house party", "cooking", "the commute",
)  # fmt: skip
PROMPTS = [f"{g} for {o}" for o in OCCASIONS for g in GENRES]  # 200, each its own
POSTS = {"POST", "chat.postMessage"}  # a message posted, on Discord or on Slack


def settings_for(urls: dict[str, Any], db: str) -> Settings:
    """The bot's settings: Claude, Spotify, Discord and Slack at the fakes."""
    return Settings(
        db=db,
        spotify_client_id="bench",
        spotify_refresh_token=urls["refresh_token"],
        spotify_api_url=f"{urls['spotify']}/v1/",
        spotify_accounts_url=f"{urls['spotify']}/",
        secret_key=SECRET,
        anthropic_api_key=KEY,
        anthropic_base_url=urls["claude"],
        discord_token="bench",
        discord_api_url=urls["discord_api"],
        discord_gateway_url=urls["discord_gateway"],
        slack_bot_token=fk.BOT_TOKEN,
        slack_signing_secret=fk.SIGNING_SECRET,
        slack_api_url=urls["slack_api"],
    )


@dataclass
class Cores:
    """The core as `setlist chat` builds it (prefix "/") and as the Discord and Slack apps do
    ("/setlist "), over one store, with Claude and Spotify at the fakes."""

    store: Store
    settings: Settings
    console: Setlist
    chat: Setlist

    @classmethod
    async def open(cls, store: Store, urls: dict[str, Any], db: str) -> Cores:
        settings = settings_for(urls, db)
        console = await build(store, settings)
        # The same planner, gateway and catalog under the chat platforms' prefix.
        chat = Setlist(
            store,
            console.planner,
            console.catalog,
            prefix=PREFIX,
            resolver=console.resolver,
            publisher=console.publisher,
        )
        return cls(store, settings, console, chat)

    async def close(self) -> None:
        aclose = getattr(self.console.planner, "aclose", None)
        if aclose is not None:
            await aclose()


async def latencies(svc: Services, cfg: Any, on: bool = True) -> None:
    """The injected latencies, or none (while setting up what a measure needs)."""
    k = 1.0 if on else 0.0
    await svc.call(
        "set",
        {
            "claude.latency": cfg.llm_latency * k,
            "spotify.latency": cfg.spotify_latency * k,
            "discord.latency": cfg.platform_latency * k,
            "slack.latency": cfg.platform_latency * k,
        },
    )


async def until(check: Callable[[], Awaitable[Any]], timeout: float = 300.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := await check()):
        if time.monotonic() > deadline:
            raise TimeoutError("the bench waited too long")
        await asyncio.sleep(0.005)
    return result


async def linked(store: Store, key: str) -> bool:
    """A round is done on a platform when its last track's message is linked in the store."""
    session = await store.active_session(key)
    return bool(session and await store.messages_for_track(session.tracks[-1].id))


# -- 1. a round on each path -------------------------------------------------------------------
async def console_round(svc: Services, app: Setlist, prompt: str) -> tuple[float, dict, float]:
    out = io.StringIO()
    console = Console(app, "bench-console", [ALICE.name], stdin=io.StringIO(), stdout=out)
    mark = await svc.call("mark")
    start = time.monotonic()
    await console.say(ALICE, f"/new {prompt}")
    wall = time.monotonic() - start
    assert "Round 1 ·" in out.getvalue(), out.getvalue()  # the round was printed
    return wall, await svc.call("since", mark), start


async def discord_round(svc: Services, cores: Cores, prompt: str) -> tuple[float, dict, float]:
    """`/setlist new` from a channel: defer, a thread, then a message per track in it."""
    configure(cores.settings)
    bot = make_bot(cores.chat, guild_ready_timeout=0.01)
    await bot.login(cores.settings.discord_token)
    task = asyncio.create_task(bot.connect())
    try:
        await asyncio.wait_for(bot.wait_until_ready(), 30)
        alice = await svc.call("discord_member", "alice")
        general, guild = svc.urls["discord_general"], svc.urls["discord_guild"]
        before = set(await svc.call("discord_threads"))
        mark = await svc.call("mark")
        start = time.monotonic()
        await svc.call("discord_slash", alice, general, "new", {"prompt": prompt})

        async def new_thread() -> str | None:
            fresh = set(await svc.call("discord_threads")) - before
            return fresh.pop() if fresh else None

        thread = await until(new_thread)
        await until(lambda: linked(cores.store, f"discord:{guild}:{thread}"))
        wall = time.monotonic() - start
        traffic = await svc.call("since", mark)
    finally:
        await bot.close()
        await task
    violations = await svc.call("discord_violations")
    assert not violations, violations  # every request as Discord's OpenAPI spec has it
    return wall, traffic, start


async def slack_round(
    svc: Services, cfg: Any, cores: Cores, prompt: str
) -> tuple[float, dict, float]:
    """`/setlist new`: a "planning…" line, a message per track in its thread, the header."""
    await svc.call("slack_limits", cfg.slack_rate, cfg.slack_burst, cfg.slack_update_rate)
    pacer = Pacer(cfg.slack_rate, cfg.slack_burst)
    adapter = SlackAdapter(cores.chat, cores.store, cores.settings, pacer=pacer)
    server = TestServer(adapter.web_app(), host="127.0.0.1", port=0)
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as http:
            sender = fk.SignedSender(http, f"http://127.0.0.1:{server.port}/slack/events")
            await sender.command(fk.command("help", channel="CROUND"))  # auth.test, users.info
            await adapter.idle()
            mark = await svc.call("mark")
            start = time.monotonic()
            status, _ = await sender.command(fk.command(f"new {prompt}", channel="CROUND"))
            await adapter.idle()
            wall = time.monotonic() - start
        traffic = await svc.call("since", mark)
    finally:
        await server.close()
    assert status == 200, status
    return wall, traffic, start


async def paths(svc: Services, cfg: Any, cores: Cores, figures: dict) -> list[Row]:
    await latencies(svc, cfg, on=False)
    warm = MessagePosted(ChannelKey.console("warm"), ALICE, "/new jazz")
    await cores.console.reply_all(warm)  # the Spotify token, the connections
    await latencies(svc, cfg)
    measured = {
        "console": await console_round(svc, cores.console, "a running playlist, EDM, 160 BPM"),
        "Discord": await discord_round(svc, cores, "90s hip hop road trip"),
        "Slack": await slack_round(svc, cfg, cores, "chill lofi for studying"),
    }
    rows = []
    for name, (wall, traffic, start) in measured.items():
        platform = "" if name == "console" else name.lower()
        floor = floor_of(traffic, cfg, platform)
        command = "/new" if name == "console" else "/setlist new"
        row = round_row(f"A round on {name} (`{command}`, 15 tracks)", wall, floor, cfg)
        figures[f"round.{name}"] = {"wall": wall, "floor": floor}
        if platform:
            planned = max(traffic["llm"], default=start)  # track messages follow the plan
            posts = traffic[platform]
            shown = [at - start for at, method, *_ in posts if method in POSTS and at > planned]
            figures[f"round.{name}"] |= {"first": min(shown), "last": max(shown)}
            row.notes += (
                f"; track messages appeared from {min(shown):.2f} s to {max(shown):.2f} s (each "
                f"linked, so voted on, as it is accepted); the last send returned at {wall:.2f} s"
            )
        rows.append(row)
    return rows


# -- 2, 3. many channels at once, and the event loop's lag -------------------------------------
class LagSampler:
    """How late asyncio.sleep(0.01) wakes, sampled for as long as it runs."""

    def __init__(self) -> None:
        self.lags: list[float] = []
        self.at: list[float] = []  # when each sample woke (time.monotonic)
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(0.01)
            self.lags.append(time.perf_counter() - start - 0.01)
            self.at.append(time.monotonic())

    def __enter__(self) -> LagSampler:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()

    def p99_ms(self) -> float:
        return percentile(self.lags, 99) * 1000 if self.lags else 0.0

    def worst(self) -> tuple[float, float]:
        """The longest lag (ms), and when it ended (time.monotonic)."""
        if not self.lags:
            return 0.0, 0.0
        i = max(range(len(self.lags)), key=self.lags.__getitem__)
        return self.lags[i] * 1000, self.at[i]


async def timed_round(app: Setlist, key: ChannelKey, prompt: str, since: float) -> float:
    replies = await app.reply_all(MessagePosted(key, ALICE, f"/new {prompt}"))
    assert any(isinstance(r, RoundPosted) for r in replies), replies
    return time.monotonic() - since


async def burst(svc: Services, cfg: Any, cores: Cores, figures: dict) -> list[Row]:
    """One channel alone (the baseline), then `channels` channels prompting at once, through
    the core as the console adapter drives it; the loop's lag sampled all along."""
    app, run = cores.console, uuid.uuid4().hex[:6]
    await latencies(svc, cfg)
    singles: list[float] = []
    floors: list[Floor] = []
    with LagSampler() as quiet:
        for i in range(cfg.singles):
            mark = await svc.call("mark")
            key = ChannelKey.console(f"single-{run}-{i}")
            prompt = PROMPTS[-1 - i]  # the burst's last prompts: it runs them last, if at all
            singles.append(await timed_round(app, key, prompt, time.monotonic()))
            floors.append(floor_of(await svc.call("since", mark), cfg))
    mark = await svc.call("mark")
    with LagSampler() as busy:
        start, cpu = time.monotonic(), time.process_time()
        times = await asyncio.gather(
            *(
                timed_round(app, ChannelKey.console(f"burst-{run}-{i}"), PROMPTS[i % 200], start)
                for i in range(cfg.channels)
            )
        )
    cpu = time.process_time() - cpu  # every thread of the bot's process: spotipy's too
    traffic = await svc.call("since", mark)
    single = statistics.median(singles)
    single_floor = statistics.median(f.seconds for f in floors)
    searches = sum(path == "/v1/search" for _, path, _ in traffic["spotify"])
    # The gateway runs CONCURRENCY searches at a time: a floor for the whole burst.
    search_floor = searches * cfg.spotify_latency / CONCURRENCY
    p50, p99 = statistics.median(times), percentile(times, 99)
    quiet_p99, busy_p99 = quiet.p99_ms(), busy.p99_ms()
    worst, worst_at = busy.worst()
    stalls = sum(lag > 0.05 for lag in busy.lags)
    b = figures["burst"] = {
        "single": single,
        "single_floor": single_floor,
        "p50": p50,
        "p99": p99,
        "makespan": max(times),
        "rounds": len(times),
        "cpu_per_round": cpu / len(times),
        "llm_calls": len(traffic["llm"]),
        "searches": searches,
        "search_floor": search_floor,
        "lag_quiet": quiet_p99,
        "lag_busy": busy_p99,
        "lag_max": worst,
        "lag_max_at": worst_at - start,
        "lag_over_50ms": stalls,
        "lag_samples": len(busy.lags),
    }
    n = cfg.channels
    alone = f"baseline: one channel alone (median of {cfg.singles}, floor {single_floor:.2f} s)"
    return [
        Row(f"{n} channels at once: round time p50", f"{p50:.2f} s", f"{single:.2f} s",
            p50 / single, f"{alone}; {n} rounds made {b['llm_calls']} LLM calls and {searches:,} "
            f"Spotify searches, at most {CONCURRENCY} at a time (≥ {search_floor:.2f} s for the "
            f"burst); the bot's CPU: {cpu / n * 1000:.0f} ms a round"),
        Row(f"{n} channels at once: round time p99", f"{p99:.2f} s", f"{single:.2f} s",
            p99 / single, f"{alone}; the last round ended {max(times):.2f} s after the burst "
            "began"),
        Row(f"Event-loop lag p99 during the {n}-channel burst", f"{busy_p99:.1f} ms",
            f"{quiet_p99:.1f} ms", busy_p99 / quiet_p99 if quiet_p99 > 0 else None,
            f"how late asyncio.sleep(0.01) woke: {len(busy.lags):,} samples, {stalls} over 50 ms, "
            f"the worst {worst:.0f} ms at {worst_at - start:.1f} s into the burst; baseline: the "
            "same during the single rounds"),
    ]  # fmt: skip
