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


def test_harmless_posts_flagged_with_anything_are_counted() -> None:
    gold = [[], ["criticism"], [], ["threat"]]
    report = score_rows("t", gold, [_result("abuse"), _result(), _result(), _result("threat")])
    assert report.harmless_rows == 3 and abs(report.harmless_flagged_rate - 1 / 3) < 1e-3


def test_cohens_kappa_compares_the_two_labellings_per_category(tmp_path: Path) -> None:
    from classifiers.evaluate import agreement

    first = tmp_path / "s01.jsonl"
    rows = [("a", ["threat"]), ("b", []), ("c", ["threat", "abuse"]), ("d", ["criticism"])]
    first.write_text("".join(json.dumps({"id": i, "text": "x", "labels": lab}) + "\n" for i, lab in rows))
    second = tmp_path / "second.jsonl"
    second.write_text(
        "".join(
            json.dumps({"id": i, "labels": lab}) + "\n"
            for i, lab in [("a", ["threat"]), ("b", []), ("c", ["threat"]), ("d", [])]
        )
    )
    report = agreement([first], second)
    assert report is not None and report.rows == 4
    assert report.kappa["threat"] == 1.0 and report.kappa["abuse"] == 0.0
    assert report.exact_match == 0.75  # criticism is not a flag: "d" agrees


def test_the_written_corpus_and_the_sealed_set_are_not_templated() -> None:
    from classifiers.corpus_report import report
    from classifiers.evaluate import sealed_paths
    from classifiers.train import WRITTEN_DIR

    written = report(sorted(WRITTEN_DIR.glob("*.jsonl")))
    assert written.posts >= 6000 and len(written.writers) >= 10
    assert written.near_duplicate_rate < 0.01
    assert all(w.distinct_words > 1500 for w in written.writers)
    assert report(sealed_paths()).near_duplicate_rate < 0.01


def test_evaluate_without_the_public_sets_says_so_and_still_scores_the_sealed_set(
    tmp_path: Path, capsys
) -> None:
    from classifiers.evaluate import main

    assert main(["--all", "--eval-data", str(tmp_path / "absent")]) == 0
    out = capsys.readouterr().out
    assert "sealed test set: 840 rows" in out and "not found" in out and "Cohen's kappa" in out
