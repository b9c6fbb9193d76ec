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


@pytest.mark.parametrize(
    "text",
    [
        "Holly\u200bbrook head is a liar",  # zero-width space
        "Holly\u00adbrook head is a liar",  # soft hyphen
        "Holly\u2060brook head is a liar",  # word joiner
        "H\u043ellybrook head is a liar",  # Cyrillic o
        "Hollybr\u03bfok head is a liar",  # Greek omicron
        "Hollybr\u00f3ok head is a liar",  # an accent
        "\uff28\uff4f\uff4c\uff4c\uff59\uff42\uff52\uff4f\uff4f\uff4b head is a liar",  # full-width
        "Holly\u202ebrook head is a liar",  # a right-to-left override
    ],
)
def test_one_invisible_or_look_alike_letter_does_not_hide_a_post(text):
    assert SchoolMatcher(HOLLYBROOK).mentions(text)


def test_folding_does_not_invent_a_mention():
    matcher = SchoolMatcher(HOLLYBROOK)
    assert not matcher.mentions("Hollyhock garden open day, Br\u00f3ok Lane")
    assert not matcher.mentions("Holly\u200bbrook Garden Centre sale")  # the exclude phrase still holds
