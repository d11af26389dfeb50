"""Two Slack HTTP worker processes behind a load balancer, sharing one PostgreSQL database:
a playlist started on one is voted on through both and refined on the other."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest

from adapters.slack import blocks as bk
from bot.store import open_store
from tests.adapters.slack.conftest import PROMPT, buttons, root_of, tracks_in
from tests.fakes import slack_api as s
from tests.pgserver import free_port, new_database

# `setlist slack --http PORT`, but posting without pacing (the fake doesn't rate-limit here)
WORKER = """
import asyncio, sys
from aiohttp import web
from adapters.slack.app import SlackAdapter
from adapters.slack.poster import Pacer
from bot.cli import build
from bot.config import Settings
from bot.store import open_store

async def main(url, api, port):
    settings = Settings(db=url, slack_bot_token=sys.argv[4], slack_signing_secret=sys.argv[5],
                        slack_api_url=api)
    store = await open_store(url)
    adapter = SlackAdapter(await build(store, settings, "/setlist "), store, settings,
                           pacer=Pacer(rate=0))
    runner = web.AppRunner(adapter.web_app())
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until EOF
    await runner.cleanup()
    await adapter.idle()
    await store.close()

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
"""


SECRETS = (s.BOT_TOKEN, s.SIGNING_SECRET)


async def until(check: Callable[[], object], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not await _call(check):
        assert time.monotonic() < deadline, "timed out waiting for the workers"
        await asyncio.sleep(0.05)


async def _call(check: Callable[[], object]) -> object:
    result = check()
    return await result if asyncio.iscoroutine(result) else result


@pytest.fixture
async def fake() -> AsyncIterator[s.FakeSlack]:
    server = await s.FakeSlack().start()
    yield server
    await server.close()


@pytest.fixture
async def workers(postgres: str, fake: s.FakeSlack) -> AsyncIterator[tuple[str, list[str]]]:
    url = await new_database(postgres)
    ports = [free_port(), free_port()]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, url, fake.api_url, str(port), *SECRETS],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parents[3],
        )
        for port in ports
    ]
    try:
        for p in procs:
            line = await asyncio.to_thread(p.stdout.readline)
            assert line.strip() == "ready", f"a worker failed to start: {line!r}"
        yield url, [f"http://127.0.0.1:{port}/slack/events" for port in ports]
    finally:
        for p in procs:
            p.stdin.close()
        codes = [await asyncio.to_thread(p.wait, 30) for p in procs]
        for p in procs:
            p.stdout.close()
    assert codes == [0, 0]


async def test_two_workers_share_sessions_votes_and_retries(workers, fake: s.FakeSlack):
    url, endpoints = workers
    store = await open_store(url)
    async with aiohttp.ClientSession() as http:
        a, b = (s.SignedSender(http, e) for e in endpoints)
        assert (await a.command(s.command(f"new {PROMPT}")))[0] == 200
        await until(lambda: len(fake.called("chat.postMessage")) >= 16)
        root = root_of(fake)
        key = f"slack:{s.TEAM}:C1:{root}"
        tracks = tracks_in(fake, "C1", root)
        assert len(tracks) == 15
        dropped = {buttons(t)[bk.VOTE_DOWN] for t in tracks[:3]}

        # The balancer spreads presses over both workers: every vote lands once.
        presses = []
        for i, t in enumerate(tracks[:6]):
            for user in ("U1", "U2"):
                action = bk.VOTE_DOWN if i < 3 else bk.VOTE_UP
                press = s.button(action, buttons(t)[action], "C1", t["ts"], user)
                presses.append((a if len(presses) % 2 else b, press))
        results = await asyncio.gather(*(sender.action(p) for sender, p in presses))
        assert [status for status, _ in results] == [200] * len(presses)

        async def voted() -> bool:
            session = await store.active_session(key)
            return sum(len(t.votes) for t in session.tracks) == 12

        await until(voted)
        # Slack retries an event on the other worker: one vote, counted once.
        up = s.event(s.reaction("+1", "C1", tracks[7]["ts"], user="U3"), event_id="EvRetry")
        assert (await a.event(up))[0] == 200
        assert (await b.event(up, retry=1))[0] == 200

        async def reacted() -> bool:
            return (await store.active_session(key)).tracks[7].votes == {"U3": "up"}

        await until(reacted)

        # "More" on the other worker sees the votes the first one counted.
        posts = len(fake.called("chat.postMessage"))
        assert (await b.action(s.button(bk.ROUND_MORE, key, "C1", root)))[0] == 200

        async def second_round() -> bool:
            return (await store.active_session(key)).round_no == 2

        await until(second_round)
        await until(lambda: len(fake.called("chat.postMessage")) >= posts + 4)
    session = await store.active_session(key)
    assert len(session.tracks) == 15
    assert not dropped & {t.id for t in session.tracks}
    assert all(session.tracks[i].state == "kept" for i in range(3))  # renumbered: 4–6 → 1–3
    assert session.tracks[4].votes == {"U3": "up"}  # track 8 is now 5
    await asyncio.sleep(0.3)  # nothing posted twice, even late
    assert len(fake.called("chat.postMessage")) == posts + 1 + 3
    await store.close()
