"""Faults: bad credentials/host/database give one line and exit 1; a server killed mid-load loses nothing."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.serve import neo4j_server as srv
from neo4j_helpers import ROOT, _free_port, bench_module, graph_counts, load_cli, write_jsonl

pytestmark = pytest.mark.neo4j


def _one_line_error(res) -> str:
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("kg: error: "), res.output
    return lines[0]


@pytest.fixture(scope="module")
def seed_file(seed_record, tmp_path_factory):
    return write_jsonl(tmp_path_factory.mktemp("faults") / "facts.jsonl", [seed_record])


def test_wrong_password(neo4j_server, seed_file):
    res = CliRunner().invoke(main, ["load", "neo4j", str(seed_file), "--uri", neo4j_server.uri,
                                    "--password", "not-the-password"])
    assert "wrong user or password" in _one_line_error(res)


def test_unreachable_host(seed_file):
    port = _free_port()  # nothing listens there
    res = CliRunner().invoke(main, ["load", "neo4j", str(seed_file), "--uri", f"bolt://127.0.0.1:{port}"])
    assert f"cannot reach Neo4j at bolt://127.0.0.1:{port}" in _one_line_error(res)


def test_nonexistent_database(neo4j_server, seed_file):
    res = load_cli(neo4j_server, seed_file, "--database", "nosuchdb")
    assert "no database 'nosuchdb'" in _one_line_error(res)


def test_query_errors_are_one_line(neo4j_server):
    res = CliRunner().invoke(main, ["query", "cypher", "MATCH (n RETURN n", *neo4j_server.cli_args()])
    assert "Cypher query failed" in _one_line_error(res)
    res = CliRunner().invoke(main, ["query", "cypher", "RETURN 1", "--uri", neo4j_server.uri, "--password", "x"])
    assert "wrong user or password" in _one_line_error(res)


def test_server_killed_mid_load_then_rerun_equals_clean_load(neo4j_server, neo4j_db, tmp_path):
    bench = bench_module()
    src = tmp_path / "big.jsonl"
    # Small input, many small transactions (--batch-rows 200 below: about 25 flushes), so the kill lands
    # mid-load: the server is killed as soon as the first batch of statements is committed.
    info = bench.generate(src, docs=60, rels_per_doc=20, stmts_per_doc=4, people=300, orgs=60, places=20)
    # the reference: a clean single load
    assert load_cli(neo4j_server, src).exit_code == 0
    clean = graph_counts(neo4j_db)
    with neo4j_db.session() as s:
        s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
    neo4j_db.close()

    loader = subprocess.Popen(
        [sys.executable, "-m", "kg", "load", "neo4j", str(src), *neo4j_server.cli_args(),
         "--batch-rows", "200", "--retry-time", "5"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    d = neo4j_server.driver()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:  # wait until the load is under way, then crash the server
        n = d.execute_query("MATCH (n:Statement) RETURN count(n) AS n").records[0]["n"]
        if n > 0:
            break
        assert loader.poll() is None, loader.communicate()
        time.sleep(0.05)
    d.close()
    assert srv.kill(neo4j_server.cfg) is not None
    assert 0 < n < info["statements"]  # killed mid-load: some statements written, not all
    _, err = loader.communicate(timeout=300)
    assert loader.returncode == 1, err
    last = [ln for ln in err.splitlines() if ln.strip()][-1]
    assert last.startswith("kg: error: Neo4j at") and "re-run the same load" in last, err
    assert "Traceback" not in err

    neo4j_server.start()  # same home: the database persisted, partial batches included
    res = load_cli(neo4j_server, src)
    assert res.exit_code == 0, res.output
    d = neo4j_server.driver()
    assert graph_counts(d) == clean
    d.close()
