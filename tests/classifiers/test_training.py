"""`gatepost train` from scratch rebuilds exactly the shipped model (and so its measured figures)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from classifiers.model import MODEL_PATH, load_model
from classifiers.train import train


@pytest.mark.slow
@pytest.mark.timeout(1800)  # the writer-grouped cross-validation fits every label six times
def test_retraining_from_scratch_reproduces_the_shipped_model(tmp_path: Path) -> None:
    # Fails too when rules, normalisation or the corpus changed without a retrain: the
    # shipped artifact (and metrics.json, measured from it) would no longer match the code.
    # Everything it reads is in the clone (classifiers/data/written and public).
    rebuilt = train(out_path=tmp_path / "judgement.skops", log=lambda *_: None)
    shipped = load_model(MODEL_PATH)
    assert rebuilt.labels == shipped.labels
    for label in shipped.labels:
        np.testing.assert_array_equal(rebuilt.models[label].coef_, shipped.models[label].coef_, err_msg=label)
        np.testing.assert_array_equal(rebuilt.models[label].intercept_, shipped.models[label].intercept_)
    assert rebuilt.thresholds == shipped.thresholds
    assert rebuilt.calibration == shipped.calibration
