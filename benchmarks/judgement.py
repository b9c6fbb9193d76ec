"""Judgement throughput and quality beside a public baseline: `.venv/bin/python -m benchmarks.judgement`.

Runs the whole Gatepost pipeline (normalise, spaCy rules, scikit-learn model, decisions
and evidence) on the hand-written training posts (never the sealed set), on one core: the
inner batched call, and `gatepost classify` as a user runs it (a whole process, start-up
and model loading included, reading and writing JSONL).  Beside it, a plain public
baseline on the same posts: TF-IDF word n-grams + LogisticRegression trained on the
Davidson 2017 training rows (the usual "offensive language" baseline).  Both are then
scored for `abuse` on the Davidson evaluation split and on HateCheck.  Prints a table;
never passes or fails.  Post text is never printed.
"""

from __future__ import annotations

import os

# One core: keep BLAS and friends from spreading over the machine.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import csv  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from classifiers.base import media_from_json  # noqa: E402
from classifiers.evaluate import (  # noqa: E402
    CARD_PATH,
    DEFAULT_EVAL_DATA,
    METRICS_PATH,
    davidson_eval_rows,
    davidson_scores,
)
from classifiers.model_card import render_card  # noqa: E402
from classifiers.pipeline import load_pipeline  # noqa: E402
from classifiers.train import WRITTEN_DIR, davidson_rows, read_labelled  # noqa: E402

POSTS = 20_000  # posts timed per system
BATCH = 1_000


def _written_posts(n: int) -> list[dict]:  # type: ignore[type-arg]
    rows = [r for path in sorted(WRITTEN_DIR.glob("*.jsonl")) for r in read_labelled(path)]
    return [rows[i % len(rows)] for i in range(n)]


def _classify_command(records: list[dict]) -> float:  # type: ignore[type-arg]
    """Posts per second through `gatepost classify`, the whole process, pinned to one core."""
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        with src.open("w", encoding="utf-8") as f:
            for n, r in enumerate(records):
                f.write(json.dumps({"id": n, "text": r["text"], "media": r.get("media", [])}) + "\n")
        cmd = [sys.executable, "-m", "monitor.cli", "classify", "--in", str(src), "--out", str(dst)]
        if shutil.which("taskset"):
            cmd = ["taskset", "-c", "0", *cmd]
        env = {**os.environ, "GATEPOST_HOME": tmp}
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
        elapsed = time.perf_counter() - t0
        assert sum(1 for _ in dst.open(encoding="utf-8")) == len(records)
    return len(records) / elapsed


def _hatecheck(data_dir: Path) -> list[tuple[str, str, bool]]:
    out = []
    with (data_dir / "test_suite_cases.csv").open(encoding="utf-8", newline="") as f:
        for rec in csv.DictReader(f):
            if rec["functionality"] != "target_indiv_nh":
                out.append((rec["functionality"], rec["test_case"], rec["label_gold"] == "hateful"))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=POSTS)
    ap.add_argument("--eval-data", type=Path, default=DEFAULT_EVAL_DATA)
    ap.add_argument(
        "--write-metrics",
        action="store_true",
        help="record this run in classifiers/model/metrics.json and the model card",
    )
    ns = ap.parse_args()
    records = _written_posts(ns.posts)
    posts = [(r["text"], media_from_json(r.get("media"))) for r in records]
    texts = [t for t, _ in posts]
    classify_rate = _classify_command(records)

    pipeline = load_pipeline()
    pipeline.classify_many(posts[:200])  # warm up spaCy's vocab and the model
    t0 = time.perf_counter()
    for i in range(0, len(posts), BATCH):
        pipeline.classify_many(posts[i : i + BATCH])
    gp_rate = len(posts) / (time.perf_counter() - t0)

    train = davidson_rows()
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    x = vec.fit_transform([r.text for r in train])
    y = np.array([1 if "abuse" in r.labels else 0 for r in train])
    base = LogisticRegression(C=4.0, max_iter=1000, class_weight="balanced", random_state=0).fit(x, y)
    t0 = time.perf_counter()
    for i in range(0, len(texts), BATCH):
        base.predict(vec.transform(texts[i : i + BATCH]))
    base_rate = len(texts) / (time.perf_counter() - t0)

    dav = davidson_eval_rows(ns.eval_data / "davidson2017")
    dav_gold = [g for _, g in dav]
    gp_dav = davidson_scores(
        ["abuse" in r.flags for r in pipeline.classify_many([(t, ()) for t, _ in dav])], dav_gold
    )
    base_dav = davidson_scores(list(base.predict(vec.transform([t for t, _ in dav])) == 1), dav_gold)

    hc = _hatecheck(ns.eval_data / "hatecheck")
    gp_hc = pipeline.classify_many([(t, ()) for _, t, _ in hc])
    gp_hc_acc = np.mean(
        [bool({"abuse", "threat"} & set(r.flags)) == g for r, (_, _, g) in zip(gp_hc, hc, strict=True)]
    )
    base_hc = base.predict(vec.transform([t for _, t, _ in hc])) == 1
    base_hc_acc = np.mean([p == g for p, (_, _, g) in zip(base_hc, hc, strict=True)])

    print(f"Judgement benchmark: {len(posts)} hand-written school posts, one core")
    print(f"{'system':44s} {'posts/s':>9s} {'Davidson abuse macro-F1':>24s} {'HateCheck acc':>14s}")
    print(
        f"{'Gatepost pipeline (spaCy + model)':44s} {gp_rate:9.0f} {gp_dav.macro_f1:24.3f} {gp_hc_acc:14.3f}"
    )
    print(f"{'gatepost classify (whole process)':44s} {classify_rate:9.0f} {'(same)':>24s} {'(same)':>14s}")
    print(
        f"{'baseline: TF-IDF + LogReg on Davidson train':44s} {base_rate:9.0f} "
        f"{base_dav.macro_f1:24.3f} {base_hc_acc:14.3f}"
    )
    print(
        "targets: >= 2,000 posts/s (gatepost classify); Davidson macro-F1 >= 0.85; HateCheck accuracy > 0.766"
    )
    if ns.write_metrics:
        _record(
            {
                "posts": len(posts),
                "pipeline_posts_per_s": round(gp_rate),
                "classify_posts_per_s": round(classify_rate),
                "baseline_posts_per_s": round(base_rate),
                "baseline_davidson_macro_f1": round(base_dav.macro_f1, 3),
                "baseline_hatecheck_accuracy": round(float(base_hc_acc), 3),
                "load_average": round(os.getloadavg()[0], 2),
                "command": ".venv/bin/python -m benchmarks.judgement",
            }
        )


def _record(bench: dict[str, object]) -> None:
    """Store the run under `benchmark` in metrics.json and re-render the model card from it."""
    metrics = json.loads(METRICS_PATH.read_text(encoding="utf-8"))
    metrics["benchmark"] = bench
    METRICS_PATH.write_text(
        json.dumps(metrics, indent=2, ensure_ascii=False, default=float) + "\n", encoding="utf-8"
    )
    CARD_PATH.write_text(render_card(metrics), encoding="utf-8")


if __name__ == "__main__":
    main()
