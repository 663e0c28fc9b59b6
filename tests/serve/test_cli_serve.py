"""`kg serve` and `kg query sparql` through click's CliRunner (and CORS on a real server)."""

from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner

from kg.cli import main
from kg.serve import queries
from tests.serve._http import query, request
from tests.serve.conftest import ServeProcess
from tests.serve.test_protocol import MET


def test_serve_without_a_store_fails_with_a_hint(tmp_path):
    result = CliRunner().invoke(main, ["serve", "--store", str(tmp_path / "missing"), "--port", "0"])
    assert result.exit_code == 1
    assert "no store at" in result.output and "kg build" in result.output


def test_serve_rejects_a_bad_port():
    result = CliRunner().invoke(main, ["serve", "--port", "70000"])
    assert result.exit_code == 2


def test_query_sparql_csv(sample_store):
    result = CliRunner().invoke(main, ["query", "sparql", queries.ROLES, "--store", str(sample_store)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["organisation", "person", "role"]
    assert ["NATO", "Mark Rutte", "Secretary General"] in rows


def test_query_sparql_from_file_as_json(sample_store, tmp_path):
    rq = tmp_path / "q.rq"
    rq.write_text(queries.bind(queries.SAID_BY, name="Pat Ryder"), encoding="utf-8")
    result = CliRunner().invoke(main, ["query", "sparql", f"@{rq}", "--store", str(sample_store), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["results"]["bindings"]
    assert len(rows) == 1 and "83%" in rows[0]["content"]["value"]


def test_query_sparql_malformed(sample_store):
    result = CliRunner().invoke(main, ["query", "sparql", "SELECT ?x WHERE {", "--store", str(sample_store)])
    assert result.exit_code == 1
    assert "malformed SPARQL query" in result.output


def test_cors_is_off_by_default_and_opt_in(server, sample_store, tmp_path):
    assert "access-control-allow-origin" not in query(server.url, MET).headers
    assert request(server.url, "OPTIONS").status == 405
    proc = ServeProcess(sample_store, "--workers", "1", "--cors-origin", "https://yasgui.example",
                        log=tmp_path / "serve.log")
    try:
        assert query(proc.url, MET).headers["access-control-allow-origin"] == "https://yasgui.example"
        pre = request(proc.url, "OPTIONS", headers={"Origin": "https://yasgui.example",
                                                    "Access-Control-Request-Method": "POST"})
        assert pre.status == 204
        assert "POST" in pre.headers["access-control-allow-methods"]
    finally:
        proc.stop()
