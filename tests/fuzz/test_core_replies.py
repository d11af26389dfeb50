"""Any member name and any line, then undo and redo: every reply defused and readable."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.app import Setlist
from bot.events import Member, MessagePosted
from bot.keys import ChannelKey
from tests.fuzz.checks import check_replies, check_session, check_shown
from tests.fuzz.conftest import examples
from tests.fuzz.strategies import PROMPTS, command_line, nasty_text

CHANNELS = itertools.count()
# The app fixture is the same for every example; each example gets a channel of its own.
SHARED = settings(
    max_examples=examples(50), suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SHARED
@given(
    name=st.one_of(st.sampled_from(("alice", "@everyone", "<@&1>", "@here")), nasty_text(3)),
    line=st.one_of(command_line(), nasty_text()),
)
@example(name="@everyone", line="/ban @here")  # history labels reached the chat raw on undo
@example(name="<@123456789012345678>", line="/keep 1")
@example(name="alice", line="/ban <!channel>")
async def test_any_name_and_line_then_undo_and_redo(app: Setlist, name: str, line: str):
    key = ChannelKey.console(f"fuzz-{next(CHANNELS)}")
    member = Member("u-fuzz", name or "?")
    for said in (f"/new {PROMPTS[0]}", line, "/undo", "/redo", "/undo", "/show"):
        replies = await app.reply_all(MessagePosted(key, member, said))
        session = await app.store.active_session(str(key))
        check_replies(replies)
        check_shown(replies, session)
        if session is not None:
            check_session(session)
