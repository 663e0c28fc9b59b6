"""Train the attribution tagger (:mod:`kg.nlp.trained.statements`) on PolNeAR train.

Each article is one CRF sequence: its tokens' features
(:func:`kg.nlp.trained.features.token_features`) and gold BIO tags
(:func:`kg.nlp.trained.statements.gold_tags`) from the article's first
annotation file, as :mod:`kg.eval.polnear` scores it.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Callable

from kg.eval import polnear
from kg.train import finish, new_trainer, parse

log = logging.getLogger(__name__)

NAME = "statements"


def train(config: dict, data_root: Path, out_dir: Path, *, limit: int | None = None,
          progress: Callable[[int], None] | None = None) -> dict:
    """Train and write the model; return its meta (also written beside it).

    Args:
        config: the parsed TOML (``[data]``, ``[crf]``, ``[decode]`` tables).
        data_root: the shared data directory (holds ``polnear/``).
        out_dir: where ``statements.crfsuite`` and ``statements.json`` go.
        limit: train on the first ``limit`` articles only (overrides the config).
    """
    from kg.nlp import load_model
    from kg.nlp.trained.features import token_features
    from kg.nlp.trained.statements import EXTRACTOR, gold_tags

    t0 = time.perf_counter()
    data = config.get("data", {})
    n = limit if limit is not None else data.get("articles")
    articles = polnear.load(data_root, data.get("split", "train"), limit=n)
    nlp = load_model(config.get("model", {}).get("spacy", "en_core_web_sm"))
    crf = config.get("crf", {})
    trainer = new_trainer(crf)
    counts: dict[str, int] = {}
    n_tokens = 0
    for art, doc in zip(articles, parse(nlp, [a.text for a in articles], f"polnear-{data.get('split', 'train')}")):
        tags = gold_tags(doc, art.attributions)
        for t in tags:
            counts[t] = counts.get(t, 0) + 1
        trainer.append(token_features(doc), tags)
        n_tokens += len(doc)
        if progress is not None:
            progress(1)
    t_feats = time.perf_counter() - t0
    log.info("statements: %d articles, %d tokens featurised in %.0fs; training", len(articles), n_tokens, t_feats)
    meta = {
        "name": NAME,
        "extractor": EXTRACTOR,
        "trained_on": f"polnear/{data.get('split', 'train')}",
        "articles": len(articles),
        "tokens": n_tokens,
        "label_counts": dict(sorted(counts.items())),
        "config": config,
        "policy": config.get("decode", {}).get("policy", "rules"),
        "rule_sources": config.get("decode", {}).get("rule_sources", "none"),
    }
    return finish(trainer, out_dir, NAME, meta, t0, t_feats)
