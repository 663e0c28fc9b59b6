"""Incremental builds against the real Neo4j: changed documents retracted, kg forget (kg.sinks.neo4j_retract)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from neo4j_helpers import graph_counts, graph_dump, load_cli

pytestmark = pytest.mark.neo4j

ARTICLES = {
    "a-rutte.txt": "NATO Secretary General Mark Rutte met Antony Blinken in Brussels on Wednesday.\n",
    "b-ryder.txt": "Pentagon spokesperson Pat Ryder said the US had delivered 83% of the promised munitions.\n",
}
WIRE = [
    {"id": "wire-1", "text": "Joe Biden spoke with Olaf Scholz in Berlin. Biden met Scholz in Berlin on Friday."},
    {"id": "wire-2", "text": "Sabrina Singh noted that aid will continue."},
]
CHANGED = "Kamala Harris met Emmanuel Macron in Paris on Monday."


def corpus(root: Path, wire: list[dict]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in ARTICLES.items():
        (root / name).write_text(text, encoding="utf-8")
    (root / "wire.jsonl").write_text("".join(json.dumps(r) + "\n" for r in wire), encoding="utf-8")
    return root


def kg(*args: str):
    from kg.cli import main

    return CliRunner().invoke(main, list(args))


def neo(server) -> list[str]:
    return ["--neo4j-uri", server.uri, "--neo4j-user", "neo4j", "--neo4j-password", server.password]


def ids(driver) -> set[str]:
    recs, _, _ = driver.execute_query("MATCH (n) RETURN n.id AS id")
    rels, _, _ = driver.execute_query("MATCH ()-[r]->() WHERE r.id IS NOT NULL RETURN r.id AS id")
    return {r["id"] for r in recs} | {"rel:" + r["id"] for r in rels}


def wipe(driver) -> None:
    driver.execute_query("MATCH (n) DETACH DELETE n")


def test_changed_and_forgotten_documents_are_retracted_from_neo4j(neo4j_server, neo4j_db, nlp, tmp_path):
    src = corpus(tmp_path / "corpus", WIRE)
    out = tmp_path / "out"
    first = kg("build", str(src), "--out", str(out), "--format", "jsonl", *neo(neo4j_server))
    assert first.exit_code == 0, first.output
    assert "loaded 4 documents" in first.stderr
    recs, _, _ = neo4j_db.execute_query("MATCH (e:Entity {name: 'Olaf Scholz'}) RETURN count(e) AS n")
    assert recs[0]["n"] == 1
    # The build kept Neo4j as `kg load neo4j OUT/` loads it: entities resolved across documents.
    synced = graph_dump(neo4j_db)
    wipe(neo4j_db)
    assert load_cli(neo4j_server, out).exit_code == 0
    assert graph_dump(neo4j_db) == synced

    # wire-1 changes: its old sentences, relationships and now-orphaned entities leave Neo4j.
    corpus(src, [dict(WIRE[0], text=CHANGED), WIRE[1]])
    second = kg("build", str(src), "--out", str(out), "--format", "jsonl", *neo(neo4j_server))
    assert second.exit_code == 0, second.output
    assert "loaded 1 documents; retracted 1 documents" in second.stderr
    changed_counts, changed_ids, changed_dump = graph_counts(neo4j_db), ids(neo4j_db), graph_dump(neo4j_db)
    recs, _, _ = neo4j_db.execute_query(
        "MATCH (n) WHERE n.name IN ['Olaf Scholz', 'Joe Biden'] OR n.text CONTAINS 'Scholz' RETURN count(n) AS n")
    assert recs[0]["n"] == 0
    recs, _, _ = neo4j_db.execute_query("MATCH ()-[r]->() WHERE r.doc = 'wire-1' RETURN r.location AS loc")
    assert {r["loc"] for r in recs} <= {"Paris", None}

    # The same graph as loading a fresh build of the changed corpus into an empty database.
    wipe(neo4j_db)
    fresh = tmp_path / "fresh"
    assert kg("build", str(src), "--out", str(fresh), "--format", "jsonl", *neo(neo4j_server)).exit_code == 0
    assert (graph_counts(neo4j_db), ids(neo4j_db)) == (changed_counts, changed_ids)
    assert graph_dump(neo4j_db) == changed_dump

    # kg forget: wire-2 and everything only it said are gone; the rest stays.
    before = ids(neo4j_db)
    gone = kg("forget", "wire-2", "--out", str(fresh), *neo(neo4j_server))
    assert gone.exit_code == 0, gone.output
    after = ids(neo4j_db)
    assert "wire-2" in before and "wire-2" not in after
    assert not any(i.startswith("wire-2/") for i in after)
    assert {i for i in before - after if not i.startswith(("wire-2", "rel:wire-2"))} == {"person/sabrina-singh"}
    # The corpus without wire-2: a re-run has nothing to load or retract.
    corpus(src, [dict(WIRE[0], text=CHANGED)])
    again = kg("build", str(src), "--out", str(fresh), "--format", "jsonl", *neo(neo4j_server))
    assert again.exit_code == 0 and "loaded 0 documents; retracted 0 documents" in again.stderr
