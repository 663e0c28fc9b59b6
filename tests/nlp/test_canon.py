"""Within-document canonicalisation."""

from __future__ import annotations

from kg import ids
from kg.nlp.canon import canonicalise

from tests.nlp.conftest import by_name


def test_blinken_forms_are_one_entity(seed_extraction):
    blinken = by_name(seed_extraction, "Antony Blinken")
    assert blinken is not None and blinken.type == "Person"
    assert blinken.id == ids.entity_id("Person", "Antony Blinken")
    texts = {m.text for m in blinken.mentions}
    assert {"Antony Blinken", "Blinken"} <= texts
    assert len(blinken.mentions) >= 6
    assert not [e for e in seed_extraction.entities if e.name == "Blinken"]


def test_rutte_and_biden_canonical_names(seed_extraction):
    rutte = by_name(seed_extraction, "Mark Rutte")
    assert {m.text for m in rutte.mentions} == {"Mark Rutte", "Rutte"}
    biden = by_name(seed_extraction, "Joe Biden")
    assert "Biden" in biden.aliases and "President Biden" in biden.aliases
    assert [e.name for e in seed_extraction.entities if "Biden" in e.name] == ["Joe Biden"]


def test_blinken_tagged_as_place_is_relabelled_person(seed_extraction):
    # The small model tags two of the "Blinken" mentions GPE; they must join the person.
    assert not [e for e in seed_extraction.entities if e.type != "Person" and "Blinken" in e.name]


def test_ambiguous_surname_stays_apart():
    groups = canonicalise([("Person", "John Smith"), ("Person", "Mary Smith"), ("Person", "Smith")])
    assert [g.name for g in groups] == ["John Smith", "Mary Smith", "Smith"]


def test_acronym_joins_its_long_form():
    groups = canonicalise([("Organization", "Ukraine Security Assistance Initiative"), ("Organization", "USAI")])
    assert len(groups) == 1 and groups[0].aliases == {"USAI"}


def test_country_aliases():
    groups = canonicalise([("Location", "US"), ("Location", "U.S."), ("Location", "United States")])
    assert [g.name for g in groups] == ["United States"]
