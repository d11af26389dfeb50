"""Who may do what: anyone votes and refines; some commands can be limited to a server's roles."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

if TYPE_CHECKING:
    from adapters.discord.bot import SetlistBot

LIMITED = frozenset({"publish", "ban", "unban", "length", "undo", "redo"})
SETTING = "roles"  # in the store, scope "discord:<guild_id>": role ids, comma-separated
NOT_ALLOWED = "Only members with one of these roles may {name} here: {roles}."
ONLY_MANAGERS = "Only members who can manage this server may change which roles are allowed."
LISTED = "Anyone may publish, ban, unban, set the length and undo here."
LIMITED_TO = "Publish, ban, unban, length and undo are limited to: {roles}."


def scope(guild_id: int) -> str:
    return f"discord:{guild_id}"


async def allowed_roles(bot: SetlistBot, guild_id: int) -> list[int]:
    raw = await bot.app.store.get_setting(scope(guild_id), SETTING)
    return [int(r) for r in (raw or "").split(",") if r.strip().isdigit()]


def manager(member: discord.Member | discord.User, permissions: discord.Permissions) -> bool:
    return permissions.administrator or permissions.manage_guild


def mentions(role_ids: list[int]) -> str:
    # Role mentions render as names; the bot posts with allowed_mentions none, so nobody is pinged.
    return ", ".join(f"<@&{r}>" for r in role_ids)


async def refusal(interaction: discord.Interaction[SetlistBot], name: str) -> str | None:
    """None when the member may run `name` here, else the sentence saying who may."""
    if name not in LIMITED or interaction.guild_id is None:
        return None
    roles = await allowed_roles(interaction.client, interaction.guild_id)
    if not roles or manager(interaction.user, interaction.permissions):
        return None
    member_roles = {r.id for r in getattr(interaction.user, "roles", [])}
    if member_roles & set(roles):
        return None
    return NOT_ALLOWED.format(name=name, roles=mentions(roles))


async def configure(
    interaction: discord.Interaction[SetlistBot], role: discord.Role | None
) -> None:
    """`/setlist roles [role]`: toggle a role in the list, or show the list."""
    bot, guild_id = interaction.client, interaction.guild_id
    assert guild_id is not None  # the group is guild_only
    roles = await allowed_roles(bot, guild_id)
    if role is not None:
        if not manager(interaction.user, interaction.permissions):
            await interaction.response.send_message(
                f"⚠️ {ONLY_MANAGERS}",
                ephemeral=True,
                allowed_mentions=discord.AllowedMentions.none(),
            )
            return
        roles = [r for r in roles if r != role.id] if role.id in roles else [*roles, role.id]
        value = ",".join(str(r) for r in roles) or None
        await bot.app.store.set_setting(scope(guild_id), SETTING, value)
    said = LIMITED_TO.format(roles=mentions(roles)) if roles else LISTED
    await interaction.response.send_message(
        said, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
    )
