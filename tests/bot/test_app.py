"""Conversations through the core: votes, rounds, rules, undo, fairness, bad input."""

from __future__ import annotations

import pytest

from bot import rules
from bot.events import MessagesLinked, ReactionAdded, ReactionRemoved, VoteCast
from bot.keys import ChannelKey
from bot.replies import Problem, RoundPosted, Text, TrackUpdated, Working
from tests.conftest import ALICE, BOB, CAROL, Chat

PROMPT = "a running playlist, EDM, big drops, 160 BPM"


def last_round(replies) -> RoundPosted:
    rounds = [r for r in replies if isinstance(r, RoundPosted)]
    assert rounds, f"no round in {replies}"
    return rounds[-1]


def problems(replies) -> list[str]:
    return [r.text for r in replies if isinstance(r, Problem)]


async def test_new_round_fills_the_target(chat: Chat):
    r = last_round(await chat.say(f"/new {PROMPT}"))
    assert len(r.tracks) == 15
    assert [t.position for t in r.tracks] == list(range(1, 16))
    assert all(t.reason and t.state == "pending" for t in r.tracks)
    assert len({rules.track_key(t.artists, t.title) for t in r.tracks}) == 15


async def test_plain_text_starts_then_refines(chat: Chat):
    await chat.say("chill lofi for studying")
    session = await chat.session()
    assert session.prompt == "chill lofi for studying"
    await chat.say("more jazz please", BOB)
    session = await chat.session()
    assert [(r.member_name, r.text, r.kind) for r in session.requests] == [
        ("alice", "chill lofi for studying", "prompt"),
        ("bob", "more jazz please", "refine"),
    ]


async def test_votes_combine_by_majority_one_per_member(chat: Chat):
    await chat.say(f"/new {PROMPT}")
    await chat.say("/keep 3", ALICE)
    await chat.say("/drop 3", BOB)
    s = await chat.session()
    assert s.track_at(3).state == "pending"  # a tie
    await chat.say("/drop 3", CAROL)
    assert (await chat.session()).track_at(3).state == "dropped"
    replies = await chat.say("/keep 3", BOB)  # bob changes his mind: his latest vote counts
    assert [r.track.state for r in replies if isinstance(r, TrackUpdated)] == ["kept"]
    s = await chat.session()
    assert s.track_at(3).votes == {"u-alice": "up", "u-bob": "up", "u-carol": "down"}
    assert s.track_at(3).state == "kept"


async def test_repeated_vote_changes_nothing(chat: Chat):
    await chat.say(f"/new {PROMPT}")
    await chat.say("/keep 1")
    replies = await chat.say("/keep 1")
    assert any(isinstance(r, Text) and "already" in r.text for r in replies)
    assert (await chat.session()).track_at(1).votes == {"u-alice": "up"}


async def test_dropped_tracks_stay_numbered_until_the_next_round(chat: Chat):
    first = last_round(await chat.say(f"/new {PROMPT}"))
    await chat.say("/drop 2 5")
    shown = last_round(await chat.say("/show"))
    assert [t.position for t in shown.tracks] == list(range(1, 16))
    assert [t.position for t in shown.tracks if t.state == "dropped"] == [2, 5]
    nxt = last_round(await chat.say("/more"))
    gone = {first.tracks[1].title, first.tracks[4].title}
    assert not gone & {t.title for t in nxt.tracks}
    assert len(nxt.tracks) == 15 and all(t.state != "dropped" for t in nxt.tracks)
    assert [t.position for t in nxt.tracks] == list(range(1, 16))


async def test_dropped_and_banned_never_return(chat: Chat):
    first = last_round(await chat.say(f"/new {PROMPT}"))
    artist = first.tracks[0].artists[0]
    await chat.say("/drop 2")
    dropped = rules.track_key(first.tracks[1].artists, first.tracks[1].title)
    await chat.say(f"/ban {artist}")
    for _ in range(4):
        r = last_round(await chat.say("/more"))
        keys = [rules.track_key(t.artists, t.title) for t in r.tracks]
        assert dropped not in keys
        assert not any(rules.is_banned(t.artists, [artist]) for t in r.tracks)
        assert len(keys) == len(set(keys))
        await chat.say("/drop 1 2 3")
    s = await chat.session()
    assert dropped in {t.key for t in s.dropped}


async def test_more_on_a_full_list_grows_it(chat: Chat):
    await chat.say(f"/new {PROMPT}")
    replies = await chat.say("/more")
    r = last_round(replies)
    assert r.target_length == 20 and len(r.tracks) == 20
    assert any("grows from 15 to 20" in n for n in r.notes)


