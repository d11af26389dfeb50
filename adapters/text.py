"""Plain-text rendering of every reply: the console uses it, other adapters fall back to it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.replies import (
    Document,
    Problem,
    Reply,
    RoundPosted,
    Text,
    TrackUpdated,
    TrackView,
    Working,
)

MARKS = {"kept": "✔ kept", "dropped": "✘ dropped", "pending": ""}


def tempo(t: TrackView) -> str:
    if t.tempo is None:
        return "BPM unknown"
    if t.tempo_source == "estimate":
        return f"~{t.tempo:.0f} BPM (estimate)"
    return f"{t.tempo:.0f} BPM ({t.tempo_source or 'catalog'})"


def track_line(t: TrackView) -> str:
    head = f"{t.position:>3}. {t.title} — {', '.join(t.artists)} · {tempo(t)}"
    if not t.verified:
        head += " · not verified"
    tail = []
    if t.up or t.down:
        tail.append(f"👍{t.up} 👎{t.down}")
    if MARKS[t.state]:
        tail.append(MARKS[t.state] + (f" ({t.note})" if t.note else ""))
    if tail:
        head += "  [" + " · ".join(tail) + "]"
    return head + f"\n       {t.reason}"


def round_text(r: RoundPosted) -> str:
    live = sum(1 for t in r.tracks if t.state != "dropped")
    title = f"Round {r.round_no} · “{r.prompt}” · {live}/{r.target_length} tracks"
    lines = [*r.notes, title, *(track_line(t) for t in r.tracks)]
    if r.fresh:
        lines.append(
            "Vote with /keep 2 5 or /drop 3, refine in words, /more for more, "
            "/help for everything."
        )
    return "\n".join(lines)


RENDER: dict[type[Any], Callable[[Any], str]] = {
    Text: lambda r: r.text,
    Working: lambda r: r.text,
    Problem: lambda r: f"! {r.text}",
    RoundPosted: round_text,
    TrackUpdated: lambda r: r.text,
    Document: lambda r: r.content.rstrip("\n"),
}


def render(reply: Reply) -> str:
    return RENDER[type(reply)](reply)
