"""Resolution inside `kg build`, and corrections applied by `kg resolve` without NLP."""

from __future__ import annotations

import json

from click.testing import CliRunner
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDFS

from kg.build import build, resolved_records
from kg.cli import main

ARTICLES = {
    "a.txt": "Antony Blinken met Mark Rutte in Brussels on Wednesday.\n",
    "b.txt": "Secretary of State Tony Blinken said the alliance was strong.\n",
    "c.txt": "Antony Blinken travelled to Kyiv.\n",
}
BLINKEN = URIRef("https://kg.example.org/id/person/antony-blinken")


def corpus(tmp_path):
    src = tmp_path / "in"
    src.mkdir(exist_ok=True)
    for name, text in ARTICLES.items():
        (src / name).write_text(text, encoding="utf-8")
    return src


def people(out):
    return {e.id for ex in resolved_records(out) for e in ex.entities if e.type == "Person"}


def test_build_merges_across_documents_in_every_output(tmp_path):
    out = tmp_path / "out"
    summary = build([corpus(tmp_path)], out, outputs=["rdf"])
    assert summary.ok, summary.errors
    assert "person/tony-blinken" not in people(out) and "person/antony-blinken" in people(out)
    g = Graph().parse(out / "graph.ttl")
    assert "Tony Blinken" in {str(o) for o in g.objects(BLINKEN, URIRef("http://www.w3.org/2004/02/skos/core#altLabel"))}
    assert (BLINKEN, RDFS.label, None) in g
    # The document-level IRI only survives as an alias link to the canonical one.
    tony = URIRef("https://kg.example.org/id/person/tony-blinken")
    assert [(p, o) for _, p, o in g.triples((tony, None, None))] == [(OWL.sameAs, BLINKEN)]
    # The records keep each document's own view; resolution.json maps them.
    raw = [json.loads(line) for line in (out / "extractions.jsonl").read_text().splitlines()]
    assert any(e["id"] == "person/tony-blinken" for r in raw for e in r["entities"])


def test_kg_resolve_applies_corrections_without_nlp(tmp_path):
    out = tmp_path / "out"
    build([corpus(tmp_path)], out, outputs=["rdf"])
    records_before = (out / "extractions.jsonl").read_bytes()
    aliases = tmp_path / "aliases.tsv"
    aliases.write_text("different\tTony Blinken\tAntony Blinken\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["resolve", str(out), "--aliases", str(aliases)])
    assert result.exit_code == 0, result.output
    assert {"person/tony-blinken", "person/antony-blinken"} <= people(out)
    assert (out / "extractions.jsonl").read_bytes() == records_before  # no NLP, records untouched
    assert (out / "aliases.tsv").exists()
    # A later run that names no aliases file keeps honouring the kept copy.
    build([corpus(tmp_path)], out, outputs=["rdf"])
    assert {"person/tony-blinken", "person/antony-blinken"} <= people(out)
    explained = CliRunner().invoke(main, ["explain", "Tony Blinken", "--out", str(out)])
    assert "user: different" in explained.output


def test_bad_aliases_file_is_one_clear_error(tmp_path):
    out = tmp_path / "out"
    build([corpus(tmp_path)], out, outputs=["rdf"])
    bad = tmp_path / "bad.tsv"
    bad.write_text("same\tonly one\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["resolve", str(out), "--aliases", str(bad)])
    assert result.exit_code == 1
    assert f"{out / 'aliases.tsv'}:1" in result.output or f"{bad}:1" in result.output


def test_rdf_and_store_link_merged_names_with_owl_sameas(tmp_path):
    import pyoxigraph as ox
    from rdflib import Dataset
    from rdflib.namespace import OWL

    from kg.resolve.rdf import RESOLUTION_GRAPH

    out = tmp_path / "out"
    build([corpus(tmp_path)], out, outputs=["rdf", "store"])
    tony = URIRef("https://kg.example.org/id/person/tony-blinken")
    ds = Dataset().parse(out / "graph.trig", format="trig")
    assert (tony, OWL.sameAs, BLINKEN, RESOLUTION_GRAPH) in set(ds.quads((None, OWL.sameAs, None, None)))
    store = ox.Store.read_only(str(out / "store"))
    ask = "ASK { GRAPH ?g { ?a <http://www.w3.org/2002/07/owl#sameAs> ?b } }"
    assert store.query(ask, substitutions={ox.Variable("a"): ox.NamedNode(str(tony)),
                                           ox.Variable("b"): ox.NamedNode(str(BLINKEN))})
