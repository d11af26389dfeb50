"""The Discord adapter under fuzz: gateway objects → core events, replies → embeds and content
within Discord's limits, and (fewer examples, each costs real requests) members doing random
things through the real bot against the fake Discord."""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import discord
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from adapters.discord import commands, reactions, render, views
from bot import rules
from bot.events import MessagePosted, ReactionAdded, ReactionRemoved
from bot.keys import ChannelKey
from bot.messages import quote
from bot.replies import RoundPosted, TrackView
from bot.store.sqlite import SqliteStore
from bot.votes import direction_of
from tests.adapters.discord.conftest import Harness, eventually
from tests.fakes.discord_api import FakeDiscord, Spec
from tests.fuzz.checks import TRACEBACK, UNEXPECTED, check_session, logged_errors, pings
from tests.fuzz.conftest import examples
from tests.fuzz.strategies import PINGS, any_text, member_line, nasty_text, rounds, track_views

# https://discord.com/developers/docs/resources/message#embed-object-embed-limits
EMBED_TOTAL, TITLE, DESCRIPTION, FIELDS = 6000, 256, 4096, 25
FIELD_NAME, FIELD_VALUE, FOOTER = 256, 1024, 2048
CONTENT, CUSTOM_ID, COMPONENTS, THREAD_NAME = 2000, 100, 25, 100
BOT_ID = 1_300_000_000_000_000_001
snowflakes = st.integers(10**16, 2**63 - 1)
emoji_names = (
    st.sampled_from(
        ("👍", "👎", "✅", "❌", "🚫", "❤️", "❤", "🔥", "👍🏽", "👎🏿", "🎉", "thumbsup", "+1", "")
    )
    | any_text
)


# -- gateway objects → events ---------------------------------------------------------------
@settings(max_examples=examples(300))
@given(
    guild=st.none() | snowflakes,
    channel=snowflakes,
    user=st.sampled_from((BOT_ID,)) | snowflakes,
    message=snowflakes,
    emoji=emoji_names | st.none(),
    custom=st.none() | snowflakes,
    added=st.booleans(),
    name=st.none() | nasty_text(2),
)
@example(guild=1, channel=2, user=3, message=4, emoji="👍🏽", custom=None, added=True, name=None)
def test_raw_reactions_become_votes_or_nothing(
    guild, channel, user, message, emoji, custom, added, name
):
    data = {"message_id": message, "channel_id": channel, "user_id": user, "type": 0}
    if guild is not None:
        data["guild_id"] = guild
    kind = "REACTION_ADD" if added else "REACTION_REMOVE"
    payload = discord.RawReactionActionEvent(
        data,  # type: ignore[arg-type]
        discord.PartialEmoji(name=emoji, id=custom),  # type: ignore[arg-type]
        kind,  # type: ignore[arg-type]
    )
    event = reactions.reaction(payload, BOT_ID, name)
    votes = guild is not None and user != BOT_ID and custom is None and direction_of(emoji or "")
    if not votes:
        assert event is None
        return
    assert isinstance(event, ReactionAdded if added else ReactionRemoved)
    assert (event.key.tenant, event.key.channel) == (str(guild), str(channel))
    assert ChannelKey.parse(str(event.key)) == event.key
    assert event.member.id == str(user) and event.member.name
    assert event.message_id == str(message) and event.emoji == emoji


GUILD = {"id": "1", "name": "g", "roles": [], "channels": [], "members": [], "emojis": []}
GUILD |= {"stickers": [], "features": [], "threads": []}
CHANNEL = {"id": "2", "type": 0, "guild_id": "1", "name": "music", "position": 0}
CHANNEL |= {"permission_overwrites": [], "nsfw": False, "parent_id": None}


def message(state, content: str, bot: bool, in_guild: bool, display: str) -> discord.Message:
    guild = discord.Guild(data=GUILD, state=state)  # type: ignore[arg-type]
    channel = discord.TextChannel(state=state, guild=guild, data=CHANNEL)  # type: ignore[arg-type]
    author = {"id": "1300000000000000002", "username": "alice", "discriminator": "0"}
    author |= {"avatar": None, "global_name": display, "bot": bot}
    data = {
        "id": "1300000000000000003",
        "channel_id": "2",
        "author": author,
        "content": content,
        "timestamp": "2026-11-28T00:00:00+00:00",
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": 0,
    }
    if in_guild:
        data["guild_id"] = "1"
    return discord.Message(state=state, channel=channel if in_guild else None, data=data)  # type: ignore[arg-type]


