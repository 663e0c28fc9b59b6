"""The SPARQL 1.1 Protocol over a real `kg serve` process and a real store."""

from __future__ import annotations

import csv
import io
import json
import time
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest
import rdflib

from tests.serve._http import query, request

KG = "https://kg.example.org/ontology#"
SEED_GRAPH = "https://kg.example.org/graph/seed-blinken-rutte"
QUOTE_GRAPH = "https://kg.example.org/graph/doc-quote-2"
ONTOLOGY_GRAPH = "https://kg.example.org/ontology"

MET = f"SELECT DISTINCT ?a ?b WHERE {{ ?a <{KG}metWith> ?b }} ORDER BY ?a ?b"
#: The metWith pairs in the two sample documents.
ALL_MET = {
    ("https://kg.example.org/id/person/antony-blinken", "https://kg.example.org/id/person/mark-rutte"),
    ("https://kg.example.org/id/person/antony-blinken", "https://kg.example.org/id/person/andrii-sybiha"),
    ("https://kg.example.org/id/person/volodymyr-zelensky", "https://kg.example.org/id/person/antony-blinken"),
}
SEED_MET = {p for p in ALL_MET if "zelensky" not in p[0]}


def pairs(reply) -> set[tuple[str, str]]:
    assert reply.status == 200, reply.text
    doc = json.loads(reply.body)
    return {(b["a"]["value"], b["b"]["value"]) for b in doc["results"]["bindings"]}


# ------------------------------------------------------------------ the three ways to send a query


def test_get_query(server):
    reply = query(server.url, MET)
    assert reply.media == "application/sparql-results+json"
    assert pairs(reply) == ALL_MET


def test_post_sparql_query_body(server):
    reply = request(server.url, "POST", body=MET.encode("utf-8"),
                    headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
    assert pairs(reply) == ALL_MET


def test_post_form_encoded(server):
    body = urlencode({"query": MET}).encode("ascii")
    reply = request(server.url, "POST", body=body,
                    headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"})
    assert pairs(reply) == ALL_MET


# ------------------------------------------------------------------ dataset description


def test_default_graph_uri_restricts_the_default_graph(server):
    assert pairs(query(server.url, MET, **{"default-graph-uri": SEED_GRAPH})) == SEED_MET
    both = query(server.url, MET, **{"default-graph-uri": [SEED_GRAPH, QUOTE_GRAPH]})
    assert pairs(both) == ALL_MET


def test_named_graph_uri_limits_graph_patterns(server):
    q = f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?a <{KG}metWith> ?b }} }}"
    reply = query(server.url, q, **{"named-graph-uri": QUOTE_GRAPH})
    assert reply.status == 200
    graphs = {b["g"]["value"] for b in json.loads(reply.body)["results"]["bindings"]}
    assert graphs == {QUOTE_GRAPH}
    # without a dataset description every document graph is visible
    reply = query(server.url, q)
    assert {b["g"]["value"] for b in json.loads(reply.body)["results"]["bindings"]} == {SEED_GRAPH, QUOTE_GRAPH}


def test_protocol_dataset_overrides_from_clauses(server):
    q = f"SELECT DISTINCT ?a ?b FROM <{QUOTE_GRAPH}> WHERE {{ ?a <{KG}metWith> ?b }}"
    assert pairs(query(server.url, q)) == ALL_MET - SEED_MET
    assert pairs(query(server.url, q, **{"default-graph-uri": SEED_GRAPH})) == SEED_MET


def test_ontology_graph_is_in_the_store(server):
    q = f"ASK {{ GRAPH <{ONTOLOGY_GRAPH}> {{ <{KG}metWith> a <http://www.w3.org/2002/07/owl#SymmetricProperty> }} }}"
    reply = query(server.url, q)
    assert json.loads(reply.body) == {"head": {}, "boolean": True}


# ------------------------------------------------------------------ content negotiation


SELECT_LABELS = (
    "SELECT ?label ?x WHERE { ?e <http://www.w3.org/2000/01/rdf-schema#label> ?label . "
    "OPTIONAL { ?e <http://nothing.example/p> ?x } FILTER(STRSTARTS(?label, \"Antony\")) } LIMIT 1"
)


