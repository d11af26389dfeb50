"""Secrets at rest: Fernet, keyed by SETLIST_SECRET_KEY (or a key generated beside a SQLite DB).
Every value the vault seals or opens is also redacted from the logs from then on."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from bot.errors import ConfigError
from bot.logs import remember_secret

log = logging.getLogger("setlist.secrets")
KEY_FILE = "secret.key"
MAKE_KEY = (
    'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)


class Vault:
    """Encrypts what the store keeps; the key never touches the database."""

    def __init__(self, key: str) -> None:
        try:
            self._fernet = Fernet(key.encode())
        except (ValueError, TypeError):
            raise ConfigError(
                "SETLIST_SECRET_KEY is not a Fernet key (32 url-safe base64 bytes). Make one: "
                + MAKE_KEY
            ) from None
        remember_secret(key)  # a generated key is in no setting, yet must never be logged

    def seal(self, plain: str) -> str:
        remember_secret(plain)
        return self._fernet.encrypt(plain.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            plain = self._fernet.decrypt(sealed.encode()).decode()
            remember_secret(plain)
            return plain
        except InvalidToken:
            raise ConfigError(
                "A stored secret can't be decrypted with this SETLIST_SECRET_KEY: was the key "
                "changed? Restore it, or log in again (`setlist spotify login`)."
            ) from None

    @classmethod
    def for_settings(cls, secret_key: str, db: str) -> Vault:
        """The configured key, else one generated and saved next to a SQLite database (with a
        warning: whoever can read that file can read the tokens)."""
        if secret_key:
            return cls(secret_key)
        if "://" in db and not db.startswith("sqlite:///"):
            # A database server: several processes (and hosts) share it, so they must share
            # one key, and there is no folder of the database to keep a generated one in.
            raise ConfigError(
                "SETLIST_SECRET_KEY is required with a database server (SETLIST_DATABASE_URL): "
                "every process using that database must share one key. Make one: " + MAKE_KEY
            )
        db = db.removeprefix("sqlite:///")
        folder = Path(db).parent if db != ":memory:" else Path.cwd()
        path = folder / KEY_FILE
        if path.exists():
            return cls(path.read_text().strip())
        key = Fernet.generate_key().decode()
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        log.warning(
            "SETLIST_SECRET_KEY is not set: generated a key and saved it in %s. Set "
            "SETLIST_SECRET_KEY in production and keep it out of backups of the DB.",
            path,
        )
        return cls(key)
