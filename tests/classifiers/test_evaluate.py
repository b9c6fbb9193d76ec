from __future__ import annotations

import json
from pathlib import Path

from classifiers.base import Classification
from classifiers.evaluate import davidson_scores, evaluate_jsonl, score_rows
from classifiers.pipeline import Pipeline


def _result(*flags: str) -> Classification:
    return Classification(flags=flags, scores={}, severity="none")


def test_per_category_scores_and_macro_f1_are_computed_from_flags() -> None:
    gold = [["abuse"], ["abuse"], [], ["criticism"], ["criticism"]]
    results = [_result("abuse"), _result(), _result("abuse"), _result(), _result("defamation")]
    report = score_rows("t", gold, results)
    abuse = next(c for c in report.categories if c.category == "abuse")
    assert (abuse.precision, abuse.recall, abuse.support) == (0.5, 0.5, 2)
    assert report.criticism_rows == 2 and report.criticism_false_flag_rate == 0.5
    assert abs(report.macro_f1 - 0.5 / 7) < 1e-3


def test_davidson_macro_f1_averages_both_classes() -> None:
    r = davidson_scores([True, True, False, False], [True, False, False, False])
    assert r.rows == 4 and abs(r.macro_f1 - (2 / 3 + 0.8) / 2) < 1e-3


def test_evaluate_jsonl_reads_classify_lines_with_labels_and_skips_broken_ones(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    path = tmp_path / "gold.jsonl"
    lines = [
        json.dumps({"id": "1", "text": "the door code at Hollybrook is 4471", "labels": ["security"]}),
        "{not json",
        json.dumps({"id": "2", "text": "lovely assembly today", "labels": []}),
    ]
    path.write_text("\n".join(lines) + "\n")
    report = evaluate_jsonl(path, pipeline)
    assert report.rows == 2 and report.errors == 1
    assert "macro-F1" in report.format()
