"""The README queries on the seed built by the real pipeline (`kg build seeds/ --out ...`)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

from kg import build as build_mod
from kg.serve import queries
from tests.serve.conftest import ServeProcess

pytestmark = pytest.mark.slow


def store_from_build(out: Path) -> Path:
    """out/store, written by `kg build` through the store sink registered in kg.build.OUTPUTS."""
    assert build_mod.OUTPUTS["store"][:2] == ("kg.sinks.store_sink", "build_writer")
    store = out / "store"
    assert (store / "CURRENT").is_file(), "kg build did not write the RocksDB store"
    return store


@pytest.fixture(scope="module")
def seed_build(tmp_path_factory, seed_path):
    out = tmp_path_factory.mktemp("seed-build") / "out"
    summary = build_mod.build([seed_path.parent], out)
    assert summary.ok, summary.errors
    return out, store_from_build(out)


@pytest.fixture(scope="module")
def seed_server(seed_build, tmp_path_factory):
    proc = ServeProcess(seed_build[1], "--workers", "2", log=tmp_path_factory.mktemp("seed-serve") / "serve.log")
    yield proc
    proc.stop()


def run(server, text: str) -> list[dict[str, str]]:
    client = SPARQLWrapper(server.endpoint)
    client.setQuery(text)
    client.setReturnFormat(JSON)
    return [{k: v["value"] for k, v in row.items()} for row in client.query().convert()["results"]["bindings"]]


def test_blinken_met_rutte_in_brussels(seed_server):
    rows = run(seed_server, queries.MET_WITH)
    met = [r for r in rows if (r["person"], r["other"]) == ("Antony Blinken", "Mark Rutte")]
    assert met and met[0]["location"] == "Brussels"
    assert "During a meeting with Rutte in Brussels" in met[0]["sentence"]


def test_what_blinken_said(seed_server):
    rows = run(seed_server, queries.bind(queries.SAID_BY, name="Antony Blinken"))
    direct = [r for r in rows if r["kind"] == "direct"]
    assert any("President Biden fully intends" in r["content"] for r in direct)
    assert any(r["sentence"].startswith("He also highlighted") for r in rows)
    assert {r["date"] for r in rows} == {"2024-11-13"}


def test_ryder_reports_the_delivery_figures_about_ukraine(seed_server):
    rows = run(seed_server, queries.ABOUT_TOPIC)
    ryder = [r for r in rows if r.get("speaker") == "Pat Ryder"]
    assert any(all(n in r["content"] for n in ("83%", "67%", "60%")) for r in ryder)


def test_roles(seed_server):
    rows = {(r["organisation"], r["person"], r.get("role")) for r in run(seed_server, queries.ROLES)}
    assert ("NATO", "Mark Rutte", "Secretary General") in rows
    assert ("Pentagon", "Pat Ryder", "spokesperson") in rows


def test_provenance_offsets_point_into_the_seed(seed_server, seed_path):
    text = seed_path.read_text(encoding="utf-8")
    rows = run(seed_server, queries.PROVENANCE)
    assert rows
    for r in rows:
        assert text[int(r["start"]):int(r["end"])] == r["sentence"]
        assert text[int(r["subjectStart"]):int(r["subjectEnd"])] == r["subjectText"]


def test_rebuilding_the_seed_does_not_grow_the_store(seed_build, seed_server, seed_path):
    out, store = seed_build
    before = len(ox.Store.read_only(str(store)))
    build_mod.build([seed_path.parent], out)  # resumes: every record is replayed into the sinks
    assert len(ox.Store.read_only(str(store))) == before