@pytest.mark.parametrize(
    "accept, media, fmt",
    [
        ("application/sparql-results+json", "application/sparql-results+json", ox.QueryResultsFormat.JSON),
        ("application/sparql-results+xml", "application/sparql-results+xml", ox.QueryResultsFormat.XML),
        ("text/csv", "text/csv", None),
        ("text/tab-separated-values", "text/tab-separated-values", ox.QueryResultsFormat.TSV),
        ("text/html;q=0.9, text/csv;q=0.2, application/sparql-results+xml;q=0.5", "application/sparql-results+xml",
         ox.QueryResultsFormat.XML),
        ("*/*", "application/sparql-results+json", ox.QueryResultsFormat.JSON),
    ],
)
def test_select_formats(server, accept, media, fmt):
    reply = query(server.url, SELECT_LABELS, accept)
    assert reply.status == 200, reply.text
    assert reply.media == media
    if fmt is None:  # CSV is lossy (no term types), so pyoxigraph will not parse it
        assert list(csv.reader(io.StringIO(reply.text))) == [["label", "x"], ["Antony Blinken", ""]]
        return
    parsed = ox.parse_query_results(reply.body, fmt)
    assert [v.value for v in parsed.variables] == ["label", "x"]
    rows = list(parsed)
    assert len(rows) == 1
    assert rows[0]["label"].value == "Antony Blinken"
    assert rows[0]["x"] is None  # unbound stays unbound in every format


def test_csv_quotes_commas_and_quotes(server):
    q = f"SELECT ?c WHERE {{ ?s <{KG}contentText> ?c FILTER(CONTAINS(?c, \"firm response\")) }}"
    reply = query(server.url, q, "text/csv")
    rows = list(csv.reader(io.StringIO(reply.text)))
    assert rows[0] == ["c"]
    assert rows[1][0].endswith('would trigger a "firm response"')


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml",
                                    "text/csv", "text/tab-separated-values"])
def test_ask_formats(server, accept):
    reply = query(server.url, f"ASK {{ ?a <{KG}metWith> ?b }}", accept)
    assert reply.status == 200
    assert reply.media == accept
    assert b"true" in reply.body
    no = query(server.url, f"ASK {{ ?a <{KG}killed> ?b }}", accept)
    assert b"false" in no.body


CONSTRUCT = (
    f"CONSTRUCT {{ ?a <{KG}metWith> ?b }} WHERE {{ ?a <{KG}metWith> ?b }}"
)