async def test_refinement_keeps_kept_and_retires_what_it_rules_out(chat: Chat):
    await chat.say(f"/new {PROMPT}")
    s = await chat.session()
    vocal = [t.position for t in s.tracks if t.vocals]
    assert vocal, "the EDM round should hold some tracks with vocals"
    await chat.say(f"/keep {vocal[0]}")
    kept = s.track_at(vocal[0]).title
    r = last_round(await chat.say("no more vocals, harder drops"))
    titles = [t.title for t in r.tracks]
    assert kept in titles  # kept by a vote: a refinement doesn't overrule the group
    s = await chat.session()
    new = [t for t in s.tracks if t.round_no == s.round_no]
    assert new and all(t.vocals is not True for t in new)
    assert all(t.title == kept or t.vocals is not True for t in s.tracks)


async def test_undo_and_redo_every_step(chat: Chat):
    await chat.say(f"/new {PROMPT}")
    await chat.say("/drop 4")
    await chat.say("/ban Daft Punk")
    await chat.say("/length 20")
    assert (await chat.session()).target_length == 20
    replies = await chat.say("/undo")
    assert any("Undone: length 20" in n for n in last_round(replies).notes)
    assert (await chat.session()).target_length == 15
    await chat.say("/undo")
    assert await chat.app.store.banned(str(chat.key)) == []
    await chat.say("/undo")
    assert (await chat.session()).track_at(4).state == "pending"
    assert any("Nothing to undo" in r.text for r in await chat.say("/undo") if isinstance(r, Text))
    await chat.say("/redo")
    assert (await chat.session()).track_at(4).state == "dropped"
    await chat.say("/redo")
    assert await chat.app.store.banned(str(chat.key)) == ["Daft Punk"]
    await chat.say("/keep 1")  # a new step discards what could have been redone
    assert any("Nothing to redo" in r.text for r in await chat.say("/redo") if isinstance(r, Text))


async def test_rules_outlive_sessions(chat: Chat):
    await chat.say("/ban Avicii")  # before any session
    await chat.say("/new big room house anthems")
    await chat.say("/ban David Guetta")
    await chat.say("/new EDM festival bangers, big drops")
    s = await chat.session()
    assert s.banned == ["Avicii", "David Guetta"]
    for _ in range(3):
        await chat.say("/more")
    s = await chat.session()
    assert not any(rules.is_banned(t.artists, ["Avicii", "David Guetta"]) for t in s.tracks)
    text = next(r.text for r in await chat.say("/rules") if isinstance(r, Text))
    assert "Avicii" in text and "David Guetta" in text
    await chat.say("/unban avicii")
    assert (await chat.session()).banned == ["David Guetta"]
    other = Chat(chat.app, "elsewhere")
    assert next(r.text for r in await other.say("/rules")).startswith("No rules")


async def test_fairness_spreads_new_tracks_and_names_the_member(chat: Chat):
    await chat.say("/new 80s synthpop road trip", ALICE)
    await chat.say("/drop 1-8", ALICE)
    await chat.say("90s hip hop", BOB)
    s = await chat.session()
    new = [t for t in s.tracks if t.round_no == s.round_no]
    assert len(new) == 8
    by = {m: [t for t in new if t.serves == m] for m in ("alice", "bob")}
    assert len(by["alice"]) == 4 and len(by["bob"]) == 4
    assert all(t.reason.endswith("· for bob") for t in by["bob"])
    assert all("hip hop" in t.tags for t in by["bob"])
    assert all(1990 <= t.year <= 1999 for t in by["bob"])


async def test_reactions_vote_through_linked_messages(chat: Chat):
    await chat.say(f"/new {PROMPT}")
    s = await chat.session()
    links = tuple((f"m{t.position}", t.id) for t in s.tracks)
    await chat.app.reply_all(MessagesLinked(chat.key, links))
    await chat.app.reply_all(ReactionAdded(chat.key, ALICE, "m2", "🔥"))
    await chat.app.reply_all(ReactionAdded(chat.key, BOB, "m2", "✅"))
    assert (await chat.session()).track_at(2).state == "kept"
    await chat.app.reply_all(ReactionAdded(chat.key, BOB, "m2", "😀"))  # not a vote
    await chat.app.reply_all(ReactionRemoved(chat.key, BOB, "m2", "👎"))  # not bob's vote
    assert (await chat.session()).track_at(2).votes == {"u-alice": "up", "u-bob": "up"}
    await chat.app.reply_all(ReactionRemoved(chat.key, BOB, "m2", "✅"))
    assert (await chat.session()).track_at(2).votes == {"u-alice": "up"}
    assert await chat.app.reply_all(ReactionAdded(chat.key, BOB, "unknown", "👍")) == []


