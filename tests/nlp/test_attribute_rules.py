"""The compiled attribute ruler gives exactly spaCy's AttributeRuler annotations."""

from __future__ import annotations

import json

import pytest
import spacy
from spacy.attrs import DEP, HEAD, LEMMA, MORPH, POS, TAG
from spacy.pipeline import AttributeRuler

from kg.nlp.attribute_rules import FastAttributeRuler, compile_ruler, swap_in

COLUMNS = [POS, MORPH, LEMMA, TAG, DEP, HEAD]

#: Colloquial contractions that the model's multi-token rules cover ("gon na" → go to), next to ordinary text.
COLLOQUIAL = "I ai n't gon na do it, let 's go. We got ta win. He ain't gonna stop.  \n\n Let's see: OK?"


def _both(nlp, ruler: AttributeRuler, texts: list[str]):
    """Each text parsed up to the ruler, then annotated by spaCy's ruler and by the compiled one."""
    fast = FastAttributeRuler(compile_ruler(ruler))
    with nlp.select_pipes(disable=[n for n in nlp.pipe_names if n not in ("tok2vec", "tagger", "parser")]):
        docs = list(nlp.pipe(texts))
    return [ruler(d.copy()) for d in docs], [fast(d.copy()) for d in docs]


def _differences(expected, actual) -> list[tuple]:
    out = []
    for x, y in zip(expected, actual):
        for a, b in zip(x, y):
            left = (a.pos_, str(a.morph), a.lemma_, a.tag_, a.dep_)
            right = (b.pos_, str(b.morph), b.lemma_, b.tag_, b.dep_)
            if left != right:
                out.append((a.text, left, right))
    return out


def test_the_models_ruler_compiles(raw_nlp):
    rules = compile_ruler(raw_nlp.get_pipe("attribute_ruler"))
    assert rules is not None
    assert rules.singles and rules.multis  # both kinds of pattern occur in en_core_web_sm


def test_same_annotations_as_spacy_on_real_text(raw_nlp, seed_path, shared_dir):
    texts = [seed_path.read_text(encoding="utf-8"), COLLOQUIAL]
    texts += sorted(p.read_text(encoding="utf-8") for p in (shared_dir / "data/polnear/dev/text").iterdir())[:5]
    with open(shared_dir / "data/conll04/dev.jsonl", encoding="utf-8") as f:
        texts += [json.loads(line)["text"] for line in f][:150]
    expected, actual = _both(raw_nlp, raw_nlp.get_pipe("attribute_ruler"), texts)
    assert sum(len(d) for d in expected) > 5000
    assert _differences(expected, actual) == []
    for x, y in zip(expected, actual):
        assert (x.to_array(COLUMNS) == y.to_array(COLUMNS)).all()


def test_multi_token_rules_apply(raw_nlp):
    expected, actual = _both(raw_nlp, raw_nlp.get_pipe("attribute_ruler"), [COLLOQUIAL])
    lemmas = {t.text: t.lemma_ for t in actual[0]}
    assert (lemmas["gon"], lemmas["na"], lemmas["ta"]) == ("go", "to", "to")  # set by two-token rules only
    assert _differences(expected, actual) == []


def test_rule_order_index_and_operators_match_spacy(raw_nlp):
    """Overlapping rules (the later wins), a negative index, NOT_IN, REGEX, IN and flags, against spaCy's ruler."""
    ruler = AttributeRuler(raw_nlp.vocab)
    ruler.add([[{"TAG": {"IN": ["NN", "NNS"]}}]], {"POS": "NOUN", "LEMMA": "first"})
    ruler.add([[{"LOWER": {"REGEX": "^s"}, "TAG": {"NOT_IN": ["NNP"]}}]], {"LEMMA": "second"})
    ruler.add([[{"LOWER": "the"}, {"IS_SPACE": False, "TAG": "NN"}]], {"LEMMA": "third", "POS": "X"}, index=-1)
    ruler.add([[{"TEXT": "cat"}]], {"MORPH": "Number=Sing|Animacy=Anim"})
    ruler.add([[{"DEP": "nsubj"}]], {"TAG": "XX"})
    text = "The cat sat on the sofa. A dog barked. Sam sells sea shells; the shells sold. The  stars shine."
    expected, actual = _both(raw_nlp, ruler, [text])
    assert _differences(expected, actual) == []
    assert {t.lemma_ for t in actual[0]} >= {"first", "second", "third"}


@pytest.mark.parametrize(
    "pattern, attrs",
    [
        ([{"LOWER": "a", "OP": "+"}], {"LEMMA": "x"}),  # quantifier
        ([{"_": {"flag": True}}], {"LEMMA": "x"}),  # extension attribute
        ([{"LENGTH": {">=": 3}}], {"LEMMA": "x"}),  # comparison
        ([{"LOWER": "a"}], {"NORM": "x"}),  # sets a lexical attribute, shared by every token of the word
    ],
)
def test_unsupported_rulers_are_not_compiled(raw_nlp, pattern, attrs):
    ruler = AttributeRuler(raw_nlp.vocab)
    ruler.add([pattern], attrs)
    assert compile_ruler(ruler) is None


def test_load_model_runs_the_compiled_ruler(nlp):
    assert isinstance(nlp.get_pipe("attribute_ruler"), FastAttributeRuler)
    assert nlp.get_pipe_meta("attribute_ruler").factory == "kg_attribute_ruler"
    doc = nlp("Pentagon spokesperson Pat Ryder said the shells were delivered.")
    assert [t.pos_ for t in doc][:4] == ["PROPN", "NOUN", "PROPN", "PROPN"]
    assert doc[4].lemma_ == "say"


def test_swap_in_leaves_a_ruler_it_cannot_compile():
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add([[{"LOWER": "a", "OP": "+"}]], {"LEMMA": "x"})
    assert swap_in(nlp) is False
    assert nlp.get_pipe("attribute_ruler") is ruler
    assert swap_in(spacy.blank("en")) is False  # no ruler at all
