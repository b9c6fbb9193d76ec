"""Which posts count as mentioning the school: whole words, excludes, and short aliases placed at a school."""

from __future__ import annotations

import pytest

from connectors.base import SchoolQuery
from connectors.matching import SchoolMatcher

HOLLYBROOK = SchoolQuery(
    "Hollybrook Primary School",
    aliases=("Hollybrook", "Hollybrook Primary", "HPS"),
    town="Ashby Fields",
    exclude=("Hollybrook Garden Centre", "Hollybrook Road"),
)
MATCHER = SchoolMatcher(HOLLYBROOK)


@pytest.mark.parametrize(
    "text",
    [
        "Hollybrook pickup is chaos again",
        "ＨＯＬＬＹＢＲＯＯＫ is a joke",  # full-width letters fold to plain ones
        "HPS nativity chaos",
        "hps head is useless",
        "HPS, Ashby Fields: anyone else had this letter?",
        "Hollybrook Road is closed but Hollybrook itself is open",
    ],
)
def test_a_post_naming_the_school_is_kept(text: str) -> None:
    assert MATCHER.mentions(text)


@pytest.mark.parametrize(
    "text",
    [
        "Anyone know HPSX tickets?",
        "HPS share price up 4% today",
        "New HPS pump installed at the plant",
        "Hollybrook Garden Centre has a sale on",
        "Roadworks on Hollybrook Road all week",
    ],
)
def test_a_post_about_something_else_is_not(text: str) -> None:
    assert not MATCHER.mentions(text)
