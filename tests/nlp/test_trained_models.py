"""The shipped trained models: they load, name themselves, and beat the rules on a fixed dev slice.

The slices are the first articles/sentences of the dev splits (a fixed prefix,
not chosen case by case); the full dev numbers are in docs/quality.md.
"""

from __future__ import annotations

import pytest

from kg.nlp import extract_many, trained
from kg.nlp.trained import relations as trained_relations, statements as trained_statements

#: Fixed dev slices: the first N in file order.
POLNEAR_SLICE = 6
CONLL04_SLICE = 100


def test_shipped_models_load_once_and_are_small():
    for name in (trained.STATEMENTS, trained.RELATIONS):
        m = trained.models(name)
        assert m is trained.models(name)  # cached: loaded once per process
        assert m.meta["name"] == name
        size = (trained.MODEL_DIR / f"{name}.crfsuite").stat().st_size
        assert 1_000 < size < 50_000_000
    assert trained.models(trained.STATEMENTS).meta["extractor"] == trained_statements.EXTRACTOR
    assert trained.models(trained.RELATIONS).meta["extractor"] == trained_relations.EXTRACTOR


def test_missing_model_is_a_clear_error(tmp_path):
    from kg.errors import ModelError

    with pytest.raises(ModelError, match="kg train statements"):
        trained.load("statements", tmp_path)


def test_model_finds_indirect_and_according_to(nlp):
    doc = nlp("The minister warned that the talks could collapse by Friday. "
              "According to two officials, the deal is off.")
    m = trained.models(trained.STATEMENTS)
    found = trained_statements.predict(m.tagger, doc)
    cues = {doc.text[slice(*s.cue)] for s in found}
    assert "warned" in cues
    contents = [doc.text[slice(*c)] for s in found for c in s.content]
    assert any("talks could collapse" in c for c in contents)
    for s in found:
        for a, b in s.content:
            assert doc.text[a:b].strip() == doc.text[a:b]


def _extract(documents, nlp, monkeypatch, on: bool):
    monkeypatch.setenv("KG_TRAINED", "1" if on else "0")
    return list(extract_many(documents, nlp))


def test_statements_model_beats_rules_on_polnear_dev_slice(shared_dir, nlp, monkeypatch):
    from kg.eval import polnear

    articles = polnear.load(shared_dir / "data", "dev", limit=POLNEAR_SLICE)
    docs = [a.document() for a in articles]
    rules = polnear.score_extractions(articles, _extract(docs, nlp, monkeypatch, False)).counts
    model_x = _extract(docs, nlp, monkeypatch, True)
    model = polnear.score_extractions(articles, model_x).counts
    assert model.attribution.f1 > rules.attribution.f1
    assert model.content_tokens.f1 > rules.content_tokens.f1
    extractors = {s.evidence.extractor for x in model_x for s in x.statements}
    assert trained_statements.EXTRACTOR in extractors
    for x, d in zip(model_x, docs):
        for s in x.statements:
            assert d.text[s.cue.start:s.cue.end] == s.cue.text
            assert d.text[s.evidence.start:s.evidence.end] == s.evidence.text


def test_relations_model_beats_rules_on_conll04_dev_slice(shared_dir, nlp, monkeypatch):
    from kg.eval import conll04

    sentences = conll04.load(shared_dir / "data", "dev", limit=CONLL04_SLICE)
    docs = [s.document() for s in sentences]
    rules = conll04.score(sentences, _extract(docs, nlp, monkeypatch, False)).micro("strict")
    model_x = _extract(docs, nlp, monkeypatch, True)
    model = conll04.score(sentences, model_x).micro("strict")
    assert model.f1 > rules.f1
    assert model.tp > rules.tp
    extractors = {r.evidence.extractor for x in model_x for r in x.relations}
    assert trained_relations.EXTRACTOR in extractors
    for x in model_x:
        for r in x.relations:
            if r.evidence.extractor == trained_relations.EXTRACTOR:
                types = {e.id: e.type for e in x.entities}
                assert (types[r.subject], types[r.object]) == trained_relations.SIGNATURES[r.predicate]


def test_rules_only_switch_leaves_no_model_facts(seed_document, nlp, monkeypatch):
    from kg.nlp import extract

    monkeypatch.setenv("KG_TRAINED", "0")
    x = extract(seed_document, nlp)
    names = {s.evidence.extractor for s in x.statements} | {r.evidence.extractor for r in x.relations}
    assert names and all(n.startswith("kg.rules/") for n in names)
