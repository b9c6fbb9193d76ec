"""The examples written into config/policy.toml are judged the way the policy says."""

from __future__ import annotations

import tomllib

import pytest

from classifiers.base import CATEGORIES
from classifiers.pipeline import DEFAULT_POLICY_PATH, Pipeline

POLICY = tomllib.loads(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))
# pupil_image examples describe an attachment in brackets; the image tests cover that category.
TEXT_CATEGORIES = [c for c in CATEGORIES if c != "pupil_image"]


@pytest.mark.parametrize("category", TEXT_CATEGORIES)
def test_policy_examples_are_flagged(pipeline: Pipeline, category: str) -> None:
    for text in POLICY["categories"][category]["examples"]:
        assert category in pipeline.classify(text).flags, text


@pytest.mark.parametrize("category", TEXT_CATEGORIES)
def test_policy_not_examples_are_not_flagged(pipeline: Pipeline, category: str) -> None:
    for text in POLICY["categories"][category]["not_examples"]:
        assert category not in pipeline.classify(text).flags, text
