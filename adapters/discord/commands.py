"""The /setlist command group: one sub-command per command of the chat language, typed options."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands

from adapters.discord import access
from adapters.discord.reactions import key_of, parent_of
from bot import rules
from bot.keys import ChannelKey

if TYPE_CHECKING:
    pass

Interaction = discord.Interaction["SetlistBot"]
CHOICES = 25  # Discord shows at most 25 autocomplete choices


async def run(interaction: Interaction, name: str, args: str = "") -> None:
    await interaction.client.run_command(interaction, name, args)


async def artists_to_ban(interaction: Interaction, current: str) -> list[app_commands.Choice]:
    """The current round's artists first, then the catalog's, matching what was typed."""
    bot = interaction.client
    names: list[str] = []
    if interaction.channel_id is not None and interaction.guild_id is not None:
        key = str(ChannelKey("discord", str(interaction.channel_id), str(interaction.guild_id)))
        session = await bot.app.store.active_session(key)
        if session is not None:
            names += [a for t in session.live() for a in t.artists]
    return choices([*names, *bot.app.catalog.artist_names.values()], current)


async def artists_to_unban(interaction: Interaction, current: str) -> list[app_commands.Choice]:
    key = key_of(
        interaction.guild_id or 0, interaction.channel_id or 0, parent_of(interaction.channel)
    )
    return choices(await interaction.client.app.store.banned(key.rules_key()), current)


def choices(names: list[str], current: str) -> list[app_commands.Choice[str]]:
    """Names containing what was typed, in the order given, those starting with it first."""
    typed = " ".join(current.lower().split())
    seen: dict[str, str] = {}
    for name in names:
        k = rules.artist_key(name)
        if k not in seen and typed in name.lower():
            seen[k] = name
    ranked = sorted(seen.values(), key=lambda n: not n.lower().startswith(typed))
    return [app_commands.Choice(name=n[:100], value=n[:100]) for n in ranked[:CHOICES]]


def setlist_group() -> app_commands.Group:
    group = app_commands.Group(
        name="setlist", description="Build a playlist together", guild_only=True
    )

    @group.command(name="new", description="Start a playlist in its own thread")
    @app_commands.describe(prompt="What you want to hear, e.g. 90s hip hop for a road trip")
    async def new(interaction: Interaction, prompt: app_commands.Range[str, 1, 1000]) -> None:
        await run(interaction, "new", prompt)

    @group.command(name="more", description="Fill the list up again, or grow a full one")
    async def more(interaction: Interaction) -> None:
        await run(interaction, "more")

    @group.command(name="refine", description="Change the playlist in words")
    @app_commands.describe(text="e.g. no more vocals, harder drops")
    async def refine(interaction: Interaction, text: app_commands.Range[str, 1, 1000]) -> None:
        await run(interaction, "refine", text)

    @group.command(name="keep", description="Vote to keep tracks")
    @app_commands.describe(tracks="Track numbers: 2 5, 3-4")
    async def keep(interaction: Interaction, tracks: str) -> None:
        await run(interaction, "keep", tracks)

    @group.command(name="drop", description="Vote to drop tracks")
    @app_commands.describe(tracks="Track numbers: 2 5, 3-4")
    async def drop(interaction: Interaction, tracks: str) -> None:
        await run(interaction, "drop", tracks)

    @group.command(name="ban", description="Never propose this artist in this channel again")
    @app_commands.autocomplete(artist=artists_to_ban)
    async def ban(interaction: Interaction, artist: app_commands.Range[str, 1, 200]) -> None:
        await run(interaction, "ban", artist)

    @group.command(name="unban", description="Lift a ban")
    @app_commands.autocomplete(artist=artists_to_unban)
    async def unban(interaction: Interaction, artist: app_commands.Range[str, 1, 200]) -> None:
        await run(interaction, "unban", artist)

    @group.command(name="rules", description="This channel's bans")
    async def rules_(interaction: Interaction) -> None:
        await run(interaction, "rules")

    @group.command(name="show", description="Show the current list")
    async def show(interaction: Interaction) -> None:
        await run(interaction, "show")

    @group.command(name="undo", description="Take back the last change")
    async def undo(interaction: Interaction) -> None:
        await run(interaction, "undo")

    @group.command(name="redo", description="Bring back what undo took back")
    async def redo(interaction: Interaction) -> None:
        await run(interaction, "redo")

    @group.command(name="length", description="How many tracks the playlist holds")
    async def length(interaction: Interaction, n: app_commands.Range[int, 1, 100]) -> None:
        await run(interaction, "length", str(n))

    @group.command(name="publish", description="Create or update the Spotify playlist")
    @app_commands.describe(name="The playlist's name on Spotify")
    async def publish(interaction: Interaction, name: str | None = None) -> None:
        await run(interaction, "publish", name or "")

    @group.command(name="export", description="The playlist as a file")
    async def export(
        interaction: Interaction, format: Literal["json", "m3u", "csv"] = "json"
    ) -> None:
        await run(interaction, "export", format)

    @group.command(name="help", description="The list of commands")
    async def help_(interaction: Interaction) -> None:
        await run(interaction, "help")

    @group.command(name="roles", description="Roles allowed to publish, ban, set length, undo")
    @app_commands.describe(role="Add or remove this role; leave out to see the list")
    async def roles(interaction: Interaction, role: discord.Role | None = None) -> None:
        await access.configure(interaction, role)

    return group
