"""Exports: the JSON shape the README promises, M3U and CSV."""

from __future__ import annotations

import csv
import io
import json

from bot.replies import Document
from tests.conftest import BOB, Chat

TRACK_FIELDS = {"position", "title", "artists", "uri", "tempo", "state", "votes", "reason"}


async def test_json_shape(chat: Chat):
    await chat.say("/new 80s synthpop road trip")
    await chat.say("/drop 2")
    await chat.say("/keep 1", BOB)
    await chat.say("/ban Prince")
    await chat.say("more synths, please", BOB)
    doc = next(r for r in await chat.say("/export json") if isinstance(r, Document))
    data = json.loads(doc.content)
    assert set(data) == {
        "channel",
        "prompt",
        "refinements",
        "rules",
        "target_length",
        "tracks",
        "dropped",
        "spotify",
    }
    assert data["channel"] == "console:test" and data["spotify"] is None
    assert data["refinements"] == ["more synths, please"]
    assert data["rules"] == {"banned_artists": ["Prince"]}
    assert all(set(t) == TRACK_FIELDS for t in data["tracks"] + data["dropped"])
    assert [t["position"] for t in data["tracks"]] == list(range(1, len(data["tracks"]) + 1))
    assert data["tracks"][0]["state"] == "kept" and data["tracks"][0]["votes"] == {
        "up": 1,
        "down": 0,
    }
    assert len(data["dropped"]) >= 1 and all(t["state"] == "dropped" for t in data["dropped"])
    assert doc.filename.endswith(".json") and doc.media_type == "application/json"


async def test_m3u_and_csv(chat: Chat):
    await chat.say("/new chill lofi for studying")
    await chat.say("/drop 3")
    m3u = next(r for r in await chat.say("/export m3u") if isinstance(r, Document)).content
    lines = m3u.splitlines()
    assert lines[0] == "#EXTM3U"
    assert sum(ln.startswith("#EXTINF:-1,") for ln in lines) == 14  # dropped tracks left out
    table = next(r for r in await chat.say("/export csv") if isinstance(r, Document)).content
    rows = list(csv.DictReader(io.StringIO(table)))
    assert len(rows) == 15 and rows[2]["State"] == "dropped"
    assert {"Track URI", "Track Name", "Artist Name(s)", "Tempo"} <= set(rows[0])
