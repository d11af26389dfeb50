"""Offline round latency over the imported 28k catalog (plus the built-in one).

Prints the planner's time per round, the whole core round (plan, filter, ground, store) and
the share of a round the planner takes. Run: python bench/round_latency.py
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from _common import percentile, songs_csv

from bot.app import Setlist
from bot.catalog.importer import read_catalog
from bot.catalog.index import Catalog, builtin_tracks
from bot.events import Member, MessagePosted
from bot.keys import ChannelKey
from bot.planner.offline import OfflinePlanner
from bot.rounds import plan_request
from bot.session import Session
from bot.store.sqlite import SqliteStore

PROMPTS = [
    "a running playlist, EDM, big drops, 160 BPM",
    "chill lofi for studying",
    "80s synthpop road trip",
    "90s hip hop 85-95 bpm",
    "sad songs for a rainy day",
    "latin party, reggaeton, no trap",
    "classic rock anthems from the 70s",
    "dinner party, something groovy",
    "metal for lifting",
    "happy summer pop",
]
ROUNDS_PER_PROMPT = 10


class Timed:
    """Wraps the planner to time it inside real rounds."""

    def __init__(self, planner: OfflinePlanner) -> None:
        self.planner, self.spent = planner, 0.0
        self.name, self.overask = planner.name, planner.overask

    async def propose(self, request):
        start = time.perf_counter()
        try:
            return await self.planner.propose(request)
        finally:
            self.spent += time.perf_counter() - start


async def main() -> None:
    t0 = time.perf_counter()
    imported = read_catalog(songs_csv())
    t1 = time.perf_counter()
    catalog = Catalog([*builtin_tracks(), *imported])
    t2 = time.perf_counter()
    print(f"catalog: {len(catalog):,} tracks (import {t1 - t0:.2f} s, index {t2 - t1:.2f} s)")
    planner = OfflinePlanner(catalog)
    member = Member("bench", "bench")

    plan_ms = []
    for prompt in PROMPTS:
        session = Session.start("console:bench", member, prompt, [])
        for _ in range(ROUNDS_PER_PROMPT):
            request = plan_request(session, 15)
            start = time.perf_counter()
            planner.plan(request)
            plan_ms.append((time.perf_counter() - start) * 1000)
    print(
        f"planner.plan, 15 tracks: p50 {statistics.median(plan_ms):.1f} ms, "
        f"p99 {percentile(plan_ms, 99):.1f} ms over {len(plan_ms)} rounds"
    )

    timed = Timed(planner)
    with tempfile.TemporaryDirectory() as folder:
        store = await SqliteStore.open(Path(folder) / "bench.db")
        app = Setlist(store, timed, catalog)
        round_ms, share = [], []
        for i, prompt in enumerate(PROMPTS):
            key = ChannelKey.console(f"c{i}")
            for text in (f"/new {prompt}", "/drop 1-5", "/more", "no more vocals", "/more"):
                timed.spent = 0.0
                start = time.perf_counter()
                await app.reply_all(MessagePosted(key, member, text))
                if not text.startswith("/drop"):
                    took = time.perf_counter() - start
                    round_ms.append(took * 1000)
                    share.append(timed.spent / took)
        await store.close()
    p50 = statistics.median(round_ms)
    print(
        f"whole core round (plan + filter + ground + store): p50 {p50:.1f} ms, "
        f"p99 {percentile(round_ms, 99):.1f} ms over {len(round_ms)} rounds"
    )
    print(
        f"the planner's share of a core round (its critical path): "
        f"median {statistics.median(share):.0%}"
    )


if __name__ == "__main__":
    asyncio.run(main())
