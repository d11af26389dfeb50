"""Anthropic: the key, and that the configured model exists (the Models API)."""

from __future__ import annotations

import asyncio
import importlib
from typing import Any

from bot.config import MODEL, Settings
from bot.doctor.result import Result, off, ok, problem, unreachable, where
from bot.store.base import Store

NAME = "anthropic"
KEYS = "https://console.anthropic.com/settings/keys"
MODELS = f"SETLIST_MODEL to a current model id, e.g. {MODEL} (the default) or claude-sonnet-5-5"


async def warm_up(settings: Settings) -> None:
    """Import the SDK, when it will be used, in a thread before any check's clock starts: it
    takes longer to import than the other checks take to run, and would block the loop."""
    if settings.anthropic_api_key:
        await asyncio.to_thread(importlib.import_module, "anthropic")


async def check(settings: Settings, store: Store | None) -> list[Result]:
    if not settings.anthropic_api_key:
        return [off(NAME, "not configured: the offline planner plans (set ANTHROPIC_API_KEY)")]
    import anthropic  # imported by warm_up, off the clock
    from anthropic import AsyncAnthropic

    options: dict[str, Any] = {
        "api_key": settings.anthropic_api_key,
        "timeout": anthropic.Timeout(8.0, connect=5.0),
        "max_retries": 0,  # one honest answer; the planner's own retries are for chats
    }
    if settings.anthropic_base_url:  # as claude_planner: else the SDK reads ANTHROPIC_BASE_URL
        options["base_url"] = settings.anthropic_base_url
    model = settings.model
    async with AsyncAnthropic(**options) as client:
        base = where(str(client.base_url))
        try:
            info = await client.models.retrieve(model)
        except anthropic.AuthenticationError:
            return [
                problem(
                    NAME,
                    "Anthropic refused ANTHROPIC_API_KEY (401): the key is wrong or revoked",
                    f"create a key at {KEYS} and set ANTHROPIC_API_KEY",
                )
            ]
        except anthropic.PermissionDeniedError as exc:
            return [
                problem(
                    NAME,
                    f"Anthropic refused the key (403): {exc.message}",
                    f"check the key's workspace and organization at {KEYS}",
                )
            ]
        except anthropic.NotFoundError:
            return [
                problem(
                    NAME,
                    f"no model {model!r} (404): SETLIST_MODEL names a model that doesn't exist",
                    f"set {MODELS}",
                )
            ]
        except anthropic.APIStatusError as exc:
            return [
                problem(
                    NAME,
                    f"Anthropic answered {exc.status_code} at {base}",
                    "try again in a minute (status.anthropic.com)",
                )
            ]
        except anthropic.APIConnectionError as exc:  # APITimeoutError too
            return [unreachable(NAME, "Anthropic", base, exc, "ANTHROPIC_BASE_URL")]
    detail = f"{info.id} ({info.display_name}) answers with this key"
    if info.lifecycle == "retired":
        return [problem(NAME, f"{info.id} is retired: requests naming it fail", f"set {MODELS}")]
    if info.lifecycle == "deprecated":
        retires = f", retiring {info.retires_at:%Y-%m-%d}" if info.retires_at else ""
        detail += f"; deprecated{retires}: move SETLIST_MODEL to a current model"
    return [ok(NAME, detail)]
