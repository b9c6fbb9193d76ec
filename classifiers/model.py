"""The scikit-learn stage: score normalised post text and rule features for every category.

`TextModel` holds hashed word and character n-gram features (TF-IDF weighted), one
L2 logistic regression per label, a Platt calibration per label fitted on a validation
split, and per-label thresholds chosen on that split.  It is saved and loaded with skops
(never pickle); loading checks the artifact's types against an explicit trusted list and
refuses anything else with `ClassifierError`.

It does not normalise text, run spaCy or decide severities: the pipeline does.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression

from classifiers.base import ClassifierError

MODEL_DIR = Path(__file__).parent / "model"
MODEL_PATH = MODEL_DIR / "judgement.skops"

# Hash widths: 2**16 word and 2**17 char features keep the artifact near 13 MB (dense
# coefficients for 8 labels) while collisions stay rare at this corpus size.
WORD_FEATURES = 2**16
CHAR_FEATURES = 2**17
# Rule features are few and binary; scaling them lets L2-regularised weights grow large
# enough for a strong rule (a direct threat) to carry a post on its own.
RULE_WEIGHT = 3.0
# Token contributions remembered for evidence; bounded so a long-running worker's memory is too.
CONTRIBUTION_CACHE_SIZE = 200_000

# Types a Gatepost model artifact may contain; anything else is refused.
TRUSTED_TYPES: tuple[str, ...] = (
    "builtins.dict",
    "builtins.list",
    "builtins.str",
    "builtins.float",
    "builtins.int",
    "builtins.tuple",
    "numpy.ndarray",
    "numpy.dtype",
    "numpy.float64",
    "numpy.int64",
    "numpy.int32",
    "sklearn.feature_extraction.text.HashingVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.linear_model._logistic.LogisticRegression",
)


def make_vectorizers() -> tuple[HashingVectorizer, HashingVectorizer]:
    word = HashingVectorizer(
        n_features=WORD_FEATURES,
        ngram_range=(1, 2),
        alternate_sign=False,
        norm=None,
        lowercase=False,  # the text is already normalised and lower-cased
        token_pattern=r"(?u)\b\w+\b|[^\w\s]",  # noqa: S106 (a regex, not a password)
    )
    char = HashingVectorizer(
        n_features=CHAR_FEATURES,
        analyzer="char_wb",
        ngram_range=(2, 5),
        alternate_sign=False,
        norm=None,
        lowercase=False,
    )
    return word, char


class TextModel:
    """Featurises (normalised text, rule features) and returns calibrated per-label scores."""

    def __init__(
        self,
        labels: Sequence[str],
        word_vec: HashingVectorizer,
        char_vec: HashingVectorizer,
        word_tfidf: TfidfTransformer,
        char_tfidf: TfidfTransformer,
        models: dict[str, LogisticRegression],
        calibration: dict[str, list[float]],
        thresholds: dict[str, float],
        version: str,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.labels = tuple(labels)
        self.word_vec = word_vec
        self.char_vec = char_vec
        self.word_tfidf = word_tfidf
        self.char_tfidf = char_tfidf
        self.models = models
        self.calibration = calibration
        self.thresholds = thresholds
        self.version = version
        self.metadata = metadata or {}
        self._coef = np.vstack([models[lab].coef_[0] for lab in self.labels])
        self._intercept = np.array([models[lab].intercept_[0] for lab in self.labels])
        self._platt = np.array([calibration.get(lab, [1.0, 0.0]) for lab in self.labels])
        self._contrib_cache: dict[tuple[int, str], float] = {}

    # -- features ------------------------------------------------------------------------
    def features(self, texts: Sequence[str], rule_feats: Sequence[Sequence[float]]) -> sp.csr_matrix:
        return featurise(texts, rule_feats, self.word_vec, self.char_vec, self.word_tfidf, self.char_tfidf)

    def decision(self, x: sp.csr_matrix) -> np.ndarray:
        out: np.ndarray = np.asarray(x @ self._coef.T) + self._intercept
        return out

    def calibrated(self, d: np.ndarray) -> np.ndarray:
        """Platt-scaled probabilities from decision values, shape (n_posts, n_labels)."""
        z = d * self._platt[:, 0] + self._platt[:, 1]
        probs: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))
        return probs

    def scores(self, x: sp.csr_matrix) -> np.ndarray:
        """Calibrated probabilities, shape (n_posts, n_labels)."""
        return self.calibrated(self.decision(x))

    def rule_contribution(self, label: str, rule_index: int) -> float:
        """How much one firing of rule feature `rule_index` adds to `label`'s decision value."""
        i = self.labels.index(label)
        col = self.word_vec.n_features + self.char_vec.n_features + rule_index
        return float(self._coef[i, col]) * RULE_WEIGHT

    def word_contributions(self, label: str, tokens: Sequence[str]) -> np.ndarray:
        """How much each single token pushes `label` up (for evidence on model-only flags)."""
        if not tokens:
            return np.zeros(0)
        self.prime_contributions(tokens)
        idx = self.labels.index(label)
        return np.array([self._contrib_cache[(idx, t)] for t in tokens])

    def prime_contributions(self, tokens: Iterable[str]) -> None:
        """Work out every label's contribution for the tokens not yet known, in one call.

        Vectorising one post's tokens at a time cost more than the rest of judgement; a
        batch's tokens are done together and remembered (tokens repeat across posts).
        """
        cache = self._contrib_cache
        missing = sorted({t for t in tokens if (0, t) not in cache})
        if not missing:
            return
        if len(cache) + len(missing) * len(self.labels) > CONTRIBUTION_CACHE_SIZE:
            cache.clear()
        w = self.word_tfidf.transform(self.word_vec.transform(missing))
        values = np.asarray(w @ self._coef[:, :WORD_FEATURES].T)
        for token, row in zip(missing, values.tolist(), strict=True):
            for idx, value in enumerate(row):
                cache[(idx, token)] = value

    # -- persistence ---------------------------------------------------------------------
    def to_state(self) -> dict[str, Any]:
        return {
            "format": "gatepost-judgement-1",
            "labels": list(self.labels),
            "word_vec": self.word_vec,
            "char_vec": self.char_vec,
            "word_tfidf": self.word_tfidf,
            "char_tfidf": self.char_tfidf,
            "models": self.models,
            "calibration": self.calibration,
            "thresholds": self.thresholds,
            "version": self.version,
            "metadata": self.metadata,
        }

    def save(self, path: Path = MODEL_PATH) -> None:
        import skops.io as sio

        path.parent.mkdir(parents=True, exist_ok=True)
        sio.dump(self.to_state(), path)


