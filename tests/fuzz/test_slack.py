"""The Slack adapter under fuzz: payload translation, Block Kit rendering within Slack's limits,
and signed requests, well-formed or not, through bolt's AsyncApp against the fake Slack."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from slack_bolt.request.async_request import AsyncBoltRequest

from adapters.slack import blocks as bk
from adapters.slack import payloads as pl
from adapters.slack.app import SlackAdapter
from adapters.slack.poster import Pacer
from bot.app import Setlist
from bot.catalog.index import Catalog
from bot.config import Settings
from bot.events import CommandIssued, Member, MessagePosted, ReactionAdded, ReactionRemoved
from bot.keys import ChannelKey
from bot.planner.offline import OfflinePlanner
from bot.replies import RoundPosted
from bot.store.sqlite import SqliteStore
from tests.fakes import slack_api as s
from tests.fuzz.checks import TRACEBACK, UNEXPECTED, check_session, logged_errors
from tests.fuzz.conftest import examples
from tests.fuzz.strategies import (
    PINGS,
    PROMPTS,
    any_text,
    member_line,
    nasty_text,
    rounds,
    track_views,
)

# Slack's limits: https://api.slack.com/reference/block-kit/blocks
MAX_BLOCKS, SECTION_TEXT, ACTION_ID, BLOCK_ID, VALUE, BUTTON_TEXT = 50, 3000, 255, 255, 2000, 75
MESSAGE_TEXT = 40_000
SHARED = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
BOLT_REFUSED = -1
# bolt's matchers read the payload before any listener; they fail on some mangled ones (500)
BOLT_MIDDLEWARE = "Failed to run a middleware function"


def texts_of(node: Any) -> list[str]:
    """Every `text` string in a Block Kit tree."""
    if isinstance(node, dict):
        found = [node["text"]] if isinstance(node.get("text"), str) else []
        return found + [t for v in node.values() for t in texts_of(v)]
    if isinstance(node, list):
        return [t for v in node for t in texts_of(v)]
    return []


def check_blocks(blocks: list[dict]) -> None:
    """Within Slack's limits, and no member text that Slack would read as a mention or link."""
    assert 0 < len(blocks) <= MAX_BLOCKS
    for block in blocks:
        assert len(block.get("block_id", "")) <= BLOCK_ID
        if block["type"] == "section":
            assert 0 < len(block["text"]["text"]) <= SECTION_TEXT
        if block["type"] == "context":
            assert 0 < len(block["elements"]) <= 10
            assert all(0 < len(e["text"]) <= SECTION_TEXT for e in block["elements"])
        if block["type"] == "actions":
            assert 0 < len(block["elements"]) <= 25
            for e in block["elements"]:
                assert 0 < len(e["action_id"]) <= ACTION_ID and len(e["value"]) <= VALUE
                assert 0 < len(e["text"]["text"]) <= BUTTON_TEXT
        if "accessory" in block:
            assert len(block["accessory"]["alt_text"]) <= 2000
    for text in texts_of(blocks):
        check_text(text)


def check_text(text: str) -> None:
    assert len(text) <= MESSAGE_TEXT
    assert "<" not in text and ">" not in text, text  # <!channel>, <@U…>, <#C…>, <url|…>


# -- translation: payloads in -----------------------------------------------------------------
KEY = ChannelKey("slack", "C1", tenant=s.TEAM, thread="1800000001.000100")
ALICE = Member("U1", "alice")
slack_text = st.one_of(
    nasty_text(),
    st.lists(st.sampled_from(PINGS) | any_text, max_size=6).map(" ".join),
    member_line(),
)


@settings(max_examples=examples(300))
@given(text=slack_text, bot=st.sampled_from((None, "U0BOT", "U2")))
@example(text="<@U0BOT> <@U0BOT|setlist> &lt;@U1&gt; <!subteam^S1> <#C1> <>", bot="U0BOT")
def test_slack_text_decodes_to_what_was_typed(text: str, bot: str | None):
    said = pl.plain_text(text, bot)
    assert said == " ".join(said.split())  # single-spaced, trimmed
    if bot:
        assert f"<@{bot}>" not in said and f"<@{bot}|" not in said


