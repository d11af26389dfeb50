"""The core as a state machine: members say random things, vote on random numbers, react on
random messages, undo and redo; after every step the replies and the stored session agree."""

from __future__ import annotations

import asyncio
import itertools
import shutil
import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from bot.app import Setlist
from bot.catalog.index import Catalog, builtin_tracks
from bot.events import (
    Event,
    Member,
    MessagePosted,
    MessagesLinked,
    ReactionAdded,
    ReactionRemoved,
    VoteCast,
)
from bot.keys import ChannelKey
from bot.planner.offline import OfflinePlanner
from bot.replies import Problem, Reply, RoundPosted
from bot.session import Session
from bot.store.sqlite import SqliteStore
from tests.fuzz.checks import check_replies, check_session, check_shown
from tests.fuzz.conftest import examples
from tests.fuzz.strategies import (
    ARTISTS,
    NUMBERS,
    PROMPTS,
    REFINEMENTS,
    long_text,
    nasty_text,
)

CATALOG = Catalog(builtin_tracks())
MEMBERS = (
    Member("u-alice", "alice"),
    Member("u-bob", "bob"),
    Member("u-carol", "carol"),
    Member("u-odd", "@here <@123456789012345678> ‮mallory"),  # a hostile display name
)
numbers = st.lists(st.sampled_from(NUMBERS[:12]) | st.integers(0, 20).map(str), max_size=3)
PHRASES = st.one_of(
    st.sampled_from(PROMPTS + REFINEMENTS),
    st.sampled_from(PROMPTS).map(lambda p: f"/new {p}"),
    st.sampled_from(("/more", "more", "/show", "/rules", "/help", "/undo", "/redo", "up 2")),
    numbers.map(lambda n: f"/drop {' '.join(n)}"),
    numbers.map(lambda n: f"/keep {' '.join(n)}"),
    st.sampled_from((*ARTISTS, "@everyone", "<!channel>")).map(lambda a: f"/ban {a}"),
    st.sampled_from((*ARTISTS, "@everyone")).map(lambda a: f"/unban {a}"),
    st.integers(-5, 120).map(lambda n: f"/length {n}"),
    st.sampled_from(("json", "m3u", "csv", "pdf", "")).map(lambda f: f"/export {f}"),
    nasty_text(),
    long_text.map(lambda t: t[:1100]),
)
EMOJI = st.sampled_from(
    ("👍", "👎", "✅", "❌", "🚫", "❤️", "🔥", "👍🏽", "+1", "-1", "thumbsup::skin-tone-3", "🎉")
) | st.just("")


