"""Relation rules: the seed expectations and small CoNLL04-style constructions."""

from __future__ import annotations

import pytest

from kg.model import Document
from kg.nlp import extract

from tests.nlp.conftest import relations_named


def test_blinken_met_rutte_in_brussels(seed_extraction):
    rels = relations_named(seed_extraction, "Antony Blinken", "metWith", "Mark Rutte")
    assert rels and rels[0].qualifiers.get("location") == "Brussels"
    ev = rels[0].evidence
    assert ev.text.startswith("During a meeting with Rutte in Brussels")


def test_blinken_scheduled_to_meet_sybiha(seed_extraction):
    rels = relations_named(seed_extraction, "Antony Blinken", "metWith", "Andrii Sybiha")
    assert rels and rels[0].qualifiers.get("modality") == "scheduled"


@pytest.mark.parametrize("person,org,role", [
    ("Mark Rutte", "NATO", "Secretary General"),
    ("Pat Ryder", "Pentagon", "spokesperson"),
    ("Sabrina Singh", "Pentagon", "spokeswoman"),
    ("Andrii Sybiha", "Ukraine", "Foreign Minister"),
    ("Antony Blinken", "United States", "Secretary of State"),
])
def test_titles_give_works_for_with_role(seed_extraction, person, org, role):
    rels = relations_named(seed_extraction, person, "worksFor", org)
    assert rels, (person, org)
    assert rels[0].qualifiers["role"] == role


def _rels(nlp, text):
    x = extract(Document(id="t", text=text), nlp)
    names = {e.id: e.name for e in x.entities}
    return {(names[r.subject], r.predicate, names[r.object]) for r in x.relations}


def test_appositive_title_works_for(nlp):
    rels = _rels(nlp, "Jim Hartley, a spokesman for General Motors, said the plant would close.")
    assert ("Jim Hartley", "worksFor", "General Motors") in rels


def test_kill_active_passive_and_relative(nlp):
    assert ("John Wilkes Booth", "killed", "Lincoln") in _rels(
        nlp, "John Wilkes Booth, who assassinated President Lincoln, was an actor.")
    assert ("Robert Ford", "killed", "Jesse James") in _rels(
        nlp, "In 1882, the outlaw Jesse James was killed by Robert Ford in Missouri.")


def test_located_in_comma(nlp):
    assert ("Albuquerque", "locatedIn", "New Mexico") in _rels(
        nlp, "Police in Albuquerque, New Mexico, said the agency would help.")


def test_no_relation_without_a_pattern(nlp):
    assert _rels(nlp, "Angela Merkel and Emmanuel Macron both spoke on Tuesday.") == set()


def test_pronoun_subject_of_a_meeting(nlp):
    text = "Antony Blinken arrived in Brussels on Tuesday. He met with Mark Rutte on Wednesday."
    x = extract(Document(id="t", text=text), nlp)
    met = [r for r in x.relations if r.predicate == "metWith"]
    assert len(met) == 1
    r = met[0]
    assert (r.subject, r.object) == ("person/antony-blinken", "person/mark-rutte")
    assert text[slice(*r.evidence.subject_span)] == "He"
    assert r.evidence.text == "He met with Mark Rutte on Wednesday."
    assert r.qualifiers.get("date") == "Wednesday"


def test_conjoined_subjects_met(nlp):
    rels = _rels(nlp, "Antony Blinken and Mark Rutte met in Brussels on Wednesday.")
    assert ("Antony Blinken", "metWith", "Mark Rutte") in rels


def test_support_verb_meeting_noun(nlp):
    rels = _rels(nlp, "Antony Blinken held talks with Mark Rutte in Brussels.")
    assert ("Antony Blinken", "metWith", "Mark Rutte") in rels
