"""The examples written into config/policy.toml are judged the way the policy says."""

from __future__ import annotations

import tomllib

import pytest

from classifiers.base import CATEGORIES
from classifiers.pipeline import Pipeline
from classifiers.policy import DEFAULT_POLICY_PATH

POLICY = tomllib.loads(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))
# pupil_image examples describe an attachment in brackets; the image tests cover that category.
TEXT_CATEGORIES = [c for c in CATEGORIES if c != "pupil_image"]
# Examples the shipped model gets wrong (reported in the model card's limitations).
# strict=True: a retrained model that gets one right makes this fail until it is removed.
KNOWN_MISSES: set[tuple[str, str]] = {
    ("incitement", "sign the petition to get Mrs Carter sacked"),
    ("threat", "I'll be raising this at the governors' meeting"),
}


def _cases(key: str) -> list[object]:
    cases: list[object] = []
    for category in TEXT_CATEGORIES:
        for text in POLICY["categories"][category][key]:
            marks = (
                [pytest.mark.xfail(strict=True, reason="known miss")]
                if (category, text) in KNOWN_MISSES
                else []
            )
            cases.append(pytest.param(category, text, marks=marks, id=f"{category}:{text[:30]}"))
    return cases


@pytest.mark.parametrize(("category", "text"), _cases("examples"))
def test_policy_examples_are_flagged(pipeline: Pipeline, category: str, text: str) -> None:
    assert category in pipeline.classify(text).flags


@pytest.mark.parametrize(("category", "text"), _cases("not_examples"))
def test_policy_not_examples_are_not_flagged(pipeline: Pipeline, category: str, text: str) -> None:
    assert category not in pipeline.classify(text).flags
