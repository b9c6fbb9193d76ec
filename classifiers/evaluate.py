"""Measure the judgement pipeline on labelled data it never trained on, and print the figures.

* `evaluate_jsonl(paths)`: lines shaped like `classify` input plus `labels` (a list of
  categories); per-category precision, recall and F1, the macro-F1 over the seven flag
  categories, the share of harmless posts flagged with anything, and the civil-criticism
  false-flag rate (rows labelled only `criticism` that come out flagged `abuse` or
  `defamation`).  With no file named, the sealed test set: posts written by writers who
  wrote no training rows, about schools that appear nowhere else.  Only these aggregate
  figures are ever read from it.
* `agreement()`: Cohen's kappa per category between the sealed set's labels and a second,
  independent labelling of a sample of it.
* `evaluate_hatecheck(dir)`: HateCheck's published gold labels, leaving out only
  `target_indiv_nh`; hateful should be flagged `abuse` or `threat`, non-hateful should
  not.  Also the share of `threat_dir_h` cases flagged `threat`.
* `evaluate_davidson(dir)`: the Davidson et al. 2017 evaluation split (0-based data-row
  index a multiple of 5): macro-F1 of `abuse` for "offensive or hate" vs "neither".
* `evaluate_olid(dir)`: OLID's official level-A test set (real tweets, never trained on):
  macro-F1 of `abuse` or `threat` for OFF vs NOT.

The public evaluation sets are not shipped (HateCheck and OLID may not be trained on or
redistributed with the model); they are read from an eval-data folder, by default
`../shared/eval-data` beside the clone, and left out with a note when it is absent.

`main()` is what `gatepost evaluate` calls.  This module never trains anything.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from classifiers.base import CATEGORIES, Classification, MediaInfo, media_from_json
from classifiers.model_card import render_card
from classifiers.pipeline import Pipeline, load_pipeline
from classifiers.train import clean_tweet

DEFAULT_EVAL_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "eval-data"
SEALED_DIR = Path(__file__).parent / "data" / "sealed"
# A second, independent labelling of a random sample of the sealed set (ids and labels only).
SECOND_LABELS_PATH = SEALED_DIR / "agreement" / "second_labels.jsonl"
# Posts are judged in batches this size: large enough for spaCy's pipe to pay off.
BATCH = 1000


@dataclasses.dataclass(frozen=True, slots=True)
class CategoryScore:
    category: str
    support: int
    precision: float
    recall: float
    f1: float


@dataclasses.dataclass(frozen=True, slots=True)
class Report:
    """Per-category scores for one labelled file."""

    name: str
    rows: int
    categories: tuple[CategoryScore, ...]
    macro_f1: float
    criticism_rows: int
    criticism_false_flag_rate: float
    errors: int = 0
    # Posts labelled harmless (no flag category; criticism included) that came out flagged.
    harmless_rows: int = 0
    harmless_flagged_rate: float = 0.0

    def format(self) -> str:
        lines = [
            f"{self.name}: {self.rows} rows" + (f" ({self.errors} unreadable lines)" if self.errors else "")
        ]
        lines.append(f"{'category':18s} {'support':>7s} {'precision':>9s} {'recall':>7s} {'F1':>6s}")
        for c in self.categories:
            lines.append(f"{c.category:18s} {c.support:7d} {c.precision:9.3f} {c.recall:7.3f} {c.f1:6.3f}")
        lines.append(f"{'macro-F1':18s} {'':7s} {'':9s} {'':7s} {self.macro_f1:6.3f}")
        if self.harmless_rows:
            lines.append(
                f"harmless posts flagged with any category: {self.harmless_flagged_rate:.3f}"
                f" of {self.harmless_rows}"
            )
        if self.criticism_rows:
            lines.append(
                f"civil criticism flagged abuse/defamation: {self.criticism_false_flag_rate:.3f}"
                f" of {self.criticism_rows}"
            )
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True, slots=True)
class HateCheckReport:
    cases: int
    accuracy: float
    hateful_accuracy: float
    non_hateful_accuracy: float
    threat_dir_h_threat_recall: float
    threat_norm_h_threat_recall: float
    by_functionality: dict[str, float]

    def format(self) -> str:
        lines = [
            f"HateCheck (gold labels, target_indiv_nh left out): {self.cases} cases",
            f"accuracy {self.accuracy:.3f} (hateful {self.hateful_accuracy:.3f}, "
            f"non-hateful {self.non_hateful_accuracy:.3f})",
            f"threat_dir_h flagged threat: {self.threat_dir_h_threat_recall:.3f}; "
            f"threat_norm_h: {self.threat_norm_h_threat_recall:.3f}",
            "by functionality:",
        ]
        lines += [f"  {k:22s} {v:.3f}" for k, v in sorted(self.by_functionality.items())]
        return "\n".join(lines)


@dataclasses.dataclass(frozen=True, slots=True)
class DavidsonReport:
    rows: int
    macro_f1: float
    f1_abusive: float
    f1_neither: float
    accuracy: float

    def format(self) -> str:
        return (
            f"Davidson 2017 eval split (index % 5 == 0): {self.rows} rows\n"
            f"abuse macro-F1 {self.macro_f1:.3f} (offensive-or-hate F1 {self.f1_abusive:.3f}, "
            f"neither F1 {self.f1_neither:.3f}); accuracy {self.accuracy:.3f}"
        )


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def _classify_all(
    pipeline: Pipeline, items: Sequence[tuple[str, Sequence[MediaInfo]]]
) -> list[Classification]:
    out: list[Classification] = []
    for i in range(0, len(items), BATCH):
        out.extend(pipeline.classify_many(items[i : i + BATCH]))
    return out


def score_rows(
    name: str, gold: Sequence[Iterable[str]], results: Sequence[Classification], errors: int = 0
) -> Report:
    golds = [set(g) for g in gold]
    cats: list[CategoryScore] = []
    for c in CATEGORIES:
        tp = sum(1 for g, r in zip(golds, results, strict=True) if c in g and c in r.flags)
        fp = sum(1 for g, r in zip(golds, results, strict=True) if c not in g and c in r.flags)
        fn = sum(1 for g, r in zip(golds, results, strict=True) if c in g and c not in r.flags)
        p, rec, f = _prf(tp, fp, fn)
        cats.append(CategoryScore(c, tp + fn, round(p, 4), round(rec, 4), round(f, 4)))
    macro = sum(c.f1 for c in cats) / len(cats)
    crit = [r for g, r in zip(golds, results, strict=True) if g == {"criticism"}]
    crit_bad = sum(1 for r in crit if {"abuse", "defamation"} & set(r.flags))
    rate = crit_bad / len(crit) if crit else 0.0
    harmless = [r for g, r in zip(golds, results, strict=True) if not (g & set(CATEGORIES))]
    harmless_rate = sum(1 for r in harmless if r.flags) / len(harmless) if harmless else 0.0
    return Report(
        name,
        len(results),
        tuple(cats),
        round(macro, 4),
        len(crit),
        round(rate, 4),
        errors,
        len(harmless),
        round(harmless_rate, 4),
    )


def sealed_paths(directory: Path = SEALED_DIR) -> list[Path]:
    """The sealed test set's files (one per writer)."""
    return sorted(directory.glob("s*.jsonl"))


