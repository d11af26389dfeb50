"""Load for the end-to-end benchmark: votes per second (the store alone, the core, the Slack
path) on each store backend, and memory and disk at many sessions."""

from __future__ import annotations

import asyncio
import gc
import math
import os
import time
import tracemalloc
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
from _floor import Row
from _rounds import ALICE, PROMPTS, Cores, latencies, timed_round
from _services import Services
from aiohttp.test_utils import TestServer

from adapters.slack.app import SlackAdapter
from adapters.slack.payloads import split_message_id
from adapters.slack.poster import Pacer
from bot.app import Setlist
from bot.catalog.index import Catalog
from bot.events import Member, MessagePosted, VoteCast
from bot.keys import ChannelKey
from bot.planner.offline import OfflinePlanner
from bot.session import Session, Track
from bot.store import open_store
from bot.store.base import Store
from tests.fakes import slack_api as fk

SLACK_IN_FLIGHT = 32  # reaction events on the wire at once


def counted(session: Session | None) -> int:
    return sum(len(t.votes) for t in session.tracks) if session else 0


async def store_votes(store: Store, n: int) -> tuple[float, int]:
    """The store alone: votes applied with Store.update, all at once (the baseline)."""
    key = f"console:votes-store-{uuid.uuid4().hex[:6]}"
    session = Session.start(key, ALICE, "bench", [])
    session.next_round(
        [Track(id=f"{key}-{i}", artists=[f"A{i}"], title=f"S{i}", reason="", round_no=0)
         for i in range(15)]
    )  # fmt: skip
    await store.start_session(session, "new")
    voters = [Member(f"s{i}", f"s{i}") for i in range(math.ceil(n / 15))]
    start = time.monotonic()
    await asyncio.gather(
        *(
            store.update(key, lambda s, m=m, p=p: s.vote(m, p, "up") and "vote")
            for m in voters
            for p in range(1, 16)
        )
    )
    elapsed = time.monotonic() - start
    sent = len(voters) * 15
    assert counted(await store.active_session(key)) == sent
    return sent / elapsed, sent


