"""The chat language parser: every line becomes a Command or a clear UserError."""

import pytest

from bot.commands import COMMANDS, MAX_TEXT, Command, parse_command, parse_line
from bot.errors import UserError


def test_plain_text_is_a_request():
    assert parse_line("  chill lofi for studying ").name == "say"
    assert parse_line("chill lofi for studying").text == "chill lofi for studying"


@pytest.mark.parametrize(
    "line,name,numbers",
    [
        ("/keep 2 5", "keep", (2, 5)),
        ("/drop 2,5", "drop", (2, 5)),
        ("/drop #3", "drop", (3,)),
        ("/drop 2-4", "drop", (2, 3, 4)),
        ("/keep 4 4 2", "keep", (4, 2)),
        ("/length 20", "length", (20,)),
        ("/KEEP 1", "keep", (1,)),
    ],
)
def test_numbers(line, name, numbers):
    command = parse_line(line)
    assert (command.name, command.numbers) == (name, numbers)


def test_every_command_parses_with_an_example():
    examples = {
        "new": "x",
        "refine": "x",
        "keep": "1",
        "drop": "1",
        "ban": "x",
        "unban": "x",
        "length": "5",
    }
    for name in COMMANDS:
        assert parse_command(name, examples.get(name, "")).name == name


def test_slash_command_split_by_platform():
    assert parse_command("new", "80s synthpop road trip").text == "80s synthpop road trip"
    assert parse_command("export", "").text == "json"
    assert parse_command("export", "CSV").text == "csv"


@pytest.mark.parametrize(
    "line,fragment",
    [
        ("", "Say what you'd like"),
        ("   ", "Say what you'd like"),
        ("/keep abc", '"abc" is not a track number'),
        ("/keep", "Usage: keep"),
        ("/length zero", "Usage: length"),
        ("/length 99999999", "Usage: length"),
        ("/frobnicate now", 'no command "frobnicate"'),
        ("/export pdf", "json, m3u or csv"),
        ("🔥🔥🔥", "couldn't read a request"),
        ("/drop 1-500", "Usage: drop"),
    ],
)
def test_bad_input_has_a_clear_message(line, fragment):
    with pytest.raises(UserError) as info:
        parse_line(line)
    assert fragment in str(info.value)


def test_huge_message_refused_with_its_size():
    with pytest.raises(UserError) as info:
        parse_line("a" * 20_000)
    assert "20,000 characters" in str(info.value)
    assert str(MAX_TEXT) in str(info.value).replace(",", "")


def test_unknown_command_name_cannot_ping():
    with pytest.raises(UserError) as info:
        parse_line("/@everyone")
    assert "@everyone" not in str(info.value)


def test_any_whitespace_ends_the_command_name_and_the_bare_prefix_asks_for_help():
    assert parse_line("/keep\t1 3") == Command("keep", "1 3", (1, 3))
    assert parse_line("/setlist", prefix="/setlist ").name == "help"
    assert parse_line("/setlist  drop\u00a02", prefix="/setlist ").numbers == (2,)
