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
from kg.train import new_trainer, parse, train_model, write_meta

log = logging.getLogger(__name__)

NAME = "entities"


def train(config: dict, data_root: Path, out_dir: Path, *, limit: int | None = None,
          progress: Callable[[int], None] | None = None) -> dict:
    """Train and write the model; return its meta (also written beside it)."""
    from kg.nlp import load_model
    from kg.nlp.trained import ENTITIES_PIPE
    from kg.nlp.trained.entities import FEATURES, gold_tags

    t0 = time.perf_counter()
    data = config.get("data", {})
    split = data.get("split", "train")
    sentences = conll04.load(data_root, split, limit=limit if limit is not None else data.get("sentences"))
    nlp = load_model(config.get("model", {}).get("spacy", "en_core_web_sm"))
    opts = config.get("crf", {})
    feature_set = config.get("features", {}).get("set", "v1")
    if feature_set not in FEATURES:
        raise ConfigError(f"entities config: [features] set = {feature_set!r} is unknown; use one of {sorted(FEATURES)}")
    token_features = FEATURES[feature_set]
    trainer = new_trainer(opts)
    counts: dict[str, int] = {}
    disabled = [ENTITIES_PIPE] if ENTITIES_PIPE in nlp.pipe_names else []
    with nlp.select_pipes(disable=disabled):
        docs = parse(nlp, [s.text for s in sentences], f"conll04-{split}-base")
    for sent, doc in zip(sentences, docs):
        tags = gold_tags(doc, sent.entities)
        for t in tags:
            counts[t] = counts.get(t, 0) + 1
        trainer.append(token_features(doc), tags)
        if progress is not None:
            progress(1)
    t_feats = time.perf_counter() - t0
    meta = {
        "name": NAME,
        "extractor": "kg.entities-model/0.1",
        "features": feature_set,
        "trained_on": f"conll04/{split}",
        "sentences": len(sentences),
        "label_counts": dict(sorted(counts.items())),
        "config": config,
    }
    t1 = time.perf_counter()
    path = train_model(trainer, out_dir, NAME)
    meta["seconds"] = {"parse_and_features": round(t_feats, 1), "train": round(time.perf_counter() - t1, 1),
                       "total": round(time.perf_counter() - t0, 1)}
    write_meta(out_dir, NAME, meta)
    log.info("entities model written to %s", path)
    return meta