mention = st.sampled_from((f"<@{BOT_ID}>", f"<@!{BOT_ID}>", "<@1300000000000000009>", ""))


@settings(max_examples=examples(200))
@given(
    parts=st.lists(st.one_of(mention, member_line(), st.sampled_from(PINGS)), max_size=5),
    bot=st.booleans(),
    in_guild=st.booleans(),
    content_intent=st.booleans(),
    display=st.sampled_from(("Alice", "@everyone", "")) | nasty_text(2),
)
async def test_messages_said_to_the_bot(parts, bot, in_guild, content_intent, display):
    client = discord.Client(intents=discord.Intents.none())
    try:
        msg = message(client._connection, " ".join(parts), bot, in_guild, display)
        said = reactions.said(msg, BOT_ID, content_intent)
    finally:
        await client.close()
    addressed = BOT_ID in msg.raw_mentions or content_intent
    if bot or not in_guild or not addressed:
        assert said is None
        return
    if said is None:  # nothing but the bot's mention
        assert not re.sub(rf"<@!?{BOT_ID}>", "", msg.content).strip()
        return
    assert said == " ".join(said.split()) and f"<@{BOT_ID}>" not in said
    assert f"<@!{BOT_ID}>" not in said
    key = reactions.key_of(1, 2)
    event = reactions.message_event(msg, key, said)
    assert isinstance(event, MessagePosted) and event.text == said
    assert event.event_id == f"discord-message:{msg.id}" and event.member.id == str(msg.author.id)


@settings(max_examples=examples(150))
@given(guild=snowflakes, channel=snowflakes, parent=st.none() | st.just(0) | snowflakes)
def test_channel_keys_for_threads_keep_bans_on_the_channel(guild, channel, parent):
    key = reactions.key_of(guild, channel, parent)
    assert ChannelKey.parse(str(key)) == key
    assert str(key) == f"discord:{guild}:{channel}"
    expected = f"discord:{guild}:{parent}" if parent else str(key)
    assert key.rules_key() == expected


TEMPLATE = views.RoundButton.__discord_ui_compiled_template__  # type: ignore[attr-defined]


@settings(max_examples=examples(200))
@given(
    custom_id=st.one_of(
        st.builds(
            "setlist:{}:{}".format,
            st.sampled_from(("more", "publish", "undo", "redo", "")),
            st.integers(0, 10**80) | st.sampled_from(("٣", "-1", "1.5", "")),
        ),
        st.text(max_size=CUSTOM_ID),
    )
)
@example(custom_id="setlist:more:" + "9" * 87)
async def test_button_ids_parse_to_buttons_within_limits(custom_id: str):
    match = TEMPLATE.fullmatch(custom_id)
    if match is None or len(custom_id) > CUSTOM_ID:
        return  # discord.py leaves a click on any other button to its own view (none)
    button = await views.RoundButton.from_custom_id(None, None, match)  # type: ignore[arg-type]
    assert button.action == match["action"] and button.round_no == int(match["round"])
    assert len(button.item.custom_id or "") <= CUSTOM_ID
    assert TEMPLATE.fullmatch(button.item.custom_id or "")


@settings(max_examples=examples(100))
@given(round_no=st.integers(1, 10**12))
async def test_round_buttons_fit(round_no: int):
    view = views.round_view(round_no)
    ids = [item.custom_id for item in view.children]  # type: ignore[attr-defined]
    assert len(ids) <= COMPONENTS and len(set(ids)) == len(ids)
    assert all(i and len(i) <= CUSTOM_ID and TEMPLATE.fullmatch(i) for i in ids)
    view.stop()


@settings(max_examples=examples(150))
@given(
    names=st.lists(
        st.sampled_from(("Daft Punk", "daft punk", "The Beatles"))
        | nasty_text(2).filter(str.strip)
    ),
    current=st.one_of(any_text, st.sampled_from(("", "daft", " DAFT  ", "the"))),
)
def test_autocomplete_offers_at_most_25_matching_names(names, current):
    offered = commands.choices(names, current)
    typed = " ".join(current.lower().split())
    assert len(offered) <= 25
    assert len({rules.artist_key(c.name) for c in offered}) == len(offered)
    for c in offered:
        assert c.name == c.value and 0 < len(c.name) <= 100
        assert any(typed in n.lower() and n[:100] == c.name for n in names)
    starts = [c.name.lower().startswith(typed) for c in offered]
    assert starts == sorted(starts, reverse=True)  # those starting with it come first


