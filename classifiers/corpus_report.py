"""Show that the hand-written corpus is not templated: near-duplicates and vocabulary, per writer.

`python -m classifiers.corpus_report [DIR ...]` prints, for the written corpus (and for the
sealed set when named), how many posts have a near-duplicate (estimated Jaccard similarity of
word 3-gram sets at or above NEAR_DUPLICATE, found with MinHash LSH), how many of those pairs
cross writers, and each writer's posts, distinct words, and words per post.  Post text is
never printed.  A corpus generated from frames with fill-ins scores high here; hand-written
posts do not.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
from collections.abc import Sequence
from pathlib import Path

from datasketch import MinHash, MinHashLSH

from classifiers.train import WRITTEN_DIR

# Two posts whose word 3-gram sets are at least this similar count as near-duplicates.
NEAR_DUPLICATE = 0.5
# MinHash permutations: enough for a stable estimate at this threshold, cheap for 10k posts.
PERMUTATIONS = 128
_WORDS = re.compile(r"\w+", re.UNICODE)


@dataclasses.dataclass(frozen=True)
class WriterStats:
    writer: str
    posts: int
    distinct_words: int
    words_per_post: float


@dataclasses.dataclass(frozen=True)
class CorpusReport:
    posts: int
    near_duplicate_posts: int
    near_duplicate_pairs: int
    cross_writer_pairs: int
    writers: tuple[WriterStats, ...]

    @property
    def near_duplicate_rate(self) -> float:
        return self.near_duplicate_posts / max(self.posts, 1)

    def format(self) -> str:
        lines = [
            f"{self.posts} posts; near-duplicates (word 3-gram Jaccard >= {NEAR_DUPLICATE}, MinHash):"
            f" {self.near_duplicate_posts} posts ({self.near_duplicate_rate:.3%}) in"
            f" {self.near_duplicate_pairs} pairs, {self.cross_writer_pairs} of them across writers",
            f"{'writer':8s} {'posts':>6s} {'distinct words':>15s} {'words/post':>11s}",
        ]
        lines += [
            f"{w.writer:8s} {w.posts:6d} {w.distinct_words:15d} {w.words_per_post:11.1f}"
            for w in self.writers
        ]
        return "\n".join(lines)


def _shingles(text: str) -> set[str]:
    words = _WORDS.findall(text.casefold())
    if len(words) < 3:
        return {" ".join(words)}
    return {" ".join(words[i : i + 3]) for i in range(len(words) - 2)}


def report(paths: Sequence[Path]) -> CorpusReport:
    posts: list[tuple[str, str]] = []  # (writer, text)
    for path in paths:
        with path.open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    rec = json.loads(line)
                    posts.append((str(rec.get("writer") or path.stem), str(rec["text"])))
    lsh = MinHashLSH(threshold=NEAR_DUPLICATE, num_perm=PERMUTATIONS)
    hashes = []
    for n, (_, text) in enumerate(posts):
        mh = MinHash(num_perm=PERMUTATIONS, seed=1)
        mh.update_batch([s.encode("utf-8") for s in _shingles(text)])
        lsh.insert(str(n), mh)
        hashes.append(mh)
    pairs: set[tuple[int, int]] = set()
    for n, mh in enumerate(hashes):
        for other in lsh.query(mh):
            m = int(other)
            if m != n and mh.jaccard(hashes[m]) >= NEAR_DUPLICATE:
                pairs.add((min(n, m), max(n, m)))
    in_pairs = {i for pair in pairs for i in pair}
    cross = sum(1 for a, b in pairs if posts[a][0] != posts[b][0])
    writers: list[WriterStats] = []
    for writer in sorted({w for w, _ in posts}):
        texts = [t for w, t in posts if w == writer]
        words = [w for t in texts for w in _WORDS.findall(t.casefold())]
        writers.append(WriterStats(writer, len(texts), len(set(words)), len(words) / max(len(texts), 1)))
    return CorpusReport(len(posts), len(in_pairs), len(pairs), cross, tuple(writers))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m classifiers.corpus_report", description=__doc__.splitlines()[0]
    )
    ap.add_argument("dirs", nargs="*", type=Path, default=[WRITTEN_DIR])
    ns = ap.parse_args(argv)
    print(report([p for d in ns.dirs for p in sorted(d.glob("*.jsonl"))]).format())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