@settings(max_examples=examples(200))
@given(
    text=slack_text | st.none(),
    trigger=st.text(max_size=30),
    thread=st.none() | st.sampled_from(("1800000001.000100", "")),
)
def test_slash_command_bodies_become_commands(text, trigger: str, thread):
    body: dict[str, Any] = s.command(text or "", trigger_id=trigger)
    if text is None:
        del body["text"]
    if thread is not None:
        body["thread_ts"] = thread
    event = pl.command_event(body, KEY, ALICE)  # type: ignore[arg-type]
    assert isinstance(event, CommandIssued) and event.event_id == f"slack:cmd:{trigger}"
    assert event.name and not any(c.isspace() for c in event.name)
    assert event.args == event.args.strip()
    assert pl.command_name(body) == event.name.lower()  # type: ignore[arg-type]


@settings(max_examples=examples(200))
@given(
    text=slack_text,
    user=st.sampled_from(("U1", "U2", "W123")),
    thread=st.none() | st.just("1700000000.000001"),
    reaction=st.sampled_from(("+1", "-1", "thumbsup::skin-tone-2", "x", "smile", "")),
    added=st.booleans(),
    item=st.sampled_from(("message", "file", "file_comment")),
)
def test_event_payloads_become_events(text, user, thread, reaction, added, item):
    mention = s.mention(text, user=user, thread_ts=thread)
    said = pl.mention_event(s.event(mention), ALICE, s.BOT_USER)  # type: ignore[arg-type]
    assert isinstance(said, MessagePosted) and said.event_id.startswith("slack:Ev")
    assert str(said.key) == f"slack:{s.TEAM}:C1:{thread or mention['ts']}"
    assert f"<@{s.BOT_USER}>" not in said.text
    inner = s.reaction(reaction, "C1", "1800000002.000100", user=user, added=added)
    inner["item"]["type"] = item
    voted = pl.reaction_event(s.event(inner), KEY, ALICE)  # type: ignore[arg-type]
    if item != "message":
        assert voted is None
        return
    assert isinstance(voted, ReactionAdded if added else ReactionRemoved)
    assert pl.split_message_id(voted.message_id) == ("C1", "1800000002.000100")
    assert voted.emoji == reaction


@settings(max_examples=examples(200))
@given(
    action=st.sampled_from((bk.VOTE_UP, bk.VOTE_DOWN, *bk.ROUND_ACTIONS)),
    value=st.text(max_size=80),
    user=st.fixed_dictionaries(
        {"id": st.sampled_from(("U1", "U9"))},
        optional={"name": st.text(max_size=20), "username": st.text(max_size=20)},
    ),
    container=st.fixed_dictionaries(
        {},
        optional={"channel_id": st.sampled_from(("C1", "")), "message_ts": st.text(max_size=20)},
    ),
)
def test_block_actions_become_votes_and_commands(action, value, user, container):
    body = s.button(action, value, "C1", "1800000003.000100")
    body["user"], body["container"] = user, container
    member = pl.action_member(body)  # type: ignore[arg-type]
    assert member.id == user["id"] and member.name
    channel, ts = pl.action_message(body)  # type: ignore[arg-type]
    assert channel == (container.get("channel_id") or "C1")
    assert ts == container.get("message_ts", "")
    if action in bk.ROUND_ACTIONS:
        event = pl.round_event(body, KEY, member, bk.ROUND_ACTIONS[action])  # type: ignore[arg-type]
        assert event.name in ("more", "publish", "undo") and event.args == ""
    else:
        vote = pl.vote_event(body, KEY, member, 3)  # type: ignore[arg-type]
        assert vote.direction == ("up" if action == bk.VOTE_UP else "down")
    assert pl.action_event_id(body).startswith(f"slack:act:{body['trigger_id']}:")  # type: ignore[arg-type]


# -- rendering: replies out -------------------------------------------------------------------
@settings(max_examples=examples(150))
@given(track=track_views(), retired=st.booleans())
def test_track_messages_stay_within_limits_and_never_ping(track, retired: bool):
    blocks = bk.track_blocks(track, retired=retired)
    check_blocks(blocks)
    check_text(bk.track_fallback(track))
    assert bk.digest(blocks) == bk.digest(bk.track_blocks(track, retired=retired))
    image = blocks[0].get("accessory", {}).get("image_url")
    assert image is None or image.startswith("https://")


@settings(max_examples=examples(80))
@given(r=rounds())
def test_round_headers_stay_within_limits_and_never_ping(r: RoundPosted):
    blocks = bk.round_blocks(r, r.key)
    check_blocks(blocks)
    check_text(bk.round_fallback(r))
    assert blocks[-1]["block_id"] == "round"  # the round's buttons survive any length
    if not r.fresh:  # shown again: the list, in order, unless it fills all 50 blocks
        shown = "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")
        listed = [t.position for t in r.tracks if f"{t.position}. " in shown]
        assert listed == [t.position for t in r.tracks][: len(listed)]
        assert len(listed) == len(r.tracks) or len(blocks) == MAX_BLOCKS


