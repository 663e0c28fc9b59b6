"""Train the entity tagger (:mod:`kg.nlp.trained.entities`) on CoNLL04 train.

Features are read from the kg pipeline's parse *without* the trained tagger
(spaCy's NER plus kg's rule fixes), exactly the input the tagger sees at run
time; the gold tags are CoNLL04's Peop/Org/Loc entities.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Callable

from kg.errors import ConfigError
from kg.eval import conll04
from kg.train import add_tensors, finish, new_trainer, parse

log = logging.getLogger(__name__)

NAME = "entities"


def train(config: dict, data_root: Path, out_dir: Path, *, limit: int | None = None,
          progress: Callable[[int], None] | None = None) -> dict:
    """Train and write the model; return its meta (also written beside it)."""
    from kg.nlp import load_model
    from kg.nlp.trained.entities import EXTRACTOR

    t0 = time.perf_counter()
    data = config.get("data", {})
    split = data.get("split", "train")
    sentences = conll04.load(data_root, split, limit=limit if limit is not None else data.get("sentences"))
    nlp = load_model(config.get("model", {}).get("spacy", "en_core_web_sm"))
    docs = base_parses(nlp, sentences, split, tensors=dense_features(config))
    trainer, extra = prepare(config, sentences, docs, progress)
    t_feats = time.perf_counter() - t0
    meta = {
        "name": NAME,
        "extractor": EXTRACTOR,
        "trained_on": f"conll04/{split}",
        "sentences": len(sentences),
        "config": config,
        **extra,
    }
    return finish(trainer, out_dir, NAME, meta, t0, t_feats)


def dense_features(config: dict) -> bool:
    """Does the entities ``config`` name a feature set that reads the token vectors (``doc.tensor``)?"""
    from kg.nlp.trained.entities import DENSE_SETS

    return config.get("features", {}).get("set", "v1") in DENSE_SETS


def base_parses(nlp, sentences: list[conll04.Sentence], split: str, *, tensors: bool = False) -> list:
    """The sentences parsed by the kg pipeline *without* the trained tagger (its input at run time).

    With ``tensors``, the token vectors (``doc.tensor``) too, which dense features read (a cached parse lacks
    them, and recomputing them costs a tok2vec pass, so only then).
    """
    from kg.nlp.trained import ENTITIES_PIPE

    disabled = [ENTITIES_PIPE] if ENTITIES_PIPE in nlp.pipe_names else []
    with nlp.select_pipes(disable=disabled):
        docs = parse(nlp, [s.text for s in sentences], f"conll04-{split}-base")
    if tensors:
        add_tensors(nlp, docs)
    return docs


def prepare(config: dict, sentences: list[conll04.Sentence], docs: list,
            progress: Callable[[int], None] | None = None) -> tuple[object, dict]:
    """A CRFsuite trainer loaded with the sentences' features and gold tags, and the meta it implies.

    The meta holds ``features`` (the feature set), ``label_counts`` and, for
    ``v3``, the ``gazetteer`` of all the sentences' names; during training each
    sentence sees the names of the other ``gazetteer_folds`` folds only.
    """
    from kg.nlp.trained.entities import (DENSE_SETS, FEATURES, build_gazetteer, features_of, gold_tags,
                                         token_features_v3)

    fopts = config.get("features", {})
    feature_set = fopts.get("set", "v1")
    if feature_set not in FEATURES and feature_set not in ("v3", *DENSE_SETS):
        raise ConfigError(f"entities config: [features] set = {feature_set!r} is unknown; "
                          f"use one of {sorted(FEATURES) + ['v3', *sorted(DENSE_SETS)]}")
    dense = {"dense_scale": float(fopts.get("dense_scale", 1.0)), "dense_window": int(fopts.get("dense_window", 0))}
    featurise = (features_of({"features": feature_set, **dense}) if feature_set in DENSE_SETS
                 else FEATURES.get(feature_set))
    trainer = new_trainer(config.get("crf", {}))
    counts: dict[str, int] = {}
    names = [gazetteer_entries(doc, sent) for sent, doc in zip(sentences, docs)]
    folds = int(config.get("features", {}).get("gazetteer_folds", 5))
    fold_gaz = []
    if feature_set == "v3":
        fold_gaz = [build_gazetteer(e for j, es in enumerate(names) if j % folds != f for e in es)
                    for f in range(folds)]
    for k, (sent, doc) in enumerate(zip(sentences, docs)):
        tags = gold_tags(doc, sent.entities)
        for t in tags:
            counts[t] = counts.get(t, 0) + 1
        feats = token_features_v3(doc, fold_gaz[k % folds]) if fold_gaz else featurise(doc)
        trainer.append(feats, tags)
        if progress is not None:
            progress(1)
    extra: dict = {"features": feature_set, "label_counts": dict(sorted(counts.items()))}
    if feature_set in DENSE_SETS:
        extra.update(dense)
    if feature_set == "v3":
        extra["gazetteer"] = [[list(w), t] for w, t in sorted({e for es in names for e in es})]
    return trainer, extra


def gazetteer_entries(doc, sentence) -> list[tuple[tuple[str, ...], str]]:
    """The sentence's gold Peop/Org/Loc names as (lowercased spaCy tokens, CRF tag type)."""
    from kg.nlp.trained.entities import CONLL_TAGS

    out = []
    for e in sentence.entities:
        t = CONLL_TAGS.get(e.type)
        span = doc.char_span(e.start, e.end, alignment_mode="expand") if t else None
        if span is not None:
            out.append((tuple(tok.lower_ for tok in span), t))
    return out
