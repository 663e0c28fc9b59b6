"""Opt-in relation encoder: a fine-tuned MiniLM-L6 entity-pair classifier, run with numpy.

The shipped maximum-entropy relation model (:mod:`kg.nlp.trained.relations`)
reads hand-made features. This module adds a small transformer
(all-MiniLM-L6-v2, 6 layers, hidden 384) fine-tuned on CoNLL04 train as a pair
classifier (``scripts/conll04_encoder.py``, exported by
``scripts/export_encoder.py``; see docs/encoder-experiment.md). Its class
probabilities are averaged with the maxent model's, which on CoNLL04 dev raises
strict micro F1 from 0.590 to about 0.60 at a large cost in speed, so it is off
unless asked for (``kg build --encoder``, or a model name ending in
``+encoder``).

Why numpy and not torch: torch from PyPI is gigabytes; inference needs a few
matrix products per layer, which numpy's BLAS does as fast on a CPU. The
extra dependency, in the ``kg[encoder]`` extra, is ``tokenizers`` (the Rust
WordPiece tokenizer the model was trained with); the products run on one BLAS
thread per process (:meth:`PairEncoder._one_blas_thread`).

Design, as trained (SpERT-style, one encoding per sentence): a spaCy sentence
holding a candidate pair is encoded once; a pair is classified from ``[CLS;
maxpool(subject wordpieces); maxpool(object wordpieces); maxpool(wordpieces
between them, or zeros); type embedding(subject); type embedding(object)]`` by
one linear layer into ``NONE`` + the five predicates.
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path

import numpy as np

from kg.errors import ModelError
from kg.nlp import gemm_ops

#: Name and version written into ``evidence.extractor`` of the relations proposed with the encoder (its
#: probabilities averaged with the maxent model's, ``kg.relations-model/0.2``).
EXTRACTOR = "kg.relations-encoder/0.1"

#: The model's files in ``kg/data/models/`` (see ``scripts/export_encoder.py``).
NAME = "relations-encoder"

_BERT = "bert.encoder.layer.{}."


#: A Python float, not ``np.sqrt(2.0)``: under numpy 2's promotion rules (NEP 50) a numpy float64 scalar turns a
#: float32 array into float64, and every later product of the encoder would then run in float64.
_INV_SQRT2 = 1.0 / math.sqrt(2.0)


def _erf(x: np.ndarray) -> np.ndarray:
    """erf, Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7); numpy has none and scipy is not a dependency."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * np.exp(-a * a)
    return sign * y


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact (erf) GELU."""
    return 0.5 * x * (1.0 + _erf(x * _INV_SQRT2))


def _layer_norm(x: np.ndarray, gain: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gain + bias


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class PairEncoder:
    """The encoder and its pair head; the layers' weights are de-quantized to float32 once, at load."""

    def __init__(self, arrays: dict[str, np.ndarray], tokenizer, meta: dict):
        self.meta = meta
        self.labels = tuple(meta["labels"])
        self.types = tuple(meta["types"])
        self.eps = float(meta["layer_norm_eps"])
        self.heads = int(meta["heads"])
        self.weight = float(meta["weight"])
        #: Encode a sentence only if maxent gives one of its pairs a predicate at least this probable.
        self.gate = float(meta.get("gate", 0.0))
        self.tokenizer = tokenizer
        self.extractor = EXTRACTOR

        def get(name: str) -> np.ndarray:
            if name + ".q" in arrays:
                return arrays[name + ".q"].astype(np.float32) * arrays[name + ".scale"][:, None]
            if name + ".f16" in arrays:
                return arrays[name + ".f16"].astype(np.float32)
            return arrays[name]

        emb = "bert.embeddings."
        # The word embeddings stay int8 (30522 rows, 12 MB instead of 47 MB); a sentence's rows are scaled on use.
        words = emb + "word_embeddings.weight"
        if words + ".q" in arrays:
            self.words, self.word_scale = arrays[words + ".q"], arrays[words + ".scale"]
        else:
            self.words, self.word_scale = get(words), None
        self.positions = get(emb + "position_embeddings.weight")
        self.segment = get(emb + "token_type_embeddings.weight")[0]
        self.emb_ln = (get(emb + "LayerNorm.weight"), get(emb + "LayerNorm.bias"))
        self.layers = []
        for i in range(int(meta["layers"])):
            p = _BERT.format(i)
            att = p + "attention."
            # one product for query, key and value: [H, 3H]
            qkv = np.concatenate([get(att + f"self.{n}.weight") for n in ("query", "key", "value")]).T.copy()
            qkv_b = np.concatenate([get(att + f"self.{n}.bias") for n in ("query", "key", "value")])
            self.layers.append((
                qkv, qkv_b,
                get(att + "output.dense.weight").T.copy(), get(att + "output.dense.bias"),
                (get(att + "output.LayerNorm.weight"), get(att + "output.LayerNorm.bias")),
                get(p + "intermediate.dense.weight").T.copy(), get(p + "intermediate.dense.bias"),
                get(p + "output.dense.weight").T.copy(), get(p + "output.dense.bias"),
                (get(p + "output.LayerNorm.weight"), get(p + "output.LayerNorm.bias")),
            ))
        self.type_emb = get("types.weight")
        self.out_w = get("out.weight").T.copy()
        self.out_b = get("out.bias")

    def hidden(self, ids: list[int]) -> np.ndarray:
        """The last hidden states ``[len(ids), H]`` of one wordpiece sequence."""
        n = len(ids)
        x = self.words[ids].astype(np.float32)
        if self.word_scale is not None:
            x *= self.word_scale[ids, None]
        x += self.positions[:n] + self.segment
        x = _layer_norm(x, *self.emb_ln, self.eps)
        h = x.shape[1]
        d = h // self.heads
        scale = 1.0 / math.sqrt(d)  # a Python float, like _INV_SQRT2: the scores stay float32
        for qkv, qkv_b, wo, bo, ln1, wi, bi, wo2, bo2, ln2 in self.layers:
            q, k, v = np.split(x @ qkv + qkv_b, 3, axis=1)
            q = q.reshape(n, self.heads, d).transpose(1, 0, 2)
            k = k.reshape(n, self.heads, d).transpose(1, 2, 0)
            v = v.reshape(n, self.heads, d).transpose(1, 0, 2)
            att = _softmax((q @ k) * scale) @ v  # [heads, n, d]
            x = _layer_norm(x + att.transpose(1, 0, 2).reshape(n, h) @ wo + bo, *ln1, self.eps)
            x = _layer_norm(x + _gelu(x @ wi + bi) @ wo2 + bo2, *ln2, self.eps)
        return x

    def sentence_probs(self, text: str, pairs: list[tuple]) -> list[np.ndarray | None]:
        """Class probabilities (one row of ``len(labels)`` per pair) for pairs of character spans in ``text``.

        Each pair is ``((subject start, end), subject type, (object start, end), object type)``,
        offsets relative to ``text``. A pair is ``None`` when its subject or object lies past the
        :data:`max_wordpieces` the text is truncated to: the encoder never saw it.
        """
        enc = self.tokenizer.encode(text)
        offsets = enc.offsets
        hid = self.hidden(enc.ids)
        zeros = np.zeros(hid.shape[1], dtype=hid.dtype)
        out: list[np.ndarray | None] = [None] * len(pairs)
        rows, where = [], []
        for j, ((a1, b1), t1, (a2, b2), t2) in enumerate(pairs):
            subj, obj = wordpieces(offsets, a1, b1), wordpieces(offsets, a2, b2)
            if not subj or not obj:
                continue  # past the window the text was truncated to
            lo, hi = (b1, a2) if b1 <= a2 else (b2, a1)
            between = wordpieces(offsets, lo, hi)
            rows.append(np.concatenate([
                hid[0],
                hid[subj].max(axis=0),
                hid[obj].max(axis=0),
                hid[between].max(axis=0) if between else zeros,
                self.type_emb[self.types.index(t1)],
                self.type_emb[self.types.index(t2)],
            ]))
            where.append(j)
        if rows:
            for j, p in zip(where, _softmax(np.stack(rows) @ self.out_w + self.out_b)):
                out[j] = p
        return out

    def __call__(self, doc, pairs: list[tuple], base: list[dict[str, float]]) -> list[dict[str, float]]:
        """Probabilities for candidate pairs ``(e1, t1, e2, t2)`` of ``doc``, averaged with maxent's ``base``.

        The signature of :data:`kg.nlp.trained.relations.PAIR_SCORER`: one
        encoding per sentence, shared by all of its pairs.

        A cascade: a sentence is encoded only if the maxent model gives one of
        its pairs at least :attr:`gate` for some predicate; the pairs of the
        other sentences keep maxent's probabilities. On news most sentences
        with a candidate pair relate nothing (on 40 PolNeAR train articles the
        gate 0.1 skips 274 of 461 such sentences, and the encoder's time falls
        by about 60%); on CoNLL04 dev, strict F1 is 0.6060 with the gate and
        0.6075 without.
        """
        todo = [(s, idx) for s, idx in by_sentence(pairs) if max(_best_predicate(base[i]) for i in idx) >= self.gate]
        out = [dict(mx) for mx in base]
        if not todo:
            return out
        w = self.weight
        with self._one_blas_thread():
            for s, idx in todo:
                base_char = s.start_char
                spans = [((e1.start_char - base_char, e1.end_char - base_char), t1,
                          (e2.start_char - base_char, e2.end_char - base_char), t2)
                         for e1, t1, e2, t2 in (pairs[i] for i in idx)]
                for i, p in zip(idx, self.sentence_probs(s.text, spans)):
                    if p is not None:  # else past the encoder's window: maxent's probabilities stand
                        out[i] = {lab: w * float(p[k]) + (1 - w) * base[i].get(lab, 0.0)
                                  for k, lab in enumerate(self.labels)}
        return out

    def _one_blas_thread(self):
        """Run the matrix products on one BLAS thread (:func:`kg.nlp.gemm_ops.one_thread`), set per document."""
        return gemm_ops.one_thread()


