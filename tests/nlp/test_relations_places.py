"""Place rules for basedIn: nationality adjectives, and datelines that are not basedIn (constructed sentences)."""

from __future__ import annotations


from kg.model import Document
from kg.nlp import extract
from kg.nlp.relations import find_relations


def _based(nlp, text):
    """(subject name, object name) of each basedIn fact, checking every evidence span against the text."""
    x = extract(Document(id="t", text=text), nlp)
    names = {e.id: e.name for e in x.entities}
    out = set()
    for r in x.relations:
        ev = r.evidence
        assert text[ev.start:ev.end] == ev.text
        for span in (ev.subject_span, ev.object_span):
            assert span is not None and ev.start <= span[0] < span[1] <= ev.end
        if r.predicate == "basedIn":
            out.add((names[r.subject], names[r.object], r.evidence.extractor))
    return {(s, o) for s, o, _ in out}, out


def _rule_facts(nlp, text, ents):
    """Rule candidates over given entities ``[(words, label)]`` as (subject, predicate, object, rule) texts."""
    doc = nlp.make_doc(text)
    for _, proc in nlp.pipeline:  # parse only: the entities are given
        doc = proc(doc)
    spans = []
    for words, label in ents:
        start = text.index(words)
        spans.append(doc.char_span(start, start + len(words), label=label))
    return {(doc[c.subject[0]:c.subject[1]].text, c.predicate, doc[c.object[0]:c.object[1]].text, c.rule)
            for c in find_relations(doc, spans)}


def test_a_dateline_is_not_where_the_agency_is_based(nlp):
    """"WARSAW, Poland (AP)" says where the story was filed; AP is not based there (no rule reads datelines)."""
    facts = _rule_facts(nlp, "WARSAW, Poland (AP) _ The government resigned on Tuesday after a vote in parliament.",
                        [("WARSAW", "GPE"), ("Poland", "GPE"), ("AP", "ORG")])
    assert not [f for f in facts if f[0] == "AP" and f[1] == "basedIn"]


def test_nationality_adjective_org_based_in_country(nlp):
    pairs, _ = _based(nlp, "The Angolan Government said the talks in Angola would resume next week.")
    assert ("Angolan Government", "Angola") in pairs


def test_nationality_adjective_of_another_country_gives_nothing(nlp):
    facts = _rule_facts(nlp, "The Angolan Government said the talks in Zambia would resume next week.",
                        [("Angolan Government", "ORG"), ("Zambia", "GPE")])
    assert not [f for f in facts if f[3] == "demonym-org"]
