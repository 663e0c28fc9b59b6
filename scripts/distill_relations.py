"""Experiment: distil the opt-in relation encoder into the default maxent relation model.

The encoder (averaged with maxent, ``--encoder``) reaches CoNLL04 dev 0.606,
the maxent model alone 0.590, and the encoder costs more CPU than spaCy. This
script asks whether the maxent model learns part of the encoder's decisions
from *unlabelled news*: the teacher (the shipped ``--encoder`` scoring, every
sentence encoded) labels the candidate pairs of PolNeAR train articles (no
relation gold there; PolNeAR is news, like CoNLL04), and a maxent model is
trained on CoNLL04 train exactly as ``kg train relations`` trains it plus
those pseudo-labelled pairs, then scored on CoNLL04 dev.

Usage::

    KG_DATA=../shared/data python scripts/distill_relations.py label --start 0 --stop 420 --out /tmp/news-a.pkl
    KG_DATA=../shared/data python scripts/distill_relations.py label --start 420 --stop 840 --out /tmp/news-b.pkl
    KG_DATA=../shared/data python scripts/distill_relations.py train --pairs /tmp/news-a.pkl /tmp/news-b.pkl \
        [--none-keep 0.3] [--copies 1] [--min-p 0.3]

Dev only confirms; no case is looked at.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import shutil
import tempfile
import time
from pathlib import Path


def label(start: int, stop: int, out: Path) -> None:
    from kg.nlp import load_model
    from kg.nlp.entities import entity_type
    from kg.nlp.trained import RELATIONS, models, pair_encoder
    from kg.nlp.trained.features import pair_columns
    from kg.nlp.trained.relations import NONE, candidate_pairs, features_of

    data = Path(os.environ.get("KG_DATA", "../shared/data"))
    files = sorted((data / "polnear" / "train" / "text").glob("*.txt"))[start:stop]
    nlp = load_model()
    rel = models(RELATIONS)
    tagger, feats_fn = rel.tagger, features_of(rel.meta)
    labels = tagger.labels()
    enc = pair_encoder.shipped()
    enc.gate = 0.0  # the teacher encodes every sentence with a candidate pair
    rows = []
    t0 = time.perf_counter()
    texts = [f.read_text(encoding="utf-8") for f in files]
    from kg.nlp import gemm_ops

    with gemm_ops.parsing(nlp):
        docs = list(nlp.pipe(texts, batch_size=16))
    for n, doc in enumerate(docs):
        ents = [(s, t) for s in doc.ents if (t := entity_type(s))]
        pairs = list(candidate_pairs(doc, ents))
        if not pairs:
            continue
        cols = pair_columns(doc)
        feats, base = [], []
        for e1, t1, e2, t2 in pairs:
            x = feats_fn(doc, e1, t1, e2, t2, cols)
            tagger.tag([x])
            feats.append(x)
            base.append({lab: tagger.marginal(lab, 0) for lab in labels})
        probs = enc(doc, pairs, base)
        for (e1, t1, e2, t2), x, p, b in zip(pairs, feats, probs, base):
            rows.append({"doc": start + n, "x": x, "types": (t1, t2), "teacher": p, "maxent": b})
        if n % 50 == 0:
            print(f"{n + 1}/{len(texts)} articles, {len(rows)} pairs, {time.perf_counter() - t0:.0f} s", flush=True)
    out.write_bytes(pickle.dumps({"labels": labels, "none": NONE, "rows": rows}))
    print(f"{len(rows)} pairs from {len(texts)} articles in {time.perf_counter() - t0:.0f} s -> {out}")


def teacher_label(row: dict, min_p: float) -> str:
    from kg.nlp.trained.relations import NONE, SIGNATURES

    preds = {k: v for k, v in row["teacher"].items() if k != NONE}
    if not preds:
        return NONE
    lab, p = max(preds.items(), key=lambda kv: kv[1])
    return lab if p >= min_p and SIGNATURES.get(lab) == row["types"] else NONE


def train(pairs: list[Path], none_keep: float, copies: int, min_p: float, seed: int, save: Path | None,
          conll_copies: int = 1) -> float:
    from kg.eval import conll04
    from kg.nlp import extract_many, load_model, trained
    from kg.nlp.trained.relations import NONE
    from kg.nlp.trained.relations import features_of as pair_features_of
    from kg.train import CONFIG_DIR, new_trainer, parse, read_config, train_model
    from kg.train import relations as rel_train

    data_root = Path(os.environ.get("KG_DATA", "../shared/data"))
    config = read_config(CONFIG_DIR / "relations.toml")
    sents = conll04.load(data_root, "train")
    nlp = load_model()
    feats = pair_features_of({"features": config["features"]["set"]})
    docs = parse(nlp, [s.text for s in sents], "conll04-train")
    trainer = new_trainer(config.get("maxent", {}))
    counts: dict[str, int] = {}
    for s, d in zip(sents, docs):
        for x, lab in rel_train.instances(s, d, feats) + rel_train.predicted_instances(s, d, feats):
            for _ in range(conll_copies):  # weights CoNLL04 against the news pairs
                trainer.append([x], [lab])
            counts[lab] = counts.get(lab, 0) + 1
    news = [row for path in pairs for row in pickle.loads(path.read_bytes())["rows"]]
    rng = random.Random(seed)
    added: dict[str, int] = {}
    for row in news:
        lab = teacher_label(row, min_p)
        if lab == NONE and rng.random() >= none_keep:
            continue
        for _ in range(copies):
            trainer.append([row["x"]], [lab])
        added[lab] = added.get(lab, 0) + 1
    print(f"CoNLL04 train instances {counts}; news pairs added {added} (x{copies})", flush=True)
    shipped = trained.MODEL_DIR
    with tempfile.TemporaryDirectory() as tmp:
        tmpd = Path(tmp)
        for f in shipped.glob("*"):
            if f.is_file() and not f.name.startswith("relations."):
                os.symlink(f, tmpd / f.name)
        train_model(trainer, tmpd, "relations")
        meta = json.loads((shipped / "relations.json").read_text())
        meta.pop("members", None)
        (tmpd / "relations.json").write_text(json.dumps(meta))
        if save:
            shutil.copy(tmpd / "relations.crfsuite", save)
        trained.MODEL_DIR = tmpd
        trained.models.cache_clear()
        try:
            dev = conll04.load(data_root, "dev")
            xs = list(extract_many((s.document() for s in dev), nlp))
        finally:
            trained.MODEL_DIR = shipped
            trained.models.cache_clear()
    report = conll04.score(dev, xs)
    m = report.micro("strict")
    print(f"dev strict micro F1 {m.f1:.4f} (P {m.precision:.4f} R {m.recall:.4f}) "
          f"none_keep={none_keep} copies={copies} min_p={min_p} conll_copies={conll_copies}", flush=True)
    return m.f1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("label")
    a.add_argument("--start", type=int, default=0, help="First PolNeAR train article (sorted by name).")
    a.add_argument("--stop", type=int, default=840, help="Stop before this article.")
    a.add_argument("--out", type=Path, required=True)
    b = sub.add_parser("train")
    b.add_argument("--pairs", type=Path, nargs="*", default=[], help="Pseudo-labelled news pairs (none: CoNLL04 only).")
    b.add_argument("--none-keep", type=float, nargs="+", default=[1.0])
    b.add_argument("--copies", type=int, default=1, help="Copies of each news pair.")
    b.add_argument("--conll-copies", type=int, default=1, help="Copies of each CoNLL04 train pair.")
    b.add_argument("--min-p", type=float, nargs="+", default=[0.3])
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--save", type=Path, default=None)
    args = ap.parse_args()
    if args.cmd == "label":
        label(args.start, args.stop, args.out)
    else:
        for keep in args.none_keep:
            for p in args.min_p:
                train(args.pairs, keep, args.copies, p, args.seed, args.save, args.conll_copies)


if __name__ == "__main__":
    main()
