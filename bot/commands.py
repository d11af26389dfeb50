"""The chat language: a line of text → a Command, or a UserError that says how to write it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot import messages
from bot.errors import UserError

MAX_TEXT = 1000  # a request longer than this is a paste, not a request
MAX_NUMBERS = 100

# name → (usage, takes text, text required)
COMMANDS: dict[str, tuple[str, bool, bool]] = {
    "new": ("new <what you want to hear>", True, True),
    "more": ("more", False, False),
    "refine": ("refine <how to change it>", True, True),
    "keep": ("keep <n...>", True, True),
    "drop": ("drop <n...>", True, True),
    "ban": ("ban <artist>", True, True),
    "unban": ("unban <artist>", True, True),
    "rules": ("rules", False, False),
    "show": ("show", False, False),
    "undo": ("undo", False, False),
    "redo": ("redo", False, False),
    "length": ("length <1–100>", True, True),
    "publish": ("publish [name]", True, False),
    "export": ("export [json|m3u|csv]", True, False),
    "help": ("help", True, False),
}
ALIASES = {
    "start": "new",
    "add": "more",
    "ban-artist": "ban",
    "list": "show",
    "len": "length",
    "remove": "drop",
    "like": "keep",
    "?": "help",
    "commands": "help",
}
EXPORT_FORMATS = ("json", "m3u", "csv")


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    text: str = ""
    numbers: tuple[int, ...] = ()


def parse_line(line: str, prefix: str = "/") -> Command:
    """A line as a member typed it: `/command args` or plain text (a request)."""
    text = line.strip()
    if not text:
        raise UserError(messages.empty())
    if prefix.strip() and text == prefix.strip():
        return Command("help")  # the prefix alone, e.g. "/setlist": say what it takes
    if prefix and text.startswith(prefix) and len(text) > len(prefix):
        head, *rest = text[len(prefix) :].split(maxsplit=1)  # any whitespace: "/keep\t1"
        return parse_command(head, rest[0] if rest else "")
    check_length(text)
    if not any(c.isalnum() for c in text):
        raise UserError(messages.no_words())  # emoji or punctuation only: not a request
    return Command("say", text)


def parse_command(name: str, args: str = "") -> Command:
    """A command split into its name and its argument text (slash commands arrive so)."""
    name = ALIASES.get(name.strip().lower(), name.strip().lower())
    args = args.strip()
    if name not in COMMANDS:
        raise UserError(messages.unknown_command(name))
    usage, takes_text, required = COMMANDS[name]
    if required and not args:
        raise UserError(messages.usage(usage))
    if args and not takes_text:
        # "more please" is still `more`; the extra words are harmless
        args = ""
    check_length(args)
    if name in ("keep", "drop"):
        return Command(name, args, parse_numbers(args, usage))
    if name == "length":
        if not re.fullmatch(r"\d{1,6}", args):
            raise UserError(messages.usage(usage))
        return Command(name, args, (int(args),))
    if name == "export" and args and args.lower() not in EXPORT_FORMATS:
        raise UserError(messages.bad_format(args))
    if name == "export":
        return Command(name, (args or "json").lower())
    return Command(name, args)


def parse_numbers(text: str, usage: str) -> tuple[int, ...]:
    """`2 5`, `2,5`, `#3`, `2-4` → positions, in order, without repeats."""
    numbers: list[int] = []
    for token in re.split(r"[\s,]+", text.replace("#", " ").strip()):
        if not token:
            continue
        if m := re.fullmatch(r"(\d{1,4})\s*[-–]\s*(\d{1,4})", token):
            low, high = sorted((int(m.group(1)), int(m.group(2))))
            if high - low >= MAX_NUMBERS:
                raise UserError(messages.usage(usage))
            numbers.extend(range(low, high + 1))
        elif token.isdecimal() and len(token) <= 6:  # isdigit() admits ², which int() refuses
            numbers.append(int(token))
        else:
            raise UserError(messages.not_a_number(token, usage))
    if not numbers:
        raise UserError(messages.usage(usage))
    return tuple(dict.fromkeys(numbers))


def check_length(text: str) -> None:
    if len(text) > MAX_TEXT:
        raise UserError(messages.too_long(len(text), MAX_TEXT))
