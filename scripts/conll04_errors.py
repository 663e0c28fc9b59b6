"""Error analysis of the pipeline on a CoNLL04 split: where gold relations are lost, what false positives are.

Usage: ``python scripts/conll04_errors.py [split]`` (default ``dev``; reads
``KG_DATA``). Counts categories only; spans are compared after
:meth:`kg.eval.conll04.Sentence.snap`, as ``kg eval conll04`` scores them.

- a gold relation is *found*, or lost because an argument is *missed*
  (no predicted mention overlaps it), has wrong *boundaries* (one overlaps),
  has the wrong *type*, or because both arguments are right and no (or the
  wrong) relation was predicted;
- a false positive has an argument that is not a gold entity (boundary,
  type, spurious), or relates two gold entities CoNLL04 does not relate;
- entity mentions by the same categories, and relations by producer.
"""

from __future__ import annotations

import collections
import os
import sys
from pathlib import Path

from kg.eval import conll04
from kg.nlp import extract_many, load_model


def main(split: str = "dev") -> None:
    sents = conll04.load(Path(os.environ.get("KG_DATA", "../shared/data")), split)
    xs = extract_many((s.document() for s in sents), load_model())
    lost, fps, ents, producers = (collections.Counter() for _ in range(4))
    for s, x in zip(sents, xs):
        spans = {s.snap((a, b)): t for _, a, b, t in conll04.predicted_mentions(x)}
        pred = {(i, s.snap(a), at, s.snap(b), bt, t) for i, a, at, b, bt, t in conll04.predicted_triples(x)}
        gold = conll04.gold_triples(s)
        gm = {(e.start, e.end): e.type for e in s.entities}

        def status(sp, ty):
            if sp in spans:
                return "ok" if spans[sp] == ty else "type"
            return "boundary" if any(a < sp[1] and sp[0] < b for a, b in spans) else "missed"

        for g in gold:
            if g in pred:
                lost["found"] += 1
                continue
            st = {status(g[1], g[2]), status(g[3], g[4])}
            if st == {"ok"}:
                other = any({p[1], p[3]} == {g[1], g[3]} for p in pred)
                lost["both arguments right, " + ("wrong relation" if other else "no relation")] += 1
            else:
                lost["an argument " + next(k for k in ("missed", "boundary", "type") if k in st)] += 1
        for p in pred - gold:
            bad = [sp for sp, ty in ((p[1], p[2]), (p[3], p[4])) if gm.get(sp) != ty]
            if not bad:
                fps[f"two gold entities, {p[5]}"] += 1
                continue
            kinds = sorted("nospan" if sp is None else "type" if sp in gm else
                           "boundary" if any(a < sp[1] and sp[0] < b for a, b in gm) else "spurious" for sp in bad)
            fps["argument " + "+".join(kinds)] += 1
        for sp, ty in gm.items():
            if ty in conll04.NER_TYPES:
                ents[f"gold {ty} {status(sp, ty)}"] += 1
        types = {e.id: conll04.ENTITY_TYPES.get(e.type) for e in x.entities}
        for r in x.relations:
            t = conll04.PREDICATE_TYPES.get(r.predicate)
            if t is None or not r.evidence.subject_span or not r.evidence.object_span:
                continue
            key = (x.id, s.snap(tuple(r.evidence.subject_span)), types.get(r.subject),
                   s.snap(tuple(r.evidence.object_span)), types.get(r.object), t)
            producers[f"{r.evidence.extractor.split('/')[0]} {'right' if key in gold else 'wrong'}"] += 1
    for title, c in (("gold relations", lost), ("false positives", fps), ("gold entities", ents),
                     ("relations by producer", producers)):
        print(f"{title} ({sum(c.values())})")
        for k, v in sorted(c.items()):
            print(f"{v:6d}  {k}")
        print()


if __name__ == "__main__":
    main(*sys.argv[1:2])
