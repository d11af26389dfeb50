"""End to end, with injected latencies: a round's wall time on the console, Discord and Slack
paths as a ratio to its critical-path floor; many channels prompting at once (round time p50/p99
against one channel alone, and the event loop's lag meanwhile); votes per second through the core
and through Slack; memory and disk at many sessions.

The bot runs as in production, one process on one event loop; the fakes (tests/fakes: Anthropic
answering in 1.5 s, Spotify in 100 ms, Discord and Slack with their rate limits) run in a process
of their own. Prints a markdown table and writes it to bench/results/e2e.md.

    python bench/e2e.py            # about 2½ minutes on 2 cores
    python bench/e2e.py --quick    # about 30 s: smaller counts, rate-limit windows scaled down

With SETLIST_BENCH_DATABASE_URL=postgresql://… the vote rows get a PostgreSQL column.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import ROOT
from _floor import Row
from _load import memory, votes
from _rounds import Cores, burst, paths
from _services import Services

from bot.spotify.client import CONCURRENCY
from bot.store import open_store

RESULTS = ROOT / "bench" / "results" / "e2e.md"


@dataclass(frozen=True)
class Config:
    llm_latency: float = 1.5  # seconds an answered Anthropic call takes
    spotify_latency: float = 0.1  # seconds a Spotify request takes
    platform_latency: float = 0.05  # a Discord or Slack call's round trip (not in the floor)
    discord_per_window: int = 5  # messages per window in a bucket (route and channel)
    discord_window: float = 5.0
    slack_rate: float = 1.0  # chat.postMessage a second per channel, after a burst
    slack_burst: int = 4
    slack_update_rate: float = 50 / 60  # chat.update, Tier 3, per workspace
    channels: int = 200
    singles: int = 3
    core_votes: int = 1500  # 100 members voting on each of 15 tracks
    slack_votes: int = 450
    sessions: int = 1000
    invented: float = 0.15  # the fake model's share of invented titles (re-asks, fallbacks)
    decoys: bool = True  # Spotify also finds live, remastered, karaoke and tribute versions
    postgres: str = ""  # a postgresql:// URL: the vote rows on PostgreSQL as well


FULL = Config()
# Rate-limit windows scaled down with the floor they set, so ratios keep their meaning.
QUICK = replace(
    FULL,
    discord_window=0.5,
    slack_rate=10.0,
    channels=16,
    singles=1,
    core_votes=450,
    slack_votes=90,
    sessions=200,
)
# For the test: no injected latency, tiny counts, short windows.
TINY = Config(
    llm_latency=0.0,
    spotify_latency=0.0,
    platform_latency=0.0,
    discord_window=0.1,
    slack_rate=50.0,
    slack_update_rate=0.0,
    channels=4,
    singles=1,
    core_votes=30,
    slack_votes=15,
    sessions=5,
    decoys=False,
)


@dataclass
class Report:
    rows: list[Row]
    figures: dict[str, Any]
    markdown: str


def _preload() -> None:
    """The SDKs the core imports when it is built, loaded while the fakes start."""
    import anthropic  # noqa: F401
    import spotipy  # noqa: F401


async def measure(cfg: Config, folder: Path) -> tuple[list[Row], dict[str, Any]]:
    svc = Services(cfg.invented, cfg.decoys)
    figures: dict[str, Any] = {}
    backends: dict[str, Cores | Exception] = {}
    try:
        await asyncio.gather(svc.start(), asyncio.to_thread(_preload))
        await svc.call(
            "set",
            {"discord.per_window": cfg.discord_per_window, "discord.window": cfg.discord_window},
        )
        db = folder / "bench.db"
        backends["sqlite"] = cores = await Cores.open(await open_store(db), svc.urls, str(db))
        rows = await paths(svc, cfg, cores, figures)
        rows += await burst(svc, cfg, cores, figures)
        if cfg.postgres:
            try:
                pg = await open_store(cfg.postgres)
            except Exception as exc:  # reported in the PostgreSQL column
                backends["postgres"] = exc
            else:
                backends["postgres"] = await Cores.open(pg, svc.urls, cfg.postgres)
        rows += await votes(svc, cfg, backends, figures)
    finally:
        for opened in backends.values():
            if isinstance(opened, Cores):
                await opened.close()
                await opened.store.close()
        await svc.close()
    rows += await memory(cfg, cores.console.catalog, folder / "memory.db", figures)
    return rows, figures


async def report(cfg: Config, command: str = "python bench/e2e.py") -> Report:
    start, load = time.monotonic(), os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        rows, figures = await measure(cfg, Path(folder))
    took = time.monotonic() - start
    figures["load"] = (load, os.getloadavg()[0])  # other work on the machine skews the figures
    return Report(rows, figures, markdown(rows, figures, cfg, command, took))


# -- the table ---------------------------------------------------------------------------------
def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(rows: list[Row], postgres: bool) -> list[str]:
    head = ["measure", "value", *(["PostgreSQL"] if postgres else []), "floor/baseline"]
    head += ["ratio", "notes"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        ratio = f"{r.ratio:.2f}×" if r.ratio is not None else "—"
        cells = [r.measure, r.value, *([r.postgres] if postgres else []), r.baseline, ratio]
        lines.append("| " + " | ".join(_cell(c) for c in [*cells, r.notes]) + " |")
    return lines


def explain(cfg: Config) -> list[str]:
    return [
        f"**The floor** of a round is what it cannot go below, counted from what the fakes "
        f"recorded during it. A round's LLM calls follow one another (it grounds an answer, then "
        f"asks again for what wasn't found): calls × {cfg.llm_latency:g} s. Each ask's Spotify "
        f"searches run side by side and count once ({cfg.spotify_latency * 1000:.0f} ms), plus "
        "one more when a search had to fall back to a plain query, plus any token refresh. Then "
        "the platform's rate limit for the messages posted after the last LLM call (Discord: a "
        f"bucket per route and channel, {cfg.discord_per_window} per {cfg.discord_window:g} s, "
        f"so the n-th message no earlier than (n − 1) // {cfg.discord_per_window} windows; "
        f"Slack: chat.postMessage {cfg.slack_rate:g}/s per channel after a burst of "
        f"{cfg.slack_burst}, chat.update {cfg.slack_update_rate * 60:.0f}/min per workspace), or "
        "for all of the round's messages if that is longer: what is posted before planning (the "
        "thread, the “planning…” line) overlaps the LLM call. The floor leaves out our own CPU, "
        "the store's writes, the platforms' round trips "
        f"({cfg.platform_latency * 1000:.0f} ms a call, injected) and the Spotify gateway's cap "
        f"of {CONCURRENCY} searches at a time: a true lower bound, so the ratio is what the "
        "design adds.",
        "",
        "**Where things run.** The bot (core, adapters, the store) runs as in production: one "
        "process, one event loop (spotipy in its worker threads). The four fakes (Anthropic, "
        "Spotify, Discord, Slack) and the Slack members sending reactions run in a process of "
        "their own (bench/_services.py), so their CPU is neither on the bot's loop nor under "
        "its GIL; the bench drives them and reads their records over a connection, timestamps "
        "on the machine's one monotonic clock. The Discord bot connects to the fake's gateway "
        "and REST API as to Discord's. The many-channel burst goes through `Setlist.handle` as "
        "the console adapter drives it, with Claude and Spotify; Spotify answers are cached in "
        "the store, so rounds that propose tracks found before search less. The fake model "
        "invents "
        f"{cfg.invented:.0%} of its titles, as in bench/claude_rounds.py.",
        "",
        "**Votes and memory.** Votes arrive all at once on one 15-track round: `VoteCast` "
        "events through `Setlist.handle` (as a button sends them), and 👍 reactions as signed "
        "Events API requests through the Slack app (bolt, a lazy listener, the core, a "
        "`chat.update` per vote); the baseline is `Store.update` alone, on the same store."
        + (
            " The PostgreSQL column runs the same on the database at SETLIST_BENCH_DATABASE_URL."
            if cfg.postgres
            else ""
        )
        + " The sessions for the memory rows are made through the core with the offline planner "
        "(with Claude and Spotify a round costs the bot tens of milliseconds of CPU, see the "
        "burst, so a thousand would take minutes); RSS is the whole process's, tracemalloc runs "
        "over the last tenth only, as it slows Python several times over.",
    ]


def where_time_goes(figures: dict[str, Any], cfg: Config) -> str:
    said = ["**Where the time goes.**"]
    for name in ("console", "Discord", "Slack"):
        wall, f = figures[f"round.{name}"]["wall"], figures[f"round.{name}"]["floor"]
        shares = [
            f"the LLM {f.llm(cfg):.1f} s ({f.llm(cfg) / wall:.0%})",
            f"Spotify {f.spotify(cfg):.1f} s ({f.spotify(cfg) / wall:.0%})",
        ]
        if name != "console":
            shares.append(f"the rate limit {f.platform(cfg):.1f} s ({f.platform(cfg) / wall:.0%})")
        rest = max(0.0, wall - f.seconds)
        shares.append(f"and {rest:.2f} s ({rest / wall:.0%}) over the floor")
        said.append(f"On {name} a round took {wall:.2f} s: " + ", ".join(shares) + ".")
        if name != "console":
            r = figures[f"round.{name}"]
            said.append(
                f"Its track messages went out from {r['first']:.1f} s to {r['last']:.1f} s; each "
                "is linked to its track as soon as the platform accepts it, so votes on the "
                "first tracks count while the rest are still going out"
                + (
                    " (discord.py sleeps out the bucket a send exhausted before returning, so "
                    "a vote on that message waits up to a window for its link)."
                    if name == "Discord" and wall - r["last"] > cfg.discord_window / 2
                    else "."
                )
            )
    b = figures["burst"]
    said.append(
        f"With {cfg.channels} channels at once the median round took {b['p50']:.2f} s, "
        f"{b['p50'] / b['single']:.1f}× one channel alone, and p99 {b['p99']:.2f} s "
        f"(the bot's CPU: {b['cpu_per_round'] * 1000:.0f} ms a round):"
    )
    if b["search_floor"] > b["single"]:
        said.append(
            f"the burst's {b['searches']:,} Spotify searches, {CONCURRENCY} at a time through "
            f"the gateway, need {b['search_floor']:.1f} s on their own, and that is what "
            "stretches it."
        )
    else:
        said.append(
            f"its {b['searches']:,} Spotify searches, {CONCURRENCY} at a time, need only "
            f"{b['search_floor']:.1f} s, so the rest is the bot's own work and the store."
        )
    said.append(
        f"The loop's lag p99 went from {b['lag_quiet']:.1f} ms to {b['lag_busy']:.1f} ms; "
        f"the worst wait, {b['lag_max']:.0f} ms, came {b['lag_max_at']:.1f} s into the burst "
        f"({b['lag_over_50ms']} of {b['lag_samples']:,} samples over 50 ms)."
    )
    v, m = figures["votes"]["sqlite"], figures["memory"]
    said.append(
        f"Votes: the core applied {v['core']:,.0f} a second, {v['store'] / v['core']:.1f}× the "
        f"store's own time per vote; through Slack {v['slack']:,.0f} a second."
    )
    n = max(1, m["sessions"])
    said.append(
        f"Memory: {(m['rss_after'] - m['rss_before']) / n / 1024:.1f} KB of RSS a session "
        f"({m['traced_per_session'] / 1024:.1f} KB of Python objects), "
        f"{m['disk'] / n / 1024:.1f} KB on disk."
    )
    return " ".join(said)


def markdown(
    rows: list[Row], figures: dict[str, Any], cfg: Config, command: str, took: float
) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = figures.get("load", (0.0, 0.0))
    lines = [
        "# End-to-end benchmark",
        "",
        f"`{command}` · {when} · {os.cpu_count()} cores (load average {load[0]:.1f} before, "
        f"{load[1]:.1f} after) · Python {platform.python_version()} · {took:.0f} s in all. "
        "Injected: an LLM call "
        f"{cfg.llm_latency:g} s, a Spotify request {cfg.spotify_latency * 1000:.0f} ms, a "
        f"Discord or Slack call {cfg.platform_latency * 1000:.0f} ms.",
        "",
        *table(rows, bool(cfg.postgres)),
        "",
        *explain(cfg),
        "",
        where_time_goes(figures, cfg),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="about 30 s; prints only")
    parser.add_argument("--out", type=Path, help=f"where to write the table (default {RESULTS})")
    args = parser.parse_args()
    cfg = QUICK if args.quick else FULL
    cfg = replace(cfg, postgres=os.environ.get("SETLIST_BENCH_DATABASE_URL", ""))
    command = "python bench/e2e.py" + (" --quick" if args.quick else "")
    result = asyncio.run(report(cfg, command))
    print(result.markdown)
    out = args.out or (None if args.quick else RESULTS)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(result.markdown, encoding="utf-8")
        print(f"written to {out}")


if __name__ == "__main__":
    main()
