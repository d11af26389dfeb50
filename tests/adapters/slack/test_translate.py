"""Pure translation both ways: payload text → what members typed; replies → escaped blocks."""

from __future__ import annotations

import json

from adapters.slack import blocks as bk
from adapters.slack import payloads as pl
from bot.events import Member
from bot.keys import ChannelKey
from bot.replies import RoundPosted, TrackView
from tests.fakes import slack_api as s

TRACK = TrackView(
    id="t1",
    position=3,
    title="<!channel> & Friends",
    artists=("DJ <@U2>",),
    state="pending",
    up=1,
    down=0,
    reason="big drops for <!here>",
    serves="alice's request",
    tempo=174.0,
    tempo_source="estimate",
    album_art="https://i.scdn.co/image/abc",
)


def test_plain_text_strips_the_bot_and_decodes_entities():
    raw = (
        "<@U0BOT> chill &amp; lofi &lt;3 for <@U2|bob> in <#C1|music> <!here> <https://x.io|site>"
    )
    said = pl.plain_text(raw, "U0BOT")
    assert said == "chill & lofi <3 for @bob in #music @here site"


def test_command_text_splits_into_name_and_args():
    body = s.command("  drop   2 5 ")
    event = pl.command_event(body, ChannelKey("slack", "C1", "T1", "1.2"), Member("U1", "alice"))
    assert (event.name, event.args) == ("drop", "2 5")
    assert event.event_id == f"slack:cmd:{body['trigger_id']}"
    assert pl.command_event(s.command(""), event.key, event.member).name == "help"


def test_track_blocks_escape_and_carry_everything():
    blocks = bk.track_blocks(TRACK)
    dumped = json.dumps(blocks, ensure_ascii=False)
    assert "<!" not in dumped and "<@" not in dumped
    main = blocks[0]["text"]["text"]
    assert main.startswith("*3. &lt;!channel&gt; &amp; Friends*")
    assert "DJ &lt;@U2&gt;" in main and "~174 BPM (estimate)" in main
    assert "_big drops for &lt;!here&gt;_" in main and "for alice's request" in main
    assert blocks[0]["accessory"]["image_url"] == TRACK.album_art
    assert "👍 1 · 👎 0 · pending" in blocks[1]["elements"][0]["text"]
    assert [e["value"] for e in blocks[2]["elements"]] == ["t1", "t1"]
    assert bk.track_fallback(TRACK) == "3. &lt;!channel&gt; &amp; Friends — DJ &lt;@U2&gt;"
    retired = bk.track_blocks(TRACK, retired=True)
    assert all(b["type"] != "actions" for b in retired)


def test_a_long_list_shown_again_splits_into_sections():
    many = tuple(
        TrackView(f"t{i}", i, "A Rather Long Song Title " * 3, ("Artist",), "pending", 0, 0, "")
        for i in range(1, 101)
    )
    r = RoundPosted("slack:T:C:1", 4, "<b>", 100, many, notes=("Undone: x.",), fresh=False)
    blocks = bk.round_blocks(r, "slack:T:C:1")
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert all(len(t) <= 3000 for t in texts) and len(blocks) <= 50
    assert "Round 4 · “&lt;b&gt;” · 100/100 tracks" in texts[1]
    assert sum(t.count("A Rather Long") for t in texts) == 300
