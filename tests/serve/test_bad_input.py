"""Bad input gets a clear 4xx, the server stays up, and the next query is answered."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest

from tests.serve._http import query, request
from tests.serve.test_protocol import ALL_MET, MET, pairs


def still_answers(server) -> None:
    assert server.alive()
    assert pairs(query(server.url, MET)) == ALL_MET


@pytest.mark.parametrize(
    "body, ctype",
    [
        (b"<html><body>not a query</body></html>", "application/sparql-query"),
        (b'{"query": "SELECT * WHERE {?s ?p ?o}"}', "application/sparql-query"),
        (b"query=this+is+not+sparql", "application/x-www-form-urlencoded"),
    ],
)
def test_non_sparql_body(server, body, ctype):
    reply = request(server.url, "POST", body=body, headers={"Content-Type": ctype})
    assert reply.status == 400
    assert "malformed SPARQL query" in reply.text
    still_answers(server)


def test_ten_megabyte_query(server):
    big = ("SELECT * WHERE { ?s ?p ?o } #" + "x" * (10 * 1024 * 1024)).encode()
    reply = request(server.url, "POST", body=big, headers={"Content-Type": "application/sparql-query"})
    assert reply.status == 413
    assert "at most" in reply.text
    still_answers(server)


def test_ten_megabyte_query_in_the_url(server):
    reply = request(server.url, params={"query": "x" * (10 * 1024 * 1024)})
    assert reply.status == 414  # the request line is refused before it is parsed
    still_answers(server)


def test_invalid_utf8_body(server):
    body = b"SELECT * WHERE { ?s ?p \"caf\xe9\" }"
    reply = request(server.url, "POST", body=body, headers={"Content-Type": "application/sparql-query"})
    assert reply.status == 400
    assert "not valid UTF-8" in reply.text
    still_answers(server)


def test_invalid_utf8_percent_encoded(server):
    reply = request(server.url, path="/sparql?query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%22%FF%22%7D")
    assert reply.status == 400
    assert "UTF-8" in reply.text
    still_answers(server)


def test_invalid_utf8_form_body(server):
    reply = request(server.url, "POST", body=b"query=SELECT%20%FE",
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status == 400
    assert "UTF-8" in reply.text
    still_answers(server)


@pytest.mark.parametrize("param", ["default-graph-uri", "named-graph-uri"])
def test_unknown_graph_uri(server, param):
    reply = query(server.url, MET, **{param: "https://kg.example.org/graph/no-such-document"})
    assert reply.status == 400
    assert "no-such-document" in reply.text and "not a graph in this store" in reply.text
    still_answers(server)


def test_invalid_graph_iri(server):
    reply = query(server.url, MET, **{"default-graph-uri": "not an iri"})
    assert reply.status == 400
    still_answers(server)


def test_empty_and_nul_queries(server):
    assert query(server.url, "   ").status == 400
    assert query(server.url, "SELECT * WHERE { ?s ?p ?o }\x00").status == 400
    still_answers(server)


def test_garbage_request_line(server):
    parts = urlsplit(server.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(b"\xff\xfe GARBAGE HTTP/9.9\r\n\r\n")
        reply = sock.recv(1024)
    assert reply.split(b"\r\n")[0].startswith(b"HTTP/1.1 505")  # unsupported HTTP version
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(b"\xff\xfe\r\n\r\n")
        reply = sock.recv(1024)
    assert reply.split(b"\r\n")[0].startswith(b"HTTP/1.1 400")
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(b"BREW /sparql HTTP/1.1\r\nHost: x\r\n\r\n")
        reply = sock.recv(1024)
    assert reply.split(b"\r\n")[0] == b"HTTP/1.1 405 Method Not Allowed"
    still_answers(server)


def test_client_that_disconnects_mid_body(server):
    parts = urlsplit(server.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                     b"Content-Length: 1000\r\n\r\nSELECT")
    still_answers(server)