def evaluate_jsonl(paths: Path | Sequence[Path], pipeline: Pipeline | None = None, name: str = "") -> Report:
    """Per-category P/R/F1 and macro-F1 for JSONL files of labelled posts."""
    pipeline = pipeline or load_pipeline()
    paths = [paths] if isinstance(paths, Path) else list(paths)
    items: list[tuple[str, Sequence[MediaInfo]]] = []
    gold: list[list[str]] = []
    errors = 0
    for path in paths:
        with Path(path).open(encoding="utf-8", errors="replace") as f:
            for line in f:
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                    text = rec.get("text", "")
                    labels = rec.get("labels", [])
                except (json.JSONDecodeError, AttributeError, RecursionError):
                    errors += 1
                    continue
                items.append((text if isinstance(text, str) else "", media_from_json(rec.get("media"))))
                gold.append([str(x) for x in labels] if isinstance(labels, list) else [])
    label = name or ", ".join(Path(p).name for p in paths)
    return score_rows(label, gold, _classify_all(pipeline, items), errors)


@dataclasses.dataclass(frozen=True, slots=True)
class AgreementReport:
    """Cohen's kappa between the sealed labels and an independent second labelling of a sample."""

    rows: int
    kappa: dict[str, float]  # per flag category, and "any flag"
    exact_match: float  # share of posts whose two label sets are identical

    def format(self) -> str:
        lines = [f"label agreement, second independent labeller: {self.rows} sealed posts"]
        lines += [f"  Cohen's kappa {k:17s} {v:.3f}" for k, v in self.kappa.items()]
        lines.append(f"  identical label sets: {self.exact_match:.3f}")
        return "\n".join(lines)