def featurise(
    texts: Sequence[str],
    rule_feats: Sequence[Sequence[float]],
    word_vec: HashingVectorizer,
    char_vec: HashingVectorizer,
    word_tfidf: TfidfTransformer,
    char_tfidf: TfidfTransformer,
) -> sp.csr_matrix:
    w = word_tfidf.transform(word_vec.transform(texts))
    c = char_tfidf.transform(char_vec.transform(texts))
    r = sp.csr_matrix(np.asarray(rule_feats, dtype=np.float64).reshape(len(texts), -1) * RULE_WEIGHT)
    return sp.hstack([w, c, r], format="csr")


def _walk_types(node: Any, out: set[str]) -> None:
    if isinstance(node, dict):
        if isinstance(node.get("__module__"), str) and isinstance(node.get("__class__"), str):
            out.add(f"{node['__module__']}.{node['__class__']}")
        for value in node.values():
            _walk_types(value, out)
    elif isinstance(node, list):
        for value in node:
            _walk_types(value, out)


def artifact_types(path: Path) -> set[str]:
    """Every type named in a skops artifact's schema (skops itself trusts all of scikit-learn)."""
    with zipfile.ZipFile(path) as zf:
        schema = json.loads(zf.read("schema.json"))
    found: set[str] = set()
    _walk_types(schema, found)
    return found


def load_model(path: Path = MODEL_PATH) -> TextModel:
    """Load a skops artifact, refusing any type outside TRUSTED_TYPES."""
    import skops.io as sio

    if not path.is_file():
        raise ClassifierError(f"model artifact not found: {path.name} (run `gatepost train`)")
    try:
        untrusted = set(sio.get_untrusted_types(file=path)) | artifact_types(path)
    except Exception as exc:  # a truncated or foreign file: skops and zipfile raise many kinds
        raise ClassifierError(f"model artifact is unreadable: {path.name}") from exc
    unknown = sorted(untrusted - set(TRUSTED_TYPES))
    if unknown:
        raise ClassifierError(f"model artifact {path.name} contains untrusted types: {', '.join(unknown)}")
    try:
        state = sio.load(path, trusted=list(untrusted))
    except Exception as exc:
        raise ClassifierError(f"model artifact failed to load: {path.name}") from exc
    if not isinstance(state, dict) or state.get("format") != "gatepost-judgement-1":
        raise ClassifierError(f"model artifact {path.name} is not a Gatepost judgement model")
    for key, cls in (
        ("word_vec", HashingVectorizer),
        ("char_vec", HashingVectorizer),
        ("word_tfidf", TfidfTransformer),
        ("char_tfidf", TfidfTransformer),
    ):
        if not isinstance(state.get(key), cls):
            raise ClassifierError(f"model artifact {path.name} has a bad {key}")
    models = state["models"]
    if not all(isinstance(m, LogisticRegression) for m in models.values()):
        raise ClassifierError(f"model artifact {path.name} has a bad classifier")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:8]
    return TextModel(
        labels=state["labels"],
        word_vec=state["word_vec"],
        char_vec=state["char_vec"],
        word_tfidf=state["word_tfidf"],
        char_tfidf=state["char_tfidf"],
        models=models,
        calibration=state["calibration"],
        thresholds=state["thresholds"],
        version=f"{state['version']}+{digest}",
        metadata=state.get("metadata", {}),
    )
