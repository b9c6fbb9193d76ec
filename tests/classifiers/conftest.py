"""Fixtures for the judgement tests: one pipeline per session (loading the model takes a second)."""

from __future__ import annotations

import pytest

from classifiers.base import SchoolContext, StaffRef
from classifiers.pipeline import Pipeline, load_pipeline

HOLLYBROOK = SchoolContext(
    name="Hollybrook Primary School",
    aliases=("Hollybrook", "HPS"),
    town="Ashby Fields",
    staff=(
        StaffRef("Denise Carter", "Headteacher", ("Mrs Carter",)),
        StaffRef("Tom Okafor", "Year 4 teacher"),
    ),
)


@pytest.fixture(scope="session")
def pipeline() -> Pipeline:
    return load_pipeline(HOLLYBROOK)
