"""Several processes share one bot's shards: each identifies with its own, all use one DB."""

from __future__ import annotations

import pytest

from adapters.discord import bot as discord_bot
from adapters.discord.bot import shard_options
from bot.config import Settings
from bot.errors import ConfigError
from tests.adapters.discord.conftest import Harness


def test_shard_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DISCORD_SHARD_IDS", "2-3")
    monkeypatch.setenv("DISCORD_SHARD_COUNT", "4")
    settings = Settings.from_env(db=":memory:")
    assert shard_options(settings) == {"shard_ids": [2, 3], "shard_count": 4}
    monkeypatch.setenv("DISCORD_SHARD_IDS", "0, 1")
    assert Settings.from_env(db=":memory:").discord_shard_ids == (0, 1)
    monkeypatch.setenv("DISCORD_SHARD_IDS", "one")
    with pytest.raises(ConfigError, match="DISCORD_SHARD_IDS"):
        Settings.from_env(db=":memory:")


@pytest.mark.parametrize(
    ("ids", "count"), [((4,), 4), ((0,), 0), ((), 2)], ids=["id-too-big", "no-count", "no-ids"]
)
def test_a_half_configured_split_says_what_to_set(ids: tuple[int, ...], count: int):
    with pytest.raises(ConfigError, match="DISCORD_SHARD_COUNT"):
        shard_options(Settings(db=":memory:", discord_shard_ids=ids, discord_shard_count=count))


async def test_a_process_identifies_with_its_own_shard(harness: Harness):
    options = shard_options(Settings(db=":memory:", discord_shard_ids=(1,), discord_shard_count=2))
    bot = await harness.start(**options)
    assert isinstance(bot, discord_bot.ShardedSetlistBot)
    assert [d["shard"] for d in harness.fake.identifies] == [[1, 2]]
