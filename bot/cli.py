"""The `setlist` command line: chat, export, sessions, catalog import."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import export
from bot.app import Setlist
from bot.catalog.importer import read_catalog
from bot.catalog.index import Catalog, builtin_tracks
from bot.config import Settings
from bot.errors import SetlistError
from bot.health import MAX_AGE, check, heartbeat, heartbeat_path
from bot.keys import ChannelKey
from bot.logs import configure as configure_logs
from bot.planner.base import Planner
from bot.planner.offline import OfflinePlanner
from bot.publishing import published_link
from bot.store import open_store
from bot.store.base import Store, UsageRow


async def build(store: Store, settings: Settings | None = None, prefix: str = "/") -> Setlist:
    """The core with what this deployment has configured: catalogs, planner, resolver."""
    settings = settings or Settings.from_env(db=":memory:")
    catalog = Catalog([*builtin_tracks(), *await store.catalog()])
    planner: Planner = OfflinePlanner(catalog)
    resolver, publisher = None, None
    if settings.spotify_client_id:  # ground in real Spotify tracks, publish real playlists
        from bot.secrets import Vault
        from bot.spotify.client import SpotifyGateway
        from bot.spotify.grounding import SpotifyResolver
        from bot.spotify.publish import Publisher

        gateway = SpotifyGateway(
            settings, store, Vault.for_settings(settings.secret_key, settings.db)
        )
        resolver = SpotifyResolver(gateway, store, catalog)
        publisher = Publisher(gateway, store)
    if settings.anthropic_api_key:  # Claude plans; the offline planner stands in when it's down
        from bot.planner.claude import claude_planner

        planner = claude_planner(settings, fallback=planner)
    return Setlist(store, planner, catalog, prefix=prefix, resolver=resolver, publisher=publisher)


def parser() -> argparse.ArgumentParser:
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument("--db", help="SQLite file (default: $SETLIST_DB, else the user data dir)")
    top = argparse.ArgumentParser(prog="setlist", description="Group playlisting bot.")
    sub = top.add_subparsers(dest="command", required=True)

    chat = sub.add_parser("chat", parents=[db], help="talk to the bot in this terminal")
    chat.add_argument("--channel", default="general", help="channel name or full key")
    chat.add_argument(
        "--user",
        action="append",
        default=[],
        help="member name; repeat for several (then type 'name: text')",
    )

    exp = sub.add_parser("export", parents=[db], help="print a channel's playlist")
    exp.add_argument("--channel", required=True, help="channel name or full key")
    exp.add_argument("--format", choices=("json", "m3u", "csv"), default="json")

    sessions = sub.add_parser("sessions", parents=[db], help="list every session")
    sessions.add_argument("--format", choices=("json", "text"), default="text")

    catalog = sub.add_parser("catalog", help="manage the offline catalog")
    catalog_sub = catalog.add_subparsers(dest="action", required=True)
    imp = catalog_sub.add_parser("import", parents=[db], help="add tracks from a CSV file")
    imp.add_argument("file", type=Path)
    catalog_sub.add_parser("info", parents=[db], help="how many tracks the catalog holds")

    spotify = sub.add_parser("spotify", help="the bot owner's Spotify account")
    spotify_sub = spotify.add_subparsers(dest="action", required=True)
    spotify_sub.add_parser("login", parents=[db], help="log in (PKCE) and store the token")

    sub.add_parser("usage", parents=[db], help="tokens the Claude planner used, per channel")
    doctor = sub.add_parser(
        "doctor", parents=[db], help="check the configuration and every configured service"
    )
    doctor.add_argument("--format", choices=("text", "json"), default="text")
    health = sub.add_parser(
        "health", parents=[db], help="exit 0 while a running bot's heartbeat is fresh"
    )
    health.add_argument("--max-age", type=float, default=MAX_AGE, metavar="SECONDS")

    discord = sub.add_parser("discord", parents=[db], help="run the Discord bot")
    discord.add_argument(
        "action",
        nargs="?",
        choices=("run", "sync"),
        default="run",
        help="sync registers the slash commands (a deploy step)",
    )
    slack = sub.add_parser("slack", parents=[db], help="run the Slack app")
    slack.add_argument(
        "--http",
        type=int,
        metavar="PORT",
        help="serve the Events API on PORT instead of Socket Mode",
    )
    return top


async def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "health":  # one stat(), no store: the container checks every 30 s
        healthy, message = check(heartbeat_path(settings), args.max_age)
        print(message, file=sys.stdout if healthy else sys.stderr)
        return 0 if healthy else 1
    if args.command == "doctor":  # it opens the store itself, and says why when it can't
        from adapters.discord.doctor import check as discord_check
        from adapters.slack.doctor import check as slack_check
        from bot.doctor import diagnose

        platforms = [("discord", discord_check), ("slack", slack_check)]
        return await diagnose(settings, platforms, fmt=args.format)
    store = await open_store(settings.db)
    try:
        if args.command == "chat":
            from adapters.console.adapter import Console

            users = [u.strip() for u in args.user if u.strip()]
            return await Console(await build(store, settings), args.channel, users).run()
        if args.command == "export":
            key = str(ChannelKey.parse(args.channel))
            session = await store.active_session(key)
            if session is None:
                print(f"No playlist in {key}. `setlist sessions` lists them.", file=sys.stderr)
                return 1
            session.spotify = await published_link(store, session)  # it survives undo
            sys.stdout.write(export.render(session, args.format))
            return 0
        if args.command == "sessions":
            rows = await store.sessions()
            if args.format == "json":
                print(
                    json.dumps(
                        [
                            {
                                "channel": r.channel,
                                "platform": r.platform,
                                "prompt": r.prompt,
                                "updated_at": r.updated_at,
                            }
                            for r in rows
                        ],
                        ensure_ascii=False,
                        indent=2,
                    )
                )
            else:
                for r in rows:
                    print(f"{r.updated_at}  {r.channel}  {r.prompt}")
            return 0
        if args.command == "catalog" and args.action == "import":
            tracks = await asyncio.to_thread(read_catalog, args.file)
            total = await store.add_catalog(tracks)
            print(
                f"Imported {len(tracks):,} tracks from {args.file.name}; the imported "
                f"catalog now holds {total:,}."
            )
            return 0
        if args.command == "spotify" and args.action == "login":
            from bot.spotify.login import login

            await login(settings, store)
            return 0
        if args.command == "usage":
            rows = await store.usage()
            print(format_usage(rows))
            return 0
        if args.command == "discord":
            from adapters.discord.bot import main as discord_main

            async with heartbeat(heartbeat_path(settings)):  # for `setlist health`
                return await discord_main(args, settings, store)
        if args.command == "slack":
            from adapters.slack.app import main as slack_main

            async with heartbeat(heartbeat_path(settings)):
                return await slack_main(args, settings, store)
        if args.command == "catalog" and args.action == "info":
            imported = await store.catalog()
            print(f"Built-in: {len(builtin_tracks()):,} tracks; imported: {len(imported):,}.")
            return 0
        return 2
    finally:
        await store.close()


def format_usage(rows: list[UsageRow]) -> str:
    """Token use per channel and model, then the total."""
    if not rows:
        return "No planner calls recorded yet."
    head = ("channel", "model", "calls", "input", "cache read", "cache write", "output")
    table = [head] + [
        (
            r.channel,
            r.model,
            *(
                f"{n:,}"
                for n in (
                    r.calls,
                    r.input_tokens,
                    r.cache_read_tokens,
                    r.cache_write_tokens,
                    r.output_tokens,
                )
            ),
        )
        for r in rows
    ]
    totals = [
        sum(getattr(r, f) for r in rows)
        for f in (
            "calls",
            "input_tokens",
            "cache_read_tokens",
            "cache_write_tokens",
            "output_tokens",
        )
    ]
    table.append(("total", "", *(f"{n:,}" for n in totals)))
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in table
    )


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    args = parser().parse_args(argv)
    try:
        # SETLIST_LOG_FORMAT/LEVEL, with every configured secret redacted, before anything logs
        settings = Settings.from_env(db=getattr(args, "db", None))
        configure_logs(settings)
        return asyncio.run(run(args, settings))
    except SetlistError as exc:
        print(f"setlist: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`setlist chat < in | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