class SessionMachine(RuleBasedStateMachine):
    """One channel of the core: SQLite in a temp dir, the offline planner, the built-in catalog.
    Each step runs to completion on the machine's own event loop."""

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.dir = tempfile.mkdtemp(prefix="setlist-fuzz-")
        self.store = self.loop.run_until_complete(SqliteStore.open(Path(self.dir) / "s.db"))
        self.app = Setlist(self.store, OfflinePlanner(CATALOG), CATALOG)
        self.key = ChannelKey.console("fuzz")
        self.messages = itertools.count(1)
        self.linked: list[str] = []
        self.current: Session | None = None  # the stored session after the last step

    def teardown(self) -> None:
        try:
            self.loop.run_until_complete(self.store.close())
        finally:
            self.loop.close()
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- running events ------------------------------------------------------------------
    def session(self) -> Session | None:
        return self.loop.run_until_complete(self.store.active_session(str(self.key)))

    def send(self, event: Event) -> list[Reply]:
        before = self.current
        replies = self.loop.run_until_complete(self.app.reply_all(event))
        after = self.current = self.session()
        check_replies(replies)
        check_shown(replies, after)
        same = before is not None and after is not None and before.id == after.id
        if same and after.round_no == before.round_no + 1:  # a new round: no dropped returns
            gone = {t.key for t in before.dropped}
            gone |= {t.key for t in before.tracks if t.state == "dropped"}
            assert not gone & {t.key for t in after.tracks}, "a dropped track came back"
        return replies

    # -- rules -----------------------------------------------------------------------------
    @rule(member=st.sampled_from(MEMBERS), line=PHRASES)
    def say(self, member: Member, line: str) -> None:
        self.send(MessagePosted(self.key, member, line))

    @rule(member=st.sampled_from(MEMBERS), prompt=st.sampled_from(PROMPTS))
    def start(self, member: Member, prompt: str) -> None:
        replies = self.send(MessagePosted(self.key, member, f"/new {prompt}"))
        assert any(isinstance(r, RoundPosted) for r in replies), replies

    @precondition(lambda self: self.current is not None)
    @rule(member=st.sampled_from(MEMBERS), data=st.data())
    def ban_an_artist_in_the_list(self, member: Member, data: st.DataObject) -> None:
        session = self.current
        assert session is not None
        # Draw an index whatever the list holds: the planner's picks vary with the session's
        # random id, and hypothesis needs every run of an example to draw alike.
        which = data.draw(st.integers(0, 10**6))
        if not session.tracks:
            return
        track = session.tracks[which % len(session.tracks)]
        self.send(MessagePosted(self.key, member, f"/ban {track.artists[0]}"))
        after = self.current
        assert after is not None and not any(
            t.state != "dropped" and track.artists[0] in t.artists for t in after.tracks
        )

    @rule(
        member=st.sampled_from(MEMBERS),
        position=st.integers(-3, 40) | st.sampled_from((0, 10**6, 2**63)),
        direction=st.sampled_from(("up", "down", None)),
    )
    def vote(self, member: Member, position: int, direction) -> None:
        session = self.current
        replies = self.send(VoteCast(self.key, member, position, direction))
        valid = session is not None and any(t.position == position for t in session.tracks)
        if not valid:
            assert [type(r) for r in replies] == [Problem], replies

    @precondition(lambda self: self.current is not None)
    @rule()
    def link_messages(self) -> None:
        """What an adapter does after posting a round: message ids ↔ tracks."""
        session = self.current
        assert session is not None
        pairs = []
        for t in session.tracks:
            mid = f"m{next(self.messages)}"
            self.linked.append(mid)
            pairs.append((mid, t.id))
        assert self.send(MessagesLinked(self.key, tuple(pairs))) == []

    @rule(
        member=st.sampled_from(MEMBERS),
        which=st.integers(0, 400),
        emoji=EMOJI,
        added=st.booleans(),
    )
    def react(self, member: Member, which: int, emoji: str, added: bool) -> None:
        mid = self.linked[which] if which < len(self.linked) else f"elsewhere-{which}"
        kind = ReactionAdded if added else ReactionRemoved
        replies = self.send(kind(self.key, member, mid, emoji))
        assert not any(isinstance(r, Problem) for r in replies)  # reactions never complain

    @rule(member=st.sampled_from(MEMBERS), line=PHRASES)
    def delivered_twice(self, member: Member, line: str) -> None:
        """A platform retry: the same event id again changes nothing and says nothing."""
        event = MessagePosted(self.key, member, line)
        self.send(event)
        stored = self.current
        assert self.send(event) == []
        again = self.current
        assert (again and again.to_dict()) == (stored and stored.to_dict())

    @precondition(lambda self: self.current is not None)
    @rule(member=st.sampled_from(MEMBERS))
    def undo_then_redo(self, member: Member) -> None:
        before = self.current
        assert before is not None
        undone = self.send(MessagePosted(self.key, member, "/undo"))
        if not any(isinstance(r, RoundPosted) for r in undone):
            return  # nothing to undo
        self.send(MessagePosted(self.key, member, "/redo"))
        after = self.current
        assert after is not None and after.to_dict() == before.to_dict()

    @invariant()
    def stored_session_adds_up(self) -> None:
        session = self.current
        if session is not None:
            check_session(session)


SessionMachine.TestCase.settings = settings(
    max_examples=examples(25), stateful_step_count=25, deadline=None
)
test_session_machine = SessionMachine.TestCase