def agreement(
    sealed: Sequence[Path] | None = None, second: Path = SECOND_LABELS_PATH
) -> AgreementReport | None:
    """Kappa per category over the sealed posts that were labelled twice (None without a second labelling)."""
    from sklearn.metrics import cohen_kappa_score

    if not second.is_file():
        return None
    first: dict[str, set[str]] = {}
    for path in sealed if sealed is not None else sealed_paths():
        with path.open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    rec = json.loads(line)
                    first[str(rec["id"])] = set(rec.get("labels", []))
    pairs: list[tuple[set[str], set[str]]] = []
    with second.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                rec = json.loads(line)
                if str(rec["id"]) in first:
                    pairs.append(
                        (first[str(rec["id"])] & set(CATEGORIES), set(rec["labels"]) & set(CATEGORIES))
                    )
    kappa: dict[str, float] = {}
    for c in (*CATEGORIES, "any flag"):
        a = [bool(x) if c == "any flag" else c in x for x, _ in pairs]
        b = [bool(y) if c == "any flag" else c in y for _, y in pairs]
        kappa[c] = round(float(cohen_kappa_score(a, b)), 3)
    same = sum(1 for x, y in pairs if x == y) / max(len(pairs), 1)
    return AgreementReport(len(pairs), kappa, round(same, 3))


def evaluate_hatecheck(
    data_dir: Path = DEFAULT_EVAL_DATA / "hatecheck", pipeline: Pipeline | None = None
) -> HateCheckReport:
    pipeline = pipeline or load_pipeline()
    cases: list[tuple[str, str, str]] = []
    with (Path(data_dir) / "test_suite_cases.csv").open(encoding="utf-8", newline="") as f:
        for rec in csv.DictReader(f):
            if rec["functionality"] == "target_indiv_nh":
                continue
            cases.append((rec["functionality"], rec["test_case"], rec["label_gold"]))
    results = _classify_all(pipeline, [(text, ()) for _, text, _ in cases])
    correct: dict[str, list[bool]] = {}
    hate_ok: list[bool] = []
    non_ok: list[bool] = []
    threat_hits: dict[str, list[bool]] = {"threat_dir_h": [], "threat_norm_h": []}
    for (func, _, gold), res in zip(cases, results, strict=True):
        flagged = bool({"abuse", "threat"} & set(res.flags))
        ok = flagged if gold == "hateful" else not flagged
        correct.setdefault(func, []).append(ok)
        (hate_ok if gold == "hateful" else non_ok).append(ok)
        if func in threat_hits:
            threat_hits[func].append("threat" in res.flags)
    allok = hate_ok + non_ok
    return HateCheckReport(
        cases=len(allok),
        accuracy=round(sum(allok) / len(allok), 4),
        hateful_accuracy=round(sum(hate_ok) / max(len(hate_ok), 1), 4),
        non_hateful_accuracy=round(sum(non_ok) / max(len(non_ok), 1), 4),
        threat_dir_h_threat_recall=round(
            sum(threat_hits["threat_dir_h"]) / max(len(threat_hits["threat_dir_h"]), 1), 4
        ),
        threat_norm_h_threat_recall=round(
            sum(threat_hits["threat_norm_h"]) / max(len(threat_hits["threat_norm_h"]), 1), 4
        ),
        by_functionality={k: round(sum(v) / len(v), 4) for k, v in correct.items()},
    )


