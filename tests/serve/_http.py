"""A tiny plain-HTTP client for the endpoint tests (stdlib only)."""

from __future__ import annotations

import http.client
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    @property
    def media(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip()


def request(url: str, method: str = "GET", *, path: str = "/sparql", params=None, body: bytes | None = None,
            headers: dict[str, str] | None = None, timeout: float = 30) -> Reply:
    """One request on a fresh connection; ``params`` go into the URL query string."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        target = path + ("?" + urlencode(params, doseq=True) if params else "")
        conn.request(method, target, body=body, headers=headers or {})
        resp = conn.getresponse()
        return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    finally:
        conn.close()


def query(url: str, text: str, accept: str = "application/sparql-results+json", **params) -> Reply:
    return request(url, params={"query": text, **params}, headers={"Accept": accept})
