"""Persistent round buttons: More, Publish, Undo. Their custom_id names the action and round."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

if TYPE_CHECKING:
    from adapters.discord.bot import SetlistBot

ACTIONS = {"more": ("More", "🔁"), "publish": ("Publish", "📤"), "undo": ("Undo", "↩️")}


class RoundButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"setlist:(?P<action>more|publish|undo):(?P<round>\d+)",
):
    """Registered at start-up, so a click on a header from before a restart still works."""

    def __init__(self, action: str, round_no: int) -> None:
        label, emoji = ACTIONS[action]
        style = discord.ButtonStyle.primary if action == "more" else discord.ButtonStyle.secondary
        super().__init__(
            discord.ui.Button(
                label=label,
                emoji=emoji,
                style=style,
                custom_id=f"setlist:{action}:{round_no}",
            )
        )
        self.action, self.round_no = action, round_no

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str]
    ) -> RoundButton:
        return cls(match["action"], int(match["round"]))

    async def callback(self, interaction: discord.Interaction[SetlistBot]) -> None:
        await interaction.client.run_command(interaction, self.action, "")


def round_view(round_no: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for action in ACTIONS:
        view.add_item(RoundButton(action, round_no))
    return view
