"""Settings from the environment. Secrets never appear in repr or logs."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir


def default_db() -> Path:
    return Path(user_data_dir("setlist", appauthor=False)) / "setlist.db"


@dataclass(frozen=True, slots=True)
class Settings:
    db: str

    @classmethod
    def from_env(cls, db: str | None = None) -> Settings:
        return cls(db=db or os.environ.get("SETLIST_DB") or str(default_db()))
