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


def test_a_broken_policy_is_a_classifier_error(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("[categories.abuse]\nseverity = 'medium'\n")
    with pytest.raises(ClassifierError):
        load_pipeline(policy_path=policy)


METRICS = json.loads((MODEL_DIR / "metrics.json").read_text())
TARGETS = {
    "heldout macro-F1 >= 0.80": lambda m: m["heldout"]["macro_f1"] >= 0.80,
    "heldout threat recall >= 0.90": lambda m: m["heldout"]["recall"]["threat"] >= 0.90,
    "heldout pupil_image recall >= 0.90": lambda m: m["heldout"]["recall"]["pupil_image"] >= 0.90,
    "heldout individual_child recall >= 0.90": lambda m: m["heldout"]["recall"]["individual_child"] >= 0.90,
    "civil criticism false flags <= 5%": lambda m: m["heldout"]["criticism_false_flag_rate"] <= 0.05,
    "HateCheck accuracy > 0.766": lambda m: m["hatecheck"]["accuracy"] > 0.766,
    "HateCheck threat_dir_h threat >= 0.90": lambda m: m["hatecheck"]["threat_dir_h_threat_recall"] >= 0.90,
    "Davidson abuse macro-F1 >= 0.90": lambda m: m["davidson"]["macro_f1"] >= 0.90,
}
# Targets the shipped model does not reach yet (the card says so).  strict=True: when a
# retrained model reaches one, this test fails until the name is taken off the list.
NOT_MET: set[str] = {
    "Davidson abuse macro-F1 >= 0.90",
}


@pytest.mark.parametrize(
    "target",
    [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason="not met; see MODEL_CARD.md"))
        if name in NOT_MET
        else name
        for name in TARGETS
    ],
)
def test_the_model_cards_measured_figures_meet_the_targets(target: str) -> None:
    assert TARGETS[target](METRICS), f"{target}: see classifiers/model/metrics.json"


def test_the_model_card_was_written_from_the_shipped_model() -> None:
    card = (MODEL_DIR / "MODEL_CARD.md").read_text()
    assert METRICS["model_version"] == load_model(MODEL_PATH).version
    assert METRICS["model_version"] in card
