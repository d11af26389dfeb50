"""What a check found, how it reads, and how secrets are kept out of it."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.config import Settings
from bot.logs import configured_secrets
from bot.store.base import Store

OK, PROBLEM, OFF = "ok", "problem", "not configured"
MARK = {OK: "✓", PROBLEM: "✗", OFF: "–"}


@dataclass(frozen=True, slots=True)
class Result:
    check: str  # "database", "spotify", "slack socket mode", …
    status: str  # OK, PROBLEM or OFF
    detail: str
    fix: str = ""  # for a problem: what to do about it


def ok(check: str, detail: str) -> Result:
    return Result(check, OK, detail)


def problem(check: str, detail: str, fix: str) -> Result:
    return Result(check, PROBLEM, detail, fix)


def unreachable(check: str, service: str, url: str, exc: BaseException, setting: str) -> Result:
    """The service didn't answer at all: name where we looked and the setting that says so."""
    return problem(
        check,
        f"can't reach {service} at {where(url)} ({exc.__class__.__name__})",
        f"check the network, and {setting} if you set it",
    )


def off(check: str, detail: str) -> Result:
    return Result(check, OFF, detail)


# A service check: the settings and the opened store (None when the database failed).
Check = Callable[[Settings, Store | None], Awaitable[list[Result]]]


def secret_values(settings: Settings) -> list[str]:
    """Every value that must never be printed (as the logs redact them), longest first, so a
    secret containing another is removed whole."""
    return sorted({s for s in configured_secrets(settings) if len(s) >= 4}, key=len, reverse=True)


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "[redacted]")
    return text


def scrubbed(results: list[Result], settings: Settings) -> list[Result]:
    """The results with any secret value taken out (a library's message may quote one)."""
    secrets = secret_values(settings)
    return [
        dataclasses.replace(r, detail=redact(r.detail, secrets), fix=redact(r.fix, secrets))
        for r in results
    ]


def where(url: str) -> str:
    """A URL fit to print: scheme, user, host, port and path, never a password."""
    parts = urlsplit(url)
    if not parts.hostname:
        return url
    user = f"{parts.username}@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{user}{parts.hostname}{port}{parts.path}"


def text(results: list[Result]) -> str:
    width = max(len(r.check) for r in results)
    lines = []
    for r in results:
        lines.append(f"{MARK[r.status]} {r.check.ljust(width)}  {r.detail}")
        if r.fix:
            lines.append(f"  {' ' * width}  fix: {r.fix}")
    problems = [r.check for r in results if r.status == PROBLEM]
    if problems:
        names = ", ".join(dict.fromkeys(problems))
        lines.append(f"\n{len(problems)} problem{'s' * (len(problems) > 1)}: {names}.")
    else:
        lines.append("\nEverything configured works.")
    return "\n".join(lines)


def as_json(results: list[Result]) -> str:
    problems = sum(r.status == PROBLEM for r in results)
    return json.dumps(
        {
            "ok": problems == 0,
            "problems": problems,
            "checks": [
                {"check": r.check, "status": r.status, "detail": r.detail, "fix": r.fix or None}
                for r in results
            ],
        },
        ensure_ascii=False,
        indent=2,
    )
