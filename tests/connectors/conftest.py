"""Shared fixtures for connector tests: the school, and a sleep that records instead of sleeping."""

from __future__ import annotations

import pytest

from connectors.base import SchoolQuery

HOLLYBROOK = SchoolQuery(
    name="Hollybrook Primary School",
    aliases=("Hollybrook", "Hollybrook Primary", "HPS"),
    town="Ashby Fields",
    exclude=("Hollybrook Garden Centre", "Hollybrook Road"),
)


class RecordedSleep:
    """Stands in for time.sleep in retry and rate-limit paths: records, never waits."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def school() -> SchoolQuery:
    return HOLLYBROOK


@pytest.fixture
def sleeps() -> RecordedSleep:
    return RecordedSleep()
