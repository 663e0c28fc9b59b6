"""The SPARQL 1.1 Protocol endpoint (``kg serve``) and its HTML query page.

HTTP stack: the standard library's :class:`http.server.ThreadingHTTPServer`.
The endpoint's hard part is not HTTP parsing but stopping runaway queries,
which needs processes (:mod:`kg.serve.pool`) whatever the HTTP framework; the
stdlib server adds no dependency, is maintained with CPython, speaks
HTTP/1.1 keep-alive, and one thread per connection is plenty for a loopback
analyst tool (50 parallel clients are tested). It binds 127.0.0.1 by default.

Routes:
    ``/``          the query page (a query box, example queries, a results table);
    ``/sparql``    the SPARQL 1.1 Protocol endpoint (queries, and updates when allowed);
    ``/update``    updates only (POST), 403 unless started with ``--allow-update``;
    ``/examples``  the example queries as JSON (the page loads them).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox

from kg.errors import ConfigError, ServiceError
from kg.serve import queries
from kg.serve.engine import Answer, Job, acceptable_at_all
from kg.serve.pool import Busy, TimedOut, WorkerPool, open_read_only

log = logging.getLogger(__name__)

#: Requests larger than this are refused with 413 before anything is parsed.
MAX_BODY_BYTES = 1 << 20
#: A refused body up to this size is read and discarded, so the client sees the 413.
_DRAIN_LIMIT = 64 << 20

ALLOW = "GET, POST, HEAD"


@dataclass(frozen=True)
class ServeConfig:
    """Settings of one endpoint; the CLI fills it from ``kg serve`` options."""

    store: Path
    host: str = "127.0.0.1"
    port: int = 7878
    allow_update: bool = False
    timeout: float = 30.0
    max_rows: int = 100_000
    workers: int = 2
    max_body_bytes: int = MAX_BODY_BYTES
    #: Browser origin allowed to read answers (CORS), e.g. a YASGUI page served
    #: elsewhere; ``None`` (default) sends no CORS headers, so other web pages
    #: open in the analyst's browser cannot read the local graph.
    cors_origin: str | None = None


class _Problem(Exception):
    """A request we refuse; becomes a 4xx answer."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.answer = Answer.error(status, message)
        self.headers = headers or {}


