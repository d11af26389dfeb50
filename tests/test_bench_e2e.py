"""bench/e2e.py in its quickest configuration (no injected latency, tiny counts, short
rate-limit windows): every row is there and the figures hang together."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import e2e  # noqa: E402  (a script folder, not a package)

PATHS = ("console", "Discord", "Slack")


async def test_tiny_run_reports_every_measure() -> None:
    cfg = replace(e2e.TINY, postgres="")
    report = await e2e.report(cfg, "tiny")
    n, sessions = cfg.channels, cfg.sessions
    assert [r.measure for r in report.rows] == [
        "A round on console (`/new`, 15 tracks)",
        "A round on Discord (`/setlist new`, 15 tracks)",
        "A round on Slack (`/setlist new`, 15 tracks)",
        f"{n} channels at once: round time p50",
        f"{n} channels at once: round time p99",
        f"Event-loop lag p99 during the {n}-channel burst",
        "Votes per second through the core (SQLite)",
        "Votes per second through Slack (👍 reactions, Events API)",
        f"Memory at {sessions} sessions: RSS",
        f"Memory at {sessions} sessions: tracemalloc",
        f"Store on disk at {sessions} sessions (SQLite)",
    ]
    figures = report.figures

    # A round on each path: the floor comes from what the fakes recorded, and is a lower bound.
    for name, row in zip(PATHS, report.rows, strict=False):
        wall, floor = figures[f"round.{name}"]["wall"], figures[f"round.{name}"]["floor"]
        assert floor.llm_calls >= 1 and floor.searches >= 15 and floor.waves >= floor.llm_calls
        assert wall >= floor.seconds
        assert (row.ratio is None) == (floor.seconds == 0)
        assert row.ratio is None or row.ratio >= 1
    for name in PATHS[1:]:  # the track messages go out after the plan, then are linked
        r = figures[f"round.{name}"]
        assert 0 < r["first"] <= r["last"] <= r["wall"]
    discord, slack = figures["round.Discord"]["floor"], figures["round.Slack"]["floor"]
    # 15 track messages in the thread: 5 a window, so at least two whole windows.
    assert discord.posts >= 15 and discord.platform_after >= 2 * cfg.discord_window
    # A "planning…" line and 15 tracks in one channel: after a burst, one a 1/rate.
    assert slack.posts >= 16
    assert slack.platform_all >= (16 - cfg.slack_burst) / cfg.slack_rate
    assert discord.limited == 0 and slack.limited == 0  # both adapters pace themselves

    burst = figures["burst"]
    assert burst["rounds"] == n and burst["llm_calls"] >= n and burst["searches"] >= 15 * n
    assert 0 < burst["p50"] <= burst["p99"] <= burst["makespan"] and burst["single"] > 0
    assert burst["lag_samples"] > 0 and burst["lag_busy"] >= 0

    votes = figures["votes"]
    assert set(votes) == {"sqlite"}
    lite = votes["sqlite"]
    assert lite["store_sent"] == 30 and lite["store"] > 0
    assert lite["core_counted"] == lite["core_sent"] >= 15 and lite["core"] > 0
    assert lite["slack_counted"] == lite["slack_sent"] >= 15 and lite["slack"] > 0

    memory = figures["memory"]
    assert memory["sessions"] == sessions and memory["disk"] > 0
    assert memory["rss_after"] > 0 and memory["traced_per_session"] > 0

    head = report.markdown.splitlines()[4]
    assert head == "| measure | value | floor/baseline | ratio | notes |"  # no PostgreSQL
    assert all(r.measure in report.markdown for r in report.rows)
    assert "**The floor**" in report.markdown and "**Where the time goes.**" in report.markdown
