"""The fake Messages API and Claude planners wired to it through the real SDK."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from bot.catalog.index import Catalog
from bot.config import Settings
from bot.planner.claude import FallbackPlanner, claude_planner
from bot.planner.offline import OfflinePlanner
from tests.fakes.anthropic_api import KEY, FakeAnthropic


class Clock:
    """A hand-wound clock for the planner's cool-down."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def fake(builtin: Catalog) -> AsyncIterator[FakeAnthropic]:
    async with FakeAnthropic(builtin, seed=7) as server:
        server.retry_after_ms = 5  # keep the SDK's retries quick in tests
        yield server


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def make_claude(
    fake: FakeAnthropic, builtin: Catalog, clock: Clock
) -> AsyncIterator[Callable[..., FallbackPlanner]]:
    made: list[FallbackPlanner] = []

    def make(key: str = KEY, model: str = "claude-haiku-5-5", **options) -> FallbackPlanner:
        settings = Settings(
            db=":memory:", anthropic_api_key=key, anthropic_base_url=fake.url, model=model
        )
        options.setdefault("deadline", 5.0)
        planner = claude_planner(
            settings,
            OfflinePlanner(builtin),
            clock=clock,
            max_retries=options.pop("max_retries", 2),
            timeout=options.pop("timeout", 3.0),
            _strict_response_validation=True,
            **options,
        )
        made.append(planner)
        return planner

    yield make
    for planner in made:
        await planner.aclose()


@pytest.fixture
def claude(make_claude: Callable[..., FallbackPlanner]) -> FallbackPlanner:
    return make_claude()