class SparqlServer:
    """The endpoint: an HTTP server plus the worker pools behind it.

    Example (needs a built store, so not run as a doctest)::

        with SparqlServer(ServeConfig(store=Path("out/store"), port=0)) as server:
            server.start()            # background thread; or serve_forever()
            print(server.url)
    """

    def __init__(self, config: ServeConfig):
        self.config = config
        store = Path(config.store)
        if not store.is_dir():
            raise ConfigError(
                f"no store at {store}; build one with `kg build <inputs> --out out/` "
                "(it writes out/store) and pass --store out/store"
            )
        if config.timeout <= 0 or config.max_rows < 1 or config.workers < 1:
            raise ConfigError(
                f"--timeout must be > 0, --max-rows and --workers >= 1 "
                f"(got {config.timeout}, {config.max_rows}, {config.workers})"
            )
        self._update_lock = threading.Lock()
        self.union_default = not _default_graph_materialised(store)
        if self.union_default:
            log.warning(
                "the default graph of %s is empty: evaluating the union of the named graphs per query, which is "
                "slow; rebuild the store with `kg build` to materialise it", store,
            )
        self.queries = WorkerPool(store, config.workers)
        self.updates: WorkerPool | None = None
        try:
            if config.allow_update:
                self.updates = WorkerPool(store, 1, writable=True)
            self.httpd = _HTTPServer((config.host, config.port), _Handler)
        except (OSError, ServiceError) as e:
            self.close()
            if isinstance(e, ServiceError):
                raise
            raise ServiceError(f"cannot listen on {config.host}:{config.port}: {e}; pick another --port") from e
        self.httpd.endpoint = self
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.2)

    def start(self) -> "SparqlServer":
        """Serve from a background thread (tests, notebooks)."""
        self._thread = threading.Thread(target=self.serve_forever, name="kg-sparql-http", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        httpd = getattr(self, "httpd", None)
        if httpd is not None:
            if self._thread is not None:
                httpd.shutdown()
                self._thread.join(5)
            httpd.server_close()
        for pool in (getattr(self, "queries", None), getattr(self, "updates", None)):
            if pool is not None:
                pool.close()

    def __enter__(self) -> "SparqlServer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -------------------------------------------------------------- request → answer

    def answer(self, job: Job) -> tuple[Answer, dict[str, str]]:
        timeout = self.config.timeout
        if job.kind == "update":
            if self.updates is None:
                return Answer.error(
                    403, "this endpoint is read-only; restart `kg serve` with --allow-update to accept updates"
                ), {}
            with self._update_lock:
                answer = self._run(self.updates, job, timeout)
                if answer.status < 300:
                    self.queries.generation += 1
            return answer, {}
        return self._run(self.queries, job, timeout), {}

    def _run(self, pool: WorkerPool, job: Job, timeout: float) -> Answer:
        try:
            return pool.run(job, timeout, wait=2 * timeout + 30)
        except TimedOut:
            return Answer.error(
                503,
                f"the SPARQL {job.kind} ran longer than {timeout:g} s (the server's --timeout) and was "
                "stopped; add a LIMIT, narrow the patterns, or raise --timeout",
            )
        except Busy:
            return Answer.error(
                503, f"all {self.config.workers} query workers stayed busy for {2 * timeout + 30:g} s; retry later"
            )
        except ServiceError as e:
            return Answer.error(500, str(e))


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    endpoint: SparqlServer


def _page() -> bytes:
    return resources.files("kg.serve").joinpath("static/index.html").read_bytes()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kg-sparql"
    # Headers and body go out in separate writes; with Nagle's algorithm the
    # body waits for the client's delayed ACK (~40 ms on Linux) on keep-alive.
    disable_nagle_algorithm = True
    timeout = 120  # seconds a silent client may hold its connection
    server: _HTTPServer

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (stdlib signature)
        log.info("%s %s", self.address_string(), format % args)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors the stdlib raises itself (bad request line, oversized headers) as plain text."""
        self.close_connection = True
        if self.request_version == "HTTP/0.9":  # unparsable request line: answer with a status line anyway
            self.request_version = self.protocol_version
        text = message or HTTPStatus(code).phrase
        if explain:
            text += f" ({explain})"
        self._send(Answer.error(code, text), {"Connection": "close"}, head=self.command == "HEAD")

    def handle_one_request(self) -> None:
        """The stdlib's loop step, plus: a URL over 64 KiB is read to its end and refused
        with 414 (so the client sees the answer rather than a reset), and every
        unknown method gets 405 rather than 501."""
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if len(self.raw_requestline) > 65536:
                line, drained = self.raw_requestline, 0
                while not line.endswith(b"\n") and drained < _DRAIN_LIMIT:
                    line = self.rfile.readline(1 << 16)
                    if not line:
                        break
                    drained += len(line)
                self.requestline = self.request_version = self.command = ""
                self.send_error(414, "the request line is longer than 64 KiB; send long queries with POST")
                return
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self.parse_request():
                return
            method = getattr(self, "do_" + self.command, None)
            if method is None:
                self._method_not_allowed()
            else:
                method()
            self.wfile.flush()
        except TimeoutError as e:
            self.log_error("request timed out: %r", e)
            self.close_connection = True

    # -------------------------------------------------------------- plumbing

    def _send(self, answer: Answer, headers: dict[str, str] | None = None, *, head: bool = False) -> None:
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.media_type)
        self.send_header("Content-Length", str(len(answer.body)))
        self.send_header("Vary", "Accept")
        self.send_header("Cache-Control", "no-store")
        origin = self.server.endpoint.config.cors_origin
        if origin:
            self.send_header("Access-Control-Allow-Origin", origin)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if not head and answer.status not in (204, 304):
            self.wfile.write(answer.body)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            raise _Problem(411, "chunked request bodies are not supported; send a Content-Length")
        raw_length = self.headers.get("Content-Length")
        if raw_length is None:
            raise _Problem(411, "a POST needs a Content-Length header")
        try:
            length = int(raw_length)
        except ValueError as e:
            self.close_connection = True
            raise _Problem(400, f"Content-Length {raw_length!r} is not a number") from e
        limit = self.server.endpoint.config.max_body_bytes
        if length > limit:
            if length <= _DRAIN_LIMIT:
                remaining = length
                while remaining > 0:
                    chunk = self.rfile.read(min(remaining, 1 << 16))
                    if not chunk:
                        break
                    remaining -= len(chunk)
            else:
                self.close_connection = True
            raise _Problem(
                413,
                f"the request body has {length} bytes; this endpoint accepts at most {limit} bytes per query",
            )
        return self.rfile.read(length)

    @staticmethod
    def _decode(raw: bytes, what: str) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise _Problem(
                400, f"the {what} is not valid UTF-8 (byte {e.start}: {raw[e.start:e.start + 1]!r}); "
                "SPARQL requests must be UTF-8"
            ) from e

    @staticmethod
    def _form(text: str, what: str) -> dict[str, list[str]]:
        try:
            return parse_qs(text, keep_blank_values=True, strict_parsing=False, errors="strict")
        except UnicodeDecodeError as e:
            raise _Problem(400, f"the {what} has percent-encoded bytes that are not valid UTF-8: {e}") from e

    def _job(self, params: dict[str, list[str]], kind: str, text: str | None) -> Job:
        if text is None:
            queries_, updates = params.get("query", []), params.get("update", [])
            if len(queries_) + len(updates) != 1:
                raise _Problem(
                    400,
                    "send exactly one `query` (or, with POST, one `update`) parameter; "
                    "e.g. /sparql?query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%2010",
                )
            kind = "query" if queries_ else "update"
            text = (queries_ or updates)[0]
        if not text.strip():
            raise _Problem(400, f"the SPARQL {kind} is empty")
        if "\x00" in text:
            raise _Problem(400, f"the SPARQL {kind} contains a NUL character")
        defaults = params.get("default-graph-uri") or params.get("using-graph-uri")
        named = params.get("named-graph-uri") or params.get("using-named-graph-uri")
        accept = self.headers.get("Accept", "")
        if kind == "query" and not acceptable_at_all(accept):
            raise _Problem(
                406,
                f"cannot answer in any of {accept!r}; accepted: application/sparql-results+json, "
                "application/sparql-results+xml, text/csv, text/tab-separated-values (SELECT/ASK), "
                "text/turtle, application/n-triples, application/ld+json (CONSTRUCT/DESCRIBE)",
            )
        return Job(
            kind=kind,
            text=text,
            accept=accept,
            default_graphs=tuple(defaults) if defaults is not None else None,
            named_graphs=tuple(named) if named is not None else None,
            max_rows=self.server.endpoint.config.max_rows,
            union_default=self.server.endpoint.union_default,
        )

    def _dispatch(self, method: str) -> None:
        try:
            url = urlsplit(self.path)
            query_string = self._decode(url.query.encode("latin-1"), "URL query string") if url.query else ""
            params = self._form(query_string, "URL query string")
            path = url.path.rstrip("/") or "/"
            if path == "/" and method in ("GET", "HEAD") and "query" not in params:
                self._send(Answer(200, "text/html; charset=utf-8", _page()), head=method == "HEAD")
                return
            if path == "/examples" and method in ("GET", "HEAD"):
                body = json.dumps(queries.EXAMPLES, ensure_ascii=False).encode("utf-8")
                self._send(Answer(200, "application/json; charset=utf-8", body), head=method == "HEAD")
                return
            if path not in ("/", "/sparql", "/query", "/update"):
                raise _Problem(404, f"no resource at {url.path}; the SPARQL endpoint is /sparql")
            job = self._request_job(method, path, params)
            answer, headers = self.server.endpoint.answer(job)
            self._send(answer, headers, head=method == "HEAD")
        except _Problem as p:
            self._send(p.answer, p.headers)

    def _request_job(self, method: str, path: str, params: dict[str, list[str]]) -> Job:
        if method in ("GET", "HEAD"):
            if path == "/update":
                raise _Problem(405, "updates must be sent with POST", {"Allow": "POST"})
            if "update" in params:
                raise _Problem(405, "updates must be sent with POST, not GET", {"Allow": "POST"})
            return self._job(params, "query", None)
        content_type = self.headers.get("Content-Type", "")
        media = content_type.split(";")[0].strip().lower()
        body = self._read_body()
        if media == "application/sparql-query":
            if path == "/update":
                raise _Problem(415, "/update takes application/sparql-update bodies")
            return self._job(params, "query", self._decode(body, "request body"))
        if media == "application/sparql-update":
            return self._job(params, "update", self._decode(body, "request body"))
        if media == "application/x-www-form-urlencoded":
            form = self._form(self._decode(body, "form body"), "form body")
            for key, values in params.items():  # protocol parameters may also sit in the URL
                form.setdefault(key, values)
            job = self._job(form, "query", None)
            if path == "/update" and job.kind != "update":
                raise _Problem(400, "/update takes an `update` parameter")
            return job
        raise _Problem(
            415,
            f"unsupported Content-Type {content_type!r}; POST application/sparql-query, "
            "application/sparql-update or application/x-www-form-urlencoded",
        )

    # -------------------------------------------------------------- methods

    def do_GET(self) -> None:  # noqa: N802 (stdlib naming)
        self._dispatch("GET")

    def do_HEAD(self) -> None:  # noqa: N802
        self._dispatch("HEAD")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    def _method_not_allowed(self) -> None:
        self.close_connection = True
        self._send(
            Answer.error(405, f"{self.command} is not supported; use GET or POST (SPARQL 1.1 Protocol)"),
            {"Allow": ALLOW},
        )

    def do_OPTIONS(self) -> None:  # noqa: N802
        """CORS preflight when --cors-origin is set; otherwise OPTIONS is not supported."""
        if not self.server.endpoint.config.cors_origin:
            self._method_not_allowed()
            return
        self._send(Answer(204, "text/plain", b""), {
            "Allow": ALLOW,
            "Access-Control-Allow-Methods": ALLOW,
            "Access-Control-Allow-Headers": "Content-Type, Accept",
            "Access-Control-Max-Age": "600",
        })

    do_PUT = do_DELETE = do_PATCH = do_TRACE = do_CONNECT = _method_not_allowed


def _open_read_only(store: Path):
    try:
        return open_read_only(str(store))
    except (OSError, RuntimeError) as e:
        raise ServiceError(f"cannot open the store at {store}: {e}; check the --store path or build it with `kg build`") from e


def _default_graph_materialised(store: Path) -> bool:
    """Whether the store's default graph holds the union (or there are no named graphs at all)."""
    opened = _open_read_only(store)
    if next(iter(opened.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None:
        return True
    return next(iter(opened.named_graphs()), None) is None


def known_graphs(store: Path) -> list[str]:
    """The named graphs of a store (for the CLI's start-up line)."""
    opened = _open_read_only(store)
    return sorted(g.value for g in opened.named_graphs() if isinstance(g, ox.NamedNode))


def default_workers() -> int:
    """One query worker per CPU core, at least two (one may be restarting)."""
    return max(2, os.cpu_count() or 1)
