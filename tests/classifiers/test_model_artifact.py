"""The skops artifact: loading refuses what it does not trust; the card's metrics meet the targets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import skops.io as sio
from sklearn.pipeline import Pipeline as SkPipeline
from sklearn.preprocessing import StandardScaler

from classifiers.base import ClassifierError
from classifiers.model import MODEL_DIR, MODEL_PATH, load_model
from classifiers.model_card import targets
from classifiers.pipeline import load_pipeline


def test_the_shipped_model_loads_with_its_trusted_types() -> None:
    model = load_model(MODEL_PATH)
    assert model.version.startswith("judgement-")
    assert MODEL_PATH.stat().st_size < 30_000_000


def test_an_artifact_with_an_unknown_type_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.skops"
    sio.dump({"format": "gatepost-judgement-1", "x": SkPipeline([("s", StandardScaler())])}, bad)
    with pytest.raises(ClassifierError, match="untrusted types"):
        load_model(bad)


def test_a_file_that_is_not_an_artifact_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "junk.skops"
    bad.write_bytes(b"\x80\x04not a zip at all")
    with pytest.raises(ClassifierError):
        load_model(bad)


def test_a_missing_model_is_a_classifier_error(tmp_path: Path) -> None:
    with pytest.raises(ClassifierError):
        load_pipeline(model_path=tmp_path / "nope.skops")


def test_a_broken_policy_is_refused_when_read(tmp_path: Path) -> None:
    import pydantic

    from classifiers.policy import read_policy

    policy = tmp_path / "policy.toml"
    policy.write_text("[categories.abuse]\nseverity = 'medium'\n")
    with pytest.raises(pydantic.ValidationError):
        read_policy(policy)
    policy.write_bytes(b"\xff\xfe not utf-8")
    with pytest.raises(ClassifierError):
        read_policy(policy)


METRICS = json.loads((MODEL_DIR / "metrics.json").read_text())
# The model card's targets (issue 12), measured on the sealed set and the public sets.
MEASURED = targets(METRICS)
# Targets the shipped model does not reach (the card says so).  strict=True: when a
# retrained model reaches one, this test fails until the name is taken off the list.
NOT_MET: set[str] = {
    "sealed recall >= 0.90 on threat / pupil_image / individual_child",  # pupil_image 0.824
    "HateCheck threat_dir_h flagged threat >= 0.90",  # 0.789
    "OLID test macro-F1 >= 0.75",  # 0.576
    "gatepost classify >= 2,000 posts/s, one core, whole process",  # 871 on hand-written posts
}


@pytest.mark.parametrize(
    "target",
    [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason="not met; see MODEL_CARD.md"))
        if name in NOT_MET
        else name
        for name in MEASURED
    ],
)
def test_the_model_cards_measured_figures_meet_the_targets(target: str) -> None:
    got, ok = MEASURED[target]
    assert ok, f"{target}: measured {got}; see classifiers/model/metrics.json"
