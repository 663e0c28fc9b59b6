"""Pronoun coreference for statement speakers (the documented heuristic)."""

from __future__ import annotations

from kg.model import Document
from kg.nlp.extract import Linker


def _linker(nlp, document):
    return Linker(document, nlp(document.text))


def _span(text, needle):
    s = text.index(needle)
    return s, s + len(needle.split()[0])


def test_he_resolves_to_blinken(nlp, seed_document):
    link = _linker(nlp, seed_document)
    assert link.pronoun_entity(*_span(seed_document.text, "He also highlighted")) == "person/antony-blinken"


def test_she_resolves_to_sabrina_singh(nlp, seed_document):
    link = _linker(nlp, seed_document)
    assert link.pronoun_entity(*_span(seed_document.text, "She noted")) == "person/sabrina-singh"


def test_gender_cue_skips_the_nearer_person(nlp):
    # The nearest subject is Tom Reed (a spokesman); "she" must go to the spokeswoman.
    text = ("Spokeswoman Ann Lee spoke first. Later, spokesman Tom Reed answered questions. "
            "She said the talks would resume.")
    link = _linker(nlp, Document(id="t", text=text))
    assert link.pronoun_entity(*_span(text, "She said")) == "person/ann-lee"


def test_unresolvable_pronoun_gives_none(nlp):
    text = "The ministry published a report. He said nothing."
    link = _linker(nlp, Document(id="t", text=text))
    assert link.pronoun_entity(*_span(text, "He said")) is None


def test_role_description_resolves_to_the_role_holder(nlp):
    from kg.nlp.extract import assemble_relations

    text = ("Pentagon spokesperson Pat Ryder spoke on Monday. NATO Secretary General Mark Rutte listened. "
            "The spokesperson said deliveries would continue.")
    link = _linker(nlp, Document(id="t", text=text))
    rels = assemble_relations(link)
    s = text.index("The spokesperson")
    assert link.description_entity(s, s + len("The spokesperson"), rels) == "person/pat-ryder"
    s = text.index("deliveries")
    assert link.description_entity(s, s + len("deliveries"), rels) is None