@settings(max_examples=examples(60))
@given(filename=any_text, content=st.one_of(nasty_text(), st.text(max_size=2000)))
@example(filename="x.m3u", content="````\n<!channel>\n```" * 5000)
def test_files_sent_as_messages_stay_one_code_block(filename: str, content: str):
    text = bk.code_block(filename, content)
    check_text(text)
    _, fence, body = text.partition("\n```")
    assert fence and body.endswith("```") and "```" not in body[:-3]


# -- signed requests through bolt, against the fake Slack --------------------------------------
@dataclass
class Served:
    adapter: SlackAdapter
    fake: s.FakeSlack
    store: SqliteStore
    key: str  # the playlist thread started before the first example
    track_ts: list[str]  # the track messages' ts
    track_ids: list[str]  # their tracks' ids (the value of their vote buttons)


@pytest.fixture
async def served(store: SqliteStore, builtin: Catalog, db_path) -> AsyncIterator[Served]:
    fake = await s.FakeSlack().start()
    settings = Settings(
        db=str(db_path),
        slack_bot_token=s.BOT_TOKEN,
        slack_signing_secret=s.SIGNING_SECRET,
        slack_api_url=fake.api_url,
    )
    core = Setlist(store, OfflinePlanner(builtin), builtin, prefix="/setlist ")
    adapter = SlackAdapter(core, store, settings, pacer=Pacer(rate=0))
    try:
        assert await dispatch(adapter, "command", s.command(f"new {PROMPTS[0]}")) == 200
        await adapter.idle()
        (key,) = [i.channel for i in await store.sessions()]
        track_ts = [ts for (_, ts), m in fake.messages.items() if "thread_ts" in m]
        session = await store.active_session(key)
        assert session is not None and len(track_ts) == len(session.tracks)
        yield Served(adapter, fake, store, key, track_ts, [t.id for t in session.tracks])
        await adapter.idle()
    finally:
        await fake.close()


async def dispatch(adapter: SlackAdapter, kind: str, payload: dict[str, Any]) -> int:
    """One request as Slack signs and sends it, handled in-process by bolt."""
    if kind == "event":
        body, content_type = json.dumps(payload), "application/json"
    elif kind == "command":
        body, content_type = urlencode(payload), "application/x-www-form-urlencoded"
    else:
        body = urlencode({"payload": json.dumps(payload)})
        content_type = "application/x-www-form-urlencoded"
    stamp = str(int(time.time()))
    headers = {
        "content-type": content_type,
        "x-slack-request-timestamp": stamp,
        "x-slack-signature": s.signature(s.SIGNING_SECRET, stamp, body),
    }
    try:
        request = AsyncBoltRequest(body=body, headers=headers)
    except (KeyError, TypeError, AttributeError):
        return BOLT_REFUSED  # bolt's own parsing of the envelope gave up: no listener ran
    return (await adapter.bolt.async_dispatch(request)).status


JUNK = st.one_of(
    st.none(),
    st.integers(),
    st.booleans(),
    st.just([]),
    st.just({}),
    st.text(max_size=20),
    st.just("x" * 5000),
    st.sampled_from(PINGS),
)


@st.composite
def mangled(draw: st.DrawFn, payload: dict[str, Any], *roots: str) -> dict[str, Any]:
    """The payload, or the payload with keys dropped, retyped or added anywhere under `roots`
    (the parts the adapter reads; the envelope is bolt's to check)."""
    payload = json.loads(json.dumps(payload))
    for _ in range(draw(st.integers(0, 3))):
        node: Any = payload
        key: Any = draw(st.sampled_from(roots))
        while isinstance(node.get(key) if isinstance(node, dict) else node[key], dict | list):
            child = node[key]
            keys = list(child) if isinstance(child, dict) else list(range(len(child)))
            if not keys or draw(st.booleans()):
                break
            node, key = child, draw(st.sampled_from(keys))
        how = draw(st.sampled_from(("drop", "retype", "add")))
        if how == "drop" and isinstance(node, dict):
            node.pop(key, None)
        elif how == "add" and isinstance(node, dict):
            node[draw(st.text(min_size=1, max_size=10))] = draw(JUNK)
        else:
            node[key] = draw(JUNK)
    return payload


