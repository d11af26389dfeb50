"""Logging set-up: text or JSON lines, every record stripped of secrets before it is written."""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any
from urllib.parse import quote, urlsplit

from bot.config import Settings
from bot.errors import ConfigError

REDACTED = "[redacted]"
TEXT_FORMAT = "%(levelname)s %(name)s: %(message)s"
HANDLER_NAME = "setlist"
FORMATS = ("text", "json")
# Libraries that log requests (urllib3/httpx at DEBUG print URLs, query strings included):
# they must reach the root handler, and so its redaction, rather than a handler of their own.
THIRD_PARTY = (
    "spotipy",
    "urllib3",
    "requests",
    "httpx",
    "httpx2",
    "httpcore",
    "httpcore2",
    "anthropic",
    "discord",
    "slack_sdk",
    "slack_bolt",
    "aiohttp",
    "aiosqlite",
    "asyncpg",
    "websockets",
)
MIN_SECRET = 4  # a shorter configured value ("on", "1") would redact ordinary words
REMEMBERED = 1024  # runtime secrets kept, least recently used dropped (expired tokens, mostly)
_RUN = re.compile(r"[A-Za-z0-9_-]{8,}")  # a token's stretch between punctuation

# Keys whose values are secrets, in query strings/forms, JSON and Python reprs.
_KEYS = (
    r"refresh_token|access_token|id_token|client_secret|code_verifier|api_key|password"
    r"|(?:bot_|user_|app_)?token"
)
_HINTS = ("token", "secret", "code_verifier", "api_key", "password")
_SHAPES: tuple[tuple[tuple[str, ...], re.Pattern[str], str], ...] = (
    # (hints: the pattern runs only when one is in the text, pattern, replacement)
    # Slack: bot/user/app-level/refresh tokens (xoxe.xoxp-… when rotating), app-level xapp-…
    (("xox",), re.compile(r"xox[a-z](?:\.xox[a-z])?-[A-Za-z0-9_-]+"), REDACTED),
    (("xapp-",), re.compile(r"xapp-[A-Za-z0-9_-]+"), REDACTED),
    # Slack incoming webhooks and response_urls are bearer URLs
    (
        ("hooks.slack.com",),
        re.compile(
            r"(https://hooks\.slack\.com/)(?:services|commands|actions|workflows|triggers)/"
            r"[^\s\"'<>]+"
        ),
        r"\1" + REDACTED,
    ),
    (("sk-ant-",), re.compile(r"sk-ant-[A-Za-z0-9_-]+"), REDACTED),  # Anthropic API keys
    # Authorization schemes: Bearer (OAuth), Bot (Discord), Basic (client id:secret)
    (
        ("earer", "EARER"),
        re.compile(r"\b(Bearer)(\s+)[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE),
        r"\1\2" + REDACTED,
    ),
    (("Bot",), re.compile(r"(Bot)(\s+)[A-Za-z0-9._~+/=-]{20,}"), r"\1\2" + REDACTED),
    (("Basic",), re.compile(r"(Basic)(\s+)[A-Za-z0-9+/]{16,}={0,2}"), r"\1\2" + REDACTED),
    # Discord bot tokens (base64 of the bot's id, a timestamp, an HMAC) and JWTs
    (
        (".",),
        re.compile(
            r"(?:[MNO][A-Za-z0-9_-]{23,27}|eyJ[A-Za-z0-9_-]{10,})\.[A-Za-z0-9_-]{6,}"
            r"\.[A-Za-z0-9_-]{27,}"
        ),
        REDACTED,
    ),
    # key=value in query strings and form bodies; `code` only there (OAuth authorization codes)
    (
        _HINTS,
        re.compile(rf"((?<![A-Za-z0-9_])(?:{_KEYS})=)[^&\s\"'#<>]+"),
        r"\1" + REDACTED,
    ),
    (("code=",), re.compile(r"([?&]code=)[^&\s\"'#<>]+"), r"\1" + REDACTED),
    # "key": "value" in JSON, 'key': 'value' in Python reprs (spotipy logs its request bodies),
    # the value maybe in a list (bolt logs parsed query strings)
    (
        (*_HINTS, "code"),
        re.compile(rf"(\"(?:{_KEYS}|code)\"\s*:\s*\[?\s*\")(?:[^\"\\]|\\.)*(\")"),
        r"\1" + REDACTED + r"\2",
    ),
    (
        (*_HINTS, "code"),
        re.compile(rf"('(?:{_KEYS}|code)'\s*:\s*\[?\s*')(?:[^'\\]|\\.)*(')"),
        r"\1" + REDACTED + r"\2",
    ),
)
# Fields of a JSON secret (a token cache, a Slack installation) that hold the secret parts.
_SECRET_FIELD = re.compile(r"token|secret|password|webhook_url|api_key")
_NOT_SECRET_FIELD = ("_type", "_at", "_in", "_scope", "_scopes")


class _Secrets:
    """What to redact literally: the configured values, found as substrings (a few), and up
    to REMEMBERED values met at runtime, found by their runs of token characters (one scan of
    the text, however many there are)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._configured: frozenset[str] = frozenset()
        # value → its runs; insertion order is use order, least recently used first
        self._remembered: dict[str, list[str]] = {}
        self._runs: Counter[str] = Counter()  # how many remembered values hold each run
        # Replaced whole under the lock, read without it.
        self.literals: tuple[str, ...] = ()  # longest first
        self.runs: frozenset[str] = frozenset()

    def configure(self, values: set[str]) -> None:
        with self._lock:
            self._configured = frozenset(v for v in values if len(v) >= MIN_SECRET)
            self._publish()

    def remember(self, value: str) -> None:
        with self._lock:
            runs = self._remembered.pop(value, None)
            if runs is not None:  # known: now the most recently used
                self._remembered[value] = runs
                return
            # Only random-looking runs: a webhook URL's "services" must not vanish from logs.
            runs = [r for r in _RUN.findall(value) if not (r.isalpha() and r.islower())]
            self._remembered[value] = runs
            self._runs.update(runs)
            while len(self._remembered) > REMEMBERED:
                for run in self._remembered.pop(next(iter(self._remembered))):
                    self._runs[run] -= 1
                    if not self._runs[run]:
                        del self._runs[run]
            self._publish()

    def _publish(self) -> None:
        literals = set(self._configured)
        literals.update(v for v, runs in self._remembered.items() if not runs)  # short ones
        literals |= {quote(v, safe="") for v in literals}  # as in a query string
        self.literals = tuple(sorted(literals, key=len, reverse=True))
        self.runs = frozenset(self._runs)


_SECRETS = _Secrets()


def _secret_parts(value: str) -> Iterator[str]:
    """A plain secret is itself; a JSON one (a token cache, an installation) is its secret
    fields, so each token is redacted wherever it shows up alone."""
    text = value.strip()
    if text.startswith(("{", "[")):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if data is not None:
            yield from _fields(data)
            return
    if len(text) >= MIN_SECRET:
        yield text


def _fields(data: Any, secret: bool = False) -> Iterator[str]:
    if isinstance(data, dict):
        for key, item in data.items():
            name = str(key).lower()
            yield from _fields(
                item, bool(_SECRET_FIELD.search(name)) and not name.endswith(_NOT_SECRET_FIELD)
            )
    elif isinstance(data, list):
        for item in data:
            yield from _fields(item, secret)
    elif secret and isinstance(data, str) and len(data) >= MIN_SECRET:
        # A webhook URL's secret is its last segment; the team and channel ids before it
        # are what logs are read for.
        yield data.rstrip("/").rsplit("/", 1)[-1] if "://" in data else data


def remember_secret(value: str) -> None:
    """Redact this secret (met at runtime: a stored token) from every later log record."""
    for part in _secret_parts(value):
        _SECRETS.remember(part)


def redact(text: str) -> str:
    """Every known secret value, then everything shaped like a token, becomes [redacted]."""
    for value in _SECRETS.literals:
        if value in text:
            text = text.replace(value, REDACTED)
    if runs := _SECRETS.runs:
        for run in _RUN.findall(text):
            if run in runs:
                text = text.replace(run, REDACTED)
    for hints, pattern, replacement in _SHAPES:
        if any(hint in text for hint in hints):
            text = pattern.sub(replacement, text)
    return text


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_value(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact(str(value))


_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__)
_STANDARD |= {"message", "asctime", "taskName"}


def extras(record: logging.LogRecord) -> list[str]:
    """The names a caller added with `extra=`."""
    return [k for k in record.__dict__ if k not in _STANDARD and not k.startswith("_")]


class Redactor(logging.Filter):
    """On the handler, so every logger's records pass it: message (args merged in),
    exception text, stack and extra fields, all redacted in place."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: logging would print msg and args raw
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for key in extras(record):
            setattr(record, key, _redact_value(getattr(record, key)))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ts, level, logger, message, extra fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in extras(record):
            entry.setdefault(key, getattr(record, key))
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is when a record comes (as logging's last resort does):
    a replaced or redirected stderr still gets the lines, a closed one is never written to."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self) -> IO[str]:  # type: ignore[override]
        return sys.stderr


def _level(name: str) -> int:
    levels = {k: v for k, v in logging.getLevelNamesMapping().items() if k != "NOTSET"}
    if name.upper() not in levels:
        raise ConfigError(
            f"SETLIST_LOG_LEVEL={name!r} is not a level: use DEBUG, INFO, WARNING, ERROR or "
            "CRITICAL."
        )
    return levels[name.upper()]


def configured_secrets(settings: Settings) -> set[str]:
    """Every Settings field kept out of repr is a secret, and so is a password in the
    database URL."""
    found = {
        value
        for f in dataclasses.fields(settings)
        if not f.repr and isinstance(value := getattr(settings, f.name), str) and value
    }
    if "://" in settings.db and (password := urlsplit(settings.db).password):
        found.add(password)
    return found


def configure(settings: Settings, stream: IO[str] | None = None) -> logging.Handler:
    """One handler on the root logger (replacing a previous configure's), in the configured
    format and level, redacting secrets; libraries' loggers propagate to it."""
    level = _level(settings.log_level)
    if settings.log_format not in FORMATS:
        raise ConfigError(
            f"SETLIST_LOG_FORMAT={settings.log_format!r} is not a format: use text or json."
        )
    _SECRETS.configure(configured_secrets(settings))
    handler = _Stderr() if stream is None else logging.StreamHandler(stream)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(
        JsonFormatter() if settings.log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    handler.addFilter(Redactor())
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in THIRD_PARTY:  # a handler of their own would print around the redaction
        lib = logging.getLogger(name)
        for own in [h for h in lib.handlers if not isinstance(h, logging.NullHandler)]:
            lib.removeHandler(own)
        lib.propagate = True
    return handler
