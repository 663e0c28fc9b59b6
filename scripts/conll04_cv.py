"""5-fold cross-validation of the whole CoNLL04 pipeline on CoNLL04 *train* (rules + entity CRF + relation model).

Usage: ``python scripts/conll04_cv.py [--entities CONFIG] [--relations CONFIG ...]
[--thresholds T ...] [--folds 5] [--errors] [--save FILE]`` (reads ``KG_DATA``;
see docs/quality.md, "Fourth round"). For each fold, an entity tagger and a relation model are
trained on the other folds exactly as ``kg train entities`` / ``kg train
relations`` train them (the relation model on the gold pairs and on the pairs
of the fold tagger's own entities), then the full pipeline (``kg eval
conll04``'s scoring) runs on the held-out fold. The scores of the five
held-out folds are summed: strict micro F1 and NER F1 on 922 sentences that
no model of their fold saw, so entity errors are realistic and the relation
model is not scored on its own training data. Settings are compared on this,
and dev is used only to confirm in aggregate. Several relation configs (and
acceptance thresholds) are scored in one run, on the same fold taggers.

``--errors`` also prints the held-out entity errors by category (what a
predicted span that overlaps a gold one has too many or too few, on the
CoNLL04 tokens), and lists them (train sentences only; never run on dev to
pick cases).
"""

from __future__ import annotations

import argparse
import collections
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

log = logging.getLogger("conll04_cv")


def run(ent_cfg_path: Path, rel_cfg_paths: list[Path], folds: int, errors: bool,
        thresholds: list[float] | None = None, save: Path | None = None) -> None:
    import pycrfsuite

    from kg.eval import conll04
    from kg.nlp import extract_many, load_model, trained
    from kg.nlp.trained.entities import features_of, retag
    from kg.train import CONFIG_DIR, new_trainer, read_config, train_model
    from kg.train import entities as ent_train
    from kg.train import relations as rel_train
    from kg.nlp.trained.relations import features_of as pair_features_of

    data = Path(os.environ.get("KG_DATA", "../shared/data"))
    ent_cfg = read_config(ent_cfg_path or CONFIG_DIR / "entities.toml")
    sents = conll04.load(data, "train")
    nlp = load_model()
    base = ent_train.base_parses(nlp, sents, "train", tensors=ent_train.dense_features(ent_cfg))
    fixes = nlp.get_pipe("kg_entity_fixes")
    rel_cfgs = [read_config(p) for p in (rel_cfg_paths or [CONFIG_DIR / "relations.toml"])]
    ths = thresholds or [None]
    extractions: list[list] = [[] for _ in rel_cfgs for _ in ths]
    shipped = trained.MODEL_DIR
    with tempfile.TemporaryDirectory() as tmp:
        for f in range(folds):
            fold_dir = Path(tmp) / f"fold{f}"
            fold_dir.mkdir()
            tr = [i for i in range(len(sents)) if i % folds != f]
            trainer, emeta = ent_train.prepare(ent_cfg, [sents[i] for i in tr], [base[i] for i in tr])
            path = train_model(trainer, fold_dir, "entities")
            (fold_dir / "entities.json").write_text(json.dumps({**emeta, "name": "entities"}))
            tagger = pycrfsuite.Tagger()
            tagger.open(str(path))
            feats = features_of(emeta)
            tagged = {i: fixes(retag(base[i].copy(), tagger, feats)) for i in tr}
            tagger.close()
            for name in ("statements.crfsuite", "statements.json"):
                shutil.copy(shipped / name, fold_dir / name)
            held = [sents[i] for i in range(f, len(sents), folds)]
            for k, rel_cfg in enumerate(rel_cfgs):
                rel_set = rel_cfg.get("features", {}).get("set", "v1")
                scale = float(rel_cfg.get("features", {}).get("dense_scale", 1.0))
                pair_feats = pair_features_of({"features": rel_set, "dense_scale": scale})
                rtrainer = new_trainer(rel_cfg.get("maxent", {}))
                per_sentence = []
                for i in tr:
                    rows = rel_train.instances(sents[i], tagged[i], pair_feats)
                    if rel_cfg.get("data", {}).get("predicted_entities", False):
                        rows += rel_train.predicted_instances(sents[i], tagged[i], pair_feats)
                    per_sentence.append(rows)
                    for x, label in rows:
                        rtrainer.append([x], [label])
                train_model(rtrainer, fold_dir, "relations")
                members = rel_train.train_bags(rel_cfg, per_sentence, fold_dir)
                for m, th in enumerate(ths):
                    (fold_dir / "relations.json").write_text(json.dumps({
                        "name": "relations", "features": rel_set, "dense_scale": scale,
                        "threshold": th if th is not None else rel_cfg.get("decide", {}).get("threshold", 0.5),
                        "veto": rel_cfg.get("decide", {}).get("veto", 0.0), "members": members,
                        **({"thresholds": rel_cfg["decide"]["thresholds"]}
                           if th is None and "thresholds" in rel_cfg.get("decide", {}) else {})}))
                    trained.MODEL_DIR = fold_dir
                    trained.models.cache_clear()
                    extractions[k * len(ths) + m] += list(extract_many((s.document() for s in held), nlp))
            log.warning("fold %d/%d done", f + 1, folds)
    trained.MODEL_DIR = shipped
    trained.models.cache_clear()
    from kg.eval.metrics import micro
    names = [f"{p}" + ("" if th is None else f" @{th}") for p in (rel_cfg_paths or ["configs/relations.toml"])
             for th in ths]
    for path, xs in zip(names, extractions):
        report = conll04.score(sents, xs)
        print(conll04.format_report(report, f"conll04 train, 5-fold CV, {path}"))
        rm = report.micro("strict")
        nm = micro(report.ner[t] for t in conll04.NER_TYPES)
        print(f"{path}: CV strict micro F1 {rm.f1:.4f} (P {rm.precision:.4f} R {rm.recall:.4f}), "
              f"NER micro F1 {nm.f1:.4f}, " + ", ".join(f"{t} {report.ner[t].f1:.4f}" for t in conll04.NER_TYPES))
    if save is not None:
        import pickle
        save.write_bytes(pickle.dumps(extractions))
    extractions = extractions[0]
    if errors:
        entity_errors(sents, extractions)


