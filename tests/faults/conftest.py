"""What every fault test asks: members read a clear sentence, the session stays whole."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from adapters import text
from bot.replies import Problem, Reply, RoundPosted
from bot.session import Session

# What must never reach a chat: a traceback, an exception's name or repr, a library's name.
LEAK = re.compile(
    r"Traceback|File \"|\b[A-Z]\w*(Error|Exception|Timeout)\b|object at 0x|"
    r"spotipy|urllib3|requests\.|httpx|aiohttp|anthropic\.|discord\.|slack_"
)


def clear(words: str | list[str]) -> None:
    """Sentences a member reads: none carries a traceback or a raw exception."""
    for said in [words] if isinstance(words, str) else words:
        assert said.strip() and not LEAK.search(said), said


def readable(replies: list[Reply]) -> list[str]:
    """The replies as a member reads them, each checked by `clear`."""
    said = [text.render(r) for r in replies]
    clear(said)
    return said


def problems(replies: list[Reply]) -> list[str]:
    readable(replies)
    return [r.text for r in replies if isinstance(r, Problem)]


def round_of(replies: list[Reply]) -> RoundPosted:
    readable(replies)
    assert not problems(replies), problems(replies)
    (posted,) = [r for r in replies if isinstance(r, RoundPosted)]
    return posted


def whole(session: Session) -> None:
    """A session any fault may leave behind: numbered 1..n, no track twice, nothing dropped
    back, no more live tracks than the length."""
    assert [t.position for t in session.tracks] == list(range(1, len(session.tracks) + 1))
    keys = [t.key for t in session.tracks]
    assert len(keys) == len(set(keys)), "a track twice"
    assert not {t.key for t in session.dropped} & set(keys), "a dropped track came back"
    assert len(session.live()) <= session.target_length


async def until(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Wait, without blocking the loop, until check() is truthy."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.005)
    return result


async def timed(call: Awaitable[Any]) -> tuple[Any, float]:
    start = time.monotonic()
    result = await call
    return result, time.monotonic() - start
