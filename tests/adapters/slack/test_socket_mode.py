"""Socket Mode: slack_sdk's aiohttp client against a fake websocket from apps.connections.open."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from adapters.slack import blocks as bk
from adapters.slack.app import SlackAdapter
from adapters.slack.poster import Pacer
from tests.adapters.slack.conftest import PROMPT, buttons, root_of, tracks_in
from tests.fakes import slack_api as s


@pytest.fixture
async def socket(fake, settings, core, store) -> AsyncIterator[SlackAdapter]:
    settings = replace(settings, slack_app_token=s.APP_TOKEN, slack_signing_secret="")
    adapter = SlackAdapter(core, store, settings, pacer=Pacer(rate=0))
    handler = adapter.socket_mode()
    await handler.connect_async()
    await fake.connected.wait()
    yield adapter
    await adapter.idle()
    await handler.close_async()


async def test_socket_mode_conversation(socket, fake, store):
    opened = fake.called("apps.connections.open")
    assert len(opened) == 1 and opened[0].token == s.APP_TOKEN
    ack = await fake.deliver("slash_commands", s.command(f"new {PROMPT}"))
    assert ack["envelope_id"]  # acknowledged at once; the round follows lazily
    await socket.idle()
    root = root_of(fake)
    key = f"slack:{s.TEAM}:C1:{root}"
    tracks = tracks_in(fake, "C1", root)
    assert len(tracks) == 15
    # A reaction, delivered again as Slack's retry of the same event: one vote.
    up = s.event(s.reaction("fire", "C1", tracks[4]["ts"], user="U2"), event_id="EvSOCK1")
    await fake.deliver("events_api", up)
    await fake.deliver("events_api", up, retry=1)
    press = s.button(bk.VOTE_DOWN, buttons(tracks[5])[bk.VOTE_DOWN], "C1", tracks[5]["ts"])
    await fake.deliver("interactive", press)
    await socket.idle()
    session = await store.active_session(key)
    assert session.tracks[4].votes == {"U2": "up"} and session.tracks[4].state == "kept"
    assert session.tracks[5].state == "dropped"
    edits = [c for c in fake.called("chat.update") if c.args["ts"] == tracks[4]["ts"]]
    assert len(edits) == 1
    await fake.deliver("events_api", s.event(s.mention("more bass", thread_ts=root)))
    await socket.idle()
    assert (await store.active_session(key)).round_no == 2
