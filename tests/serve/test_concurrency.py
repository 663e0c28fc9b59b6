"""50 parallel clients × 20 queries each, all answered correctly (bounded, loopback only)."""

from __future__ import annotations

import http.client
import json
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode, urlsplit

from kg.serve import queries
from tests.serve._http import query

CLIENTS = 50
QUERIES_PER_CLIENT = 20


def canonical(body: bytes) -> list:
    doc = json.loads(body)
    return sorted(json.dumps(row, sort_keys=True) for row in doc["results"]["bindings"])


def test_fifty_parallel_clients(server):
    texts = [
        *queries.README_QUERIES.values(),
        queries.bind(queries.SAID_BY, name="Pat Ryder"),
        queries.bind(queries.ABOUT_TOPIC, topic="Russia"),
    ]
    expected = []
    for text in texts:
        reply = query(server.url, text)
        assert reply.status == 200, reply.text
        expected.append(canonical(reply.body))
    assert all(expected[:5]), "every README query has rows on the sample store"
    parts = urlsplit(server.url)

    def client(n: int) -> list[tuple[int, int, bool]]:
        # one keep-alive connection per client, GET and POST alternating
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        outcomes = []
        try:
            for i in range(QUERIES_PER_CLIENT):
                k = (n + i) % len(texts)
                headers = {"Accept": "application/sparql-results+json"}
                if i % 2:
                    headers["Content-Type"] = "application/x-www-form-urlencoded"
                    conn.request("POST", "/sparql", body=urlencode({"query": texts[k]}), headers=headers)
                else:
                    conn.request("GET", "/sparql?" + urlencode({"query": texts[k]}), headers=headers)
                resp = conn.getresponse()
                body = resp.read()
                outcomes.append((k, resp.status, resp.status == 200 and canonical(body) == expected[k]))
        finally:
            conn.close()
        return outcomes

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        results = [o for outcomes in pool.map(client, range(CLIENTS)) for o in outcomes]
    assert len(results) == CLIENTS * QUERIES_PER_CLIENT
    failures = [(k, status) for k, status, ok in results if not ok]
    assert failures == []
    assert server.alive()
