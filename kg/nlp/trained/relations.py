"""Trained relation classifier: entity pairs of one sentence → a predicate or nothing.

A maximum-entropy model (CRFsuite over one-item sequences, so the package needs
one learning library, not two) scores every ordered pair of graph entities in
a sentence whose types admit a predicate (:data:`SIGNATURES`), on the features
of :func:`kg.nlp.trained.features.pair_features`. It is trained on CoNLL04
train (:mod:`kg.train.relations`).

The model proposes and the rules dispose (:func:`merge`): a pair the rules
already relate keeps the rules' predicate, and a model proposal must fit the
predicate's type signature and clear the threshold stored with the model.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span

from kg.nlp.entities import entity_type
from kg.nlp.trained.features import (pair_columns, pair_features, pair_features_v2, pair_features_v3,
                                     pair_features_v4, pair_features_v6, pair_features_v7, pair_features_v8,
                                     pair_features_v9, pair_features_v10, pair_features_v11)

#: Name and version written into ``evidence.extractor`` of the model's relations.
EXTRACTOR = "kg.relations-model/0.2"

NONE = "NONE"

#: Predicate → (subject type, object type). CoNLL04's Work_For is ``worksFor``.
SIGNATURES = {
    "worksFor": ("Person", "Organization"),
    "livesIn": ("Person", "Location"),
    "locatedIn": ("Location", "Location"),
    "basedIn": ("Organization", "Location"),
    "killed": ("Person", "Person"),
}

#: The ordered type pairs worth classifying.
TYPE_PAIRS = frozenset(SIGNATURES.values())

#: CoNLL04 relation type → our predicate (training labels).
CONLL_PREDICATES = {"Work_For": "worksFor", "Live_In": "livesIn", "Located_In": "locatedIn",
                    "OrgBased_In": "basedIn", "Kill": "killed"}

#: Feature sets by the name a model's meta records (``"features"``; models without it are ``v1``).
FEATURES = {"v1": pair_features, "v2": pair_features_v2, "v3": pair_features_v3, "v4": pair_features_v4,
            "v6": pair_features_v6, "v7": pair_features_v7, "v8": pair_features_v8, "v9": pair_features_v9,
            "v10": pair_features_v10, "v11": pair_features_v11}

#: Feature sets that read the pipeline's token vectors (``doc.tensor``); their meta records ``"dense_scale"``.
DENSE_SETS = frozenset({"v3"})


def features_of(meta: dict):
    """The pair feature function a model's meta names (``"features"``, and ``"dense_scale"`` for v3)."""
    name = meta.get("features", "v1")
    if name in DENSE_SETS:
        return functools.partial(FEATURES[name], scale=float(meta.get("dense_scale", 1.0)))
    return FEATURES[name]

#: Pairs further apart than this many tokens are not classified.
MAX_DISTANCE = 40

#: Experiment hook (unset in the shipped pipeline): ``f(doc, pairs, maxent_probs) -> [{label: p}]`` replaces
#: the class probabilities of every candidate pair ``(e1, t1, e2, t2)`` of a doc; ``maxent_probs`` are the
#: tagger's full distributions for the same pairs. Only ``scripts/conll04_encoder.py`` sets it; the opt-in
#: encoder is passed per doc instead (``score_pairs(scorer=...)``).
PAIR_SCORER = None


@dataclass(frozen=True)
class ModelRelation:
    """A relation proposal in token offsets (fields as in ``RelationCandidate``)."""

    subject: tuple[int, int]
    predicate: str
    object: tuple[int, int]
    confidence: float
    rule: str = "maxent"
    qualifiers: dict[str, str] = field(default_factory=dict)
    extractor: str = EXTRACTOR
    subject_ref: tuple[int, int] | None = None  # the model's subjects are names, never pronouns

    def __hash__(self) -> int:
        return hash((self.subject, self.predicate, self.object))


def candidate_pairs(doc: Doc, ents: list[tuple[Span, str]]):
    """Ordered pairs ``(e1, t1, e2, t2)`` of one sentence whose types admit a predicate."""
    if len(ents) < 2:
        return
    sent_of = [0] * len(doc)
    for k, s in enumerate(doc.sents):
        sent_of[s.start:s.end] = [k] * (s.end - s.start)
    # Pairs never cross sentences: pair each entity with those of its own sentence only (in the
    # same order as the full double loop), not with every entity of a long article.
    bounds = [(e.start, e.end) for e, _ in ents]
    same_sentence: dict[int, list[int]] = {}
    for j, (start, _) in enumerate(bounds):
        same_sentence.setdefault(sent_of[start], []).append(j)
    for i, (e1, t1) in enumerate(ents):
        s1, x1 = bounds[i]
        for j in same_sentence[sent_of[s1]]:
            e2, t2 = ents[j]
            if i == j or (t1, t2) not in TYPE_PAIRS:
                continue
            s2, x2 = bounds[j]
            if max(s1, s2) - min(x1, x2) > MAX_DISTANCE:
                continue
            if s1 < x2 and s2 < x1:
                continue
            yield e1, t1, e2, t2