def _best_predicate(probs: dict[str, float]) -> float:
    """The highest probability of a predicate (any label but ``NONE``) in a maxent distribution."""
    return max((p for label, p in probs.items() if label != "NONE"), default=0.0)


def wordpieces(offsets, a: int, b: int) -> list[int]:
    """Indices of the wordpieces overlapping characters ``[a, b)`` (special tokens have empty offsets).

    >>> wordpieces([(0, 0), (0, 4), (5, 8), (8, 9), (0, 0)], 5, 9)
    [2, 3]
    """
    return [i for i, (s, e) in enumerate(offsets) if e > s and s < b and e > a]


def by_sentence(pairs: list[tuple]) -> list[tuple]:
    """Group pairs ``(e1, t1, e2, t2, ...)`` by the spaCy sentence of ``e1``: ``[(sent, [indices])]``.

    The pairs of one sentence share its encoding (training and run time alike).
    """
    groups: dict[tuple, list[int]] = {}
    sents = {}
    for k, p in enumerate(pairs):
        s = p[0].sent
        key = (s.start, s.end)
        sents[key] = s
        groups.setdefault(key, []).append(k)
    return [(sents[key], idx) for key, idx in groups.items()]


def load(model_dir: Path | None = None) -> PairEncoder:
    """Load ``relations-encoder.{npz,json,tokenizer.json}`` from ``model_dir`` (default: the shipped models).

    Raises:
        ModelError: ``tokenizers`` is not installed, or the files are missing or unreadable.
    """
    from kg.nlp.trained import MODEL_DIR

    base = Path(model_dir) if model_dir else MODEL_DIR
    try:
        from tokenizers import Tokenizer
    except ImportError as e:
        raise ModelError("the relation encoder needs the `tokenizers` package: pip install 'kg[encoder]' "
                         "(or run without --encoder)") from e
    paths = [base / f"{NAME}.npz", base / f"{NAME}.json", base / f"{NAME}.tokenizer.json"]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise ModelError(f"relation encoder files not found: {', '.join(missing)}; reinstall kg, "
                         f"or export a model with scripts/export_encoder.py")
    try:
        meta = json.loads(paths[1].read_text(encoding="utf-8"))
        with np.load(paths[0]) as npz:
            arrays = {k: npz[k] for k in npz.files}
        encoder = PairEncoder(arrays, _tokenizer(Tokenizer, paths[2], int(meta["max_wordpieces"])), meta)
    except (OSError, ValueError, KeyError) as e:
        raise ModelError(f"cannot load the relation encoder from {base}: {e}; "
                         f"re-export it with scripts/export_encoder.py") from e
    return encoder


def _tokenizer(cls, path: Path, max_length: int):
    """The WordPiece tokenizer as trained: truncated at ``max_length``, no padding (the file pads to 128)."""
    try:
        tokenizer = cls.from_file(str(path))
    except Exception as e:  # tokenizers raises a plain Exception for a malformed file
        raise ValueError(f"{path}: {e}") from e
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length)
    return tokenizer


@functools.lru_cache(maxsize=None)
def shipped() -> PairEncoder:
    """The shipped encoder, loaded once per process."""
    return load()