async def test_buttons_vote_and_retract(chat: Chat):
    await chat.say(f"/new {PROMPT}")
    await chat.app.reply_all(VoteCast(chat.key, BOB, 7, "down"))
    assert (await chat.session()).track_at(7).state == "dropped"
    await chat.app.reply_all(VoteCast(chat.key, BOB, 7, None))
    assert (await chat.session()).track_at(7).state == "pending"


async def test_the_same_event_twice_counts_once(chat: Chat):
    await chat.say(f"/new {PROMPT}")
    vote = VoteCast(chat.key, BOB, 1, "down", event_id="retry-1")
    assert await chat.app.reply_all(vote)
    assert await chat.app.reply_all(vote) == []
    other = VoteCast(chat.key, ALICE, 1, "up", event_id="retry-1")
    assert await chat.app.reply_all(other) == []


BAD = [
    "",
    "x" * 20_000,
    "/drop 999",
    "/keep abc",
    "/length 0",
    "🔥🔥",
    "/frobnicate",
    "'; DROP TABLE sessions; --",
    "/keep 1; DELETE FROM versions",
    "/ban",
    "/length 101",
    "/drop 0",
    "/export pdf",
    "/unban Nobody At All",
]


@pytest.mark.parametrize("line", BAD)
async def test_bad_input_gets_a_clear_reply_and_keeps_state(chat: Chat, line: str):
    await chat.say(f"/new {PROMPT}")
    await chat.say("/keep 1")
    before = (await chat.session()).to_dict()
    replies = await chat.say(line)
    assert replies and all(isinstance(r, Problem | Text | RoundPosted | Working) for r in replies)
    texts = [getattr(r, "text", "") for r in replies]
    assert all("Traceback" not in t and "Sorry, something went wrong" not in t for t in texts)
    if line.startswith("'"):  # SQL-looking text is just a refinement, stored verbatim
        s = await chat.session()
        assert s.requests[-1].text == line
        assert s.track_at(1).state == "kept"
        return
    assert problems(replies), f"{line!r} should be refused"
    assert (await chat.session()).to_dict() == before


async def test_mentions_in_member_text_are_defused(chat: Chat):
    replies = await chat.say("@everyone @here <@123> party hits")
    text = "\n".join(n for n in last_round(replies).notes)
    assert "@everyone" not in text and "@here" not in text and "<@123>" not in text


async def test_commands_without_a_session_say_how_to_start(chat: Chat):
    for line in ("/more", "/keep 1", "/show", "/undo", "/export", "/publish", "/length 5"):
        assert "no playlist" in problems(await chat.say(line))[0].lower()


async def test_publish_without_spotify_explains_and_offers_export(chat: Chat):
    await chat.say(f"/new {PROMPT}")
    text = next(r.text for r in await chat.say("/publish my run") if isinstance(r, Text))
    assert "SPOTIFY_CLIENT_ID" in text and "/export" in text


async def test_bans_belong_to_the_channel_not_the_thread(app):
    thread_a = Chat(app)
    thread_a.key = ChannelKey("slack", "C1", tenant="T1", thread="111.1")
    thread_b = Chat(app)
    thread_b.key = ChannelKey("slack", "C1", tenant="T1", thread="222.2")
    await thread_a.say("/new 80s synthpop road trip")
    await thread_a.say("/ban a-ha")
    await thread_b.say("/new 80s synthpop road trip")
    assert (await thread_b.session()).banned == ["a-ha"]
    await thread_b.say("/ban Eurythmics")
    # thread A's next step sees the ban made in thread B
    await thread_a.say("/more")
    session_a = await thread_a.session()
    assert session_a.banned == ["a-ha", "Eurythmics"]
    assert not any(rules.is_banned(t.artists, ["Eurythmics"]) for t in session_a.live())
    # undoing A's steps takes back only A's own ban, not B's
    await thread_a.say("/undo")
    await thread_a.say("/undo")
    assert await app.store.banned("slack:T1:C1") == ["Eurythmics"]
    other_channel = Chat(app)
    other_channel.key = ChannelKey("slack", "C2", tenant="T1", thread="333.3")
    assert next(r.text for r in await other_channel.say("/rules")).startswith("No rules")


async def test_discord_threads_share_their_text_channels_rules(app):
    first = Chat(app)
    first.key = ChannelKey("discord", "9001", tenant="42", parent="500")
    second = Chat(app)
    second.key = ChannelKey("discord", "9002", tenant="42", parent="500")
    await first.say("/ban Daft Punk")
    await second.say("/new french house")
    session = await second.session()
    assert session.banned == ["Daft Punk"]
    assert str(second.key) == "discord:42:9002"  # the key names the thread alone
