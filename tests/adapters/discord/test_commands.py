"""/setlist sub-commands as Discord sends them, through the real bot, answered as members see."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from bot import cli
from tests.adapters.discord.conftest import PROMPT, Harness, eventually
from tests.fakes.discord_api import EPHEMERAL


def callback(fake, payload: dict) -> dict | None:
    return fake.interactions[payload["token"]].get("callback")


def answer(fake, payload: dict) -> dict | None:
    """The message that answers an interaction (its original response), once it has content."""
    state = fake.interactions[payload["token"]]
    msg = state["original"]
    return msg if msg and (msg["content"] or msg["embeds"] or msg["attachments"]) else None


async def answered(fake, payload: dict) -> dict:
    async def check():
        return answer(fake, payload)

    return await eventually(check)


async def test_new_opens_a_thread_with_one_message_per_track(harness: Harness, db_path: Path):
    fake = harness.fake
    await harness.start()
    alice = fake.member("alice")
    thread = await harness.new_thread(alice)
    assert fake.channels[thread]["parent_id"] == fake.general
    assert PROMPT[:30] in fake.channels[thread]["name"]
    tracks = await harness.round_in(thread)
    # The command answers in the channel with a pointer to the thread; the round is there.
    pointer = fake.sent("PATCH", r"/messages/@original$")[0].body["content"]
    assert f"<#{thread}>" in pointer
    first = tracks[0]
    assert "Round 1" in first["content"] and "👍" in first["content"]
    ids = [c["custom_id"] for row in first["components"] for c in row["components"]]
    assert ids == ["setlist:more:1", "setlist:publish:1", "setlist:undo:1"]
    assert all(not m["components"] for m in tracks[1:])
    session = await harness.session(thread)
    for msg, track in zip(tracks, session.tracks, strict=True):
        embed = msg["embeds"][0]
        assert embed["title"] == f"{track.position}. {track.title}"
        assert embed["description"] == ", ".join(track.artists)
        fields = {f["name"]: f["value"] for f in embed["fields"]}
        assert "BPM" in fields["Tempo"] and fields["Why"] == track.reason
        assert fields["Asked by"] == "Alice"  # the display name
        assert await harness.store.track_for_message(msg["id"]) == (
            f"discord:{fake.guild_id}:{thread}",
            track.id,
        )
    # Posting took exactly one request per track message: nothing else hit the thread.
    assert len(fake.sent("POST", rf"/channels/{thread}/messages$")) == 15
    # The thread's session is visible to the command line.
    await harness.store.close()
    rows = json.loads(
        await asyncio.to_thread(_cli_out, ["sessions", "--format", "json", "--db", str(db_path)])
    )
    assert rows[0]["channel"] == f"discord:{fake.guild_id}:{thread}"
    exported = json.loads(
        await asyncio.to_thread(
            _cli_out, ["export", "--channel", rows[0]["channel"], "--db", str(db_path)]
        )
    )
    assert [t["title"] for t in exported["tracks"]] == [t.title for t in session.tracks]


def _cli_out(argv: list[str]) -> str:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(argv) == 0
    return out.getvalue()


async def test_votes_by_command_edit_the_track_messages_in_place(harness: Harness):
    fake = harness.fake
    await harness.start()
    alice, bob = fake.member("alice"), fake.member("bob")
    thread = await harness.new_thread(alice)
    tracks = await harness.round_in(thread)
    posts = len(fake.sent("POST", rf"/channels/{thread}/messages$"))
    payload = await fake.slash(bob, thread, "keep", tracks="2 5")
    reply = await answered(fake, payload)
    assert "Bob kept 2" in reply["content"] and not reply["flags"] & EPHEMERAL
    for n in (1, 4):
        await harness.footer(thread, tracks[n], "👍 1 · 👎 0", "✔ kept")
    await harness.idle()
    assert fake.messages[thread][tracks[0]["id"]].get("edits") is None
    assert len(fake.sent("POST", rf"/channels/{thread}/messages$")) == posts  # no new posts


async def test_errors_are_ephemeral_and_clear(harness: Harness):
    fake = harness.fake
    await harness.start()
    alice = fake.member("alice")
    before = len(fake.threads())
    no_list = await fake.slash(alice, fake.general, "drop", tracks="3")
    bad_number = await fake.slash(alice, fake.general, "keep", tracks="abc")
    for payload in (no_list, bad_number):
        reply = await answered(fake, payload)
        assert reply["flags"] & EPHEMERAL and reply["content"].startswith("⚠️ ")
    assert "no playlist" in answer(fake, no_list)["content"]
    assert '"abc" is not a track number' in answer(fake, bad_number)["content"]
    too_long = await fake.slash(alice, fake.general, "new", prompt="x" * 1001)
    reply = await answered(fake, too_long)
    assert reply["flags"] & EPHEMERAL
    assert len(fake.threads()) == before  # a refused request opens no thread


async def test_show_and_undo_list_again_without_reposting(harness: Harness):
    fake = harness.fake
    await harness.start()
    alice = fake.member("alice")
    thread = await harness.new_thread(alice)
    tracks = await harness.round_in(thread)
    await answered(fake, await fake.slash(alice, thread, "drop", tracks="3"))
    await harness.footer(thread, tracks[2], "✘ dropped")
    shown = await answered(fake, await fake.slash(alice, thread, "show"))
    assert " 15. " in shown["content"] and "✘ dropped" in shown["content"]
    undone = await answered(fake, await fake.slash(alice, thread, "undo"))
    assert "Alice dropped 3" in undone["content"]
    await harness.footer(thread, tracks[2], "pending")  # the message went back in place
    assert len(fake.sent("POST", rf"/channels/{thread}/messages$")) == 15


async def test_more_in_the_thread_puts_the_header_on_the_answer(harness: Harness):
    fake = harness.fake
    await harness.start()
    alice = fake.member("alice")
    thread = await harness.new_thread(alice)
    await harness.round_in(thread)
    await answered(fake, await fake.slash(alice, thread, "drop", tracks="1-3"))
    payload = await fake.slash(alice, thread, "more")
    header = await answered(fake, payload)
    assert callback(fake, payload)["type"] == 5  # deferred: "Setlist is thinking…"
    assert "Round 2" in header["content"]
    ids = [c["custom_id"] for row in header["components"] for c in row["components"]]
    assert ids[0] == "setlist:more:2"
    round2 = await harness.round_in(thread, after=15)
    assert not round2[0]["content"]  # the header is the answer, not on a track message
    session = await harness.session(thread)
    assert [m["embeds"][0]["title"] for m in round2] == [
        f"{t.position}. {t.title}" for t in session.tracks
    ]


async def test_ban_autocompletes_artists_and_unban_the_banned(harness: Harness):
    fake = harness.fake
    await harness.start()
    alice = fake.member("alice")
    thread = await harness.new_thread(alice)
    await harness.round_in(thread)
    artist = (await harness.session(thread)).tracks[0].artists[0]
    payload = await fake.autocomplete(alice, thread, "ban", artist[:8].lower())
    choices = (await eventually(_async(lambda: callback(fake, payload))))["data"]["choices"]
    assert artist in [c["value"] for c in choices] and len(choices) <= 25
    assert all(artist[:8].lower() in c["value"].lower() for c in choices)
    await answered(fake, await fake.slash(alice, thread, "ban", artist=artist))
    payload = await fake.autocomplete(alice, thread, "unban", "")
    choices = (await eventually(_async(lambda: callback(fake, payload))))["data"]["choices"]
    assert [c["value"] for c in choices] == [artist]


async def test_export_attaches_a_file(harness: Harness):
    fake = harness.fake
    await harness.start()
    alice = fake.member("alice")
    thread = await harness.new_thread(alice)
    await harness.round_in(thread)
    reply = await answered(fake, await fake.slash(alice, thread, "export", format="m3u"))
    assert reply["attachments"][0]["filename"].endswith(".m3u")
    help_ = await answered(fake, await fake.slash(alice, thread, "help"))
    assert "/setlist new <request>" in help_["content"]


async def test_limited_commands_follow_the_servers_roles(harness: Harness):
    fake = harness.fake
    await harness.start()
    dj = fake.add_role("DJ")
    admin, alice, bob = fake.member("admin", admin=True), fake.member("alice"), fake.member("bob")
    carol = fake.member("carol", roles=(dj,))
    await fake.guild_role_create(dj)
    denied = await answered(fake, await fake.slash(alice, fake.general, "roles", role=dj))
    assert denied["flags"] & EPHEMERAL and "manage this server" in denied["content"]
    granted = await answered(fake, await fake.slash(admin, fake.general, "roles", role=dj))
    assert f"<@&{dj}>" in granted["content"]
    thread = await harness.new_thread(alice)
    await harness.round_in(thread)
    refused = await answered(fake, await fake.slash(bob, thread, "length", n=10))
    assert refused["flags"] & EPHEMERAL and f"<@&{dj}>" in refused["content"]
    assert (await harness.session(thread)).target_length == 15
    allowed = await answered(fake, await fake.slash(carol, thread, "length", n=10))
    assert not allowed["flags"] & EPHEMERAL
    assert (await harness.session(thread)).target_length == 10
    # Votes stay open to everyone.
    vote = await answered(fake, await fake.slash(bob, thread, "keep", tracks="1"))
    assert "Bob kept 1" in vote["content"]


def _async(fn):
    async def check():
        return fn()

    return check
