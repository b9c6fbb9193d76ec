"""Rebuild the judgement model from the shipped hand-written corpus and permitted public data, reproducibly.

What it trains on, all of it in this repository (nothing is read from outside it):
- the hand-written corpus, `classifiers/data/written/*.jsonl`: posts written one at a time
  by independent writers, each with labels and a one-line reason;
- the public rows `shared/eval-data/README.md` allows, shipped under
  `classifiers/data/public/` with their licences (Davidson training rows, EDOS train/dev).

Calibration and thresholds come from a cross-validation grouped by writer: each writer's
posts are scored by a model that never saw that writer, and those out-of-fold scores set
every label's Platt calibration and threshold.  The same folds, run through the whole
pipeline, give the writer-grouped figure the model card shows beside the sealed one.
The final model then trains on every row.  Every estimator has a fixed seed, so running
it twice gives the same coefficients.

Never used for training: the sealed test set (`classifiers/data/sealed/`), HateCheck (a
test suite), OLID and ETHOS (licences), the Davidson evaluation rows, EDOS `test`, and the
retired generator-era corpus (`corpus.jsonl`, `heldout.jsonl`).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import functools
import html
import json
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from classifiers.base import CATEGORIES, NON_FLAG_CATEGORIES, MediaInfo, media_from_json
from classifiers.model import MODEL_PATH, TextModel, featurise, make_vectorizers
from classifiers.pipeline import Pipeline, prepare
from classifiers.policy import read_policy
from classifiers.rules import RuleAnnotator

SEED = 1729
LABELS: tuple[str, ...] = (*CATEGORIES, *NON_FLAG_CATEGORIES)
DATA_DIR = Path(__file__).parent / "data"
WRITTEN_DIR = DATA_DIR / "written"
PUBLIC_DIR = DATA_DIR / "public"
# Inverse regularisation strength: chosen by the writer-grouped cross-validation (2, 4, 8 tried).
C_VALUE = 4.0
# Writers are dealt into this many folds; each fold's writers are scored by a model without them.
CV_FOLDS = 5
# Recall-first categories (a missed one can hurt a child): the threshold is the highest one
# that still reaches this recall on the out-of-fold scores.
RECALL_FIRST = {"threat": 0.90, "pupil_image": 0.90, "individual_child": 0.90}
# Weight of a public Davidson tweet against one hand-written post.  Davidson is American
# Twitter, 83% "offensive": more weight lets its slang decide what "abuse" means for a
# school's parents.
DAVIDSON_WEIGHT = 0.5
EDOS_WEIGHT = 0.5
# Public rows only teach the school-specific categories what a negative looks like; a
# quarter of them is plenty for that and keeps training to a few minutes on two cores.
PUBLIC_NEGATIVE_SHARE = 4
PUBLIC_LABELS = ("abuse", "threat")
PUBLIC_SOURCES = frozenset({"davidson", "edos"})
MODEL_VERSION = "judgement-0.3"

P = ParamSpec("P")
R = TypeVar("R")


@dataclasses.dataclass
class Row:
    text: str
    media: tuple[MediaInfo, ...]
    labels: frozenset[str]
    known: frozenset[str]  # labels this row gives an answer for (others are masked out)
    split: str  # train | val (public validation rows are never trained on)
    source: str  # "written:<writer>", "davidson" or "edos"
    weight: float = 1.0

    @property
    def written(self) -> bool:
        return self.source.startswith("written:")

    @property
    def public(self) -> bool:
        return self.source in PUBLIC_SOURCES


_HANDLE_RE = re.compile(r"@\w+")


def clean_tweet(text: str) -> str:
    """Davidson tweets as both training and evaluation read them: entities decoded, handles as @user."""
    return _HANDLE_RE.sub("@user", html.unescape(text))


def read_labelled(path: Path) -> list[dict[str, Any]]:
    """Labelled posts from a JSONL file (the written-corpus and sealed-set line shape)."""
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def written_rows(directory: Path = WRITTEN_DIR) -> list[Row]:
    """Every hand-written post, tagged with its writer (the cross-validation's groups)."""
    rows: list[Row] = []
    for path in sorted(directory.glob("*.jsonl")):
        for r in read_labelled(path):
            labels = frozenset(str(x) for x in r.get("labels", []) if x in LABELS)
            rows.append(
                Row(
                    str(r["text"]),
                    media_from_json(r.get("media")),
                    labels,
                    frozenset(LABELS),
                    "train",
                    f"written:{r.get('writer') or path.stem}",
                )
            )
    return rows


def davidson_rows(public_dir: Path = PUBLIC_DIR, weight: float = DAVIDSON_WEIGHT) -> list[Row]:
    """Davidson training rows (shipped: 0-based data-row index not a multiple of 5)."""
    path = public_dir / "davidson2017" / "labeled_data_train.csv"
    rows: list[Row] = []
    known = frozenset(LABELS) - {"threat"}
    with path.open(encoding="utf-8", newline="") as f:
        for rec in csv.DictReader(f):
            i = int(rec["data_row"])
            if i % 5 == 0:
                continue  # the evaluation split (not shipped; refused here too)
            labels = frozenset({"abuse"}) if rec["class"] in ("0", "1") else frozenset()
            split = "val" if i % 5 == 1 and i % 2 == 0 else "train"
            rows.append(Row(clean_tweet(rec["tweet"]), (), labels, known, split, "davidson", weight))
    return rows


def edos_rows(public_dir: Path = PUBLIC_DIR, weight: float = EDOS_WEIGHT) -> list[Row]:
    path = public_dir / "edos" / "edos_train_dev.csv"
    rows: list[Row] = []
    with path.open(encoding="utf-8", newline="") as f:
        for rec in csv.DictReader(f):
            if rec["split"] not in ("train", "dev"):
                continue
            sexist = rec["label_sexist"] == "sexist"
            threat = rec["label_category"].startswith("1.")
            labels = {"abuse"} if sexist else set()
            if threat:
                labels.add("threat")
            known = set(LABELS) if sexist else set(LABELS) - {"abuse"}
            split = "val" if rec["split"] == "dev" else "train"
            text = rec["text"].replace("[USER]", "@user").replace("[URL]", "http://url")
            rows.append(Row(text, (), frozenset(labels), frozenset(known), split, "edos", weight))
    return rows


def _choose_threshold(label: str, y: np.ndarray, p: np.ndarray) -> float:
    """Recall-first labels: the highest threshold that keeps the target recall; others: best F1."""
    pos = float(y.sum())
    if pos == 0:
        return 0.5
    target = RECALL_FIRST.get(label)
    best_t, best_f = 0.5, -1.0
    for t in np.unique(np.round(p, 4)):
        pred = p >= t
        tp = float((pred & (y == 1)).sum())
        recall = tp / pos
        if target is not None:
            if recall >= target:
                best_t = float(t)  # candidates ascend, so the last one that qualifies wins
            continue
        precision = tp / max(float(pred.sum()), 1.0)
        f1 = 2 * precision * recall / max(precision + recall, 1e-9)
        if f1 > best_f:
            best_t, best_f = float(t), f1
    return float(min(max(best_t, 0.05), 0.95))


def _f1(y: np.ndarray, pred: np.ndarray) -> float:
    tp = float((pred & (y == 1)).sum())
    p = tp / max(float(pred.sum()), 1.0)
    r = tp / max(float(y.sum()), 1.0)
    return 2 * p * r / max(p + r, 1e-9)


def _balanced_threshold(
    y_posts: np.ndarray, p_posts: np.ndarray, y_pub: np.ndarray, p_pub: np.ndarray
) -> float:
    """The threshold maximising the mean of the written posts' F1 and the public set's macro-F1."""
    best_t, best = 0.5, -1.0
    for t in np.linspace(0.05, 0.95, 91):
        f_c = _f1(y_posts, p_posts >= t)
        pred = p_pub >= t
        macro = (_f1(y_pub, pred) + _f1(1 - y_pub, ~pred)) / 2 if len(y_pub) else f_c
        score = (f_c + macro) / 2
        if score > best:
            best_t, best = float(t), score
    return best_t


def writer_folds(rows: Sequence[Row], folds: int = CV_FOLDS) -> np.ndarray:
    """The fold of each row: writers dealt round-robin in sorted order; -1 for public rows."""
    writers = sorted({r.source for r in rows if r.written})
    fold_of = {w: n % folds for n, w in enumerate(writers)}
    return np.array([fold_of.get(r.source, -1) for r in rows])


def _fit_all(
    x: sp.csr_matrix, rows: Sequence[Row], idx: np.ndarray, c_value: float
) -> dict[str, LogisticRegression]:
    """One logistic regression per label on the rows `idx`, each on the rows that answer for it."""
    weights = np.array([r.weight for r in rows])
    public_keep = np.array([not r.public or i % PUBLIC_NEGATIVE_SHARE == 0 for i, r in enumerate(rows)])
    models: dict[str, LogisticRegression] = {}
    for label in LABELS:
        known = np.array([label in r.known for r in rows])
        if label not in PUBLIC_LABELS:
            known &= public_keep
        y = np.array([1 if label in r.labels else 0 for r in rows])
        tr = idx[known[idx]]
        clf = LogisticRegression(
            C=c_value,
            solver="liblinear",
            class_weight=None if label == "abuse" else "balanced",
            max_iter=200,
            tol=1e-3,
            random_state=SEED,
        )
        clf.fit(x[tr], y[tr], sample_weight=weights[tr])
        models[label] = clf
    return models


def _decisions(models: dict[str, LogisticRegression], x: sp.csr_matrix) -> np.ndarray:
    return np.column_stack([models[label].decision_function(x) for label in LABELS])


@dataclasses.dataclass(frozen=True)
class Prepared:
    rows: list[Row]
    prepared: list[Any]
    x: sp.csr_matrix
    vectorizers: tuple[Any, Any, TfidfTransformer, TfidfTransformer]


def prepare_rows(rows: list[Row], log: Any = print) -> Prepared:
    """spaCy rules and features for every row, and the TF-IDF fitted on the training rows."""
    t0 = time.monotonic()
    annotator = RuleAnnotator(None)
    prepared: list[Any] = []
    for i in range(0, len(rows), 2000):
        prepared.extend(prepare(annotator, [(r.text, r.media) for r in rows[i : i + 2000]]))
    texts = [p.model_text for p in prepared]
    word_vec, char_vec = make_vectorizers()
    train_texts = [t for t, r in zip(texts, rows, strict=True) if r.split == "train"]
    word_tfidf = TfidfTransformer(sublinear_tf=True).fit(word_vec.transform(train_texts))
    char_tfidf = TfidfTransformer(sublinear_tf=True).fit(char_vec.transform(train_texts))
    x = featurise(texts, [p.features for p in prepared], word_vec, char_vec, word_tfidf, char_tfidf)
    log(f"features: {x.shape[1]} columns for {len(rows)} rows; prepared in {time.monotonic() - t0:.1f}s")
    return Prepared(rows, prepared, x, (word_vec, char_vec, word_tfidf, char_tfidf))


def _model(
    data: Prepared,
    models: dict[str, LogisticRegression],
    cal: dict[str, list[float]],
    thresholds: dict[str, float],
    metadata: dict[str, Any] | None = None,
    version: str = MODEL_VERSION,
) -> TextModel:
    word_vec, char_vec, word_tfidf, char_tfidf = data.vectorizers
    return TextModel(
        LABELS, word_vec, char_vec, word_tfidf, char_tfidf, models, cal, thresholds, version, metadata
    )


def _one_thread(fn: Callable[P, R]) -> Callable[P, R]:
    """`fn` with every BLAS and OpenMP pool held to one thread while it runs."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with threadpool_limits(limits=1):
            return fn(*args, **kwargs)

    return run


@_one_thread
def train(
    out_path: Path = MODEL_PATH,
    log: Any = print,
    *,
    written_dir: Path = WRITTEN_DIR,
    public_dir: Path = PUBLIC_DIR,
    davidson_weight: float = DAVIDSON_WEIGHT,
    edos_weight: float = EDOS_WEIGHT,
    c_value: float = C_VALUE,
    extra_rows: Sequence[Row] = (),
    version: str = MODEL_VERSION,
) -> TextModel:
    """Cross-validate by writer, calibrate, choose thresholds, train on everything, save; return the model.

    On one thread: on more, BLAS adds up in another order and the coefficients (so the
    shipped model) differ in the fourth decimal from one machine or run to another.

    The keyword settings are for experiments (`python -m classifiers.train --out ...`);
    the shipped model is trained with the defaults.  `extra_rows` (a school's own decisions,
    classifiers/feedback.py) are trained on in every fold and never held out, so the
    calibration and thresholds still come from writers the model did not see.
    """
    t0 = time.monotonic()
    rows = (
        written_rows(written_dir)
        + davidson_rows(public_dir, davidson_weight)
        + edos_rows(public_dir, edos_weight)
        + list(extra_rows)
    )
    log(f"rows: {len(rows)} ({sum(r.written for r in rows)} hand-written)")
    data = prepare_rows(rows, log)
    x = data.x
    fold = writer_folds(rows)
    train_idx = np.array([i for i, r in enumerate(rows) if r.split == "train"])
    written = np.array([r.written for r in rows])
    # Out-of-fold decision values for every hand-written row (and the public validation rows,
    # which no fold trains on, averaged over the folds).
    oof = np.zeros((len(rows), len(LABELS)))
    fold_models: list[tuple[np.ndarray, dict[str, LogisticRegression]]] = []
    public_val = np.array([not r.written and r.split == "val" for r in rows])
    for k in range(CV_FOLDS):
        held = fold == k
        if not held.any():
            continue
        models = _fit_all(x, rows, train_idx[~held[train_idx]], c_value)
        oof[held] = _decisions(models, x[held])
        oof[public_val] += _decisions(models, x[public_val]) / CV_FOLDS
        fold_models.append((held, models))
        log(f"  fold {k}: {int(held.sum())} posts held out ({time.monotonic() - t0:.0f}s)")
    calibration: dict[str, list[float]] = {}
    thresholds: dict[str, float] = {}
    report: dict[str, dict[str, float]] = {}
    for j, label in enumerate(LABELS):
        y = np.array([1 if label in r.labels else 0 for r in rows])
        known = np.array([label in r.known for r in rows])
        d = oof[written, j].reshape(-1, 1)
        platt = LogisticRegression(C=1e4, solver="lbfgs", random_state=SEED).fit(d, y[written])
        a, b = float(platt.coef_[0][0]), float(platt.intercept_[0])
        calibration[label] = [a, b]
        p = 1.0 / (1.0 + np.exp(-np.clip(oof[:, j] * a + b, -40, 40)))
        if label == "abuse":
            # Abuse must also hold on public tweets: balance the posts' F1 with Davidson's macro-F1.
            dav = np.array([r.source == "davidson" for r in rows]) & public_val & known
            thresholds[label] = _balanced_threshold(y[written], p[written], y[dav], p[dav])
        else:
            thresholds[label] = _choose_threshold(label, y[written], p[written])
        pred = p[written] >= thresholds[label]
        yy = y[written]
        tp = float((pred & (yy == 1)).sum())
        prec, rec = tp / max(float(pred.sum()), 1.0), tp / max(float(yy.sum()), 1.0)
        report[label] = {
            "threshold": round(thresholds[label], 4),
            "precision": round(prec, 4),
            "recall": round(rec, 4),
            "f1": round(2 * prec * rec / max(prec + rec, 1e-9), 4),
        }
        log(f"  {label:17s} thr={thresholds[label]:.3f} out-of-fold {report[label]}")
    cv = cross_validated_pipeline(data, fold_models, calibration, thresholds)
    log(f"writer-grouped cross-validation, whole pipeline: macro-F1 {cv['macro_f1']:.3f}")
    final = _fit_all(x, rows, train_idx, c_value)
    metadata = {
        "trained_rows": len(train_idx),
        "written_rows": int(written.sum()),
        "writers": sorted({r.source.removeprefix("written:") for r in rows if r.written}),
        "sources": sorted({r.source.split(":")[0] for r in rows}),
        "seed": SEED,
        "C": c_value,
        "davidson_weight": davidson_weight,
        "edos_weight": edos_weight,
        "cv_folds": CV_FOLDS,
        "out_of_fold_model": report,
        "writer_grouped_cv": cv,
    }
    if extra_rows:
        metadata["extra_rows"] = len(extra_rows)
    model = _model(data, final, calibration, thresholds, metadata, version)
    model.save(out_path)
    log(f"saved {out_path} ({out_path.stat().st_size / 1e6:.1f} MB) in {time.monotonic() - t0:.1f}s")
    return model


def cross_validated_pipeline(
    data: Prepared,
    fold_models: Sequence[tuple[np.ndarray, dict[str, LogisticRegression]]],
    calibration: dict[str, list[float]],
    thresholds: dict[str, float],
) -> dict[str, Any]:
    """The whole pipeline (rules, floors, ceilings) on each fold's writers, with that fold's model."""
    from classifiers.evaluate import report_json, score_rows

    policy = read_policy()
    annotator = RuleAnnotator(None)
    gold: list[frozenset[str]] = []
    results = []
    for held, models in fold_models:
        pipeline = Pipeline(_model(data, models, calibration, thresholds), annotator, policy)
        idx = [i for i in np.flatnonzero(held)]
        items = [(data.rows[i].text, data.rows[i].media) for i in idx]
        results += pipeline.classify_prepared([data.prepared[i] for i in idx], items)
        gold += [data.rows[i].labels for i in idx]
    return report_json(score_rows("writer-grouped CV", gold, results))


def main(argv: Sequence[str] | None = None) -> int:
    """`gatepost train`; with --out and the settings, an experiment beside the shipped model.

    An experiment: `python -m classifiers.train --out /tmp/try.skops --davidson-weight 1 --C 8`
    (a few minutes), then `gatepost evaluate --model /tmp/try.skops`.
    """
    ap = argparse.ArgumentParser(prog="gatepost train", description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=MODEL_PATH, help="where to save (default: the shipped model)")
    ap.add_argument("--davidson-weight", type=float, default=DAVIDSON_WEIGHT)
    ap.add_argument("--edos-weight", type=float, default=EDOS_WEIGHT)
    ap.add_argument("--C", dest="c_value", type=float, default=C_VALUE, help="inverse regularisation")
    ns = ap.parse_args(argv)
    train(ns.out, davidson_weight=ns.davidson_weight, edos_weight=ns.edos_weight, c_value=ns.c_value)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
