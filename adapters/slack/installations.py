"""Workspaces that installed the app over OAuth, in the project's store, tokens encrypted."""

from __future__ import annotations

import json
import logging
import secrets
import time
from datetime import datetime
from typing import Any

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from bot.errors import ConfigError
from bot.secrets import Vault
from bot.store.base import Store

log = logging.getLogger("setlist.slack")

STATE_SCOPE = "slack.oauth-state"
STATE_TTL = 600.0  # seconds a member has to approve the install on slack.com


def vault(secret_key: str) -> Vault:
    """Workspace tokens need a key the operator keeps: no generated fallback here."""
    if not secret_key:
        raise ConfigError(
            "SETLIST_SECRET_KEY is not set: workspace tokens are stored encrypted. Make one with "
            "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key()"
            ".decode())'` and keep it safe."
        )
    return Vault(secret_key)


def _plain(value: Any) -> Any:
    return value.timestamp() if isinstance(value, datetime) else value


def _name(kind: str, enterprise_id: str | None, team_id: str | None) -> str:
    # An org-wide install has no team; a workspace install may sit in an org.
    return f"slack.{kind}:{enterprise_id or '-'}:{team_id or '-'}"


class StoreInstallations(AsyncInstallationStore):
    """slack_sdk's installation store over Store.get_secret/set_secret: one row a workspace,
    the whole record (tokens included) encrypted with Fernet."""

    def __init__(self, store: Store, secret_key: str) -> None:
        self.store = store
        self.vault = vault(secret_key)

    @property
    def logger(self) -> logging.Logger:
        return log

    async def _put(self, name: str, data: dict[str, Any]) -> None:
        plain = json.dumps({k: _plain(v) for k, v in data.items()}, ensure_ascii=False)
        await self.store.set_secret(name, self.vault.seal(plain))

    async def _get(self, name: str) -> dict[str, Any] | None:
        sealed = await self.store.get_secret(name)
        if sealed is None:
            return None
        try:
            return json.loads(self.vault.open(sealed))
        except ConfigError:
            log.error("%s can't be decrypted: was SETLIST_SECRET_KEY changed?", name)
            return None

    async def async_save(self, installation: Installation) -> None:
        key = _name("installation", installation.enterprise_id, installation.team_id)
        await self._put(key, installation.to_dict_for_copying())
        if installation.bot_token:
            await self.async_save_bot(installation.to_bot())

    async def async_save_bot(self, bot: Bot) -> None:
        await self._put(_name("bot", bot.enterprise_id, bot.team_id), bot.to_dict_for_copying())

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        data = await self._get(
            _name("bot", enterprise_id, None if is_enterprise_install else team_id)
        )
        return Bot(**data) if data else None

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        team = None if is_enterprise_install else team_id
        data = await self._get(_name("installation", enterprise_id, team))
        if data is None or (user_id and data.get("user_id") != user_id):
            return None
        return Installation(**data)

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.store.set_secret(_name("bot", enterprise_id, team_id), None)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await self.store.set_secret(_name("installation", enterprise_id, team_id), None)


class StoreStates(AsyncOAuthStateStore):
    """OAuth `state` values, each usable once within STATE_TTL (it stops forged callbacks)."""

    def __init__(self, store: Store, ttl: float = STATE_TTL) -> None:
        self.store = store
        self.ttl = ttl

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(24)
        await self.store.set_setting(STATE_SCOPE, state, str(time.time() + self.ttl))
        return state

    async def async_consume(self, state: str) -> bool:
        expires = await self.store.get_setting(STATE_SCOPE, state)
        if expires is None:
            return False
        await self.store.set_setting(STATE_SCOPE, state, None)
        return time.time() < float(expires)
