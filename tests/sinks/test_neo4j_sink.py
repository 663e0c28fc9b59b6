"""The pure converter of the Neo4j sink: extraction record → parameter rows (no server)."""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path

import pytest

from kg.errors import SinkError
from kg.model import Entity
from kg.sinks.neo4j_sink import (LABELS, NODE_LABELS, Q_DOCUMENT_TREES, REL_TYPES, constraint_statements,
                                 to_neo4j_rows, to_tree_row)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "neo4j"))
from seed_facts import seed_extraction  # noqa: E402

SEED = Path(__file__).resolve().parents[2] / "seeds" / "blinken-rutte-2024-11-13.txt"


@pytest.fixture(scope="module")
def record():
    return seed_extraction(SEED.read_text(encoding="utf-8"))


def test_every_fact_becomes_a_row_with_a_whitelisted_type(record):
    rows = to_neo4j_rows(record)
    assert sum(map(len, rows.relations.values())) == len(record.relations)
    assert set(rows.relations) <= set(REL_TYPES.values())
    assert set(rows.entities) <= set(LABELS)
    assert len(rows.statements) == len(record.statements)
    assert [r["id"] for r in rows.documents] == [record.id]


def test_relationship_carries_qualifiers_and_evidence_offsets(record):
    text = SEED.read_text(encoding="utf-8")
    rows = to_neo4j_rows(record)
    met = next(r for r in rows.relations["MET_WITH"] if r["props"].get("location") == "Brussels")
    p = met["props"]
    assert p["date"] == "2024-11-13"
    assert p["sentence"] == f"{record.id}/sent/1"
    assert text[p["start"]:p["end"]].startswith("During a meeting with Rutte in Brussels")
    assert text[p["subject_start"]:p["subject_end"]] == "Blinken"
    assert text[p["object_start"]:p["object_end"]] == "Rutte"
    assert p["extractor"] and 0 < p["confidence"] <= 1


def test_statement_rows_keep_speaker_cue_content_and_quantities(record):
    rows = to_neo4j_rows(record)
    ryder = next(s for s in rows.statements if s["props"]["cue"] == "reported")["props"]
    assert ryder["quantities"] == ["83%", "67%", "60%"]
    assert ryder["speaker_text"] == "Pat Ryder"
    he = next(s for s in rows.statements if s["props"]["cue"] == "highlighted")["props"]
    assert he["speaker_text"] == "He"  # the words in the sentence, while SAID_BY points to Blinken
    said_by = {r["statement"]: r["entity"] for r in rows.links["SAID_BY"]}
    assert said_by[next(s["id"] for s in rows.statements if s["props"]["cue"] == "highlighted")] == \
        "person/antony-blinken"
    assert {r["entity"] for r in rows.links["ON_BEHALF_OF"]} == {"organization/pentagon"}


def test_reserved_qualifier_cannot_overwrite_evidence(record):
    rel = record.relations[0]
    bad = dataclasses.replace(rel, qualifiers={"sentence": "forged", "weird key!": "x"})
    rows = to_neo4j_rows(dataclasses.replace(record, relations=(bad,)))
    p = rows.relations["MET_WITH"][0]["props"]
    assert p["sentence"] == f"{record.id}/sent/{rel.evidence.sentence}"
    assert p["qualifier_sentence"] == "forged"
    assert p["qualifier_weird_key_"] == "x"


def test_unknown_predicate_and_type_are_rejected(record):
    bad = dataclasses.replace(record.relations[0], predicate="DETACH DELETE")
    with pytest.raises(SinkError, match="predicate 'DETACH DELETE'"):
        to_neo4j_rows(dataclasses.replace(record, relations=(bad,)))
    ent = Entity("x/1", "Person) DETACH DELETE (n", "x")
    with pytest.raises(SinkError, match="has type"):
        to_neo4j_rows(dataclasses.replace(record, entities=record.entities + (ent,)))


def test_dangling_entity_reference_is_an_error(record):
    bad = dataclasses.replace(record.relations[0], object="person/nobody")
    with pytest.raises(SinkError, match="person/nobody"):
        to_neo4j_rows(dataclasses.replace(record, relations=(bad,)))


def test_constraint_statements_cover_every_label_and_type():
    stmts = constraint_statements()
    for lab in NODE_LABELS:
        assert any(f"(n:{lab})" in s for s in stmts)
    for typ in REL_TYPES.values():
        assert any(f"[r:{typ}]" in s for s in stmts)
    assert all(s.startswith("CREATE CONSTRAINT") and "IF NOT EXISTS" in s for s in stmts)


def test_data_never_reaches_the_query_text(record):
    evil = "Robert'); MATCH (n) DETACH DELETE n //"
    ents = tuple(dataclasses.replace(e, name=evil) if e.name == "Mark Rutte" else e for e in record.entities)
    rows = to_neo4j_rows(dataclasses.replace(record, entities=ents))
    queries = [*rows.entity_queries(), *rows.document_queries(fresh=True), *rows.document_queries(fresh=False)]
    assert len(queries) > 10
    for _, cypher, _ in queries:
        assert "DETACH" not in cypher and "Robert" not in cypher
        assert re.search(r"\$rows", cypher)
    assert any(r["name"] == evil for r in rows.entities["Person"])


def test_tree_row_refers_to_each_entity_and_sentence_by_position(record):
    rows = to_neo4j_rows(record)
    tree = to_tree_row(rows)
    ents, sents = tree["entities"], [s["id"] for s in tree["sentences"]]
    assert len(set(ents)) == len(ents) and sents == [s["id"] for s in rows.sentences]
    for typ, flat in rows.relations.items():
        nested = tree["rel_" + typ]
        assert [(ents[t["a"]], ents[t["b"]], t["p"]) for t in nested] == \
            [(f["subject"], f["object"], f["props"]) for f in flat]
    assert [(ents[m["e"]], sents[m["s"]], m["start"], m["end"]) for m in tree["mentions"]] == \
        [(m["entity"], m["sentence"], m["start"], m["end"]) for m in rows.mentions]
    assert [(st["id"], sents[st["s"]]) for st in tree["statements"]] == \
        [(st["id"], st["sentence"]) for st in rows.statements]
    for typ, flat in rows.links.items():
        nested = [(st["id"], ents[ln["e"]]) for st in tree["statements"] for ln in st.get(typ, [])]
        assert sorted(nested) == sorted((f["statement"], f["entity"]) for f in flat)
    assert "$docs" in Q_DOCUMENT_TREES and "Robert" not in Q_DOCUMENT_TREES


def test_tree_row_leaves_unusual_records_to_the_flat_rows(record):
    rel = record.relations[0]
    odd = dataclasses.replace(rel, qualifiers={"weird key!": "x"})  # not one of the tree's fixed keys
    assert to_tree_row(to_neo4j_rows(dataclasses.replace(record, relations=(odd,)))) is None
    st = record.statements[0]
    foreign = dataclasses.replace(st, evidence=dataclasses.replace(st.evidence, doc="another-doc"))
    assert to_tree_row(to_neo4j_rows(dataclasses.replace(record, statements=(foreign,)))) is None
    assert to_tree_row(to_neo4j_rows(record)) is not None
