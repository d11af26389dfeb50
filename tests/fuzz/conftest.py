"""Hypothesis profiles for the fuzzers: `ci` (the default) is quick and reproducible;
`HYPOTHESIS_PROFILE=deep` runs twenty times the examples with fresh randomness."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# discord.py's first import warns about audioop (filterwarnings=error); this one silences it,
# so test modules may `import discord` themselves.
import adapters.discord  # noqa: F401

settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,  # the same inputs on every run: a CI failure reproduces locally
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "deep",
    deadline=None,
    print_blob=True,  # failures print a @reproduce_failure blob
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)
SCALE = 20 if PROFILE == "deep" else 1


def examples(n: int) -> int:
    """A test's example count under the loaded profile."""
    return n * SCALE
