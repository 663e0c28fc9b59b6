"""The lemmatizer's word lists as sets give exactly the lemmas of the lists."""

from __future__ import annotations

import json

import spacy
from spacy.attrs import LEMMA

from kg.nlp.lemma_tables import index_as_sets
from kg.nlp.pipeline import load_spacy


def test_same_lemmas_as_the_lists(raw_nlp, seed_path, shared_dir):
    texts = [seed_path.read_text(encoding="utf-8")]
    texts += sorted(p.read_text(encoding="utf-8") for p in (shared_dir / "data/polnear/dev/text").iterdir())[:3]
    with open(shared_dir / "data/conll04/dev.jsonl", encoding="utf-8") as f:
        texts += [json.loads(line)["text"] for line in f][:100]
    lists, sets = raw_nlp, load_spacy()  # the lists as shipped; a copy of the model whose lists become sets
    assert index_as_sets(sets) == 4  # noun, verb, adj, adv
    assert all(isinstance(v, frozenset) for v in sets.get_pipe("lemmatizer").lookups.get_table("lemma_index").values())
    expected, actual = list(lists.pipe(texts)), list(sets.pipe(texts))
    assert sum(len(d) for d in expected) > 4000
    for x, y in zip(expected, actual):
        assert [t.lemma_ for t in x] == [t.lemma_ for t in y]
        assert (x.to_array([LEMMA]) == y.to_array([LEMMA])).all()


def test_other_lemmatizers_are_left_alone():
    nlp = spacy.blank("en")
    assert index_as_sets(nlp) == 0  # no lemmatizer
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    assert index_as_sets(nlp) == 0  # lookup mode has no word lists to test


def test_load_model_uses_sets(nlp):
    table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index")
    assert table and all(isinstance(v, frozenset) for v in table.values())
    assert [t.lemma_ for t in nlp("The ministers were meeting in Brussels.")][1:4] == ["minister", "be", "meet"]
