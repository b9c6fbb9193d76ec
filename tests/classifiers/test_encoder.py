"""The numpy all-MiniLM-L6-v2 encoder: refuses tampered weights, and its vectors behave."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tests.tools import REQUIRE_TOOLS, missing_tool

# Without the model package the whole file is skipped with its install line (failed under CI).
if why := missing_tool("minilm"):
    if REQUIRE_TOOLS:
        pytest.fail(f"{why} (GATEPOST_REQUIRE_TOOLS=1: a missing tool is a failure)", pytrace=False)
    pytest.skip(why, allow_module_level=True)

from classifiers import encoder as encoder_module
from classifiers.base import ClassifierError
from classifiers.encoder import (
    EMBEDDING_DIM,
    MAX_TOKENS,
    SentenceEncoder,
    load_encoder,
    model_zip_path,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def enc() -> SentenceEncoder:
    return load_encoder()


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


# --- loading: the hash check -------------------------------------------------------------


def test_tampered_weights_are_refused(tmp_path: Path) -> None:
    with zipfile.ZipFile(model_zip_path()) as zf:
        tokenizer_json = zf.read("tokenizer.json")
    bad = _zip(
        tmp_path / "model.zip",
        {"model.safetensors": b"not the weights", "tokenizer.json": tokenizer_json},
    )
    with pytest.raises(ClassifierError, match=r"model\.safetensors is not the known file"):
        SentenceEncoder.load(bad)


def test_weights_not_matching_the_expected_hash_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # The real weights, against an expected hash they do not have.
    monkeypatch.setattr(encoder_module, "WEIGHTS_SHA256", "0" * 64)
    with pytest.raises(ClassifierError, match="sha256"):
        SentenceEncoder.load()


def test_a_zip_without_the_weights_or_no_zip_at_all_is_a_classifier_error(tmp_path: Path) -> None:
    with pytest.raises(ClassifierError, match=r"no model\.safetensors"):
        SentenceEncoder.load(_zip(tmp_path / "empty.zip", {"config.json": b"{}"}))
    with pytest.raises(ClassifierError, match="cannot read"):
        SentenceEncoder.load(tmp_path / "missing.zip")
    (tmp_path / "junk.zip").write_bytes(b"this is not a zip")
    with pytest.raises(ClassifierError, match="cannot read"):
        SentenceEncoder.load(tmp_path / "junk.zip")


def test_the_encoder_is_loaded_once_per_process() -> None:
    assert load_encoder() is load_encoder()


def test_encoding_needs_neither_torch_nor_importing_the_model_package() -> None:
    # all_minilm_l6_v2 prints to stdout when imported; the encoder finds its zip by path instead.
    code = (
        "import sys\n"
        "from classifiers.encoder import load_encoder\n"
        "assert load_encoder().encode(['hello']).shape == (1, 384)\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
        "assert 'all_minilm_l6_v2' not in sys.modules, 'the model package was imported'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""


# --- the vectors -----------------------------------------------------------------------


def test_embeddings_are_unit_length_float32_with_one_row_per_text(enc: SentenceEncoder) -> None:
    texts = ["hi", "The head teacher is a liar.", "Lovely sunny sports day! 🏃‍♀️☀️", "Grüße, café, 学校"]
    vectors = enc.encode(texts)
    assert vectors.shape == (len(texts), EMBEDDING_DIM) == (4, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert enc.encode([]).shape == (0, 384)


def test_embeddings_match_the_reference_model(enc: SentenceEncoder) -> None:
    # First components from transformers' BertModel + mean pooling + normalise (torch 2.13, same weights).
    vectors = enc.encode(
        [
            "The head teacher is a liar.",
            "Lovely sunny sports day at Hollybrook today! Well done everyone 🏃‍♀️☀️",
        ]
    )
    np.testing.assert_allclose(
        vectors[0, :6], [-0.005165, 0.078169, 0.033193, 0.015646, -0.053437, -0.040713], atol=2e-6
    )
    np.testing.assert_allclose(
        vectors[1, :6], [-0.013725, 0.093003, 0.111029, -0.041402, 0.053786, -0.021557], atol=2e-6
    )


def test_paraphrases_are_closer_than_unrelated_sentences(enc: SentenceEncoder) -> None:
    liar, lies, sports = enc.encode(
        ["the head teacher is a liar", "the headteacher lies", "lovely sunny sports day"]
    )
    assert liar @ lies > 0.7
    assert liar @ lies > liar @ sports + 0.4
    assert liar @ lies > lies @ sports + 0.4


def test_input_order_is_kept_when_batching_by_length(
    enc: SentenceEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Lengths that are far from sorted, over many small batches.
    monkeypatch.setattr(encoder_module, "BATCH_SIZE", 4)
    rng = np.random.default_rng(7)
    words = ["school", "gate", "parents", "teacher", "trip", "uniform", "lunch", "pupils"]
    texts = [" ".join(rng.choice(words, size=int(n))) for n in rng.integers(0, 60, size=12)]
    batched = enc.encode(texts)
    one_by_one = np.stack([enc.encode([t])[0] for t in texts])
    np.testing.assert_allclose(batched, one_by_one, atol=1e-5)
    reversed_ = enc.encode(texts[::-1])[::-1]
    np.testing.assert_allclose(batched, reversed_, atol=1e-5)


def test_empty_and_huge_texts_work(enc: SentenceEncoder) -> None:
    huge = "school " * 5000
    empty, long_ = enc.encode(["", huge])
    assert np.isfinite(empty).all() and np.isfinite(long_).all()
    np.testing.assert_allclose([np.linalg.norm(empty), np.linalg.norm(long_)], 1.0, atol=1e-5)
    # Cut to MAX_TOKENS tokens, [CLS] and [SEP] included: "school" is one token.
    (cut,) = enc.encode(["school " * (MAX_TOKENS - 2)])
    np.testing.assert_allclose(long_, cut, atol=1e-5)


def test_hostile_code_points_do_not_raise(enc: SentenceEncoder) -> None:
    vectors = enc.encode(["a\ud800b", "\x00\x01\x7f", "\u202eevil\u202c", "w\u200bhore", "\U0010ffff"])
    assert vectors.shape == (5, 384)
    assert np.isfinite(vectors).all()


def test_a_bare_string_is_a_type_error(enc: SentenceEncoder) -> None:
    with pytest.raises(TypeError):
        enc.encode("one text, not a list")
