"""Spotify grounding cost: calls per newly resolved track (first round, repeat round), and a
round's wall time against the fake with 100 ms latency, as a ratio to one search's latency.

Run: python bench/spotify_rounds.py"""

from __future__ import annotations

import asyncio
import tempfile
import threading
import time
from pathlib import Path

from _common import SONGS_CSV
from cryptography.fernet import Fernet

from bot.cli import build
from bot.config import Settings
from bot.events import Member, MessagePosted
from bot.keys import ChannelKey
from bot.planner.base import Proposal
from bot.store.sqlite import SqliteStore
from tests.fakes.spotify_api import Dataset, FakeSpotify

LATENCY = 0.100
PROMPTS = [
    "a running playlist, EDM, big drops, 160 BPM",
    "80s synthpop road trip",
    "chill lofi for studying",
    "90s hip hop",
    "classic rock anthems from the 70s",
]


def serve_in_thread(fake: FakeSpotify) -> asyncio.AbstractEventLoop:
    """The fake gets its own thread and loop, so its work is not billed to the bot."""
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(fake.start())
        started.set()
        loop.run_forever()

    threading.Thread(target=run, daemon=True).start()
    started.wait()
    return loop


async def main() -> None:
    fake = FakeSpotify(Dataset(SONGS_CSV if SONGS_CSV.exists() else None))
    fake_loop = serve_in_thread(fake)
    member = Member("bench", "bench")
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.db"
        store = await SqliteStore.open(db)
        settings = Settings(
            db=str(db),
            spotify_client_id="bench",
            spotify_refresh_token=fake.grant_refresh_token(),
            spotify_api_url=f"{fake.base_url}/v1/",
            spotify_accounts_url=f"{fake.base_url}/",
            secret_key=Fernet.generate_key().decode(),
        )
        app = await build(store, settings)
        await app.reply_all(MessagePosted(ChannelKey.console("warm"), member, "/new jazz"))
        fake.latency = LATENCY
        first_tracks = []
        for label, prefix in (("first round", "a"), ("same prompts, new sessions", "b")):
            searches, resolved, walls = 0, 0, []
            for i, prompt in enumerate(PROMPTS):
                key = ChannelKey.console(f"{prefix}{i}")
                before = fake.paths().count("/v1/search")
                start = time.perf_counter()
                await app.reply_all(MessagePosted(key, member, f"/new {prompt}"))
                walls.append(time.perf_counter() - start)
                session = await store.active_session(str(key))
                searches += fake.paths().count("/v1/search") - before
                resolved += sum(1 for t in session.tracks if t.verified)
                if prefix == "a":
                    first_tracks += session.tracks
            mean = sum(walls) / len(walls)
            print(
                f"{label}: {searches / resolved:.2f} searches per resolved track "
                f"({searches} for {resolved}); round wall time {mean * 1000:.0f} ms = "
                f"{mean / LATENCY:.1f}× one search's latency"
            )
        # A repeat round: the same tracks proposed again are answered from the store's cache.
        proposals = [Proposal(tuple(t.artists), t.title, "") for t in first_tracks]
        before = fake.paths().count("/v1/search")
        start = time.perf_counter()
        await app.resolver.resolve(proposals)
        took = time.perf_counter() - start
        print(
            f"repeat of the first rounds' {len(proposals)} tracks: "
            f"{fake.paths().count('/v1/search') - before} searches, {took * 1000:.0f} ms"
        )
        await store.close()
    asyncio.run_coroutine_threadsafe(fake.stop(), fake_loop).result()
    fake_loop.call_soon_threadsafe(fake_loop.stop)


if __name__ == "__main__":
    asyncio.run(main())
