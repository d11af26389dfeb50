"""The `setlist` command line: chat, export, sessions, catalog import."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import export
from bot.app import Setlist
from bot.catalog.importer import read_catalog
from bot.catalog.index import Catalog, builtin_tracks
from bot.config import Settings
from bot.errors import SetlistError
from bot.keys import ChannelKey
from bot.planner.offline import OfflinePlanner
from bot.store import open_store
from bot.store.base import Store


async def build(store: Store, prefix: str = "/") -> Setlist:
    """The core with what this deployment has: today the catalogs and the offline planner."""
    catalog = Catalog([*builtin_tracks(), *await store.catalog()])
    return Setlist(store, OfflinePlanner(catalog), catalog, prefix=prefix)


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
    return top


async def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env(db=args.db)
    store = await open_store(settings.db)
    try:
        if args.command == "chat":
            from adapters.console.adapter import Console

            users = [u.strip() for u in args.user if u.strip()]
            return await Console(await build(store), args.channel, users).run()
        if args.command == "export":
            key = str(ChannelKey.parse(args.channel))
            session = await store.active_session(key)
            if session is None:
                print(f"No playlist in {key}. `setlist sessions` lists them.", file=sys.stderr)
                return 1
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
        if args.command == "catalog" and args.action == "info":
            imported = await store.catalog()
            print(f"Built-in: {len(builtin_tracks()):,} tracks; imported: {len(imported):,}.")
            return 0
        return 2
    finally:
        await store.close()


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    args = parser().parse_args(argv)
    try:
        return asyncio.run(run(args))
    except SetlistError as exc:
        print(f"setlist: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