# -- replies → Discord ----------------------------------------------------------------------
def embed_size(embed: dict) -> int:
    fields = embed.get("fields", [])
    return (
        len(embed.get("title", ""))
        + len(embed.get("description", ""))
        + sum(len(f["name"]) + len(f["value"]) for f in fields)
        + len(embed.get("footer", {}).get("text", ""))
    )


def check_embed(embed: dict) -> None:
    assert 0 < len(embed["title"]) <= TITLE and len(embed.get("description", "")) <= DESCRIPTION
    assert len(embed.get("fields", [])) <= FIELDS
    for field in embed.get("fields", []):
        assert 0 < len(field["name"]) <= FIELD_NAME
        assert field["value"].strip() and len(field["value"]) <= FIELD_VALUE, field
    assert len(embed.get("footer", {}).get("text", "")) <= FOOTER
    assert embed_size(embed) <= EMBED_TOTAL


@settings(max_examples=examples(150))
@given(track=track_views())
@example(track=TrackView("t", 1, "x", ("a",), "pending", 0, 0, " ", serves=" "))
def test_track_embeds_stay_within_limits(track: TrackView):
    embed = render.track_embed(track).to_dict()
    check_embed(embed)  # type: ignore[arg-type]
    assert render.fingerprint(track) == render.fingerprint(track)


@settings(max_examples=examples(60))
@given(r=rounds())
def test_round_messages_stay_within_limits(r: RoundPosted):
    head = render.header(r)
    assert 0 < len(head) <= CONTENT
    defused = RoundPosted(**{**_fields(r), "notes": tuple(quote(n, 10**6) for n in r.notes)})
    assert not pings(render.header(defused))  # the prompt is quoted; notes come defused
    parts = render.listing(r)
    assert parts and all(0 < len(p) <= CONTENT for p in parts)
    name = render.thread_name(r.prompt)
    assert 0 < len(name) <= THREAD_NAME and "\n" not in name


def _fields(r: RoundPosted) -> dict:
    return {f: getattr(r, f) for f in RoundPosted.__dataclass_fields__}


# -- members doing random things through the real bot ---------------------------------------
MESSAGE_ROUTES = re.compile(r"/messages(/[^/]+)?$|/callback$|/webhooks/\d+/[^/]+$")
BOT_TASKS = ("discord.py: ", "CommandTree-invoker", "discord-ui-")
SUBS = ("new", "more", "refine", "keep", "drop", "ban", "unban", "rules", "show", "undo")
SUBS += ("redo", "length", "publish", "export", "help")
TEXT_OPTION = {"new": "prompt", "refine": "text", "keep": "tracks", "drop": "tracks"}
TEXT_OPTION |= {"ban": "artist", "unban": "artist", "publish": "name"}


@functools.cache
def spec() -> Spec:
    return Spec()


@dataclass
class Live:
    harness: Harness
    fake: FakeDiscord
    thread: str
    members: list[dict]

    def messages(self) -> list[dict]:
        return [m for c in (self.thread, self.fake.general) for m in self.fake.thread_messages(c)]

    def __repr__(self) -> str:
        return f"Live(thread={self.thread})"


@pytest.fixture
async def live(store: SqliteStore) -> AsyncIterator[Live]:
    fake = await FakeDiscord(spec(), per_window=10_000).start()  # no rate limits: speed
    harness = Harness(fake, store)
    try:
        await harness.start()
        members = [fake.member(n) for n in ("alice", "bob", "@everyone")]
        thread = await harness.new_thread(members[0])
        await harness.round_in(thread)
        yield Live(harness, fake, thread, members)
    finally:
        await harness.stop()
        await fake.close()


