"""The scorers on real gold converted to predictions: a perfect system scores exactly 1.0.

This exercises the real matching code (spans, types, one-to-one Dice matching);
the perturbed variants check that each criterion can fail.
"""

from __future__ import annotations

import dataclasses

import pytest

from kg.eval import conll04, polnear
from kg.eval.metrics import tokenize, tokens_in
from kg.model import Content, DocMeta, Entity, Evidence, Extraction, Mention, Relation, Sentence, Statement, TextSpan

OUR_ENTITY = {v: k for k, v in conll04.ENTITY_TYPES.items()}
OUR_PREDICATE = {"Work_For": "worksFor", "Live_In": "livesIn", "Located_In": "locatedIn", "OrgBased_In": "basedIn", "Kill": "killed"}


def _evidence(doc: str, text: str, sub=None, obj=None) -> Evidence:
    return Evidence(doc=doc, sentence=0, start=0, end=len(text), text=text, extractor="gold", subject_span=sub, object_span=obj)


def conll_gold_extraction(s: conll04.Sentence, retype: dict[str, str] | None = None) -> Extraction:
    """The gold of one sentence as an extraction record (one entity per gold mention)."""
    retype = retype or {}
    entities = []
    for i, e in enumerate(s.entities):
        if e.type not in OUR_ENTITY:
            continue
        entities.append(Entity(id=f"e{i}", type=retype.get(e.type, OUR_ENTITY[e.type]), name=s.text[e.start:e.end],
                               mentions=(Mention(e.start, e.end, s.text[e.start:e.end], 0),)))
    relations = []
    for j, (h, t, type_) in enumerate(s.relations):
        head, tail = s.entities[h], s.entities[t]
        relations.append(Relation(id=f"r{j}", subject=f"e{h}", predicate=OUR_PREDICATE[type_], object=f"e{t}", confidence=1.0,
                                  evidence=_evidence(s.id, s.text, (head.start, head.end), (tail.start, tail.end))))
        if type_ == "Work_For":  # memberOf maps to Work_For too: must be deduplicated, not counted twice
            relations.append(dataclasses.replace(relations[-1], id=f"m{j}", predicate="memberOf"))
    relations.append(Relation(id="x", subject="e0", predicate="metWith", object="e0", confidence=1.0, evidence=_evidence(s.id, s.text)))
    return Extraction(id=s.id, doc=DocMeta(), text_length=len(s.text), sentences=(Sentence(0, 0, len(s.text), s.text),),
                      entities=tuple(entities), relations=tuple(relations), statements=())


@pytest.fixture(scope="module")
def conll_dev(data_root):
    return conll04.load(data_root, "dev", limit=40)


def test_conll04_gold_scores_one(conll_dev):
    report = conll04.score(conll_dev, [conll_gold_extraction(s) for s in conll_dev])
    n_gold = sum(len({(s.entities[h], s.entities[t], ty) for h, t, ty in s.relations}) for s in conll_dev)
    assert n_gold > 30
    for crit in ("boundaries", "strict"):
        m = report.micro(crit)
        assert (m.precision, m.recall, m.f1) == (1.0, 1.0, 1.0)
        assert m.n_gold == n_gold
        # macro over types that occur in this slice
        assert all(report.relations[crit][t].f1 == 1.0 for t in conll04.RELATION_TYPES if report.relations[crit][t].n_gold)
    d = report.to_dict()
    assert d["ner"]["micro"]["f1"] == 1.0 and d["ner"]["micro"]["n_gold"] > 80
    assert d["ignored_relations"] == len(conll_dev)  # the metWith ones


def test_conll04_wrong_entity_type_fails_strict_only(conll_dev):
    # every Peop predicted as Organization: spans stay exact, types do not
    preds = [conll_gold_extraction(s, retype={"Peop": "Organization"}) for s in conll_dev]
    report = conll04.score(conll_dev, preds)
    assert report.micro("boundaries").f1 == 1.0
    assert report.micro("strict").f1 < 0.5
    assert report.ner["Peop"].recall == 0.0 and report.ner["Org"].precision < 1.0