@st.composite
def mangled_form(draw: st.DrawFn, payload: dict[str, Any]) -> dict[str, Any]:
    """A slash command's form, with fields dropped or filled with junk (forms hold text)."""
    payload = dict(payload)
    for key in draw(st.lists(st.sampled_from(sorted(payload)), max_size=3, unique=True)):
        if draw(st.booleans()):
            del payload[key]
        else:
            payload[key] = draw(st.text(max_size=20) | st.just("x" * 5000))
    return payload


@st.composite
def requests(draw: st.DrawFn, served: Served) -> tuple[str, dict[str, Any]]:
    """A request Slack could send this app: a command, a mention, a reaction, a button."""
    user = draw(st.sampled_from(("U1", "U2", "U3", "U404")))
    ts = draw(st.sampled_from(served.track_ts) | st.sampled_from(("1.0", "", "x")))
    thread = served.key.rsplit(":", 1)[1]
    kind = draw(st.sampled_from(("command", "mention", "reaction", "vote", "round", "other")))
    if kind == "command":
        words = draw(st.sampled_from(("keep", "drop", "ban", "show", "undo", "frobnicate", "")))
        text = f"{words} {draw(member_line())}".strip()
        text = draw(st.sampled_from((text, "more", "show", "help", "undo", "redo")))
        payload: dict[str, Any] = s.command(text, user=user)
        payload["thread_ts"] = draw(st.sampled_from((thread, "", "1.0")))
    elif kind == "mention":
        in_thread = draw(st.sampled_from((thread, None)))
        inner = s.mention(draw(slack_text), user=user, thread_ts=in_thread)
        payload = s.event(inner, event_id=draw(st.sampled_from(("EvSAME", None))))
    elif kind == "reaction":
        name = draw(st.sampled_from(("+1", "-1", "thumbsdown", "fire", "smile", "x", "")))
        payload = s.event(s.reaction(name, "C1", ts, user=user, added=draw(st.booleans())))
    elif kind in ("vote", "round"):
        ids = (bk.VOTE_UP, bk.VOTE_DOWN) if kind == "vote" else tuple(bk.ROUND_ACTIONS)
        values = [served.key, "slack:T0TEAM:C9", "", "console:x"]
        if kind == "vote":
            values += served.track_ids
        value = draw(st.sampled_from(values) | st.text(max_size=40))
        payload = s.button(draw(st.sampled_from(ids)), value, "C1", ts, user=user)
    else:
        inner = {"type": draw(st.sampled_from(("message", "app_home_opened", "team_join")))}
        payload = s.event(inner | {"user": user, "channel": "C1", "text": draw(slack_text)})
    if kind == "command":
        return "command", draw(st.just(payload) | mangled_form(payload))
    if kind in ("vote", "round"):
        parts = ("actions", "container", "user", "channel", "team", "message", "trigger_id")
        return "action", draw(st.just(payload) | mangled(payload, *parts))
    return "event", draw(st.just(payload) | mangled(payload, "event", "event_id", "team_id"))


@settings(SHARED, max_examples=examples(60))
@given(data=st.data())
@example(data=None)
async def test_any_request_is_answered_or_ignored(served: Served, data):
    """Commands, mentions, reactions and buttons, well-formed or mangled: bolt answers 200 (or
    404 for what this app doesn't handle), no listener fails, and what reaches Slack is
    within its limits and escaped."""
    if data is None:  # the explicit example: a command without its trigger id
        transport, payload = "command", s.command("keep 1")
        del payload["trigger_id"]
    else:
        transport, payload = data.draw(requests(served))
    before = len(served.fake.calls)
    with logged_errors() as errors:
        status = await dispatch(served.adapter, transport, payload)
        await served.adapter.idle()
    failed = errors.take()
    if status in (500, BOLT_REFUSED):  # bolt refused the payload before our listeners saw it
        assert all(BOLT_MIDDLEWARE in e for e in failed), failed
    else:
        assert status in (200, 404) and failed == [], (status, failed)
    for call in served.fake.calls[before:]:
        said = str(call.args.get("text", ""))
        check_text(said)
        assert UNEXPECTED not in said and not TRACEBACK.search(said), said
        if call.args.get("blocks"):
            check_blocks(served.fake._blocks(call.args))
    session = await served.store.active_session(served.key)
    assert session is not None
    check_session(session)