def score_pairs(tagger, doc: Doc, spans: list[Span], need: set[tuple] = frozenset(),
                features=pair_features, threshold: float = 0.5, scorer=None) -> dict[tuple, dict[str, float]]:
    """Classify every candidate pair: ``{(subject, object) token ranges: {label: p}}``.

    Only the winning label's probability is computed (``tagger.marginal`` is
    the costly part), except for the pairs in ``need`` (those a rule relates,
    which the veto reads) and, when ``threshold`` is below 0.5, pairs whose
    ``NONE`` leaves room for a predicate to reach it; those get every label's.

    ``scorer`` (or, when it is None, :data:`PAIR_SCORER`) replaces the
    tagger's probabilities, with the signature of :data:`PAIR_SCORER`: the
    opt-in relation encoder (:mod:`kg.nlp.trained.pair_encoder`) is one.
    """
    if not doc.has_annotation("DEP"):
        return {}
    ents = [(s, t) for s in spans if (t := entity_type(s))]
    labels = tagger.labels()
    out = {}
    cols = None
    scorer = scorer or PAIR_SCORER
    if scorer is not None:
        return _score_pairs_override(tagger, doc, ents, need, features, threshold, labels, scorer)
    for e1, t1, e2, t2 in candidate_pairs(doc, ents):
        key = ((e1.start, e1.end), (e2.start, e2.end))
        cols = cols or pair_columns(doc)  # the entities do not change while the pairs are scored
        [label] = tagger.tag([features(doc, e1, t1, e2, t2, cols)])
        if _wants_all(key, label, need, threshold, lambda: tagger.marginal(NONE, 0)):
            out[key] = {lab: tagger.marginal(lab, 0) for lab in labels}
        elif label != NONE:
            out[key] = {label: tagger.marginal(label, 0)}
    return out


def _wants_all(key: tuple, label: str, need, threshold: float, p_none) -> bool:
    """Whether a pair keeps every label's probability (see :func:`score_pairs`); ``p_none()`` is asked last."""
    return key in need or (label == NONE and threshold < 0.5 and p_none() <= 1 - threshold)


def _score_pairs_override(tagger, doc, ents, need, features, threshold, labels, scorer) -> dict:
    """:func:`score_pairs` with ``scorer``'s probabilities; the same rule for which pairs are kept."""
    pairs = list(candidate_pairs(doc, ents))
    if not pairs:
        return {}
    cols = pair_columns(doc)
    base = []
    for e1, t1, e2, t2 in pairs:
        tagger.tag([features(doc, e1, t1, e2, t2, cols)])
        base.append({lab: tagger.marginal(lab, 0) for lab in labels})
    out = {}
    for (e1, _, e2, _), probs in zip(pairs, scorer(doc, pairs, base)):
        key = ((e1.start, e1.end), (e2.start, e2.end))
        label = max(probs.items(), key=lambda kv: kv[1])[0]
        if _wants_all(key, label, need, threshold, lambda: probs.get(NONE, 0.0)):
            out[key] = dict(probs)
        elif label != NONE:
            out[key] = {label: probs[label]}
    return out


def proposals(scores: dict[tuple, dict[str, float]], types: dict[tuple, str], threshold: float,
              per_predicate: dict[str, float] | None = None, extractor: str = EXTRACTOR,
              rule: str = "maxent") -> list[ModelRelation]:
    """The most probable predicate of each pair when it fits the types and reaches ``threshold``.

    With a threshold of 0.5 or more this is the winning label; below 0.5 a
    predicate can be proposed although ``NONE`` is (slightly) more probable.
    ``per_predicate`` overrides ``threshold`` for the predicates it names.
    """
    out = []
    for (subj, obj), probs in scores.items():
        preds = {k: v for k, v in probs.items() if k != NONE}
        if not preds:
            continue
        label, p = max(preds.items(), key=lambda kv: kv[1])
        if (p < (per_predicate or {}).get(label, threshold)
                or SIGNATURES.get(label) != (types.get(subj), types.get(obj))):
            continue
        out.append(ModelRelation(subj, label, obj, round(p, 3), rule=rule, extractor=extractor))
    return out


def merge(rule_cands: list, model_cands: list[ModelRelation], scores: dict[tuple, dict[str, float]] | None = None,
          *, trusted: float = 0.75, veto: float = 0.0) -> list:
    """Rules first; a model proposal is added only for a pair no rule relates (either direction).

    A rule candidate for a CoNLL04-typed predicate whose rule confidence is
    below ``trusted`` is dropped when the model gives its predicate a
    probability below ``veto`` (0 disables this).
    """
    kept = []
    for c in rule_cands:
        probs = (scores or {}).get((c.subject, c.object))
        if (veto > 0 and probs is not None and c.predicate in SIGNATURES and c.confidence < trusted
                and probs.get(c.predicate, 0.0) < veto):
            continue
        kept.append(c)
    taken = {(c.subject, c.object) for c in kept} | {(c.object, c.subject) for c in kept}
    out = list(kept)
    best: dict[tuple, ModelRelation] = {}
    for m in model_cands:
        if (m.subject, m.object) in taken:
            continue
        key = (m.subject, m.object)
        if key not in best or best[key].confidence < m.confidence:
            best[key] = m
    out.extend(best.values())
    return sorted(out, key=lambda c: (c.subject, c.object, c.predicate))


def predict(tagger, doc: Doc, spans: list[Span], threshold: float,
            need: set[tuple] = frozenset(), features=pair_features,
            per_predicate: dict[str, float] | None = None, encoder=None) -> tuple[list[ModelRelation], dict]:
    """Model proposals over entity ``spans``, and the pair scores they come from (see :func:`score_pairs`).

    With ``encoder`` (a :class:`kg.nlp.trained.pair_encoder.PairEncoder`) the
    scores are its probabilities averaged with the tagger's, and the proposals
    name it in ``extractor``.
    """
    lowest = min([threshold, *(per_predicate or {}).values()])
    scores = score_pairs(tagger, doc, spans, need, features, lowest, scorer=encoder)
    types = {(s.start, s.end): t for s in spans if (t := entity_type(s))}
    if encoder is None:
        return proposals(scores, types, threshold, per_predicate), scores
    return proposals(scores, types, threshold, per_predicate, encoder.extractor, "maxent+encoder"), scores
