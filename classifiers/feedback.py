"""Learn from a school's own decisions: train a candidate model with them, measure it beside
the model in use, and say whether to adopt it.

A DSL's confirm and dismiss decisions are the best labels Gatepost will ever see.  The
most recent share of them is held back; the rest join the training rows (trained on in
every fold, never used to calibrate, so thresholds still come from writers the model did
not see).  The candidate is adopted only when neither the sealed test set's macro-F1 nor
agreement with the held-back decisions falls.  The decisions arrive as records (the shape
`review_queue/feedback.py` exports) and never leave the process: the model keeps hashed
n-gram weights, not text.  `monitor/retrain.py` wires this to the database.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from classifiers.base import CATEGORIES, NON_FLAG_CATEGORIES, media_from_json
from classifiers.evaluate import Report, evaluate_jsonl, score_rows, sealed_paths
from classifiers.pipeline import Pipeline
from classifiers.train import LABELS, Row, train

# Share of the decisions, newest first, held back to judge the candidate.
HOLD_BACK_SHARE = 0.25
# Fewer decisions than this and there is nothing to learn or to judge the candidate by.
MIN_DECISIONS = 20
# A decision counts as much as this many corpus posts (not tuned: a school's decisions
# are few beside ~40,000 training rows, and are about its own community).
FEEDBACK_WEIGHT = 2.0


class NotEnoughDecisions(ValueError):
    """Too few decided items to train on and to hold back."""


@dataclasses.dataclass(frozen=True, slots=True)
class Split:
    train: list[Mapping[str, Any]]
    held_back: list[Mapping[str, Any]]


def split_recent(records: Sequence[Mapping[str, Any]], share: float = HOLD_BACK_SHARE) -> Split:
    """The newest `share` of the decisions held back; the rest to train on."""
    if len(records) < MIN_DECISIONS:
        raise NotEnoughDecisions(
            f"{len(records)} decided items; at least {MIN_DECISIONS} are needed to retrain"
        )
    ordered = sorted(records, key=lambda r: datetime.fromisoformat(str(r["decided_at"])))
    n_held = max(1, round(len(ordered) * share))
    return Split(train=ordered[:-n_held], held_back=ordered[-n_held:])


def _labels(record: Mapping[str, Any]) -> frozenset[str]:
    return frozenset(str(c) for c in record.get("label", []) if c in LABELS)


def _known(labels: frozenset[str]) -> frozenset[str]:
    """What a decision answers: every flag category, always; criticism (recognised, never a
    flag) only when the reviewer named it.  A plain dismissal ("not a breach") does not say
    whether the post was criticism, so it neither teaches nor unteaches it."""
    return frozenset(CATEGORIES) | (labels & frozenset(NON_FLAG_CATEGORIES))


def feedback_rows(records: Sequence[Mapping[str, Any]], source: str) -> list[Row]:
    """Training rows from decisions: a dismissal says no flag category applies (and, marked
    "criticism, not misconduct", that the post is criticism); a confirmation says exactly
    the categories the reviewer chose."""
    rows = []
    for r in records:
        labels = _labels(r)
        rows.append(
            Row(
                str(r["text"]),
                media_from_json(r.get("media")),
                labels,
                _known(labels),
                "train",
                source,
                FEEDBACK_WEIGHT,
            )
        )
    return rows


def decision_gold(records: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    """The decisions as gold label lists for scoring: flag categories, and criticism where a
    reviewer named it (so the held-back figures count criticism flagged as abuse)."""
    return [sorted(_labels(r)) for r in records]


def score_decisions(pipeline: Pipeline, records: Sequence[Mapping[str, Any]]) -> Report:
    """How far a pipeline agrees with the reviewers' decisions on these items."""
    items = [(str(r["text"]), media_from_json(r.get("media"))) for r in records]
    return score_rows("held-back decisions", decision_gold(records), pipeline.classify_many(items))


@dataclasses.dataclass(frozen=True, slots=True)
class Comparison:
    current_version: str
    candidate_version: str
    current_sealed: Report
    candidate_sealed: Report
    current_decisions: Report
    candidate_decisions: Report

    @property
    def adopt(self) -> bool:
        """Neither figure falls (ties adopt: the candidate has seen the school's posts)."""
        return (
            self.candidate_sealed.macro_f1 >= self.current_sealed.macro_f1
            and self.candidate_decisions.macro_f1 >= self.current_decisions.macro_f1
        )

    def format(self) -> str:
        rows = [
            ("sealed test set, macro-F1", self.current_sealed.macro_f1, self.candidate_sealed.macro_f1),
            (
                "sealed, harmless posts flagged",
                self.current_sealed.harmless_flagged_rate,
                self.candidate_sealed.harmless_flagged_rate,
            ),
            (
                f"held-back decisions ({self.current_decisions.rows}), macro-F1",
                self.current_decisions.macro_f1,
                self.candidate_decisions.macro_f1,
            ),
            (
                "held-back dismissals flagged again",
                self.current_decisions.harmless_flagged_rate,
                self.candidate_decisions.harmless_flagged_rate,
            ),
        ]
        lines = [f"{'':42s} {self.current_version:>22s} {self.candidate_version:>28s}"]
        lines += [f"{name:42s} {a:22.3f} {b:28.3f}" for name, a, b in rows]
        lines.append(
            "adopted: neither figure fell"
            if self.adopt
            else "not adopted: a figure fell; the model in use stays"
        )
        return "\n".join(lines)


def compare(current: Pipeline, candidate: Pipeline, held_back: Sequence[Mapping[str, Any]]) -> Comparison:
    """Both pipelines on the sealed set (aggregate figures only) and on the held-back decisions."""
    sealed = sealed_paths()
    return Comparison(
        current.model_version,
        candidate.model_version,
        evaluate_jsonl(sealed, current, name="sealed test set"),
        evaluate_jsonl(sealed, candidate, name="sealed test set"),
        score_decisions(current, held_back),
        score_decisions(candidate, held_back),
    )


def train_candidate(
    records: Sequence[Mapping[str, Any]], out_path: Path, version: str, log: Any = print
) -> None:
    """A candidate model at `out_path`, trained on the corpus plus these decisions."""
    train(out_path, log, extra_rows=feedback_rows(records, "feedback"), version=version)