def davidson_eval_rows(data_dir: Path) -> list[tuple[str, bool]]:
    """The Davidson evaluation split: (tweet, offensive-or-hate) for 0-based rows with index % 5 == 0."""
    rows: list[tuple[str, bool]] = []
    with (Path(data_dir) / "labeled_data.csv").open(encoding="utf-8", newline="") as f:
        for i, rec in enumerate(csv.DictReader(f)):
            if i % 5 == 0:
                rows.append((clean_tweet(rec["tweet"]), rec["class"] in ("0", "1")))
    return rows


def evaluate_davidson(
    data_dir: Path = DEFAULT_EVAL_DATA / "davidson2017", pipeline: Pipeline | None = None
) -> DavidsonReport:
    pipeline = pipeline or load_pipeline()
    rows = davidson_eval_rows(data_dir)
    results = _classify_all(pipeline, [(t, ()) for t, _ in rows])
    pred = ["abuse" in r.flags for r in results]
    return davidson_scores(pred, [y for _, y in rows])


def davidson_scores(pred: Sequence[bool], gold: Sequence[bool]) -> DavidsonReport:
    tp = sum(p and g for p, g in zip(pred, gold, strict=True))
    fp = sum(p and not g for p, g in zip(pred, gold, strict=True))
    fn = sum(g and not p for p, g in zip(pred, gold, strict=True))
    tn = len(gold) - tp - fp - fn
    f_pos = _prf(tp, fp, fn)[2]
    f_neg = _prf(tn, fn, fp)[2]
    return DavidsonReport(
        len(gold),
        round((f_pos + f_neg) / 2, 4),
        round(f_pos, 4),
        round(f_neg, 4),
        round((tp + tn) / len(gold), 4),
    )


def evaluate_olid(
    data_dir: Path = DEFAULT_EVAL_DATA / "olid", pipeline: Pipeline | None = None
) -> DavidsonReport:
    """OLID level A test set (860 tweets): flagged `abuse` or `threat` vs labelled OFF."""
    pipeline = pipeline or load_pipeline()
    with (Path(data_dir) / "labels-levela.csv").open(encoding="utf-8", newline="") as f:
        gold_by_id = {rec["id"]: rec["label"] == "OFF" for rec in csv.DictReader(f)}
    rows: list[tuple[str, bool]] = []
    with (Path(data_dir) / "testset-levela.tsv").open(encoding="utf-8", newline="") as f:
        for rec in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            text = rec["tweet"].replace("@USER", "@user").replace("URL", "http://url")
            rows.append((text, gold_by_id[rec["id"]]))
    results = _classify_all(pipeline, [(t, ()) for t, _ in rows])
    return davidson_scores([bool({"abuse", "threat"} & set(r.flags)) for r in results], [g for _, g in rows])


CARD_PATH = Path(__file__).parent / "model" / "MODEL_CARD.md"
METRICS_PATH = Path(__file__).parent / "model" / "metrics.json"


def report_json(rep: Report) -> dict[str, Any]:
    """A report as plain data (metrics.json, the model's metadata)."""
    return {
        "rows": rep.rows,
        "macro_f1": rep.macro_f1,
        "precision": {c.category: c.precision for c in rep.categories},
        "recall": {c.category: c.recall for c in rep.categories},
        "f1": {c.category: c.f1 for c in rep.categories},
        "support": {c.category: c.support for c in rep.categories},
        "harmless_rows": rep.harmless_rows,
        "harmless_flagged_rate": rep.harmless_flagged_rate,
        "criticism_rows": rep.criticism_rows,
        "criticism_false_flag_rate": rep.criticism_false_flag_rate,
    }


