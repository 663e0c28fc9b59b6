"""Record-level invariants: offsets, evidence, determinism."""

from __future__ import annotations

import json

from kg.model import Document, Extraction
from kg.nlp import EXTRACTOR, extract, extract_many
from kg.nlp.coref import PRONOUN_GENDER
from kg.nlp.trained import pair_encoder, relations as trained_relations

#: Relations come from the rules, the trained relation model or (opt-in) the encoder; each names its extractor.
RELATION_EXTRACTORS = (EXTRACTOR, trained_relations.EXTRACTOR, pair_encoder.EXTRACTOR)


def _check_offsets(x: Extraction, text: str) -> int:
    n = 0
    for s in x.sentences:
        assert text[s.start:s.end] == s.text
    for e in x.entities:
        for m in e.mentions:
            assert text[m.start:m.end] == m.text
            sent = x.sentences[m.sentence]
            assert sent.start <= m.start and m.end <= sent.end
    for r in x.relations:
        ev = r.evidence
        assert text[ev.start:ev.end] == ev.text and ev.extractor in RELATION_EXTRACTORS and ev.doc == x.id
        for span, ent in ((ev.subject_span, r.subject), (ev.object_span, r.object)):
            assert span is not None and ev.start <= span[0] < span[1] <= ev.end
            mention_spans = {(m.start, m.end) for e in x.entities if e.id == ent for m in e.mentions}
            # an argument is a mention of its entity, or a pronoun resolved to it
            assert tuple(span) in mention_spans or text[span[0]:span[1]].lower() in PRONOUN_GENDER
        n += 1
    for st in x.statements:
        ev = st.evidence
        assert text[ev.start:ev.end] == ev.text
        assert text[st.cue.start:st.cue.end] == st.cue.text
        for s, e in st.content.spans:
            assert ev.start <= s < e <= ev.end
        n += 1
    return n


def test_seed_offsets_invariant(seed_extraction, seed_document):
    assert _check_offsets(seed_extraction, seed_document.text) >= 7


def test_conll04_dev_offsets_invariant(nlp, conll04_dev):
    rows = conll04_dev[:40]
    docs = [Document(id=r["id"], text=r["text"]) for r in rows]
    facts = sum(_check_offsets(x, d.text) for x, d in zip(extract_many(docs, nlp), docs))
    assert facts > 5


def test_output_is_deterministic(seed_document, seed_nlp, seed_extraction):
    again = extract(seed_document, seed_nlp)
    assert again.to_json() == seed_extraction.to_json()
    via_many = next(extract_many([seed_document], seed_nlp))
    assert via_many.to_json() == seed_extraction.to_json()
    ids = [e.id for e in again.entities]
    assert ids == sorted(ids)


def test_record_round_trips(seed_extraction):
    assert Extraction.from_dict(json.loads(seed_extraction.to_json())) == seed_extraction