async def settle(live: Live) -> None:
    """Until the bot has read every dispatch and every handler and edit it started is done."""
    bot, fake = live.harness.bot, live.fake
    while True:
        await eventually(lambda: _now(bot.ws is not None and bot.ws.sequence >= fake.active.seq))
        busy = [
            t for t in asyncio.all_tasks() if not t.done() and t.get_name().startswith(BOT_TASKS)
        ]
        busy += list(bot.editor.tasks.values())
        if not busy and bot.ws.sequence >= fake.active.seq:
            return
        await asyncio.wait(busy or [asyncio.ensure_future(asyncio.sleep(0.01))], timeout=10)


async def _now(value: object) -> object:
    return value


def spec_violations(fake: FakeDiscord, requests: list) -> list[str]:
    """The requests checked against Discord's spec (as the fake checks every request)."""
    return [v for r in requests for v in fake.spec.check(r.method, r.path, r.body)]


@st.composite
def member_acts(draw: st.DrawFn, live: Live):
    """One thing a member does, as an async call on the fake (and whether it must be answered)."""
    fake = live.fake
    member = draw(st.sampled_from(live.members))
    channel = draw(st.sampled_from((live.thread, live.thread, fake.general)))
    text = draw(st.one_of(member_line(), nasty_text()).map(lambda t: t[:1200]))
    act = draw(st.sampled_from(("slash", "slash", "react", "say", "click", "complete")))
    if act == "slash":
        sub = draw(st.sampled_from(SUBS))
        options: dict = {}
        if sub in TEXT_OPTION:
            options[TEXT_OPTION[sub]] = text or "x"
        elif sub == "length":
            options["n"] = draw(st.integers(-5, 10**6))
        elif sub == "export":
            options["format"] = draw(st.sampled_from(("json", "m3u", "csv")))
        if sub == "new" and channel == live.thread:
            channel = fake.general
        return fake.slash(member, channel, sub, **options), True
    posted = live.messages()  # grows between examples: picked by index, so a replay is stable
    pick = draw(st.integers(0, 10**6))
    if act == "react":
        target = posted[pick % len(posted)]
        return fake.react(member, target, draw(emoji_names), add=draw(st.booleans())), False
    if act == "say":
        return fake.say(member, channel, text, mention=draw(st.booleans())), False
    if act == "click":
        headers = [m for m in posted if m["components"]]
        target = headers[pick % len(headers)]
        custom_id = draw(
            st.sampled_from(("setlist:more:1", "setlist:undo:1", "setlist:publish:7"))
            | st.text(max_size=CUSTOM_ID)
        )
        # Discord only delivers clicks on buttons the message shows; discord.py leaves any
        # other custom id unanswered (the fake lets us send them anyway).
        shown = {
            c.get("custom_id") for row in target["components"] for c in row.get("components", [])
        }
        answered = TEMPLATE.fullmatch(custom_id) is not None and custom_id in shown
        return fake.click(member, target, custom_id), answered
    sub = draw(st.sampled_from(("ban", "unban")))
    return fake.autocomplete(member, live.thread, sub, text[:100]), True


@settings(max_examples=examples(40), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
async def test_members_doing_anything_never_break_the_bot(live: Live, data):
    """Slash commands with any option text, reactions, mentions, clicks, autocomplete: the bot
    answers what must be answered, logs no error, sends only what Discord's spec accepts, never
    pings, and the stored sessions add up."""
    fake = live.fake
    sent_before = len(fake.requests)
    act, answered = data.draw(member_acts(live))
    with logged_errors() as errors:
        payload = await act
        await settle(live)
    assert errors.take() == []
    assert spec_violations(fake, fake.requests[sent_before:]) == []
    assert not live.harness.bot.is_closed()
    if answered:
        assert fake.interactions[payload["token"]].get("callback"), "left unanswered"
    for r in fake.requests[sent_before:]:
        body = r.body.get("data", r.body) if r.path.endswith("/callback") else r.body
        if r.method not in ("POST", "PATCH") or not MESSAGE_ROUTES.search(r.path):
            continue
        if isinstance(body, dict) and (body.get("content") or body.get("embeds")):
            assert body.get("allowed_mentions") == {"parse": []}, (r.path, body)
            content = body.get("content") or ""
            assert len(content) <= CONTENT and UNEXPECTED not in content
            assert not TRACEBACK.search(content), content
    store = live.harness.store
    for info in await store.sessions():
        session = await store.active_session(info.channel)
        if session is not None:
            check_session(session)