async def core_votes(cfg: Any, cores: Cores) -> tuple[float, int, int]:
    """Setlist.handle(VoteCast), as a button sends it, from many members at once on one round:
    (votes/s, sent, counted)."""
    key = ChannelKey.console(f"votes-core-{uuid.uuid4().hex[:6]}")
    await cores.console.reply_all(MessagePosted(key, ALICE, "/new upbeat funk for a party"))
    session = await cores.store.active_session(str(key))
    positions = [t.position for t in session.tracks]
    voters = [Member(f"v{i}", f"v{i}") for i in range(max(1, cfg.core_votes // len(positions)))]
    events = [VoteCast(key, m, p, "up") for m in voters for p in positions]
    start = time.monotonic()
    await asyncio.gather(*(cores.console.reply_all(e) for e in events))
    elapsed = time.monotonic() - start
    return len(events) / elapsed, len(events), counted(await cores.store.active_session(str(key)))


async def slack_votes(svc: Services, cfg: Any, cores: Cores) -> tuple[float, int, int]:
    """👍 reactions as signed Events API requests from the fakes' process, through bolt, the
    lazy listener, the core and the chat.update that shows each vote: (votes/s, sent,
    counted)."""
    await svc.call("slack_limits", 0, 0, 0)  # our throughput, not Slack's Tier 3 (see notes)
    adapter = SlackAdapter(cores.chat, cores.store, cores.settings, pacer=Pacer(rate=0))
    server = TestServer(adapter.web_app(), host="127.0.0.1", port=0)
    await server.start_server()
    url = f"http://127.0.0.1:{server.port}/slack/events"
    channel = f"CV{uuid.uuid4().hex[:6].upper()}"
    try:
        async with aiohttp.ClientSession() as http:
            sender = fk.SignedSender(http, url)
            await sender.command(fk.command("new upbeat funk for a party", channel=channel))
            await adapter.idle()
        (info,) = [r for r in await cores.store.sessions() if f":{channel}:" in r.channel]
        session = await cores.store.active_session(info.channel)
        items = [
            split_message_id(mid)
            for t in session.tracks
            for mid in await cores.store.messages_for_track(t.id)
        ]
        users = [f"UV{i}" for i in range(max(1, cfg.slack_votes // len(items)))]
        await svc.call("slack_users", users)
        await latencies(svc, cfg)  # a round trip for every chat.update
        start = time.monotonic()
        _, statuses = await svc.call("slack_reactions", url, items, users, SLACK_IN_FLIGHT)
        await adapter.idle()
        elapsed = time.monotonic() - start
    finally:
        await latencies(svc, cfg, on=False)
        await server.close()
    assert set(statuses) == {200}, Counter(statuses)
    sent = len(users) * len(items)
    return sent / elapsed, sent, counted(await cores.store.active_session(info.channel))


async def votes(
    svc: Services, cfg: Any, backends: dict[str, Cores | Exception], figures: dict
) -> list[Row]:
    """On SQLite, and on PostgreSQL when a URL is set: the store alone, the core, Slack."""
    await latencies(svc, cfg, on=False)  # the rounds voted on are set-up, not measured
    out: dict[str, dict[str, Any]] = {}
    for backend, cores in backends.items():
        try:
            if isinstance(cores, Exception):  # its store didn't open
                raise cores
            store, store_sent = await store_votes(cores.store, cfg.core_votes)
            core, core_sent, core_counted = await core_votes(cfg, cores)
            slack, slack_sent, slack_counted = await slack_votes(svc, cfg, cores)
            out[backend] = {
                "store": store,
                "store_sent": store_sent,
                "core": core,
                "core_sent": core_sent,
                "core_counted": core_counted,
                "slack": slack,
                "slack_sent": slack_sent,
                "slack_counted": slack_counted,
            }
        except Exception as exc:  # PostgreSQL may not be there yet: say so in its column
            if backend == "sqlite":
                raise
            why = f"{type(exc).__name__}: {exc}"
            out[backend] = {"error": "failed: " + (why[:97] + "…" if len(why) > 98 else why)}
    figures["votes"] = out
    lite, pg = out["sqlite"], out.get("postgres")

    def cell(name: str, baseline: str) -> str:
        if pg is None:
            return "—"
        return pg.get("error") or f"{pg[name]:,.0f}/s (baseline {pg[baseline]:,.0f}/s)"

    return [
        Row("Votes per second through the core (SQLite)", f"{lite['core']:,.0f}/s",
            f"{lite['store']:,.0f}/s", lite["store"] / lite["core"],
            f"{lite['core_sent']:,} VoteCast events at once on one round, "
            f"{lite['core_counted']:,} counted; each vote saves the session anew (a version, "
            "for undo), so the rate falls as a round collects votes; baseline: Store.update "
            f"alone ({lite['store_sent']:,} votes; ratio: time per vote over the store's)",
            cell("core", "store")),
        Row("Votes per second through Slack (👍 reactions, Events API)",
            f"{lite['slack']:,.0f}/s", f"{lite['core']:,.0f}/s", lite["core"] / lite["slack"],
            f"{lite['slack_sent']:,} signed reaction events, {SLACK_IN_FLIGHT} in flight, each "
            f"shown by a chat.update; {lite['slack_counted']:,} counted; baseline: the core. "
            "Slack's limits are off here: real Slack allows about 50 chat.update a minute per "
            "workspace (Tier 3), so there the edits, not the votes, set the pace",
            cell("slack", "core")),
    ]  # fmt: skip


# -- memory at many sessions -------------------------------------------------------------------
def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def memory(cfg: Any, catalog: Catalog, path: Path, figures: dict) -> list[Row]:
    """`sessions` active sessions with a round each, through the core with the offline planner
    (32 rounds in flight), in a fresh SQLite store: RSS over all of them, tracemalloc over the
    last tenth (it slows Python several times over), the file on disk."""
    store = await open_store(path)
    app = Setlist(store, OfflinePlanner(catalog), catalog)  # as `setlist chat` builds it
    n = cfg.sessions
    traced_n = max(1, n // 10)
    gate = asyncio.Semaphore(32)

    async def one(i: int) -> None:
        async with gate:
            await timed_round(app, ChannelKey.console(f"memory-{i}"), PROMPTS[i % 200], 0.0)

    await app.reply_all(MessagePosted(ChannelKey.console("warm"), ALICE, "/new jazz"))
    gc.collect()
    before = rss()
    start = time.monotonic()
    await asyncio.gather(*(one(i) for i in range(n - traced_n)))
    gc.collect()
    tracemalloc.start()
    await asyncio.gather(*(one(i) for i in range(n - traced_n, n)))
    gc.collect()
    traced, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    took = time.monotonic() - start
    after = rss()
    active = sum(r.channel.startswith("console:memory-") for r in await store.sessions())
    await store.close()
    disk = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    figures["memory"] = {
        "sessions": active,
        "rss_before": before,
        "rss_after": after,
        "traced_per_session": traced / traced_n,
        "traced_sessions": traced_n,
        "peak": peak,
        "disk": disk,
        "seconds": took,
    }
    mb, kb = 1024 * 1024, 1024
    return [
        Row(f"Memory at {n:,} sessions: RSS", f"{after / mb:.0f} MB", f"{before / mb:.0f} MB",
            after / before, f"+{(after - before) / mb:.1f} MB, {(after - before) / n / kb:.1f} KB "
            f"a session; baseline: the same process before ({active:,} active sessions created "
            f"in {took:.1f} s through the core, offline planner)"),
        Row(f"Memory at {n:,} sessions: tracemalloc", f"{traced / traced_n / kb:.1f} KB a session",
            "—", None, f"Python objects still held after the last {traced_n:,} sessions were "
            f"created, a session's share; peak while creating them {peak / mb:.1f} MB"),
        Row(f"Store on disk at {n:,} sessions (SQLite)", f"{disk / mb:.1f} MB", "—", None,
            f"{disk / n / kb:.1f} KB a session (its versions, for undo), closed (WAL folded in)"),
    ]  # fmt: skip