def measure_all(pipeline: Pipeline, eval_dir: Path | None = DEFAULT_EVAL_DATA) -> dict[str, Any]:
    """Every figure the model card quotes, as plain data (public sets only where eval_dir exists)."""
    sealed = evaluate_jsonl(sealed_paths(), pipeline, name="sealed test set")
    out: dict[str, Any] = {"model_version": pipeline.model_version, "sealed": report_json(sealed)}
    texts = [sealed.format()]
    agree = agreement()
    if agree is not None:
        out["agreement"] = dataclasses.asdict(agree)
        texts.append(agree.format())
    if eval_dir is not None and eval_dir.is_dir():
        hc = evaluate_hatecheck(eval_dir / "hatecheck", pipeline)
        dav = evaluate_davidson(eval_dir / "davidson2017", pipeline)
        olid = evaluate_olid(eval_dir / "olid", pipeline)
        out |= {
            "hatecheck": dataclasses.asdict(hc),
            "davidson": dataclasses.asdict(dav),
            "olid": dataclasses.asdict(olid),
        }
        texts += [hc.format(), dav.format(), _olid_format(olid)]
    else:
        texts.append(f"public evaluation sets not found at {eval_dir}: HateCheck, Davidson and OLID left out")
    out["report_text"] = texts
    return out


def _olid_format(rep: DavidsonReport) -> str:
    return (
        f"OLID level A test set: {rep.rows} tweets\n"
        f"offensive macro-F1 {rep.macro_f1:.3f} (OFF F1 {rep.f1_abusive:.3f}, NOT F1 {rep.f1_neither:.3f});"
        f" accuracy {rep.accuracy:.3f}"
    )


def write_metrics(
    pipeline: Pipeline, path: Path = METRICS_PATH, eval_dir: Path = DEFAULT_EVAL_DATA
) -> dict[str, Any]:
    """Measure everything, write metrics.json and regenerate the model card's figures."""
    if not eval_dir.is_dir():
        raise SystemExit(f"--write-metrics needs the public evaluation sets: {eval_dir} not found")
    metrics = measure_all(pipeline, eval_dir)
    metrics["training"] = pipeline.model.metadata
    if path.is_file():  # keep the last benchmark run (benchmarks.judgement measures throughput)
        previous = json.loads(path.read_text(encoding="utf-8"))
        if "benchmark" in previous:
            metrics["benchmark"] = previous["benchmark"]
    path.write_text(json.dumps(metrics, indent=2, ensure_ascii=False, default=float) + "\n", encoding="utf-8")
    CARD_PATH.write_text(render_card(metrics), encoding="utf-8")
    return metrics


def main(argv: Sequence[str] | None = None) -> int:
    """`gatepost evaluate [--data FILE.jsonl ...] [--all] [--eval-data DIR] [--model FILE]`."""
    ap = argparse.ArgumentParser(prog="gatepost evaluate", description=__doc__.splitlines()[0])
    ap.add_argument(
        "--data",
        type=Path,
        action="append",
        help="JSONL: classify input lines plus `labels` (default: the sealed set)",
    )
    ap.add_argument("--all", action="store_true", help="the sealed set, label agreement and every public set")
    ap.add_argument(
        "--eval-data", type=Path, default=DEFAULT_EVAL_DATA, help="the public evaluation sets' folder"
    )
    ap.add_argument("--hatecheck", type=Path, help="HateCheck folder (test_suite_cases.csv)")
    ap.add_argument("--davidson", type=Path, help="Davidson 2017 folder (labeled_data.csv)")
    ap.add_argument("--model", type=Path, help="a model artifact other than the shipped one")
    ap.add_argument(
        "--write-metrics", action="store_true", help="measure everything and write model/metrics.json"
    )
    ns = ap.parse_args(argv)
    pipeline = load_pipeline(model_path=ns.model)
    if ns.write_metrics:
        metrics = write_metrics(pipeline, eval_dir=ns.eval_data)
        print("\n".join(metrics["report_text"]))
        return 0
    if ns.all:
        print("\n".join(measure_all(pipeline, ns.eval_data)["report_text"]))
        return 0
    if ns.data or not (ns.hatecheck or ns.davidson):
        print(
            evaluate_jsonl(
                ns.data or sealed_paths(), pipeline, name="" if ns.data else "sealed test set"
            ).format()
        )
    if ns.hatecheck:
        print(evaluate_hatecheck(ns.hatecheck, pipeline).format())
    if ns.davidson:
        print(evaluate_davidson(ns.davidson, pipeline).format())
    return 0


if __name__ == "__main__":
    sys.exit(main())
