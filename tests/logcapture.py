"""Logging configured as in production (bot.logs.configure, redaction included) into a string,
every logger at the chosen level, and everything put back afterwards. caplog would bypass the
handler's redaction, so tests of what reaches a log read this stream instead."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bot import logs
from bot.config import Settings


@contextmanager
def captured_logs(
    settings: Settings, level: str = "DEBUG", fmt: str = "json"
) -> Iterator[io.StringIO]:
    root = logging.getLogger()
    known = [x for x in logging.root.manager.loggerDict.values() if isinstance(x, logging.Logger)]
    saved = [(x, x.level, list(x.handlers), x.propagate) for x in [root, *known]]
    stream = io.StringIO()
    handler = logs.configure(
        dataclasses.replace(settings, log_format=fmt, log_level=level), stream
    )
    wanted = logging.getLevelNamesMapping()[level]
    for lib in known:  # libraries quieted at import (spotipy) speak up too
        if lib.level > wanted:
            lib.setLevel(wanted)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        for lib, was, handlers, propagate in saved:
            lib.setLevel(was)
            lib.handlers[:] = handlers
            lib.propagate = propagate


def json_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    """Every line of the captured log, parsed: a line that isn't one JSON object fails."""
    lines = stream.getvalue().splitlines()
    records = [json.loads(line) for line in lines]
    assert all(isinstance(r, dict) for r in records)
    return records
