"""Requests and wall time to render a 15-track round on Discord, against the fake Discord with
Discord's rate-limit headers, as a ratio to the rate-limit floor.

Messages in one channel: 5 per 5 seconds (the fake answers X-RateLimit-* headers like Discord's
and a 429 past them). A round is one message per track in the playlist's thread; the header
with the buttons rides on the first track message (or on the interaction's answer, which has
its own bucket), so the thread sees 15 posts and the floor is (15 - 1) // 5 * 5 = 10 s.
Measured: `/setlist new` from a channel (thread, pointer answer, 15 posts) and `/setlist
refine` in the thread (header as the answer, 15 posts). Wall time runs from the first post in the
thread to the last; the whole command (planning included) is shown too.
Run: python bench/discord_render.py [WINDOW_SECONDS]   (default 5, Discord's)
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT

sys.path.insert(0, str(ROOT))

from adapters.discord.bot import PREFIX, configure, make_bot
from bot.cli import build
from bot.config import Settings
from bot.store.sqlite import SqliteStore
from tests.fakes.discord_api import FakeDiscord, Spec

PROMPT = "a running playlist, EDM, big drops, 160 BPM"
PER_WINDOW = 5
TRACKS = 15


async def until(check, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError
        await asyncio.sleep(0.005)


def tracks_in(fake: FakeDiscord, thread: str) -> list[dict]:
    return [m for m in fake.thread_messages(thread) if m["embeds"]]


async def measure(window: float, db: Path) -> list[dict]:
    fake = await FakeDiscord(Spec(), per_window=PER_WINDOW, window=window).start()
    store = await SqliteStore.open(db)
    settings = Settings(
        db=str(db),
        discord_token="bench",
        discord_api_url=fake.api_url,
        discord_gateway_url=fake.gateway_url,
    )
    configure(settings)
    bot = make_bot(await build(store, settings, prefix=PREFIX), guild_ready_timeout=0.01)
    await bot.login(settings.discord_token)
    task = asyncio.create_task(bot.connect())
    await asyncio.wait_for(bot.wait_until_ready(), 10)
    alice = fake.member("alice")
    results = []
    try:
        for name in ("new from a channel", "refine in the thread"):
            await asyncio.sleep(window)  # start each round with full buckets
            mark = len(fake.requests)
            started = time.monotonic()
            if name.startswith("new"):
                before = 0
                await fake.slash(alice, fake.general, "new", prompt=PROMPT)
                await until(lambda: fake.threads())
                thread = fake.threads()[0]["id"]
            else:
                before = len(tracks_in(fake, thread))
                await fake.slash(alice, thread, "refine", text="no vocals, harder drops")
            await until(lambda t=thread, b=before: len(tracks_in(fake, t)) >= b + TRACKS)
            done = time.monotonic()
            last = tracks_in(fake, thread)[-1]["id"]
            while await store.track_for_message(last) is None:  # linked in the store: done
                await asyncio.sleep(0.005)
            sent = [r for r in fake.requests[mark:] if r.method != "GET"]
            posts = [r for r in sent if r.path == f"/channels/{thread}/messages"]
            render = posts[-1].at - posts[0].at
            floor = (len(posts) - 1) // PER_WINDOW * window
            results.append(
                {
                    "round": name,
                    "requests": len(sent),
                    "thread posts": len(posts),
                    "429s": sum(r.status == 429 for r in sent),
                    "render s": round(render, 2),
                    "floor s": floor,
                    "ratio": round(render / floor, 3) if floor else float("nan"),
                    "command s": round(done - started, 2),
                }
            )
    finally:
        await bot.close()
        await task
        await store.close()
        await fake.close()
    assert not fake.violations, fake.violations
    return results


def main() -> None:
    window = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    with tempfile.TemporaryDirectory() as tmp:
        results = asyncio.run(measure(window, Path(tmp) / "bench.db"))
    print(f"Discord round render, {PER_WINDOW} messages per {window:g} s per channel")
    for r in results:
        print("  " + " · ".join(f"{k}: {v}" for k, v in r.items()))


if __name__ == "__main__":
    main()
