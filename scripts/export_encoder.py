"""Export a checkpoint of ``scripts/conll04_encoder.py train`` (``DIR/encoder.pt``) for kg's numpy runtime.

``kg train encoder`` trains and exports in one step; this exports a checkpoint
made by the experiment script. Runs where torch is installed (``kg[train-encoder]``).
Writes ``relations-encoder.{npz,json,tokenizer.json}`` into ``kg/data/models/``
(or ``--out``); see :func:`kg.train.encoder.export`.

Usage::

    python scripts/export_encoder.py --model /work/minilm-out/run0
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    import torch

    from kg.train.encoder import export

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, type=Path, help="directory holding encoder.pt and encoder.json")
    p.add_argument("--out", type=Path, default=ROOT / "kg" / "data" / "models")
    p.add_argument("--weight", type=float, default=0.5, help="the encoder's share when averaged with maxent")
    p.add_argument("--gate", type=float, default=0.1, help="encode sentences where maxent gives a predicate >= this")
    args = p.parse_args()
    meta = json.loads((args.model / "encoder.json").read_text(encoding="utf-8"))
    state = {k: v.detach().float().numpy() for k, v in torch.load(args.model / "encoder.pt", map_location="cpu").items()}
    path = export(state, args.out, {**meta, "weight": args.weight, "gate": args.gate})
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB), its tokenizer and meta")


if __name__ == "__main__":
    main()
