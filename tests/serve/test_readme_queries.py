"""The five README queries over HTTP with SPARQLWrapper, checked against the extraction records.

Expected rows are computed from the records themselves (not from RDF), so
these tests check the whole path record → RDF → store → endpoint → client.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from SPARQLWrapper import CSV, JSON, SPARQLWrapper

from kg.serve import queries
from tests.sinks._records import SEED


def run(endpoint: str, text: str, method: str = "GET") -> list[dict[str, str]]:
    client = SPARQLWrapper(endpoint)
    client.setQuery(text)
    client.setMethod(method)
    client.setReturnFormat(JSON)
    result = client.query().convert()
    return [{k: v["value"] for k, v in row.items()} for row in result["results"]["bindings"]]


def names(extractions) -> dict[str, str]:
    return {e.id: e.name for ex in extractions for e in ex.entities}


def doc_iri(doc_id: str) -> str:
    return f"https://kg.example.org/doc/{doc_id}"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_who_met_whom(server, sample_extractions, method):
    rows = run(server.endpoint, queries.MET_WITH, method)
    name = names(sample_extractions)
    expected = {
        (name[r.subject], name[r.object], r.evidence.text, doc_iri(ex.id))
        for ex in sample_extractions for r in ex.relations if r.predicate == "metWith"
    }
    assert {(r["person"], r["other"], r["sentence"], r["document"]) for r in rows} == expected
    brussels = [r for r in rows if r["other"] == "Mark Rutte"]
    assert [r.get("location") for r in brussels] == ["Brussels"]
    assert brussels[0]["title"].startswith("US Secretary of State assures NATO")


def test_everything_a_person_said(server, sample_extractions):
    rows = run(server.endpoint, queries.bind(queries.SAID_BY, name="Antony Blinken"))
    blinken = "person/antony-blinken"
    expected = [
        (s.content.text, s.cue.text, s.evidence.text, ex.doc.date)
        for ex in sorted(sample_extractions, key=lambda e: e.doc.date)
        for s in sorted(ex.statements, key=lambda s: s.evidence.sentence)
        if s.speaker == blinken
    ]
    assert len(expected) == 4
    assert [(r["content"], r["cue"], r["sentence"], r["date"]) for r in rows] == expected
    assert {r["kind"] for r in rows} == {"direct", "indirect"}


def test_a_person_who_said_nothing(server):
    assert run(server.endpoint, queries.bind(queries.SAID_BY, name="Mark Rutte")) == []


def test_statements_about_ukraine_newest_first(server, sample_extractions):
    rows = run(server.endpoint, queries.ABOUT_TOPIC)
    ukraine = "location/ukraine"
    expected = {
        s.content.text for ex in sample_extractions for s in ex.statements
        if "ukraine" in s.content.text.lower() or ukraine in s.mentions
    }
    assert {r["content"] for r in rows} == expected
    assert len(expected) == 3
    dates = [r.get("date", "") for r in rows]
    assert dates == sorted(dates, reverse=True)
    ryder = next(r for r in rows if "83%" in r["content"])
    assert ryder["speaker"] == "Pat Ryder" and ryder["cue"] == "reported"


def test_statements_about_a_topic_sort_newest_first(server, sample_extractions):
    # "act" occurs in statements of both documents ("We will act" on 2024-11-12, "active" on 2024-11-13)
    rows = run(server.endpoint, queries.bind(queries.ABOUT_TOPIC, topic="act"))
    expected = {s.content.text for ex in sample_extractions for s in ex.statements if "act" in s.content.text.lower()}
    assert {r["content"] for r in rows} == expected
    dates = [r["date"] for r in rows]
    assert set(dates) == {"2024-11-12", "2024-11-13"}
    assert dates == sorted(dates, reverse=True)


def test_roles_per_organisation(server, sample_extractions):
    rows = run(server.endpoint, queries.ROLES)
    name = names(sample_extractions)
    people = {e.id for ex in sample_extractions for e in ex.entities if e.type == "Person"}
    expected = {
        (name[r.object], name[r.subject], r.qualifiers.get("role"))
        for ex in sample_extractions for r in ex.relations if r.predicate == "worksFor" and r.subject in people
    }
    assert {(r["organisation"], r["person"], r.get("role")) for r in rows} == expected
    assert ("NATO", "Mark Rutte", "Secretary General") in expected
    assert ("Pentagon", "Pat Ryder", "spokesperson") in expected


def test_provenance_of_a_triple(server, sample_extractions):
    seed = sample_extractions[0]
    rel = next(r for r in seed.relations if r.predicate == "metWith" and r.object == "person/mark-rutte")
    rows = run(server.endpoint, queries.PROVENANCE)
    assert len(rows) == 1
    (row,) = rows
    sentence = seed.sentences[rel.evidence.sentence]
    assert row["sentence"] == rel.evidence.text == sentence.text
    assert (int(row["start"]), int(row["end"])) == (sentence.start, sentence.end)
    text = SEED.read_text(encoding="utf-8")
    assert text[int(row["start"]):int(row["end"])] == row["sentence"]
    assert text[int(row["subjectStart"]):int(row["subjectEnd"])] == row["subjectText"] == "Blinken"
    assert row["document"] == doc_iri(seed.id)
    assert float(row["confidence"]) == pytest.approx(rel.confidence)
    assert row["predicate"] == "https://kg.example.org/ontology#metWith"


def test_provenance_of_another_triple_by_binding(server, sample_extractions):
    q = queries.bind(queries.PROVENANCE, subject="Pat Ryder",
                     predicate=ox.NamedNode("https://kg.example.org/ontology#worksFor"), object="Pentagon")
    rows = run(server.endpoint, q)
    assert len(rows) == 1
    assert "Pentagon spokesperson Pat Ryder" in rows[0]["sentence"]


def test_sparqlwrapper_csv(server):
    client = SPARQLWrapper(server.endpoint)
    client.setQuery(queries.ROLES)
    client.setReturnFormat(CSV)
    body = client.query().convert().decode("utf-8")
    assert body.splitlines()[0] == "organisation,person,role"
    assert "NATO,Mark Rutte,Secretary General" in body.splitlines()


def test_rdflib_sparqlstore_client(server, sample_extractions):
    """rdflib's SPARQLStore (what rdflib users point at an endpoint) reads the same answers."""
    from rdflib import Graph
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    graph = Graph(store=SPARQLStore(server.endpoint, returnFormat="xml"))
    rows = {(str(r.person), str(r.other)) for r in graph.query(queries.MET_WITH)}
    name = names(sample_extractions)
    assert rows == {(name[r.subject], name[r.object]) for ex in sample_extractions for r in ex.relations
                    if r.predicate == "metWith"}
