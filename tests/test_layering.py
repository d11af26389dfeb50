"""The core imports no platform library; modules stay small enough to read."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLATFORM = {"discord", "slack_bolt", "slack_sdk"}  # chat platforms; aiohttp is plain HTTP
MAX_LINES = 400


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_imports_no_platform_library():
    offenders = {
        str(p.relative_to(ROOT)): imports(p) & PLATFORM
        for p in (ROOT / "bot").rglob("*.py")
        if imports(p) & PLATFORM
    }
    assert offenders == {}


def test_core_never_imports_adapters():
    offenders = [
        str(p)
        for p in (ROOT / "bot").rglob("*.py")
        if "adapters" in imports(p) and p.name != "cli.py"
    ]
    assert offenders == []


def test_modules_are_small():
    big = {
        str(p.relative_to(ROOT)): n
        for p in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("adapters/**/*.py")]
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert big == {}
