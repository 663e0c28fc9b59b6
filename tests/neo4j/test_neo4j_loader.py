"""`kg load neo4j` against the real server: model, idempotence, injection, concurrency."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest

from neo4j_helpers import ROOT, bench_module, graph_counts, graph_dump, load_cli, write_jsonl

pytestmark = pytest.mark.neo4j


def test_seed_loads_into_the_graph_model(neo4j_server, neo4j_db, seed_record, tmp_path):
    src = write_jsonl(tmp_path / "facts.jsonl", [seed_record])
    res = load_cli(neo4j_server, src)
    assert res.exit_code == 0, res.output
    counts = graph_counts(neo4j_db)
    assert counts["Entity:Person"] == 6
    assert counts["Entity:Organization"] == 3
    assert counts["Entity:Location"] == 3
    assert counts["Statement"] == 6
    assert counts["Sentence"] == len(seed_record.sentences)
    assert counts["Document"] == 1
    assert counts["-MET_WITH->"] == 2 and counts["-WORKS_FOR->"] == 4
    assert counts["-EVIDENCED_BY->"] == 6 and counts["-SAID_BY->"] == 6 and counts["-ON_BEHALF_OF->"] == 2
    assert counts["-IN->"] == len(seed_record.sentences)
    # qualifiers and evidence are on the relationship itself
    recs, _, _ = neo4j_db.execute_query(
        "MATCH (:Person {name: 'Antony Blinken'})-[r:MET_WITH]->(:Person {name: 'Mark Rutte'}) RETURN r")
    r = recs[0]["r"]
    assert r["location"] == "Brussels" and r["id"] == seed_record.relations[0].id
    assert r["sentence"] == f"{seed_record.id}/sent/1" and r["extractor"] == "tests.seed/1"


def test_every_fact_reaches_its_sentence_in_one_hop(neo4j_server, neo4j_db, seed_record, seed_text, tmp_path):
    assert load_cli(neo4j_server, write_jsonl(tmp_path / "f.jsonl", [seed_record])).exit_code == 0
    recs, _, _ = neo4j_db.execute_query(
        "MATCH (a:Entity)-[r]->(b:Entity) OPTIONAL MATCH (s:Sentence {id: r.sentence}) "
        "RETURN type(r) AS t, r.start AS start, r.end AS end, r.subject_start AS ss, r.subject_end AS se, "
        "s.text AS text")
    assert len(recs) == len(seed_record.relations)
    for rec in recs:
        assert rec["text"] is not None, rec
        assert seed_text[rec["start"]:rec["end"]] == rec["text"]
        assert seed_text[rec["ss"]:rec["se"]] in rec["text"]
    recs, _, _ = neo4j_db.execute_query(
        "MATCH (st:Statement) OPTIONAL MATCH (st)-[e:EVIDENCED_BY]->(s:Sentence) "
        "RETURN st.content AS c, st.content_start AS cs, st.content_end AS ce, count(s) AS n")
    assert len(recs) == 6
    for rec in recs:
        assert rec["n"] == 1 and seed_text[rec["cs"]:rec["ce"]] == rec["c"]


def test_loading_twice_gives_identical_counts(neo4j_server, neo4j_db, seed_record, tmp_path):
    src = write_jsonl(tmp_path / "facts.jsonl", [seed_record])
    assert load_cli(neo4j_server, src).exit_code == 0
    first = graph_counts(neo4j_db)
    res = load_cli(neo4j_server, src)
    assert res.exit_code == 0
    assert graph_counts(neo4j_db) == first
    assert "(0 nodes and 0 relationships created" in res.output


@pytest.mark.parametrize("odd", [False, True], ids=["tree", "flat"])
def test_new_and_known_documents_give_the_same_graph(neo4j_server, neo4j_db, seed_record, tmp_path, odd):
    """A document new to the database takes the CREATE path; one already there, MERGE. Same graph.

    New documents go through the one-query tree path; one with an unusual
    qualifier name through the flat CREATE queries.
    """
    if odd:
        rel = dataclasses.replace(seed_record.relations[0], qualifiers={"weird key!": "x", "location": "Brussels"})
        seed_record = dataclasses.replace(seed_record, relations=(rel, *seed_record.relations[1:]))
    src = write_jsonl(tmp_path / "facts.jsonl", [seed_record])
    assert load_cli(neo4j_server, src).exit_code == 0  # new: CREATE
    created = graph_dump(neo4j_db)
    neo4j_db.execute_query("MATCH (n) WHERE NOT n:Document DETACH DELETE n")
    assert load_cli(neo4j_server, src).exit_code == 0  # the Document is there: MERGE for all of it
    assert graph_dump(neo4j_db) == created
    assert len(created[1]) > 50


def test_a_document_twice_in_one_file_is_loaded_once(neo4j_server, neo4j_db, seed_record, tmp_path):
    assert load_cli(neo4j_server, write_jsonl(tmp_path / "once.jsonl", [seed_record])).exit_code == 0
    once = graph_dump(neo4j_db)
    neo4j_db.execute_query("MATCH (n) DETACH DELETE n")
    res = load_cli(neo4j_server, write_jsonl(tmp_path / "twice.jsonl", [seed_record, seed_record]))
    assert res.exit_code == 0, res.output
    assert graph_dump(neo4j_db) == once


def test_out_dir_is_read_through_its_extractions_file(neo4j_server, neo4j_db, seed_record, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    write_jsonl(out / "extractions.jsonl", [seed_record])
    assert load_cli(neo4j_server, out).exit_code == 0
    assert graph_counts(neo4j_db)["Statement"] == 6


def test_injection_in_a_name_is_stored_as_text(neo4j_server, neo4j_db, seed_record, tmp_path):
    evil = "Robert'); MATCH (n) DETACH DELETE n //"
    ents = tuple(dataclasses.replace(e, name=evil) if e.name == "Mark Rutte" else e for e in seed_record.entities)
    rec = dataclasses.replace(seed_record, entities=ents, doc=dataclasses.replace(seed_record.doc, title=evil))
    assert load_cli(neo4j_server, write_jsonl(tmp_path / "evil.jsonl", [rec])).exit_code == 0
    recs, _, _ = neo4j_db.execute_query("MATCH (p:Person {id: 'person/mark-rutte'}) RETURN p.name AS n")
    assert recs[0]["n"] == evil
    counts = graph_counts(neo4j_db)
    assert counts["Entity:Person"] == 6 and counts["Document"] == 1 and counts["-MET_WITH->"] == 2
    # and querying with it as a parameter finds it, harmlessly
    from click.testing import CliRunner

    from kg.cli import main

    res = CliRunner().invoke(main, ["query", "cypher", "MATCH (p:Person {name: $n})-[r]->(o) RETURN o.name AS o",
                                    "--param", f"n={evil}", "--json", *neo4j_server.cli_args()])
    assert res.exit_code == 0, res.output
    assert {"o": "NATO"} in json.loads(res.stdout)
    assert graph_counts(neo4j_db) == counts


def test_bad_record_names_file_and_line(neo4j_server, neo4j_db, seed_record, tmp_path):
    src = tmp_path / "bad.jsonl"
    src.write_text(seed_record.to_json() + "\n" + '{"id": "x", "sentences": []}\n', encoding="utf-8")
    res = load_cli(neo4j_server, src)
    assert res.exit_code == 1
    assert f"{src}:2" in res.output and "Traceback" not in res.output


def test_two_loaders_at_once_make_no_duplicates(neo4j_server, neo4j_db, tmp_path):
    bench = bench_module()
    full = tmp_path / "all.jsonl"
    bench.generate(full, docs=90, rels_per_doc=10, stmts_per_doc=3, people=60, orgs=12, places=6)
    lines = full.read_text(encoding="utf-8").splitlines(keepends=True)
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text("".join(lines[:60]), encoding="utf-8")
    b.write_text("".join(lines[30:]), encoding="utf-8")  # 30 documents in both
    cmd = [sys.executable, "-m", "kg", "load", "neo4j"]
    args = [*neo4j_server.cli_args(), "--batch-rows", "300"]
    procs = [subprocess.Popen([*cmd, str(p), *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for p in (a, b)]
    outs = [p.communicate(timeout=600) for p in procs]
    for p, (_, err) in zip(procs, outs):
        assert p.returncode == 0, err
    together = graph_counts(neo4j_db)
    dup, _, _ = neo4j_db.execute_query(
        "MATCH (a)-[r]->(b) WITH a, b, type(r) AS t, coalesce(r.id, '') AS id, r.start AS s, count(*) AS c "
        "WHERE c > 1 RETURN count(*) AS dups")
    assert dup[0]["dups"] == 0
    with neo4j_db.session() as s:
        s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
    assert load_cli(neo4j_server, full).exit_code == 0
    assert graph_counts(neo4j_db) == together


def _bench_records(tmp_path, docs: int = 60):
    """Generated records whose documents share entities (a few people, places and organisations)."""
    path = tmp_path / "bench.jsonl"
    bench_module().generate(path, docs=docs, rels_per_doc=10, stmts_per_doc=3, people=40, orgs=8, places=5)
    return path


def test_several_writers_give_the_graph_of_one(neo4j_server, neo4j_db, tmp_path):
    """Batches written at once (entities shared between them) make the same graph as batches in order."""
    src = _bench_records(tmp_path)
    res = load_cli(neo4j_server, src, "--batch-rows", "200", "--writers", "1")
    assert res.exit_code == 0, res.output
    in_order = graph_dump(neo4j_db)
    with neo4j_db.session() as s:
        s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
    res = load_cli(neo4j_server, src, "--batch-rows", "200", "--writers", "3")
    assert res.exit_code == 0, res.output
    assert "60 documents" in res.output
    assert graph_dump(neo4j_db) == in_order
    assert len(in_order[1]) > 1000


def test_a_later_copy_of_a_document_is_written_last(neo4j_server, neo4j_db, seed_record, tmp_path):
    """The same document again, in a later batch while the first is in flight: the later copy wins."""
    others = [json.loads(line) for line in _bench_records(tmp_path, docs=12).read_text().splitlines()]
    old = dataclasses.replace(seed_record, doc=dataclasses.replace(seed_record.doc, title="first copy"))
    new = dataclasses.replace(seed_record, doc=dataclasses.replace(seed_record.doc, title="second copy"))
    src = tmp_path / "twice.jsonl"
    src.write_text("\n".join([old.to_json(), *map(json.dumps, others), new.to_json()]) + "\n", encoding="utf-8")
    res = load_cli(neo4j_server, src, "--batch-rows", "100", "--writers", "2")
    assert res.exit_code == 0, res.output
    recs, _, _ = neo4j_db.execute_query("MATCH (d:Document {id: $id}) RETURN d.title AS t", id=seed_record.id)
    assert [r["t"] for r in recs] == ["second copy"]


def test_an_entity_seen_again_gains_its_new_name_and_aliases(neo4j_server, neo4j_db, seed_record, tmp_path):
    """Entities are written only when something changes; a change from a later document still lands."""
    first = write_jsonl(tmp_path / "first.jsonl", [seed_record])
    assert load_cli(neo4j_server, first).exit_code == 0
    ents = tuple(dataclasses.replace(e, name="Mark Rutte (NATO)", aliases=("Rutte", "M. Rutte"))
                 if e.id == "person/mark-rutte" else e for e in seed_record.entities)
    later = dataclasses.replace(seed_record, entities=ents)  # the same article, re-extracted
    res = load_cli(neo4j_server, write_jsonl(tmp_path / "later.jsonl", [later]))
    assert res.exit_code == 0, res.output
    recs, _, _ = neo4j_db.execute_query(
        "MATCH (p:Entity {id: 'person/mark-rutte'}) RETURN labels(p) AS l, p.name AS n, p.aliases AS a")
    assert len(recs) == 1
    assert sorted(recs[0]["l"]) == ["Entity", "Person"]
    assert recs[0]["n"] == "Mark Rutte (NATO)"
    assert set(recs[0]["a"]) >= {"Rutte", "M. Rutte"}
