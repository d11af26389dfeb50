"""The console adapter under fuzz: any lines on stdin, from one member or several, end in
readable output and exit code 0, never a traceback."""

from __future__ import annotations

import io
import itertools

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from adapters.console.adapter import QUIT, Console
from bot.app import Setlist
from tests.fuzz.checks import TRACEBACK, UNEXPECTED
from tests.fuzz.conftest import examples
from tests.fuzz.strategies import PROMPTS, any_text, member_line

CHANNELS = itertools.count()
USERS = ("alice", "bob", "@everyone")
SHARED = settings(
    max_examples=examples(30), suppress_health_check=[HealthCheck.function_scoped_fixture]
)
line = st.one_of(
    member_line(),
    st.tuples(st.sampled_from((*USERS, "mallory", "")), member_line()).map(": ".join),
).map(lambda s: s.replace("\n", " "))  # one line each: stdin splits on newlines


@SHARED
@given(
    lines=st.lists(line, min_size=1, max_size=6),
    users=st.lists(st.sampled_from(USERS), max_size=3, unique=True),
)
@example(lines=["\x00", "bob: /drop ²", "alice:", "@everyone: /ban @here", "/undo"], users=[])
async def test_any_lines_end_in_output_and_exit_zero(app: Setlist, lines: list[str], users):
    lines = [f"/new {PROMPTS[1]}", *(ln for ln in lines if ln.strip().lower() not in QUIT)]
    stdin, stdout = io.StringIO("\n".join(lines) + "\n"), io.StringIO()
    console = Console(app, f"fuzz-{next(CHANNELS)}", list(users), stdin=stdin, stdout=stdout)
    assert await console.run() == 0
    out = stdout.getvalue()
    assert "Round 1" in out  # the first line started a playlist
    assert UNEXPECTED not in out and not TRACEBACK.search(out), out[-2000:]
    # Every line gets an answer: a reply, or "! …" saying what was wrong with it.
    assert len(out.splitlines()) >= len(lines)


@settings(max_examples=examples(200))
@given(
    said=st.one_of(any_text, member_line()),
    users=st.lists(st.sampled_from(USERS), max_size=3, unique=True),
)
def test_a_line_names_its_speaker(said: str, users: list[str]):
    console = Console(None, "fuzz", users, io.StringIO(), io.StringIO())  # type: ignore[arg-type]
    member, rest = console.member_for(said)
    assert member.id in console.users and member.name == member.id
    name, sep, tail = said.partition(":")
    if sep and len(console.users) > 1 and name.strip() in console.users:
        assert (member.id, rest) == (name.strip(), tail.strip())
    else:
        assert (member.id, rest) == (console.users[0], said)
