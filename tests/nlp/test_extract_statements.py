"""Statement assembly on the seed: speakers linked (names and pronouns), institution, mentions, quantities.

The candidates come from :func:`kg.nlp.statements.find_statements` (another module);
these tests check what :mod:`kg.nlp.extract` adds to them.
"""

from __future__ import annotations

import pytest


def _stmt(x, cue_text, content_start):
    hits = [s for s in x.statements if s.cue.text == cue_text and s.content.text.startswith(content_start)]
    if not hits:
        pytest.fail(f"no statement with cue {cue_text!r} and content starting {content_start!r}")
    return hits[0]


def test_he_highlighted_is_blinken(seed_extraction, seed_document):
    s = _stmt(seed_extraction, "highlighted", "that, after their discussion")
    assert s.speaker == "person/antony-blinken"
    assert seed_document.text[slice(*s.speaker_span)] == "He"


def test_she_noted_is_sabrina_singh_for_the_pentagon(seed_extraction):
    s = _stmt(seed_extraction, "noted", "that both presidential aid packages")
    assert s.speaker == "person/sabrina-singh"
    assert s.on_behalf_of == "organization/pentagon"


def test_ryder_statement_speaks_for_pentagon_with_figures(seed_extraction):
    s = _stmt(seed_extraction, "reported", "that the US has delivered")
    assert s.speaker == "person/pat-ryder" and s.on_behalf_of == "organization/pentagon"
    assert {q.text for q in s.quantities} >= {"83%", "67%", "60%"}
    assert "location/united-states" in s.mentions


def test_direct_quote_by_blinken(seed_extraction):
    s = _stmt(seed_extraction, "said", '"President Biden fully intends')
    assert s.kind == "direct" and s.speaker == "person/antony-blinken"
    assert "person/joe-biden" in s.mentions
    assert s.on_behalf_of is None  # a Secretary of State is not a spokesperson


def test_statement_evidence_is_the_sentence(seed_extraction, seed_document):
    text = seed_document.text
    for s in seed_extraction.statements:
        ev = s.evidence
        assert text[ev.start:ev.end] == ev.text
        assert ev.start <= s.cue.start and s.cue.end <= ev.end
        sent = seed_extraction.sentences[ev.sentence]
        assert ev.start <= sent.start and sent.end <= ev.end
        assert s.speaker not in s.mentions
