"""Signed Slack requests through the real AsyncApp and its aiohttp adapter."""

from __future__ import annotations

import json
import time

from adapters.slack import blocks as bk
from bot import messages
from bot.keys import ChannelKey
from tests.adapters.slack.conftest import PROMPT, buttons, root_of, tracks_in
from tests.fakes import slack_api as s


async def start(slack, prompt: str = PROMPT) -> tuple[str, list[dict]]:
    status, _ = await slack.sender.command(s.command(f"new {prompt}"))
    assert status == 200
    await slack.settle()
    root = root_of(slack.fake)
    return root, tracks_in(slack.fake, "C1", root)


async def test_new_posts_a_header_and_one_message_per_track(slack, store):
    root, tracks = await start(slack)
    header = slack.fake.messages[("C1", root)]
    assert header["text"].startswith("Round 1 · “a running playlist")
    key = f"slack:{s.TEAM}:C1:{root}"
    assert buttons(header) == {bk.ROUND_MORE: key, bk.ROUND_PUBLISH: key, bk.ROUND_UNDO: key}
    session = await store.active_session(key)
    assert len(tracks) == 15 == len(session.tracks)
    for message, track in zip(tracks, session.tracks, strict=True):
        assert message["text"].startswith(f"{track.position}. ")
        assert buttons(message) == {bk.VOTE_UP: track.id, bk.VOTE_DOWN: track.id}
        assert await store.track_for_message(f"C1:{message['ts']}") == (key, track.id)
    # One "planning…" post turned into the header in place; no message was posted twice.
    assert len(slack.fake.called("chat.postMessage")) == 16
    assert len(slack.fake.called("chat.update")) == 1
    assert [i.channel for i in await store.sessions()] == [key]


async def test_forged_and_stale_requests_get_401(slack):
    body = s.command(f"new {PROMPT}")
    assert (await slack.sender.command(body, secret="not-the-secret"))[0] == 401
    stale = int(time.time()) - 6 * 60
    assert (await slack.sender.command(body, timestamp=stale))[0] == 401
    event = s.event(s.mention("techno"))
    assert (await slack.sender.event(event, secret="nope"))[0] == 401
    await slack.settle()
    assert slack.fake.called("chat.postMessage") == []
    # Within the window and correctly signed, the very same request is served.
    assert (await slack.sender.command(body, timestamp=int(time.time()) - 60))[0] == 200


async def test_url_verification_answers_the_challenge(slack):
    payload = {"token": "legacy", "challenge": "abc123", "type": "url_verification"}
    status, text = await slack.sender.event(payload)
    assert status == 200 and "abc123" in text


async def test_reactions_vote_and_a_retried_event_counts_once(slack, store):
    root, tracks = await start(slack)
    key = f"slack:{s.TEAM}:C1:{root}"
    third = tracks[2]
    up = s.event(s.reaction("+1", "C1", third["ts"], user="U2"), event_id="EvUP1")
    assert (await slack.sender.event(up))[0] == 200
    await slack.settle()
    updates = len(slack.fake.called("chat.update"))
    # Slack retries the same event id (X-Slack-Retry-Num): nothing happens twice.
    assert (await slack.sender.event(up, retry=1))[0] == 200
    assert (await slack.sender.event(up, retry=2))[0] == 200
    await slack.settle()
    assert len(slack.fake.called("chat.update")) == updates
    session = await store.active_session(key)
    assert session.tracks[2].votes == {"U2": "up"}
    shown = slack.fake.messages[("C1", third["ts"])]
    assert "👍 1 · 👎 0 · ✔ kept" in json.dumps(shown["blocks"], ensure_ascii=False)
    down = s.event(s.reaction("thumbsdown", "C1", third["ts"], user="U3"))
    gone = s.event(s.reaction("+1", "C1", third["ts"], user="U2", added=False))
    for payload in (down, gone):
        assert (await slack.sender.event(payload))[0] == 200
    await slack.settle()
    session = await store.active_session(key)
    assert session.tracks[2].votes == {"U3": "down"}
    assert session.tracks[2].state == "dropped"
    shown = slack.fake.messages[("C1", third["ts"])]
    assert "~3. " in shown["blocks"][0]["text"]["text"]


async def test_reactions_elsewhere_are_ignored(slack):
    await start(slack)
    before = len(slack.fake.calls)
    other = s.event(s.reaction("+1", "C1", "1699999999.000001"))
    smile = s.event(s.reaction("smile", "C1", root_of(slack.fake)))
    for payload in (other, smile):
        assert (await slack.sender.event(payload))[0] == 200
    await slack.settle()
    assert slack.fake.calls[before:] == []  # neither is a track message's vote


