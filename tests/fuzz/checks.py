"""Invariants the fuzzers assert: replies a member can read, sessions that add up, no errors."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from bot import messages, rules
from bot.replies import Document, Problem, Reply, RoundPosted, Text, TrackUpdated, Working
from bot.session import Session
from bot.votes import state_of

REPLY_TYPES = (Text, Working, RoundPosted, TrackUpdated, Document, Problem)
TRACEBACK = re.compile(
    r"Traceback \(most recent call last\)|\b[A-Z]\w*(Error|Exception|Warning): |"
    r"File \"[^\"]+\", line \d+"
)
# A ping on Discord (@everyone, @here, <@id>, <@&role>) or Slack (<!channel>, <@U…>, <#C…>).
PING = re.compile(r"@(everyone|here|channel)\b|<[@!#&]", re.IGNORECASE)
UNEXPECTED = messages.unexpected()


def pings(text: str) -> list[str]:
    return [m.group(0) for m in PING.finditer(text)]


def member_texts(reply: Reply) -> list[str]:
    """The sentences of a reply that the core wrote (titles and prompts are data, which each
    adapter escapes its own way)."""
    if isinstance(reply, RoundPosted):
        return list(reply.notes)
    if isinstance(reply, Document):
        return []
    return [reply.text]


def check_replies(replies: Iterable[Reply]) -> None:
    for reply in replies:
        assert isinstance(reply, REPLY_TYPES), reply
        if isinstance(reply, Document):
            assert reply.filename and reply.content and reply.media_type, reply
        elif isinstance(reply, RoundPosted):
            assert reply.round_no >= 1 and reply.prompt, reply
        else:
            assert reply.text.strip(), reply
        if isinstance(reply, Problem):
            assert reply.text != UNEXPECTED, "an internal error reached the chat"
        for said in member_texts(reply):
            assert not TRACEBACK.search(said), said
            assert not pings(said), said


def check_session(session: Session) -> None:
    """A stored session that adds up: numbers 1..n, one state per track from its votes, no
    duplicate, nothing dropped or banned in the live list."""
    positions = [t.position for t in session.tracks]
    assert positions == list(range(1, len(positions) + 1)), positions
    ids = [t.id for t in session.tracks] + [t.id for t in session.dropped]
    assert len(ids) == len(set(ids)), "a track is listed twice"
    keys = [t.key for t in session.tracks]
    assert len(keys) == len(set(keys)), "the same song is listed twice"
    gone = {t.key for t in session.dropped}
    for t in session.tracks:
        expected = "dropped" if t.removed_by_rule else state_of(t.votes)
        assert t.state == expected, (t.position, t.votes, t.removed_by_rule)
        assert all(v in ("up", "down") for v in t.votes.values()), t.votes
        if t.state != "dropped":
            assert t.key not in gone, f"dropped track {t.key} came back"
            assert not rules.is_banned(t.artists, session.banned), (t.artists, session.banned)
    for t in session.dropped:
        assert t.state == "dropped", t


def check_shown(replies: list[Reply], session: Session | None) -> None:
    """What the replies last showed is what the store holds."""
    rounds = [r for r in replies if isinstance(r, RoundPosted)]
    if rounds and replies.index(rounds[-1]) == len(replies) - 1:
        assert session is not None
        last = rounds[-1]
        assert last.tracks == session.views(), "the round shown is not the round stored"
        assert (last.round_no, last.prompt) == (session.round_no, session.prompt)
        assert last.target_length == session.target_length
    for r in replies:
        if isinstance(r, TrackUpdated) and r is replies[-1]:
            assert session is not None
            stored = session.track_by_id(r.track.id)
            assert stored is not None and stored.view() == r.track


class Errors(logging.Handler):
    """Collects every error logged (an exception a handler caught is still a bug)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def take(self) -> list[str]:
        out = [f"{r.name}: {r.getMessage()} {r.exc_info or ''}" for r in self.records]
        self.records.clear()
        return out


@contextmanager
def logged_errors() -> Iterator[Errors]:
    handler = Errors()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
