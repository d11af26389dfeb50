"""Votes: which emoji mean keep or drop, one vote per member, state by majority."""

from __future__ import annotations

from collections.abc import Mapping

from bot.events import Direction
from bot.replies import TrackState

UP_EMOJI = frozenset({"👍", "✅", "❤️", "❤", "🔥"})
DOWN_EMOJI = frozenset({"👎", "❌", "🚫"})
# Platforms that name emoji instead of sending them (Slack) use these names.
_NAMES: dict[str, Direction] = {
    "+1": "up",
    "thumbsup": "up",
    "white_check_mark": "up",
    "heart": "up",
    "fire": "up",
    "-1": "down",
    "thumbsdown": "down",
    "x": "down",
    "no_entry_sign": "down",
}


def direction_of(emoji: str) -> Direction | None:
    """up, down, or None for an emoji that is not a vote. Skin tones count as the base emoji."""
    base = emoji.strip().strip(":").split("::")[0]
    base = "".join(c for c in base if not 0x1F3FB <= ord(c) <= 0x1F3FF)
    if base in UP_EMOJI:
        return "up"
    if base in DOWN_EMOJI:
        return "down"
    return _NAMES.get(base)


def tally(votes: Mapping[str, Direction]) -> tuple[int, int]:
    ups = sum(1 for v in votes.values() if v == "up")
    return ups, len(votes) - ups


def state_of(votes: Mapping[str, Direction]) -> TrackState:
    ups, downs = tally(votes)
    if ups > downs:
        return "kept"
    if downs > ups:
        return "dropped"
    return "pending"