async def test_keep_and_drop_buttons(slack, store):
    root, tracks = await start(slack)
    key = f"slack:{s.TEAM}:C1:{root}"
    first = tracks[0]
    track_id = buttons(first)[bk.VOTE_UP]
    keep = s.button(bk.VOTE_UP, track_id, "C1", first["ts"], user="U1")
    assert (await slack.sender.action(keep))[0] == 200
    drop = s.button(bk.VOTE_DOWN, track_id, "C1", first["ts"], user="U2")
    drop2 = s.button(bk.VOTE_DOWN, track_id, "C1", first["ts"], user="U3")
    for payload in (drop, drop2):
        assert (await slack.sender.action(payload))[0] == 200
    await slack.settle()
    session = await store.active_session(key)
    assert session.tracks[0].votes == {"U1": "up", "U2": "down", "U3": "down"}
    assert session.tracks[0].state == "dropped"
    shown = slack.fake.messages[("C1", first["ts"])]["blocks"]
    assert "👍 1 · 👎 2" in json.dumps(shown, ensure_ascii=False)
    # The same press delivered twice (same trigger and action) is applied once.
    assert (await slack.sender.action(keep))[0] == 200
    await slack.settle()
    assert (await store.active_session(key)).tracks[0].votes["U1"] == "up"


async def test_round_buttons_more_undo_publish(slack, store):
    root, tracks = await start(slack)
    key = f"slack:{s.TEAM}:C1:{root}"
    for t in tracks[:3]:  # drop three, then ask for more
        vote = s.button(bk.VOTE_DOWN, buttons(t)[bk.VOTE_DOWN], "C1", t["ts"])
        await slack.sender.action(vote)
    await slack.settle()
    posts = len(slack.fake.called("chat.postMessage"))
    more = s.button(bk.ROUND_MORE, key, "C1", root)
    assert (await slack.sender.action(more))[0] == 200
    await slack.settle()
    session = await store.active_session(key)
    assert session.round_no == 2 and len(session.tracks) == 15
    # A "planning…" line became the round 2 header; only the 3 new tracks were posted.
    assert len(slack.fake.called("chat.postMessage")) == posts + 1 + 3
    headers = [m for m in slack.fake.thread("C1", root) if m["text"].startswith("Round 2")]
    assert len(headers) == 1
    retired = [slack.fake.messages[("C1", t["ts"])] for t in tracks[:3]]
    assert all("retired from the list" in json.dumps(m["blocks"]) for m in retired)
    # Every track message still in the list shows its current number.
    live = tracks_in(slack.fake, "C1", root)
    assert [m["text"].split(".")[0] for m in live] == [str(n) for n in range(1, 16)]
    undo = s.button(bk.ROUND_UNDO, key, "C1", root, user="U2")
    assert (await slack.sender.action(undo))[0] == 200
    await slack.settle()
    assert (await store.active_session(key)).round_no == 1
    assert all("retired" not in json.dumps(slack.fake.messages[("C1", t["ts"])]) for t in tracks)
    publish = s.button(bk.ROUND_PUBLISH, key, "C1", root)
    await slack.sender.action(publish)
    await slack.settle()
    said = slack.fake.called("chat.postEphemeral")[-1].args
    assert said["user"] == "U1" and "Spotify" in said["text"]


async def test_a_mention_in_the_thread_refines(slack, store):
    root, _ = await start(slack)
    key = f"slack:{s.TEAM}:C1:{root}"
    refine = s.event(s.mention("no more vocals, harder drops", user="U2", thread_ts=root))
    assert (await slack.sender.event(refine))[0] == 200
    assert (await slack.sender.event(refine, retry=1))[0] == 200  # a retry plans nothing
    await slack.settle()
    session = await store.active_session(key)
    assert [r.text for r in session.requests][1:] == ["no more vocals, harder drops"]
    assert session.round_no == 2
    header = [m for m in slack.fake.thread("C1", root) if m["text"].startswith("Round 2")]
    assert len(header) == 1 and "Bob refined it" in json.dumps(header[0]["blocks"])


async def test_a_top_level_mention_starts_a_thread(slack, store):
    said = s.mention("90s hip hop for a house party")
    await slack.sender.event(s.event(said))
    await slack.settle()
    key = f"slack:{s.TEAM}:C1:{said['ts']}"
    session = await store.active_session(key)
    assert session is not None and session.prompt == "90s hip hop for a house party"
    assert len(tracks_in(slack.fake, "C1", said["ts"])) == len(session.tracks)


