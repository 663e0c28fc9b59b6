"""Word clusters learned from unlabeled news text: ``kg/data/word_clusters.tsv``.

Usage: ``PYTHONHASHSEED=0 python scripts/make_clusters.py [--out FILE]`` (reads ``KG_DATA``; needs
``pip install gensim``, which kg itself does not). See docs/quality.md, "Fifth round".

The trained taggers learn from 922 CoNLL04 sentences, so most words of a new sentence were never seen
with a label; a word's cluster ("spokesman" with "aide" and "adviser", "said" with "told") lets a weight
learned for one word carry to the others. The clusters are learned without labels from the texts kg
may train on: the 840 PolNeAR *train* articles and the CoNLL04 *train* sentences (never dev or test): a
skip-gram word2vec model (gensim, 100 dimensions, words seen 3 times or more, a window of 2 words: it
groups words by their use more than by their topic, and scored better in cross-validation than a window of 5),
then k-means on the normalised vectors at three granularities. Each line is ``word<TAB>c64<TAB>c256<TAB>c1024``
(coarse to fine); the word is
lower-cased with digits as ``0`` (:func:`kg.nlp.trained.features.cluster_key`). ``PYTHONHASHSEED=0`` and
one worker make the vectors reproducible (gensim seeds each word's vector with Python's string hash).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

SIZES = (64, 256, 1024)


def sentences(data: Path):
    """Tokenised, normalised sentences of the PolNeAR train articles and the CoNLL04 train sentences."""
    import spacy

    from kg.nlp.trained.features import cluster_key

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    texts = [p.read_text(encoding="utf-8") for p in sorted((data / "polnear" / "train" / "text").glob("*.txt"))]
    with open(data / "conll04" / "train.jsonl", encoding="utf-8") as f:
        texts += [json.loads(line)["text"] for line in f if line.strip()]
    out = []
    for doc in nlp.pipe(texts, batch_size=64):
        for s in doc.sents:
            toks = [cluster_key(t.text) for t in s if not t.is_space]
            if toks:
                out.append(toks)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "kg" / "data"
                    / "word_clusters.tsv")
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--min-count", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--window", type=int, default=2)
    a = ap.parse_args()
    data = Path(os.environ.get("KG_DATA", "../shared/data"))
    sents = sentences(data)
    print(f"{len(sents)} sentences, {sum(map(len, sents))} tokens")
    import numpy as np
    from gensim.models import Word2Vec
    from sklearn.cluster import KMeans

    model = Word2Vec(sents, vector_size=a.dim, window=a.window, min_count=a.min_count, sg=1, negative=5,
                     epochs=a.epochs, workers=1, seed=0)
    words = list(model.wv.index_to_key)
    vecs = model.wv.vectors / np.linalg.norm(model.wv.vectors, axis=1, keepdims=True)
    labels = [KMeans(n_clusters=k, n_init=1, random_state=0).fit_predict(vecs) for k in SIZES]
    with open(a.out, "w", encoding="utf-8") as f:
        for i, w in enumerate(words):
            f.write(w + "\t" + "\t".join(str(int(lab[i])) for lab in labels) + "\n")
    print(f"{len(words)} words -> {a.out}")


if __name__ == "__main__":
    main()
