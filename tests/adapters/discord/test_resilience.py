"""Rate limits, refusals, gateway reconnects, sharding, no pings, and `setlist discord sync`."""

from __future__ import annotations

import argparse

import pytest

from adapters.discord import bot as discord_bot
from bot.config import Settings
from bot.errors import ConfigError
from bot.store.sqlite import SqliteStore
from tests.adapters.discord.conftest import Harness, eventually
from tests.fakes.discord_api import FakeDiscord

MESSAGE_ROUTES = r"/messages(/[^/]+)?$|/callback$|/webhooks/\d+/[^/]+$"


async def test_a_429_with_retry_after_is_waited_out_once(harness: Harness):
    fake = harness.fake
    await harness.start()
    alice = fake.member("alice")
    fake.fail_next("POST", r"/channels/\d+/messages$", 429, retry_after=0.3)
    thread = await harness.new_thread(alice)
    tracks = await harness.round_in(thread)
    posts = fake.sent("POST", rf"/channels/{thread}/messages$")
    assert [r.status for r in posts].count(429) == 1 and len(posts) == 16
    assert posts[1].at - posts[0].at >= 0.3  # it waited for Retry-After
    assert fake.rate_limited == 1  # and never ran into the ordinary limits
    assert len(tracks) == 15 and tracks[0]["content"].count("Round 1") == 1


async def test_refused_requests_are_not_retried_in_a_loop(harness: Harness):
    fake = harness.fake
    await harness.start()
    alice, bob = fake.member("alice"), fake.member("bob")
    thread = await harness.new_thread(alice)
    tracks = await harness.round_in(thread)
    fake.fail_next("PATCH", rf"/messages/{tracks[1]['id']}$", 403)
    await fake.react(bob, tracks[1], "👍")
    await fake.react(bob, tracks[3], "👍")
    await harness.footer(thread, tracks[3], "✔ kept")
    await harness.idle()
    assert len(fake.sent("PATCH", rf"/messages/{tracks[1]['id']}$")) == 1
    assert (await harness.session(thread)).track_at(2).state == "kept"  # the vote counted
    # A post that Discord refuses ends the round there, with a word in the thread.
    fake.fail_next("POST", rf"/channels/{thread}/messages$", 403)
    await fake.slash(alice, thread, "more")
    await eventually(
        _now(lambda: any("refused" in m["content"] for m in fake.thread_messages(thread)))
    )
    assert len(fake.sent("POST", rf"/channels/{thread}/messages$")) == 15 + 1 + 1


async def test_gateway_reconnect_resumes_and_replays_missed_events(harness: Harness):
    fake = harness.fake
    await harness.start()
    alice, bob = fake.member("alice"), fake.member("bob")
    thread = await harness.new_thread(alice)
    tracks = await harness.round_in(thread)
    session_id = fake.active.id
    await fake.drop_connection()
    await fake.react(bob, tracks[6], "👎")  # happens while the bot is away
    await fake.react(alice, tracks[6], "👎")
    await harness.footer(thread, tracks[6], "👍 0 · 👎 2", "✘ dropped")
    assert fake.resumes and fake.resumes[-1]["session_id"] == session_id
    assert len(fake.identifies) == 1  # resumed, not a new session
    await fake.reconnect()  # op 7: Discord asks the bot to reconnect
    await eventually(_now(lambda: len(fake.resumes) == 2 and fake.active.ws is not None))
    await fake.react(bob, tracks[7], "👍")
    await harness.footer(thread, tracks[7], "✔ kept")
    assert len(fake.identifies) == 1


async def test_sharded_bot_asks_for_the_gateway(harness: Harness):
    fake = harness.fake
    bot = await harness.start(sharded=True)
    assert isinstance(bot, discord_bot.ShardedSetlistBot)
    assert fake.sent("GET", r"^/gateway/bot$")
    assert fake.identifies[0]["shard"] == [0, 1]
    thread = await harness.new_thread(fake.member("alice"))
    tracks = await harness.round_in(thread)
    await fake.react(fake.member("bob"), tracks[0], "👍")
    await harness.footer(thread, tracks[0], "✔ kept")


async def test_nothing_the_bot_posts_can_ping(harness: Harness):
    fake = harness.fake
    await harness.start()
    alice = fake.member("alice")
    ping = "@everyone @here <@&123456789012345678> <@123456789012345678> house music"
    thread = await harness.new_thread(alice, prompt=ping)
    await harness.round_in(thread)
    await fake.slash(alice, thread, "refine", text=ping)
    await harness.round_in(thread, after=15)
    await fake.say(alice, thread, ping, mention=True)
    await harness.round_in(thread, after=30)
    await fake.slash(alice, thread, "ban", artist="@everyone")
    await eventually(_now(lambda: len(fake.sent("POST", r"/callback$")) == 3))
    bodies = [
        r.body.get("data", r.body) if r.path.endswith("/callback") else r.body
        for r in fake.requests
        if r.method in ("POST", "PATCH")
        and r.body is not None
        and __import__("re").search(MESSAGE_ROUTES, r.path)
    ]
    carrying = [b for b in bodies if b.get("content") or b.get("embeds")]
    assert len(carrying) > 45
    assert all(b.get("allowed_mentions") == {"parse": []} for b in carrying)
    assert any("@\u200beveryone" in (b.get("content") or "") for b in carrying)  # defused too


async def test_sync_registers_the_command_group(
    fake: FakeDiscord, store: SqliteStore, capsys: pytest.CaptureFixture[str]
):
    settings = Settings(
        db=":memory:",
        discord_token="fake-token",
        discord_api_url=fake.api_url,
        discord_gateway_url=fake.gateway_url,
    )
    code = await discord_bot.main(argparse.Namespace(action="sync"), settings, store)
    assert code == 0 and "16 sub-commands" in capsys.readouterr().out
    put = fake.sent("PUT", rf"^/applications/{fake.app_id}/commands$")
    assert len(put) == 1 and not fake.identifies  # a deploy step: no gateway session
    (group,) = put[0].body
    subs = {o["name"]: o for o in group["options"]}
    assert set(subs) >= {"new", "more", "refine", "keep", "drop", "ban", "unban", "rules"}
    assert set(subs) >= {"show", "undo", "redo", "length", "publish", "export", "help"}
    assert subs["ban"]["options"][0]["autocomplete"] is True
    assert subs["length"]["options"][0] == {**subs["length"]["options"][0], "type": 4}
    assert [c["value"] for c in subs["export"]["options"][0]["choices"]] == ["json", "m3u", "csv"]
    with pytest.raises(ConfigError, match="DISCORD_TOKEN"):
        await discord_bot.main(argparse.Namespace(action="run"), Settings(db=":memory:"), store)


def _now(fn):
    async def check():
        return fn()

    return check
