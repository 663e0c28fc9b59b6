"""Pure parts of the entity/relation models' newer feature templates and decisions (issue 6)."""

from __future__ import annotations

from kg.eval.conll04 import Sentence
from kg.nlp.trained.entities import build_gazetteer, gazetteer_features
from kg.nlp.trained.relations import NONE, proposals


def test_gazetteer_marks_longest_match_and_neighbours(nlp):
    doc = nlp("He flew from New York City to Paris .")
    gaz = build_gazetteer([(("new", "york"), "LOC"), (("new", "york", "city"), "LOC"), (("paris",), "ORG"),
                           (("paris",), "LOC")])
    f = gazetteer_features(doc, gaz)
    words = [t.text for t in doc]
    i = words.index("New")
    assert "gz=B-LOC" in f[i] and "gz=I-LOC" in f[i + 1] and "gz=I-LOC" in f[i + 2]
    assert "-1gz=B-LOC" in f[i + 1]
    p = words.index("Paris")
    assert {"gz=B-LOC", "gz=B-ORG", "gz=ambiguous"} <= set(f[p])
    assert not any(x.startswith("gz=") for x in f[words.index("flew")])


def test_proposals_below_half_pick_the_best_predicate_over_none():
    scores = {((0, 1), (3, 4)): {NONE: 0.55, "worksFor": 0.35, "livesIn": 0.10},
              ((0, 1), (5, 6)): {NONE: 0.80, "livesIn": 0.20}}
    types = {(0, 1): "Person", (3, 4): "Organization", (5, 6): "Location"}
    low = proposals(scores, types, 0.3)
    assert [(m.object, m.predicate, m.confidence) for m in low] == [((3, 4), "worksFor", 0.35)]
    assert proposals(scores, types, 0.5) == []


def test_conll04_spans_snap_to_whole_tokens_only():
    s = Sentence("x", "Tampa , Fla. said Dallas.", (), ())
    assert s.snap((8, 11)) == (8, 12)  # "Fla" inside the token "Fla."
    assert s.snap((18, 24)) == (18, 25)
    assert s.snap((0, 5)) == (0, 5)  # never across a space
    assert s.snap(None) is None



def test_pair_templates_read_the_entities_once_with_the_same_features(nlp):
    """extra_pair_features caches doc.ents per Doc; its features equal those computed from doc.ents directly,
    and a change of the Doc's entities is seen."""
    from spacy.tokens import Span

    from kg.nlp.trained import features as F

    def reference(doc, e1, t1, e2, t2):
        F._DOC_ENTS.pop(doc, None)  # nothing cached: doc.ents read afresh
        return F.extra_pair_features(doc, e1, t1, e2, t2)

    doc = nlp("Antony Blinken met Mark Rutte of NATO in Brussels on Wednesday, the State Department said.")
    ents = list(doc.ents)
    assert len(ents) >= 4
    pairs = [(a, b) for a in ents for b in ents if a.start != b.start]
    fast = [F.extra_pair_features(doc, a, "Person", b, "Location") for a, b in pairs]
    assert fast == [reference(doc, a, "Person", b, "Location") for a, b in pairs]
    before = F.extra_pair_features(doc, ents[0], "Person", ents[-1], "Organization")
    doc.ents = [Span(doc, e.start, e.end, label="ORG") for e in ents]  # relabel every entity
    after = F.extra_pair_features(doc, ents[0], "Person", ents[-1], "Organization")
    assert after != before and after == reference(doc, ents[0], "Person", ents[-1], "Organization")
