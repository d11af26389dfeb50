"""The chat language under fuzz: any text parses to a Command or a clear UserError, the same way
every time; a parsed command written out canonically parses back to itself."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.commands import COMMANDS, EXPORT_FORMATS, MAX_TEXT, Command, parse_command, parse_line
from bot.errors import UserError
from bot.keys import ChannelKey
from tests.fuzz.checks import TRACEBACK, pings
from tests.fuzz.conftest import examples
from tests.fuzz.strategies import COMMAND_NAMES, any_text, member_line, nasty_text

PREFIXES = ("/", "/setlist ", "!")
NUMBERED = ("keep", "drop")


def outcome(line: str, prefix: str) -> Command | str:
    """The command, or the UserError's message; any other exception fails the test."""
    try:
        return parse_line(line, prefix)
    except UserError as exc:
        said = str(exc)
        assert said.strip() and not TRACEBACK.search(said), said
        assert not pings(said), said  # an error message quotes member text defused
        return said


def canonical(command: Command, prefix: str) -> str:
    """The one way to write a command: its name, then its arguments, single-spaced."""
    if command.name == "say":
        return command.text
    if command.name in NUMBERED or command.name == "length":
        args = " ".join(str(n) for n in command.numbers)
    else:
        args = command.text
    return f"{prefix}{command.name} {args}".rstrip()


def check_command(command: Command, line: str, prefix: str) -> None:
    assert command.name == "say" or command.name in COMMANDS, command
    assert len(command.text) <= MAX_TEXT
    if command.name == "say":
        assert command.text == line.strip() and any(c.isalnum() for c in command.text)
    if command.name in NUMBERED:
        # the grammar: single numbers of up to 6 digits, ranges of 4-digit ends, < 100 wide
        assert command.numbers and len(command.numbers) == len(set(command.numbers))
        assert all(type(n) is int and 0 <= n <= 999_999 for n in command.numbers)
    elif command.name == "length":
        (n,) = command.numbers
        assert type(n) is int and 0 <= n <= 999_999
    else:
        assert command.numbers == ()
    if command.name == "export":
        assert command.text in EXPORT_FORMATS


@settings(max_examples=examples(500))
@given(line=member_line(), prefix=st.sampled_from(PREFIXES))
@example(line="/keep ²", prefix="/")  # a digit to str.isdigit, not to int(): was a ValueError
@example(line="/drop 1 ² 3", prefix="/")
@example(line="/setlist drop ٣", prefix="/setlist ")
@example(line="/length ٣", prefix="/")
@example(line="/keep 1-99", prefix="/")
@example(line="/@everyone", prefix="/")
@example(line="/\x00", prefix="/")
def test_any_line_parses_or_says_why(line: str, prefix: str):
    line = line.replace("/", prefix, 1) if prefix != "/" and line.startswith("/") else line
    first = outcome(line, prefix)
    assert outcome(line, prefix) == first  # deterministic
    if isinstance(first, str):
        return
    check_command(first, line, prefix)
    written = canonical(first, prefix)
    again = outcome(written, prefix)
    assert isinstance(again, Command), (written, again)
    if first.name in NUMBERED or first.name == "length":
        assert (again.name, again.numbers) == (first.name, first.numbers)
        assert canonical(again, prefix) == written
    else:
        assert again == first, written


@settings(max_examples=examples(300))
@given(
    name=st.one_of(st.sampled_from(COMMAND_NAMES), any_text),
    args=st.one_of(nasty_text(), st.text(max_size=1200)),
)
@example(name="keep", args="²")
@example(name="len", args="0")
@example(name="export", args="JSON")
def test_platform_split_commands_parse_like_typed_ones(name: str, args: str):
    """Slash commands arrive split into name and text: the same grammar, the same answers."""
    try:
        split: Command | str = parse_command(name, args)
    except UserError as exc:
        split = str(exc)
        assert split.strip() and not pings(split)
    if name.strip() and not any(c.isspace() for c in name):
        assert outcome(f"/{name} {args}", "/") == split
    if isinstance(split, Command):
        check_command(split, args, "/")


@settings(max_examples=examples(200))
@given(text=st.one_of(any_text, st.lists(any_text, max_size=5).map(":".join)))
@example(text="a:b")  # a bare console name with a colon: its key's name didn't parse back
@example(text="slack:T1:C1:1700000000.000100")
@example(text="discord:1:2")
def test_channel_keys_parse_back(text: str):
    """`--channel` values and Slack button values: a key, or a UserError; a key's name parses
    back to the same key."""
    try:
        key = ChannelKey.parse(text)
    except UserError as exc:
        assert "Not a channel key" in str(exc)
        return
    assert key.platform in ("console", "discord", "slack") and key.channel
    assert ChannelKey.parse(str(key)) == key