def test_conll04_missing_extractions_count_as_misses(conll_dev):
    half = conll_dev[: len(conll_dev) // 2]
    report = conll04.score(conll_dev, [conll_gold_extraction(s) for s in half])
    m = report.micro("strict")
    assert m.precision == 1.0 and 0.0 < m.recall < 1.0


def first_tokens(text: str, spans, keep) -> tuple[tuple[int, int], ...]:
    """The first ``keep(n)`` of the n word tokens the spans cover, one span per token."""
    tokens = tokenize(text)
    covered = sorted(tokens_in(tokens, spans))
    return tuple(tokens[i] for i in covered[: keep(len(covered))])


def polnear_gold_extraction(article: polnear.Article, keep=None, drop_speaker: bool = False) -> Extraction:
    """The gold attributions of an article as statements.

    ``keep(n)``, when given, keeps only the first ``keep(n)`` of the n content tokens.
    """
    text = article.text
    statements = []
    for i, a in enumerate(a for a in article.attributions if a.content):
        content = a.content if keep is None else first_tokens(text, a.content, keep)
        cue = TextSpan.of(text, *a.cue[0]) if a.cue else TextSpan(0, 0, "")
        speaker = None if drop_speaker or a.source is None else a.source[0]
        statements.append(Statement(id=f"s{i}", speaker=None, speaker_span=speaker, cue=cue,
                                    content=Content(spans=content, text=" … ".join(text[s:e] for s, e in content)),
                                    kind="indirect", confidence=1.0, evidence=_evidence(article.id, text)))
    return Extraction(id=article.id, doc=DocMeta(), text_length=len(text), sentences=(), entities=(), relations=(),
                      statements=tuple(statements))


@pytest.fixture(scope="module")
def polnear_dev(data_root):
    return polnear.load(data_root, "dev", limit=6)


def test_polnear_gold_scores_one(polnear_dev):
    report = polnear.score_extractions(polnear_dev, [polnear_gold_extraction(a) for a in polnear_dev])
    d = report.to_dict()
    assert d["attribution"]["n_gold"] > 30
    for key in ("attribution", "source", "cue", "content_tokens"):
        assert (d[key]["precision"], d[key]["recall"], d[key]["f1"]) == (1.0, 1.0, 1.0), key
    assert d["mean_matched_dice"] == 1.0


def test_polnear_dice_threshold_is_exact(polnear_dev):
    """Keeping k of n gold tokens gives Dice 2k/(n+k): ≥ 0.5 exactly when 3k ≥ n."""
    n_gold = sum(1 for a in polnear_dev for g in a.attributions if g.content)
    enough = polnear.score_extractions(polnear_dev, [polnear_gold_extraction(a, keep=lambda n: -(-n // 3)) for a in polnear_dev])
    assert enough.counts.attribution.tp == n_gold
    assert enough.counts.cue.f1 == 1.0  # cues untouched
    short = polnear.score_extractions(polnear_dev, [polnear_gold_extraction(a, keep=lambda n: (n - 1) // 3) for a in polnear_dev])
    assert short.counts.attribution.tp == 0
    assert short.counts.content_tokens.precision == 1.0 and short.counts.content_tokens.recall < 0.4


def test_polnear_missing_speaker_fails_source_only(polnear_dev):
    nospk = polnear.score_extractions(polnear_dev, [polnear_gold_extraction(a, drop_speaker=True) for a in polnear_dev])
    assert nospk.counts.attribution.f1 == 1.0
    no_source_gold = sum(1 for a in polnear_dev for g in a.attributions if g.source is None and g.content)
    assert nospk.counts.source.tp == no_source_gold < nospk.counts.source.n_gold