@pytest.mark.parametrize(
    "accept, media, rdflib_format",
    [
        ("text/turtle", "text/turtle", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/ld+json", "application/ld+json", "json-ld"),
    ],
)
def test_construct_formats(server, accept, media, rdflib_format):
    reply = query(server.url, CONSTRUCT, accept)
    assert reply.status == 200, reply.text
    assert reply.media == media
    g = rdflib.Graph().parse(data=reply.body, format=rdflib_format)
    assert {(str(s), str(o)) for s, _, o in g} == ALL_MET


def test_describe_as_turtle(server):
    reply = query(server.url, "DESCRIBE <https://kg.example.org/id/person/mark-rutte>", "text/turtle")
    assert reply.status == 200
    g = rdflib.Graph().parse(data=reply.body, format="turtle")
    labels = set(g.objects(rdflib.URIRef("https://kg.example.org/id/person/mark-rutte"), rdflib.RDFS.label))
    assert labels == {rdflib.Literal("Mark Rutte")}


# ------------------------------------------------------------------ errors


def test_malformed_query_is_400_with_the_parser_message(server):
    reply = query(server.url, "SELECT ?x WHERE { ?x ?p }")
    assert reply.status == 400
    assert reply.media == "text/plain"
    assert "malformed SPARQL query" in reply.text
    assert "1:" in reply.text  # the parser's line:column


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_wrong_method_is_405(server, method):
    reply = request(server.url, method, body=b"x", headers={"Content-Type": "application/sparql-query"})
    assert reply.status == 405
    assert "GET" in reply.headers["allow"] and "POST" in reply.headers["allow"]


def test_update_by_get_is_405(server):
    reply = request(server.url, params={"update": "CLEAR ALL"})
    assert reply.status == 405


def test_unsupported_accept_is_406(server):
    reply = query(server.url, MET, "image/png")
    assert reply.status == 406
    assert "application/sparql-results+json" in reply.text


def test_graph_media_type_for_select_is_406(server):
    # Turtle is only for graph results; a SELECT cannot be sent as Turtle.
    reply = query(server.url, MET, "text/turtle")
    assert reply.status == 406


def test_update_is_403_when_read_only(server):
    for body, ctype in [(b"CLEAR ALL", "application/sparql-update"),
                        (urlencode({"update": "CLEAR ALL"}).encode(), "application/x-www-form-urlencoded")]:
        reply = request(server.url, "POST", body=body, headers={"Content-Type": ctype})
        assert reply.status == 403
        assert "--allow-update" in reply.text
    assert pairs(query(server.url, MET)) == ALL_MET  # nothing was cleared


def test_unsupported_content_type_is_415(server):
    reply = request(server.url, "POST", body=MET.encode(), headers={"Content-Type": "text/plain"})
    assert reply.status == 415


def test_missing_query_parameter_is_400(server):
    assert request(server.url, params={"q": MET}).status == 400


def test_unknown_path_is_404(server):
    assert request(server.url, path="/nope").status == 404


def test_row_cap_ends_with_a_clear_error(server):
    # the server runs with --max-rows 40; the sample store has far more triples
    reply = query(server.url, "SELECT * WHERE { ?s ?p ?o }")
    assert reply.status == 422
    assert "more than 40 rows" in reply.text and "LIMIT" in reply.text
    assert query(server.url, "SELECT * WHERE { ?s ?p ?o } LIMIT 40").status == 200


RUNAWAY = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n1 ?o . ?p ?q ?r }"
)


def test_runaway_query_is_stopped_and_the_server_keeps_answering(server):
    started = time.monotonic()
    reply = query(server.url, RUNAWAY)
    elapsed = time.monotonic() - started
    assert reply.status == 503
    assert "longer than 2 s" in reply.text
    assert elapsed < 10  # the 2 s timeout, plus slack for a loaded CI machine
    assert server.alive()
    assert pairs(query(server.url, MET)) == ALL_MET


def test_update_allowed_with_flag(update_server):
    url = update_server.url
    insert = (f"INSERT DATA {{ GRAPH <{QUOTE_GRAPH}> {{ <https://kg.example.org/id/person/x> "
              f"<{KG}metWith> <https://kg.example.org/id/person/y> }} }}")
    reply = request(url, "POST", body=insert.encode(), headers={"Content-Type": "application/sparql-update"})
    assert reply.status == 204, reply.text
    got = pairs(query(url, MET))
    assert ("https://kg.example.org/id/person/x", "https://kg.example.org/id/person/y") in got
    reply = request(url, "POST", body=urlencode({"update": f"DROP GRAPH <{QUOTE_GRAPH}>"}).encode(),
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status == 204
    assert pairs(query(url, MET)) == SEED_MET
    bad = request(url, "POST", body=b"DROP EVERYTHING", headers={"Content-Type": "application/sparql-update"})
    assert bad.status == 400 and "malformed SPARQL update" in bad.text


def test_store_without_a_materialised_default_graph(sample_store, tmp_path):
    """A store from elsewhere (named graphs only) still answers with the union, just more slowly."""
    import shutil

    from tests.serve.conftest import ServeProcess

    store_path = tmp_path / "store"
    shutil.copytree(sample_store, store_path)
    store = ox.Store(str(store_path))
    store.clear_graph(ox.DefaultGraph())
    store.flush()
    del store
    proc = ServeProcess(store_path, "--workers", "1", log=tmp_path / "serve.log")
    try:
        assert pairs(query(proc.url, MET)) == ALL_MET
        q = f"SELECT DISTINCT ?a ?b FROM <{QUOTE_GRAPH}> WHERE {{ ?a <{KG}metWith> ?b }}"
        assert pairs(query(proc.url, q)) == ALL_MET - SEED_MET
        assert "evaluating the union" in proc.log.read_text()
    finally:
        proc.stop()
