"""Cross-check with a second engine: Apache Jena Fuseki answers the README queries the same way.

`services/fuseki/fuseki.sh` fetches jena-fuseki-main 5.6.0 from Maven Central
and starts it on 127.0.0.1 with an in-memory dataset whose default graph is
the union of the named graphs (the view `kg serve` gives). Our TriG export
(`graph.trig`, written by the RDF sink) goes in through the Graph Store
Protocol; then every README query runs on both endpoints and the result sets
must be equal.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from kg.serve import queries
from kg.sinks.rdf_sink import RDFWriter
from tests.serve._http import query, request

pytestmark = pytest.mark.fuseki

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "services" / "fuseki" / "fuseki.sh"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def fuseki():
    if not (shutil.which("java") and (shutil.which("mvn") or (SCRIPT.parent / "dist" / "lib").is_dir())):
        pytest.skip("Fuseki needs java and mvn (apt-get install default-jdk-headless maven)")
    port = _free_port()
    started = subprocess.run([str(SCRIPT), "start", str(port)], capture_output=True, text=True, timeout=600)
    if started.returncode != 0:
        pytest.fail(f"fuseki.sh start failed: {started.stderr[-2000:]}")
    try:
        yield f"http://127.0.0.1:{port}/ds"
    finally:
        subprocess.run([str(SCRIPT), "stop", str(port)], capture_output=True, timeout=60)


@pytest.fixture(scope="session")
def trig_export(tmp_path_factory, sample_extractions) -> Path:
    out = tmp_path_factory.mktemp("rdf")
    with RDFWriter(out, formats=("trig",)) as writer:
        for ex in sample_extractions:
            writer.write(ex)
    return out / "graph.trig"


@pytest.fixture(scope="session")
def loaded_fuseki(fuseki, trig_export) -> str:
    reply = request(fuseki, "POST", path="/ds", body=trig_export.read_bytes(),
                    headers={"Content-Type": "application/trig"})
    assert reply.status in (200, 201, 204), reply.text
    return fuseki


def _term(t: dict) -> tuple:
    if t["type"] in ("literal", "typed-literal"):
        dt = t.get("datatype", XSD_STRING)
        return ("literal", t["value"], t.get("xml:lang", ""), "" if t.get("xml:lang") else dt)
    return (t["type"], t["value"])


def result_set(url: str, text: str) -> tuple[list[str], Counter]:
    reply = query(url, text) if not url.endswith("/ds") else request(
        url, "POST", path="/ds/sparql", body=text.encode(),
        headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
    assert reply.status == 200, reply.text
    doc = json.loads(reply.body)
    rows = Counter(
        tuple(sorted((k, _term(v)) for k, v in b.items())) for b in doc["results"]["bindings"]
    )
    return doc["head"]["vars"], rows


CASES = [
    *queries.README_QUERIES.items(),
    ("said by Pat Ryder", queries.bind(queries.SAID_BY, name="Pat Ryder")),
    ("about Russia", queries.bind(queries.ABOUT_TOPIC, topic="Russia")),
    ("about act", queries.bind(queries.ABOUT_TOPIC, topic="act")),
    ("graphs", queries.GRAPHS),
]


@pytest.mark.parametrize("name, text", CASES, ids=[c[0] for c in CASES])
def test_same_results_as_fuseki(server, loaded_fuseki, name, text):
    ours_vars, ours = result_set(server.url, text)
    theirs_vars, theirs = result_set(loaded_fuseki, text)
    assert ours_vars == theirs_vars
    assert sum(ours.values()) > 0, f"{name}: no rows, the comparison would prove nothing"
    assert ours == theirs


def test_trig_export_equals_the_store(sample_store, trig_export):
    """The TriG loaded into Fuseki holds exactly the graphs the store sink wrote for `kg serve`."""
    store = ox.Store.read_only(str(sample_store))
    exported = rdflib.Dataset().parse(trig_export, format="trig")
    graphs = {str(g.identifier): g for g in exported.graphs() if len(g)}
    assert set(graphs) == {g.value for g in store.named_graphs()}
    for iri, graph in graphs.items():
        ours = rdflib.Graph().parse(
            data=store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(iri)), format="nt")
        assert isomorphic(ours, graph), iri
