"""Settings from the environment. Secrets never appear in repr or logs."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_data_dir

from bot.errors import ConfigError

REDIRECT_URI = "http://127.0.0.1:8888/callback"
SPOTIFY_API = "https://api.spotify.com/v1/"
SPOTIFY_ACCOUNTS = "https://accounts.spotify.com/"
MODEL = "claude-haiku-5-5"
DISCORD_API = "https://discord.com/api/v10"
DISCORD_GATEWAY = "wss://gateway.discord.gg/"
SLACK_API = "https://slack.com/api/"


def default_db() -> Path:
    return Path(user_data_dir("setlist", appauthor=False)) / "setlist.db"


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, "").strip() or default


def _flag(name: str) -> bool:
    return _env(name).lower() in ("1", "true", "yes", "on")


def _int(name: str) -> int:
    try:
        return int(_env(name, "0"))
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {_env(name)!r}.") from None


def _float(name: str, default: float) -> float:
    try:
        value = float(_env(name, str(default)))
    except ValueError:
        value = -1.0
    if not value > 0:
        raise ConfigError(f"{name} must be a number of seconds above 0, not {_env(name)!r}.")
    return value


def _ints(name: str) -> tuple[int, ...]:
    """ "0,1,2" or "0-2"."""
    text = _env(name).replace(" ", "")
    try:
        if "-" in text:
            first, last = text.split("-", 1)
            return tuple(range(int(first), int(last) + 1))
        return tuple(int(part) for part in text.split(",") if part)
    except ValueError:
        raise ConfigError(
            f'{name} must be numbers such as "0,1" or "0-3", not {text!r}.'
        ) from None


@dataclass(frozen=True, slots=True)
class Settings:
    db: str  # a SQLite path, or a postgresql:// URL (SETLIST_DATABASE_URL)
    log_format: str = "text"  # SETLIST_LOG_FORMAT: text, or json (one JSON object a line)
    log_level: str = "WARNING"  # SETLIST_LOG_LEVEL
    heartbeat: str = ""  # SETLIST_HEARTBEAT: liveness file (bot/health.py); default beside the db
    # Spotify (the bot owner's account publishes every playlist)
    spotify_client_id: str = ""
    spotify_client_secret: str = field(default="", repr=False)
    spotify_refresh_token: str = field(default="", repr=False)
    spotify_redirect_uri: str = REDIRECT_URI
    spotify_api_url: str = SPOTIFY_API
    spotify_accounts_url: str = SPOTIFY_ACCOUNTS
    spotify_timeout: float = 10.0  # SPOTIFY_TIMEOUT: seconds a request may take (then retried)
    secret_key: str = field(default="", repr=False)  # SETLIST_SECRET_KEY: Fernet, for tokens
    # Anthropic (the SDK also reads ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL itself)
    anthropic_api_key: str = field(default="", repr=False)
    anthropic_base_url: str = ""
    model: str = MODEL
    # Discord
    discord_token: str = field(default="", repr=False)
    discord_api_url: str = DISCORD_API
    discord_gateway_url: str = DISCORD_GATEWAY
    discord_message_content: bool = False  # privileged intent: plain thread messages refine
    discord_sharded: bool = False  # AutoShardedClient (required from 2,500 servers)
    # Several processes: each runs some shards of a fixed count (DISCORD_SHARD_IDS "0,1")
    discord_shard_count: int = 0
    discord_shard_ids: tuple[int, ...] = ()
    # Slack
    slack_bot_token: str = field(default="", repr=False)
    slack_app_token: str = field(default="", repr=False)
    slack_signing_secret: str = field(default="", repr=False)
    slack_client_id: str = ""
    slack_client_secret: str = field(default="", repr=False)
    slack_api_url: str = SLACK_API

    @classmethod
    def from_env(cls, db: str | None = None) -> Settings:
        return cls(
            db=db or _env("SETLIST_DATABASE_URL") or _env("SETLIST_DB", str(default_db())),
            log_format=_env("SETLIST_LOG_FORMAT", "text").lower(),
            log_level=_env("SETLIST_LOG_LEVEL", "WARNING").upper(),
            heartbeat=_env("SETLIST_HEARTBEAT"),
            spotify_client_id=_env("SPOTIFY_CLIENT_ID"),
            spotify_client_secret=_env("SPOTIFY_CLIENT_SECRET"),
            spotify_refresh_token=_env("SPOTIFY_REFRESH_TOKEN"),
            spotify_redirect_uri=_env("SPOTIFY_REDIRECT_URI", REDIRECT_URI),
            spotify_api_url=_env("SPOTIFY_API_URL", SPOTIFY_API),
            spotify_accounts_url=_env("SPOTIFY_ACCOUNTS_URL", SPOTIFY_ACCOUNTS),
            spotify_timeout=_float("SPOTIFY_TIMEOUT", 10.0),
            secret_key=_env("SETLIST_SECRET_KEY"),
            anthropic_api_key=_env("ANTHROPIC_API_KEY"),
            anthropic_base_url=_env("ANTHROPIC_BASE_URL"),
            model=_env("SETLIST_MODEL", MODEL),
            discord_token=_env("DISCORD_TOKEN"),
            discord_api_url=_env("DISCORD_API_URL", DISCORD_API),
            discord_gateway_url=_env("DISCORD_GATEWAY_URL", DISCORD_GATEWAY),
            discord_message_content=_flag("DISCORD_MESSAGE_CONTENT"),
            discord_sharded=_flag("DISCORD_SHARDED"),
            discord_shard_count=_int("DISCORD_SHARD_COUNT"),
            discord_shard_ids=_ints("DISCORD_SHARD_IDS"),
            slack_bot_token=_env("SLACK_BOT_TOKEN"),
            slack_app_token=_env("SLACK_APP_TOKEN"),
            slack_signing_secret=_env("SLACK_SIGNING_SECRET"),
            slack_client_id=_env("SLACK_CLIENT_ID"),
            slack_client_secret=_env("SLACK_CLIENT_SECRET"),
            slack_api_url=_env("SLACK_API_URL", SLACK_API),
        )
