"""Entities and sentences on the seed article and small real texts."""

from __future__ import annotations

from kg.model import Document
from kg.nlp import extract

from tests.nlp.conftest import by_name


def test_kyiv_is_a_location_not_a_person(seed_extraction):
    kyiv = by_name(seed_extraction, "Kyiv")
    assert kyiv is not None and kyiv.type == "Location"
    assert not [e for e in seed_extraction.entities if e.type == "Person" and "Kyiv" in e.name]


def test_section_label_background_is_not_an_entity(seed_extraction):
    assert by_name(seed_extraction, "Background") is None
    assert all("Background" not in m.text for e in seed_extraction.entities for m in e.mentions)


def test_determiner_and_possessive_are_stripped(seed_extraction):
    dos = by_name(seed_extraction, "US Department of State")
    assert dos is not None and dos.type == "Organization"
    assert [m.text for m in dos.mentions] == ["US Department of State"]


def test_no_mention_crosses_a_line_break(seed_extraction):
    for e in seed_extraction.entities:
        for m in e.mentions:
            assert "\n" not in m.text, m


def test_skip_ranges_yield_no_entities(seed_extraction, seed_document):
    (s, e), = seed_document.skip
    assert by_name(seed_extraction, "Getty Images") is None
    for ent in seed_extraction.entities:
        for m in ent.mentions:
            assert m.end <= s or m.start >= e


def test_skip_is_what_removes_the_caption(seed_document, nlp):
    # Without the skip range the caption's agency is a real ORG mention.
    unskipped = extract(Document(id="seed", text=seed_document.text), nlp)
    assert by_name(unskipped, "Getty Images") is not None


def test_bullets_and_blank_lines_split_sentences(seed_extraction):
    texts = [s.text for s in seed_extraction.sentences]
    assert "Background:" in texts
    assert any(t.startswith("Earlier, Pentagon spokesperson Pat Ryder reported") for t in texts)
    assert any(t.startswith("She noted that") for t in texts)
    assert not any("•" in t for t in texts)


def test_norp_adjective_is_not_an_entity(seed_extraction):
    assert not [e for e in seed_extraction.entities if "Korean" in e.name]


def test_place_gazetteer_does_not_cut_longer_names(nlp):
    text = "The Ukraine Security Assistance Initiative was praised in Kyiv."
    x = extract(Document(id="t", text=text), nlp)
    names = {e.name: e.type for e in x.entities}
    assert names.get("Kyiv") == "Location"
    assert names.get("Ukraine Security Assistance Initiative") == "Organization"


def test_norp_naming_a_body_is_an_organisation(nlp):
    x = extract(Document(id="t", text="The Democrats blocked the bill, and the Republicans protested."), nlp)
    assert {(e.name, e.type) for e in x.entities} == {("Democrats", "Organization"), ("Republicans", "Organization")}


def test_anaphoric_alliance_is_dropped_not_minted(nlp):
    x = extract(Document(id="t", text="The Alliance must bolster its defence industry, NATO said."), nlp)
    assert [e.name for e in x.entities] == ["NATO"]
    assert [m.text for m in x.entities[0].mentions] == ["NATO"]


def test_dateline_place_in_capitals(nlp):
    x = extract(Document(id="t", text="DAYTON, Ohio (AP) - The plant will close, officials said."), nlp)
    types = {e.name: e.type for e in x.entities}
    assert types.get("DAYTON") == "Location"


def test_hard_wrapped_lines_are_not_sentence_breaks(nlp):
    text = "The minister said on Monday that the\nagreement would hold.\nHeadline Without A Full Stop\nBody text follows."
    x = extract(Document(id="t", text=text), nlp)
    texts = [s.text for s in x.sentences]
    assert texts[0] == "The minister said on Monday that the\nagreement would hold."
    assert "Headline Without A Full Stop" in texts