def _tokens(s, a: int, b: int) -> list[str]:
    return s.text[a:b].split()


def entity_errors(sents, extractions) -> None:
    from kg.eval import conll04

    by_id = {x.id: x for x in extractions}
    cats = collections.Counter()
    examples = collections.defaultdict(list)
    for s in sents:
        x = by_id[s.id]
        pred = {s.snap((a, b)): t for _, a, b, t in conll04.predicted_mentions(x)}
        for e in s.entities:
            if e.type not in conll04.NER_TYPES:
                continue
            g = (e.start, e.end)
            if pred.get(g) == e.type:
                continue
            if g in pred:
                cats[f"{e.type} typed {pred[g]}"] += 1
                examples[f"{e.type} typed {pred[g]}"].append(s.text[e.start:e.end])
                continue
            over = [(p, t) for p, t in pred.items() if p[0] < g[1] and g[0] < p[1]]
            if not over:
                cats[f"{e.type} missed"] += 1
                examples[f"{e.type} missed"].append(s.text[e.start:e.end])
                continue
            (pa, pb), pt = over[0]
            parts = []
            if pa < g[0]:
                parts.append("+L[" + " ".join(_tokens(s, pa, g[0])) + "]")
            if pa > g[0]:
                parts.append("-L[" + " ".join(_tokens(s, g[0], pa)) + "]")
            if pb > g[1]:
                parts.append("+R[" + " ".join(_tokens(s, g[1], pb)) + "]")
            if pb < g[1]:
                parts.append("-R[" + " ".join(_tokens(s, pb, g[1])) + "]")
            if len(over) > 1:
                parts.append(f"split{len(over)}")
            key = f"{e.type} boundary" + ("" if pt == e.type else f" typed {pt}")
            cats[key] += 1
            examples[key].append(f"{s.text[e.start:e.end]!r} -> {s.text[pa:pb]!r} " + " ".join(parts))
    print("held-out entity errors")
    for k, v in sorted(cats.items()):
        print(f"{v:6d}  {k}")
    for k in sorted(examples):
        print(f"\n== {k}")
        for ex in examples[k]:
            print("   ", ex)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entities", type=Path, default=None)
    ap.add_argument("--relations", type=Path, nargs="*", default=None)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--errors", action="store_true")
    ap.add_argument("--save", type=Path, default=None, help="pickle the held-out extractions here")
    ap.add_argument("--thresholds", type=float, nargs="*", default=None,
                    help="acceptance thresholds to score each relation config at (default: the config's)")
    a = ap.parse_args()
    run(a.entities, a.relations, a.folds, a.errors, a.thresholds, a.save)


if __name__ == "__main__":
    main()
