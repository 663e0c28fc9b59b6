"""Paired comparison of relation configs on CoNLL04 dev, each trained on the same five 4/5 subsets of train.

Usage: ``python scripts/conll04_dev_subsets.py CONFIG [CONFIG ...]`` (reads ``KG_DATA``).

One dev score per config is one draw: the relation model is trained on the
pairs of the pipeline's own entities, and a small change of its training data
moves dev strict F1 by a point or two. Here every config is trained five times,
on train without fold k (sentence ``i`` is in fold ``i % 5``), with the
shipped entity tagger and decision settings of the config, and each model is
scored on all of dev; the rows are paired by subset, so a config that is
better should win most of the five. Aggregate scores only; nothing is tuned to
a dev sentence.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path


def main(configs: list[str]) -> None:
    from kg.eval import conll04
    from kg.nlp import load_model, trained
    from kg.nlp.trained.relations import features_of
    from kg.train import new_trainer, parse, read_config, train_model
    from kg.train import relations as rel_train

    data = Path(os.environ.get("KG_DATA", "../shared/data"))
    nlp = load_model()
    sents = conll04.load(data, "train")
    docs = parse(nlp, [s.text for s in sents], "conll04-train")
    dev = conll04.load(data, "dev")
    shipped = trained.MODEL_DIR
    scores: dict[str, list[float]] = {c: [] for c in configs}
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(5):
            for c in configs:
                cfg = read_config(c)
                fopts = cfg.get("features", {})
                meta = {"features": fopts.get("set", "v1"), "dense_scale": float(fopts.get("dense_scale", 1.0)),
                        "threshold": cfg.get("decide", {}).get("threshold", 0.5),
                        "veto": cfg.get("decide", {}).get("veto", 0.0)}
                feats = features_of(meta)
                out = Path(tmp) / f"{k}-{len(scores[c])}-{Path(c).stem}"
                out.mkdir()
                for name in ("entities.crfsuite", "entities.json", "statements.crfsuite", "statements.json"):
                    shutil.copy(shipped / name, out / name)
                trainer = new_trainer(cfg.get("maxent", {}))
                for i, (s, doc) in enumerate(zip(sents, docs)):
                    if i % 5 == k:
                        continue
                    rows = rel_train.instances(s, doc, feats)
                    if cfg.get("data", {}).get("predicted_entities", False):
                        rows += rel_train.predicted_instances(s, doc, feats)
                    for x, y in rows:
                        trainer.append([x], [y])
                train_model(trainer, out, "relations")
                (out / "relations.json").write_text(json.dumps(meta), encoding="utf-8")
                trained.MODEL_DIR = out
                trained.models.cache_clear()
                f1 = conll04.evaluate(dev, nlp).micro("strict").f1
                trained.MODEL_DIR = shipped
                trained.models.cache_clear()
                scores[c].append(f1)
                print(f"subset {k} (train without fold {k}): {c}: dev strict micro F1 {f1:.4f}", flush=True)
    for c, xs in scores.items():
        print(f"{c}: mean {sum(xs) / len(xs):.4f}, min {min(xs):.4f}, max {max(xs):.4f}")


if __name__ == "__main__":
    main(sys.argv[1:])
