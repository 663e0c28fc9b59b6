"""Train the relation classifier (:mod:`kg.nlp.trained.relations`) on CoNLL04 train.

Instances are the ordered pairs of *gold* entities of each sentence whose
types admit a predicate (:func:`kg.nlp.trained.relations.candidate_pairs`),
labelled with the gold relation (mapped by ``CONLL_PREDICATES``) or ``NONE``.
Features come from the kg pipeline's parse of the sentence, as at run time.
CoNLL04's ``Other`` entities take part in no predicate and are left out.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Callable

from kg.errors import ConfigError
from kg.eval import conll04
from kg.train import add_tensors, finish, new_trainer, parse, train_model

log = logging.getLogger(__name__)

NAME = "relations"

#: CoNLL04 entity type → our graph type.
GRAPH_TYPES = {"Peop": "Person", "Org": "Organization", "Loc": "Location"}


def instances(sentence: conll04.Sentence, doc, features=None) -> list[tuple[list[str], str]]:
    """(features, label) for every candidate pair of gold entities in one parsed sentence."""
    from kg.nlp.trained.features import pair_features
    from kg.nlp.trained.relations import CONLL_PREDICATES, NONE, SIGNATURES, candidate_pairs

    features = features or pair_features

    spans, index = [], {}
    for k, e in enumerate(sentence.entities):
        t = GRAPH_TYPES.get(e.type)
        span = doc.char_span(e.start, e.end, alignment_mode="expand") if t else None
        if span is None:
            continue
        index[(span.start, span.end)] = k
        spans.append((span, t))
    gold = {}
    for h, t, type_ in sentence.relations:
        gold[(h, t)] = CONLL_PREDICATES[type_]
    out = []
    for e1, t1, e2, t2 in candidate_pairs(doc, spans):
        label = gold.get((index[(e1.start, e1.end)], index[(e2.start, e2.end)]), NONE)
        if label != NONE and SIGNATURES[label] != (t1, t2):
            label = NONE
        out.append((features(doc, e1, t1, e2, t2), label))
    return out


def predicted_instances(sentence: conll04.Sentence, doc, features) -> list[tuple[list[str], str]]:
    """(features, label) for every candidate pair of the *pipeline's* entities in one parsed sentence.

    A pair is labelled with the gold relation only when both spans are exactly
    gold entities of the relation's types (those pairs
    are skipped: :func:`instances` has them already); any other pair (a boundary or type
    error, a spurious entity) is ``NONE``. This shows the classifier the
    entities it will see at run time, mistakes included.
    """
    from kg.nlp.entities import entity_type
    from kg.nlp.trained.relations import CONLL_PREDICATES, NONE, SIGNATURES, candidate_pairs

    gold_at = {(e.start, e.end): k for k, e in enumerate(sentence.entities)}
    gold = {(h, t): CONLL_PREDICATES[type_] for h, t, type_ in sentence.relations}
    spans = [(e, t) for e in doc.ents if (t := entity_type(e))]
    out = []
    for e1, t1, e2, t2 in candidate_pairs(doc, spans):
        h = gold_at.get(sentence.snap((e1.start_char, e1.end_char)))  # scored on CoNLL04 tokens, as in kg eval
        t = gold_at.get(sentence.snap((e2.start_char, e2.end_char)))
        if (h is not None and t is not None and GRAPH_TYPES.get(sentence.entities[h].type) == t1
                and GRAPH_TYPES.get(sentence.entities[t].type) == t2):
            continue  # the same pair as a gold instance (:func:`instances`)
        label = gold.get((h, t), NONE) if h is not None and t is not None else NONE
        if label != NONE and (SIGNATURES[label] != (t1, t2)
                              or GRAPH_TYPES.get(sentence.entities[h].type) != t1
                              or GRAPH_TYPES.get(sentence.entities[t].type) != t2):
            label = NONE
        out.append((features(doc, e1, t1, e2, t2), label))
    return out


def crossfold_docs(nlp, sentences: list[conll04.Sentence], split: str, folds: int) -> list:
    """The sentences with entities as a tagger that never saw them would give.

    The shipped entity tagger was trained on these sentences, so its output
    on them is nearly perfect; the relation model would learn nothing about
    the boundary and type errors it meets on new text. Instead each fold is
    re-tagged by an entity tagger trained (with ``configs/entities.toml``)
    on the other folds, then ``kg_entity_fixes`` runs, as in the pipeline.
    """
    import tempfile

    import pycrfsuite

    from kg.nlp.trained.entities import features_of, retag
    from kg.train import CONFIG_DIR, read_config
    from kg.train import entities as ent_train

    ent_config = read_config(CONFIG_DIR / "entities.toml")
    docs = ent_train.base_parses(nlp, sentences, split, tensors=ent_train.dense_features(ent_config))
    fixes = nlp.get_pipe("kg_entity_fixes") if "kg_entity_fixes" in nlp.pipe_names else None
    out = list(docs)
    with tempfile.TemporaryDirectory() as tmp:
        for f in range(folds):
            train_idx = [i for i in range(len(docs)) if i % folds != f]
            trainer, meta = ent_train.prepare(ent_config, [sentences[i] for i in train_idx],
                                              [docs[i] for i in train_idx])
            path = train_model(trainer, Path(tmp), f"entities-fold{f}")
            tagger = pycrfsuite.Tagger()
            tagger.open(str(path))
            feats = features_of(meta)
            for i in range(f, len(docs), folds):
                doc = retag(docs[i], tagger, feats)
                out[i] = fixes(doc) if fixes is not None else doc
            tagger.close()
            log.info("cross-fold entities: fold %d/%d tagged", f + 1, folds)
    return out


def train(config: dict, data_root: Path, out_dir: Path, *, limit: int | None = None,
          progress: Callable[[int], None] | None = None) -> dict:
    """Train and write the model; return its meta (also written beside it).

    Args:
        config: the parsed TOML (``[data]``, ``[maxent]``, ``[decide]`` tables).
        data_root: the shared data directory (holds ``conll04/``).
        out_dir: where ``relations.crfsuite`` and ``relations.json`` go.
        limit: train on the first ``limit`` sentences only (overrides the config).
    """
    from kg.nlp import load_model
    from kg.nlp.trained.relations import DENSE_SETS, EXTRACTOR, FEATURES, features_of

    t0 = time.perf_counter()
    data = config.get("data", {})
    split = data.get("split", "train")
    sentences = conll04.load(data_root, split, limit=limit if limit is not None else data.get("sentences"))
    nlp = load_model(config.get("model", {}).get("spacy", "en_core_web_sm"))
    opts = config.get("maxent", {})
    trainer = new_trainer(opts)
    feature_set = config.get("features", {}).get("set", "v1")
    if feature_set not in FEATURES:
        raise ConfigError(f"relations config: [features] set = {feature_set!r} is unknown; use one of {sorted(FEATURES)}")
    dense_scale = float(config.get("features", {}).get("dense_scale", 1.0))
    features = features_of({"features": feature_set, "dense_scale": dense_scale})
    use_predicted = data.get("predicted_entities", False)
    docs = parse(nlp, [s.text for s in sentences], f"conll04-{split}")
    pred_docs = docs
    if use_predicted == "crossfold":
        pred_docs = crossfold_docs(nlp, sentences, split, int(data.get("folds", 5)))
    if feature_set in DENSE_SETS:
        add_tensors(nlp, docs)
        add_tensors(nlp, pred_docs)  # the cross-fold parses (already done when they are ``docs``)
    counts: dict[str, int] = {}
    per_sentence = []
    for sent, doc, pdoc in zip(sentences, docs, pred_docs):
        rows = instances(sent, doc, features)
        if use_predicted:
            rows += predicted_instances(sent, pdoc, features)
        per_sentence.append(rows)
        for feats, label in rows:
            trainer.append([feats], [label])
            counts[label] = counts.get(label, 0) + 1
        if progress is not None:
            progress(1)
    t_feats = time.perf_counter() - t0
    members = train_bags(config, per_sentence, out_dir)
    meta = {
        "name": NAME,
        "extractor": EXTRACTOR,
        "features": feature_set,
        **({"dense_scale": dense_scale} if feature_set in DENSE_SETS else {}),
        "trained_on": f"conll04/{split}",
        "sentences": len(sentences),
        "label_counts": dict(sorted(counts.items())),
        "config": config,
        "threshold": config.get("decide", {}).get("threshold", 0.5),
        "veto": config.get("decide", {}).get("veto", 0.0),
        **({"thresholds": dict(config["decide"]["thresholds"])} if "thresholds" in config.get("decide", {}) else {}),
        **({"members": members} if members else {}),
    }
    return finish(trainer, out_dir, NAME, meta, t0, t_feats)


def bootstrap_samples(n: int, bags: int, seed: int) -> list[list[int]]:
    """``bags`` samples of ``n`` sentence indices drawn with replacement, from a seeded generator.

    >>> bootstrap_samples(5, 2, 0) == bootstrap_samples(5, 2, 0)
    True
    >>> [len(s) for s in bootstrap_samples(5, 2, 0)]
    [5, 5]
    """
    import random

    rng = random.Random(seed)
    return [[rng.randrange(n) for _ in range(n)] for _ in range(bags)]


def train_bags(config: dict, per_sentence: list[list[tuple]], out_dir: Path, name: str = NAME) -> list[str]:
    """Bagging (``[ensemble] bags = N``, N > 0): N more models, each on a bootstrap sample of the sentences.

    They are written beside the main model (``relations.bag1.crfsuite`` …)
    and their file names returned for the meta's ``members``; at run time the
    main model and the members' class probabilities are averaged
    (:class:`kg.nlp.trained.AveragedTagger`). Sentences, not pairs, are
    sampled, since the pairs of one sentence share their context.
    """
    ens = config.get("ensemble", {})
    bags = int(ens.get("bags", 0))
    if bags <= 0:
        return []
    out = []
    seed = int(ens.get("seed", config.get("seed", 0)))
    for k, sample in enumerate(bootstrap_samples(len(per_sentence), bags, seed), 1):
        trainer = new_trainer(config.get("maxent", {}))
        for i in sample:
            for feats, label in per_sentence[i]:
                trainer.append([feats], [label])
        path = train_model(trainer, out_dir, f"{name}.bag{k}")
        out.append(path.name)
    return out
