"""Web API calls and wall time to render a 15-track round in Slack, against the fake Slack with
Slack's rate limits, as a ratio to the rate-limit floor.

chat.postMessage: about 1 message a second per channel with short bursts (modelled as a burst
of BURST); chat.update: Tier 3, 50 a minute. A round posts a "planning…" line, then one message
per track, then edits the line into the header: 16 posts and 1 edit, so the floor is
(16 - BURST) seconds. Compared: our own pacing (the default) and pacing left to the SDK's
429 retry handler alone. Run: python bench/slack_render.py [BURST]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from _common import ROOT
from aiohttp.test_utils import TestServer

from adapters.slack.app import SlackAdapter
from adapters.slack.poster import Pacer
from bot.app import Setlist
from bot.catalog.index import Catalog, builtin_tracks
from bot.config import Settings
from bot.planner.offline import OfflinePlanner
from bot.store.sqlite import SqliteStore

sys.path.insert(0, str(ROOT))
from tests.fakes import slack_api as fk

PROMPT = "a running playlist, EDM, big drops, 160 BPM"


async def render_once(pacer: Pacer, burst: int, db: Path) -> dict[str, float]:
    fake = await fk.FakeSlack().start()
    fake.limits["chat.postMessage"] = fk.Limit(rate=1.0, burst=burst, per_channel=True)
    fake.limits["chat.update"] = fk.Limit(rate=50 / 60, burst=burst, per_channel=False)
    store = await SqliteStore.open(db)
    catalog = Catalog(builtin_tracks())
    core = Setlist(store, OfflinePlanner(catalog), catalog, prefix="/setlist ")
    settings = Settings(
        db=str(db),
        slack_bot_token=fk.BOT_TOKEN,
        slack_signing_secret=fk.SIGNING_SECRET,
        slack_api_url=fake.api_url,
    )
    adapter = SlackAdapter(core, store, settings, pacer=pacer)
    server = TestServer(adapter.web_app(), host="127.0.0.1", port=0)
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            sender = fk.SignedSender(session, f"http://127.0.0.1:{server.port}/slack/events")
            # Warm up auth.test and users.info outside the measured round.
            await sender.command(fk.command("help"))
            await adapter.idle()
            fake.calls.clear()
            fake.ratelimited = 0
            start = time.perf_counter()
            status, _ = await sender.command(fk.command(f"new {PROMPT}"))
            acked = time.perf_counter() - start
            await adapter.idle()
            wall = time.perf_counter() - start
    finally:
        await server.close()
        await fake.close()
        await store.close()
    assert status == 200
    posts = sum(1 for c in fake.calls if c.method == "chat.postMessage" and c.status == 200)
    updates = sum(1 for c in fake.calls if c.method == "chat.update" and c.status == 200)
    floor = max(0, posts - burst) / 1.0
    return {
        "calls": len(fake.calls),
        "posts": posts,
        "updates": updates,
        "429s": fake.ratelimited,
        "ack_ms": acked * 1000,
        "wall_s": wall,
        "floor_s": floor,
        "ratio": wall / floor if floor else float("nan"),
    }


async def main() -> None:
    burst = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    print(f"15-track round, chat.postMessage 1/s per channel with bursts of {burst}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, pacer in (
            ("paced (default)", Pacer(rate=1.0, burst=burst)),
            ("SDK 429 retries only", Pacer(rate=0)),
        ):
            r = await render_once(pacer, burst, Path(tmp) / f"{name[:5]}.db")
            print(
                f"{name:>22}: {r['calls']} Web API calls ({r['posts']} posts, {r['updates']} "
                f"edit, {r['429s']} answered 429), ack {r['ack_ms']:.0f} ms, wall "
                f"{r['wall_s']:.2f} s, floor {r['floor_s']:.0f} s, ratio {r['ratio']:.2f}"
            )


if __name__ == "__main__":
    asyncio.run(main())
