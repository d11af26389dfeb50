"""A round's critical-path floor, from what the fakes recorded during it, and the table's rows."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any


@dataclass
class Row:
    measure: str
    value: str
    baseline: str
    ratio: float | None  # value over floor/baseline, in time (≥ 1: slower than it)
    notes: str
    postgres: str = "—"


@dataclass
class Floor:
    llm_calls: int
    searches: int
    waves: int  # Spotify requests that had to follow one another (a parallel batch counts once)
    posts: int  # platform calls answered (not 429)
    limited: int  # platform calls answered 429
    platform_after: float  # rate-limit time for the calls made after the last LLM call
    platform_all: float  # … for every call of the round
    seconds: float = 0.0

    def llm(self, cfg: Any) -> float:
        return self.llm_calls * cfg.llm_latency

    def spotify(self, cfg: Any) -> float:
        return self.waves * cfg.spotify_latency

    def platform(self, cfg: Any) -> float:
        """The rate limit's share of the floor."""
        return self.seconds - self.llm(cfg) - self.spotify(cfg)

    def describe(self, cfg: Any) -> str:
        text = (
            f"floor: {self.llm_calls} LLM call(s) in sequence ({self.llm(cfg):.2f} s) + "
            f"{self.waves} Spotify wave(s) ({self.spotify(cfg):.2f} s; {self.searches} searches)"
        )
        if self.posts or self.limited:
            text += (
                f" + {self.platform(cfg):.2f} s of rate limit ({self.posts} platform calls, "
                f"{self.limited} answered 429)"
            )
        return text


def floor_of(traffic: dict[str, list], cfg: Any, platform: str = "") -> Floor:
    """`traffic`: what the fakes recorded (bench/_services.py Host.since); `platform`: "",
    "discord" or "slack"."""
    llm = sorted(traffic["llm"])
    calls = sorted(traffic["spotify"])
    waves = 0
    for i, start in enumerate(llm):  # a round asks, grounds what came back, asks again
        end = llm[i + 1] if i + 1 < len(llm) else math.inf
        ask = [(path, q) for at, path, q in calls if start <= at < end]
        searches = [q for path, q in ask if path == "/v1/search"]
        waves += bool(searches)  # one proposal's search runs beside the others'
        waves += any('track:"' not in q for q in searches)  # a fallback follows its miss
        waves += sum(path == "/api/token" for path, _ in ask)
    done = llm[-1] if llm else -math.inf
    rows = traffic.get(platform, [])  # (at, method, path or channel, status)
    ok = [r for r in rows if r[-1] < 300]
    after = [r for r in ok if r[0] > done]
    limit = discord_limit if platform == "discord" else slack_limit
    floor = Floor(
        llm_calls=len(llm),
        searches=sum(path == "/v1/search" for _, path, _ in calls),
        waves=waves,
        posts=len(ok),
        limited=sum(r[-1] == 429 for r in rows),
        platform_after=limit(after, cfg) if platform else 0.0,
        platform_all=limit(ok, cfg) if platform else 0.0,
    )
    planned = floor.llm(cfg) + floor.spotify(cfg)
    # What is posted before planning (a thread, a "planning…" line) overlaps the LLM call.
    floor.seconds = max(planned + floor.platform_after, floor.platform_all)
    return floor


def discord_limit(rows: list[tuple], cfg: Any) -> float:
    """per_window requests per window in each bucket (route and channel), as the fake counts:
    the n-th request of a bucket can't go before (n - 1) // per_window windows."""
    buckets = Counter(m + re.sub(r"/messages/\d+", "/messages/:id", p) for _, m, p, _ in rows)
    return max(
        ((n - 1) // cfg.discord_per_window * cfg.discord_window for n in buckets.values()),
        default=0.0,
    )


def slack_limit(rows: list[tuple], cfg: Any) -> float:
    """chat.postMessage: `slack_rate` a second per channel after a burst; chat.update: the
    workspace's Tier 3, one at a time."""
    posts = Counter(channel for _, method, channel, _ in rows if method == "chat.postMessage")
    updates = sum(method == "chat.update" for _, method, _, _ in rows)
    floors = [max(0, n - cfg.slack_burst) / cfg.slack_rate for n in posts.values()]
    if cfg.slack_update_rate and updates:
        floors.append((updates - 1) / cfg.slack_update_rate)
    return max(floors, default=0.0)


def round_row(name: str, wall: float, floor: Floor, cfg: Any) -> Row:
    ratio = wall / floor.seconds if floor.seconds else None
    return Row(name, f"{wall:.2f} s", f"{floor.seconds:.2f} s", ratio, floor.describe(cfg))
