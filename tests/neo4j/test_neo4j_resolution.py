"""Cross-document resolution reaches Neo4j: one node with its aliases, and the decisions kept."""

from __future__ import annotations

import pytest
from neo4j_helpers import graph_dump, load_cli

from kg.build import build
from kg.sinks.neo4j_retract import sync_neo4j

pytestmark = pytest.mark.neo4j

ARTICLES = {
    "a.txt": "Antony Blinken met Mark Rutte in Brussels on Wednesday.\n",
    "b.txt": "Secretary of State Tony Blinken said the alliance was strong.\n",
    "c.txt": "Antony Blinken travelled to Kyiv.\n",
}


def test_one_node_per_resolved_entity_with_aliases_and_decisions(neo4j_server, neo4j_db, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for name, text in ARTICLES.items():
        (src / name).write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    build([src], out, outputs=["graphml"])
    result = load_cli(neo4j_server, out)
    assert result.exit_code == 0, result.output
    with neo4j_db.session() as s:
        people = s.run("MATCH (p:Person) WHERE p.name CONTAINS 'Blinken' RETURN p.id AS id, p.aliases AS aliases").data()
        assert [p["id"] for p in people] == ["person/antony-blinken"]
        assert "Tony Blinken" in people[0]["aliases"]
        decisions = s.run(
            "MATCH (d:MergeDecision)-[:DECIDED]->(:Person {id: $id}) RETURN d.verdict AS verdict, d.reasons AS reasons",
            id="person/antony-blinken",
        ).data()
    assert any(d["verdict"] == "same" and any("nickname" in r for r in d["reasons"]) for d in decisions), decisions


def test_incremental_sync_follows_resolution(neo4j_server, neo4j_db, tmp_path):
    """`kg build --neo4j-uri` keeps Neo4j equal to `kg load neo4j OUT/`, also when a new article changes a merge."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()

    def step(names: list[str]):
        for name in names:
            (src / name).write_text(ARTICLES[name], encoding="utf-8")
        build([src], out, outputs=["graphml"])
        sync_neo4j(out, neo4j_server.uri, "neo4j", neo4j_server.password)
        synced = graph_dump(neo4j_db)
        neo4j_db.execute_query("MATCH (n) DETACH DELETE n")
        assert load_cli(neo4j_server, out).exit_code == 0
        assert graph_dump(neo4j_db) == synced
        return synced

    before = step(["a.txt", "c.txt"])
    after = step(["b.txt"])  # "Tony Blinken" joins "Antony Blinken": a new alias and a new decision
    assert not any("Tony Blinken" in n for n in before[0])
    assert any("Tony Blinken" in n and "person/antony-blinken" in n for n in after[0])
    assert sum('"MergeDecision"' in n for n in after[0]) > sum('"MergeDecision"' in n for n in before[0])
