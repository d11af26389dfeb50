"""Claude planner rounds against the fake Messages API: LLM calls per round, the share of rounds
that reach the target length at a 15% invented-track rate, and the share of input tokens read
from the prompt cache on refinement rounds.

    python bench/claude_rounds.py [sessions] [invented-rate]

The fake model picks real tracks the way the offline planner would and invents titles at the
given rate; a strict resolver over the built-in catalog drops what doesn't exist, as Spotify
grounding does. Token counts are the fake's (about 4 characters a token; the minimum cacheable
prefix assumed 2,048 tokens for claude-haiku-5-5).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

import _common  # noqa: F401  (puts the repository on sys.path)

from bot.app import Setlist
from bot.catalog.index import Catalog, builtin_tracks
from bot.config import Settings
from bot.events import Member, MessagePosted
from bot.keys import ChannelKey
from bot.planner.claude import claude_planner
from bot.planner.offline import OfflinePlanner
from bot.replies import RoundPosted
from bot.store.sqlite import SqliteStore
from tests.fakes.anthropic_api import KEY, FakeAnthropic, Mistakes
from tests.fakes.strict_resolver import StrictCatalogResolver

PROMPTS = [
    "a running playlist, EDM, big drops, 160 BPM",
    "90s hip hop for a road trip",
    "chill lofi for studying",
    "80s synthpop, nothing cheesy",
    "classic rock for a barbecue",
    "a dinner party: soul and jazz",
    "indie for a rainy sunday",
    "house music for a house party, 124 BPM",
]
ALICE, BOB, CAROL = (Member(f"u-{n}", n) for n in ("alice", "bob", "carol"))


async def conversation(app: Setlist, fake: FakeAnthropic, channel: str, prompt: str, stats):
    key = ChannelKey.console(channel)

    async def say(text: str, member: Member, kind: str | None = None) -> None:
        calls, before = fake.calls, len(fake.model_calls)
        replies = await app.reply_all(MessagePosted(key, member, text))
        if kind is None:
            return
        (r,) = [x for x in replies if isinstance(x, RoundPosted)]
        live = [t for t in r.tracks if t.state != "dropped"]
        stats["rounds"].append((kind, fake.calls - calls, len(live) >= r.target_length))
        if kind == "refine":
            for body in fake.model_calls[before:]:
                stats["refine_usage"].append(body["_usage"])

    await say(prompt, ALICE, "new")
    await say("/drop 2 5", BOB)
    await say("/keep 1", ALICE)
    await say("harder, more energy", BOB, "refine")
    session = await app.store.active_session(str(key))
    await say(f"/ban {session.tracks[3].artists[0]}", CAROL)
    await say("/more", CAROL, "more")
    await say("/drop 1 4", ALICE)
    await say("no vocals please", CAROL, "refine")


async def main(sessions: int, rate: float) -> None:
    catalog = Catalog(builtin_tracks())
    stats: dict = {"rounds": [], "refine_usage": []}
    with tempfile.TemporaryDirectory() as tmp:
        store = await SqliteStore.open(Path(tmp) / "bench.db")
        async with FakeAnthropic(catalog, Mistakes(invented=rate), seed=1) as fake:
            settings = Settings(db=":memory:", anthropic_api_key=KEY, anthropic_base_url=fake.url)
            planner = claude_planner(settings, OfflinePlanner(catalog))
            app = Setlist(store, planner, catalog, resolver=StrictCatalogResolver(catalog))
            for i in range(sessions):
                await conversation(app, fake, f"bench{i}", PROMPTS[i % len(PROMPTS)], stats)
            await planner.aclose()
        await store.close()
    rounds = stats["rounds"]
    calls = [c for _, c, _ in rounds]
    full = sum(ok for _, _, ok in rounds)
    print(f"{sessions} conversations, {len(rounds)} rounds, invented-track rate {rate:.0%}")
    print(f"LLM calls per round: {sum(calls) / len(calls):.2f} (max {max(calls)})")
    for kind in ("new", "refine", "more"):
        c = [n for k, n, _ in rounds if k == kind]
        print(f"  {kind:7s} {sum(c) / len(c):.2f}")
    print(f"rounds reaching the target length: {full / len(rounds):.1%}")
    read = sum(u["cache_read_input_tokens"] for u in stats["refine_usage"])
    total = sum(
        u["input_tokens"] + u["cache_read_input_tokens"] + u["cache_creation_input_tokens"]
        for u in stats["refine_usage"]
    )
    print(f"input tokens read from cache on refinement rounds: {read / total:.1%}")


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    r = float(sys.argv[2]) if len(sys.argv) > 2 else 0.15
    asyncio.run(main(n, r))
