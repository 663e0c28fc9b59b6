"""The README/docs Cypher cookbook, run against the loaded seed with `kg query cypher`."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from neo4j_helpers import ROOT, load_cli, write_jsonl
from kg.cli import main
from kg.serve.neo4j_cookbook import COOKBOOK

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def loaded_seed(neo4j_server, seed_record, tmp_path_factory):
    d = neo4j_server.driver()
    with d.session() as s:
        s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
    d.close()
    src = write_jsonl(tmp_path_factory.mktemp("seed") / "facts.jsonl", [seed_record])
    res = load_cli(neo4j_server, src)
    assert res.exit_code == 0, res.output
    return neo4j_server


def run(server, name: str, *, as_json: bool = True):
    r = COOKBOOK[name]
    params = [x for k, v in r.params.items() for x in ("--param", f"{k}={v}")]
    res = CliRunner().invoke(main, ["query", "cypher", r.cypher, *params, *(["--json"] if as_json else []),
                                    *server.cli_args()])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout) if as_json else res.stdout


def test_docs_show_every_recipe_verbatim():
    doc = (ROOT / "docs" / "neo4j.md").read_text(encoding="utf-8")
    for name, r in COOKBOOK.items():
        assert r.cypher in doc, f"docs/neo4j.md lacks the {name!r} query as tested"


def test_who_met_whom_where_and_when(loaded_seed):
    rows = run(loaded_seed, "who-met-whom")
    rutte = next(r for r in rows if r["met"] == "Mark Rutte")
    assert rutte["person"] == "Antony Blinken" and rutte["location"] == "Brussels" and rutte["date"] == "2024-11-13"
    assert "During a meeting with Rutte in Brussels" in rutte["evidence"]
    sybiha = next(r for r in rows if r["met"] == "Andrii Sybiha")
    assert sybiha["modality"] == "scheduled"


def test_who_met_whom_as_a_table(loaded_seed):
    out = run(loaded_seed, "who-met-whom", as_json=False)
    head, rule, *body = out.splitlines()
    assert head.split(" | ")[0].strip() == "person" and set(rule) <= {"-", "+"}
    assert len(body) == 2 and "Brussels" in out


def test_everything_blinken_said_with_the_sentence(loaded_seed):
    rows = run(loaded_seed, "said-by")
    assert [r["cue"] for r in rows] == ["warned", "highlighted", "reaffirmed", "said"]
    he = rows[1]
    assert he["sentence"].startswith("He also highlighted")
    quote = rows[3]
    assert quote["kind"] == "direct" and quote["content"].startswith("President Biden fully intends")
    for r in rows:
        assert r["content"] in r["sentence"]


def test_statements_that_mention_ukraine(loaded_seed):
    rows = run(loaded_seed, "mentions")
    ryder = next(r for r in rows if r["speaker"] == "Pat Ryder")
    assert ryder["on_behalf_of"] == "Pentagon" and ryder["cue"] == "reported"
    assert ryder["quantities"] == ["83%", "67%", "60%"]
    assert {r["speaker"] for r in rows} == {"Antony Blinken", "Pat Ryder", "Sabrina Singh"}


def test_people_and_roles_per_organisation(loaded_seed):
    rows = run(loaded_seed, "roles")
    got = {(r["organization"], r["person"], r["role"]) for r in rows}
    assert ("NATO", "Mark Rutte", "Secretary General") in got
    assert ("Pentagon", "Pat Ryder", "spokesperson") in got
    assert ("Pentagon", "Sabrina Singh", "spokeswoman") in got


def test_evidence_sentence_for_every_edge(loaded_seed, seed_text):
    rows = run(loaded_seed, "edge-evidence")
    assert len(rows) == 6
    for r in rows:
        assert seed_text[r["start"]:r["end"]] == r["sentence"]
        assert r["extractor"] and r["confidence"] > 0


def test_graph_recipe_returns_nodes_and_relationships(loaded_seed):
    rows = run(loaded_seed, "who-met-whom-graph")
    assert rows and all(r["r"]["type"] == "MET_WITH" and "Person" in r["a"]["labels"] for r in rows)


def test_query_is_read_only(loaded_seed):
    res = CliRunner().invoke(main, ["query", "cypher", "CREATE (n:Person {id: 'x'}) RETURN n",
                                    *loaded_seed.cli_args()])
    assert res.exit_code == 1
    assert res.output.count("\n") == 1 and "kg: error:" in res.output


# ---- the same recipes on the real pipeline's output: `kg build seeds/ --out OUT`, then `kg load neo4j OUT`


@pytest.fixture(scope="module")
def built_seed(neo4j_server, tmp_path_factory):
    out = tmp_path_factory.mktemp("built") / "out"
    res = CliRunner().invoke(main, ["build", str(ROOT / "seeds"), "--out", str(out), "--format", "graphml"])
    assert res.exit_code == 0, res.output
    d = neo4j_server.driver()
    with d.session() as s:
        s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
    d.close()
    res = load_cli(neo4j_server, out)
    assert res.exit_code == 0, res.output
    return neo4j_server


def test_pipeline_seed_who_met_whom(built_seed):
    rows = run(built_seed, "who-met-whom")
    assert any(r["person"] == "Antony Blinken" and r["met"] == "Mark Rutte" and r["location"] == "Brussels"
               and "Rutte" in r["evidence"] and "Brussels" in r["evidence"] for r in rows), rows


def test_pipeline_seed_what_blinken_said(built_seed):
    rows = run(built_seed, "said-by")
    cues = [r["cue"] for r in rows]
    assert "highlighted" in cues  # "He also highlighted…", attributed through coreference
    quote = next(r for r in rows if "President Biden fully intends" in r["content"])
    assert quote["kind"] == "direct"
    for r in rows:
        assert r["cue"] in r["sentence"]


def test_pipeline_seed_ukraine_statements_and_pentagon(built_seed):
    rows = run(built_seed, "mentions")
    ryder = next(r for r in rows if r["speaker"] == "Pat Ryder")
    assert ryder["on_behalf_of"] == "Pentagon"
    assert all(x in ryder["content"] for x in ("83%", "67%", "60%"))


def test_pipeline_seed_roles_and_edge_evidence(built_seed):
    roles = {(r["organization"], r["person"], r["role"]) for r in run(built_seed, "roles")}
    assert ("NATO", "Mark Rutte", "Secretary General") in roles
    assert ("Pentagon", "Pat Ryder", "spokesperson") in roles
    text = (ROOT / "seeds" / "blinken-rutte-2024-11-13.txt").read_text(encoding="utf-8")
    edges = run(built_seed, "edge-evidence")
    assert edges
    for e in edges:
        assert text[e["start"]:e["end"]] == e["sentence"]