async def test_member_text_cannot_ping_anyone(slack):
    await slack.sender.command(s.command("new <!channel> & <!here> songs for <@U2> party"))
    await slack.settle()
    root = root_of(slack.fake)
    await slack.sender.event(s.event(s.mention("<!everyone> louder <@U3>", thread_ts=root)))
    await slack.settle()
    sent = json.dumps([c.args for c in slack.fake.calls], ensure_ascii=False)
    for ping in ("<!channel>", "<!here>", "<!everyone>", "<@U2>", "<@U3>"):
        assert ping not in sent
    header = slack.fake.messages[("C1", root)]
    title = header["blocks"][0]["text"]["text"]
    assert "@\u200bchannel &amp; @\u200bhere songs for @U2 party" in title


async def test_problems_are_ephemeral(slack):
    await slack.sender.command(s.command("bogus", response_url=slack.fake.hook_url()))
    await slack.sender.command(s.command("more", response_url=slack.fake.hook_url()))
    await slack.settle()
    texts = [h["text"] for h in slack.fake.hooks]
    assert all(h["response_type"] == "ephemeral" for h in slack.fake.hooks)
    assert any("bogus" in t for t in texts)
    assert any(messages.no_session() in t for t in texts)
    assert slack.fake.called("chat.postMessage") == []


async def test_typed_votes_bans_and_the_channel_pointer(slack, store):
    root, _ = await start(slack)
    key = f"slack:{s.TEAM}:C1:{root}"
    # Slash commands typed in the channel speak to its latest playlist.
    await slack.sender.command(s.command("drop 2 5", user="U2"))
    await slack.settle()
    session = await store.active_session(key)
    assert [t.position for t in session.tracks if t.state == "dropped"] == [2, 5]
    artist = session.tracks[0].artists[0]
    await slack.sender.command(s.command(f"ban {artist}"))
    await slack.settle()
    assert await store.banned(f"slack:{s.TEAM}:C1") == [artist]  # the channel keeps the ban
    await slack.sender.command(s.command("new chill lofi beats to study to"))
    await slack.settle()
    newer = root_of(slack.fake)
    assert newer != root
    assert (await store.active_session(f"slack:{s.TEAM}:C1:{newer}")).banned == [artist]
    assert str(ChannelKey.parse(f"slack:{s.TEAM}:C1:{newer}")) == f"slack:{s.TEAM}:C1:{newer}"


async def test_ack_at_once_and_rate_limits_are_retried(slack):
    slack.fake.fail("chat.postMessage", 429, retry_after=1, times=1)
    started = time.monotonic()
    status, _ = await slack.sender.command(s.command(f"new {PROMPT}"))
    acked = time.monotonic() - started
    # Acknowledged well within Slack's 3 s while the first post still waits out its 429.
    assert status == 200 and acked < 0.5 and len(slack.fake.messages) == 0
    await slack.settle()
    assert time.monotonic() - started >= 1.0
    assert (
        slack.fake.ratelimited == 1 and len(tracks_in(slack.fake, "C1", root_of(slack.fake))) == 15
    )
    statuses = [c.status for c in slack.fake.calls if c.method == "chat.postMessage"]
    assert statuses[:2] == [429, 200]


async def test_export_uploads_a_file_in_the_thread(slack):
    root, _ = await start(slack)
    await slack.sender.command(s.command("export json"))
    await slack.settle()
    (done,) = slack.fake.called("files.completeUploadExternal")
    assert done.args["channel_id"] == "C1" and done.args["thread_ts"] == root
    (content,) = slack.fake.uploads.values()
    assert len(json.loads(content)["tracks"]) == 15


async def test_slack_failures_never_reach_the_chat(slack, store):
    slack.fake.fail("chat.update", 500, times=1)  # the header can't be written
    _, tracks = await start(slack)
    assert len(tracks) == 15  # the rest went on
    assert slack.fake.thread("C1", tracks[0]["thread_ts"])[1]["text"].startswith("Round 1")
    slack.fake.fail("chat.update", 500, times=1)  # a vote's edit fails: the vote still counts
    await slack.sender.event(s.event(s.reaction("+1", "C1", tracks[0]["ts"])))
    await slack.settle()
    key = f"slack:{s.TEAM}:C1:{tracks[0]['thread_ts']}"
    assert (await store.active_session(key)).tracks[0].votes == {"U1": "up"}
    sent = json.dumps([c.args for c in slack.fake.calls])
    assert "Traceback" not in sent and "Error" not in sent


async def test_a_command_delivered_twice_opens_one_thread(slack, store):
    body = s.command(f"new {PROMPT}")
    for _ in range(2):
        assert (await slack.sender.command(body))[0] == 200
    await slack.settle()
    tops = [m for (ch, ts), m in slack.fake.messages.items() if "thread_ts" not in m]
    assert len(tops) == 1 and len(await store.sessions()) == 1
