"""Console adapter: lines from a terminal or a pipe → events; replies → stdout."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from adapters import text
from bot.app import Setlist
from bot.events import Member, MessagePosted
from bot.keys import ChannelKey
from bot.replies import Working

QUIT = {"/quit", "/exit"}


class Console:
    def __init__(
        self,
        app: Setlist,
        channel: str,
        users: list[str],
        stdin: TextIO = sys.stdin,
        stdout: TextIO = sys.stdout,
    ) -> None:
        self.app = app
        self.key = ChannelKey.parse(channel)
        self.users = users or ["you"]
        self.stdin, self.stdout = stdin, stdout
        self.interactive = stdin.isatty() and stdout.isatty()

    def member_for(self, line: str) -> tuple[Member, str]:
        """With several --user values, `bob: /drop 3` speaks as bob; else the first user."""
        name, sep, rest = line.partition(":")
        if sep and len(self.users) > 1 and name.strip() in self.users:
            return Member(name.strip(), name.strip()), rest.strip()
        return Member(self.users[0], self.users[0]), line

    async def run(self) -> int:
        if self.interactive:
            self._print(
                f"Setlist · channel {self.key} · as {', '.join(self.users)} · "
                "/help for commands, /quit to leave"
            )
        while True:
            if self.interactive:
                self.stdout.write(f"{self.users[0]}> ")
                self.stdout.flush()
            # Reading stdin blocks; a thread keeps the event loop free.
            line = await asyncio.to_thread(self.stdin.readline)
            if not line:
                return 0
            line = line.rstrip("\n")
            if line.strip().lower() in QUIT:
                return 0
            member, said = self.member_for(line)
            await self.say(member, said)

    async def say(self, member: Member, said: str) -> None:
        async for reply in self.app.handle(MessagePosted(self.key, member, said)):
            if isinstance(reply, Working):
                if self.interactive:  # a progress line, erased when the round arrives
                    sys.stderr.write(f"\r{text.render(reply)}")
                    sys.stderr.flush()
                continue
            if self.interactive:
                sys.stderr.write("\r\033[K")
            self._print(text.render(reply))

    def _print(self, message: str) -> None:
        self.stdout.write(message + "\n")
        self.stdout.flush()
