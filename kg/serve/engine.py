"""Run one SPARQL request against a pyoxigraph store and serialise the answer.

This module is what the worker processes of :mod:`kg.serve.pool` execute. It
imports nothing heavier than pyoxigraph, so a replacement worker starts fast
after a runaway query forced the pool to kill its predecessor.

The answer is always a plain :class:`Answer` (status, media type, bytes), so
it crosses the process boundary cheaply and the HTTP layer only copies bytes.

SELECT results are written by the small serialisers below rather than by
``QuerySolutions.serialize`` because the row cap must stop the iteration: a
``SELECT * { ?s ?p ?o }`` on a large store must end with a clear error, not
with a gigabyte response.

>>> negotiate("text/csv;q=0.5, application/sparql-results+json", SELECT_MEDIA)
'application/sparql-results+json'
>>> negotiate("", SELECT_MEDIA)
'application/sparql-results+json'
>>> negotiate("image/png", SELECT_MEDIA) is None
True
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from typing import Iterable
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

#: Media types offered for SELECT/ASK results, in server preference order.
SELECT_MEDIA: dict[str, str] = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}

#: Media types offered for CONSTRUCT/DESCRIBE results, in server preference order.
GRAPH_MEDIA: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}

#: Media types that carry a charset parameter on the wire.
_TEXTUAL = ("text/",)


@dataclass(frozen=True)
class Answer:
    """What the HTTP layer sends back: status, media type and body."""

    status: int
    media_type: str
    body: bytes

    @classmethod
    def error(cls, status: int, message: str) -> "Answer":
        return cls(status, "text/plain; charset=utf-8", (message.rstrip() + "\n").encode("utf-8"))


@dataclass(frozen=True)
class Job:
    """One SPARQL request, as the HTTP layer parsed it.

    Attributes:
        kind: ``"query"`` or ``"update"``.
        text: the query or update string.
        accept: the client's ``Accept`` header ('' when absent).
        default_graphs: ``default-graph-uri`` values, or ``None`` when the
            protocol named no dataset (then the default graph is the union of
            all named graphs, as in Oxigraph's and Jena's union-default mode).
        named_graphs: ``named-graph-uri`` values, or ``None``.
        max_rows: result rows (or triples) above which the query fails.
        union_default: evaluate the default graph as the union of the named
            graphs at query time (slow); only for stores whose default graph
            was not materialised by :class:`kg.sinks.store_sink.StoreWriter`.
    """

    kind: str
    text: str
    accept: str = ""
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    max_rows: int = 100_000
    union_default: bool = False


#: After an UPDATE, bring the stored default graph back to the union of the
#: named graphs (the invariant :class:`kg.sinks.store_sink.StoreWriter` keeps).
SYNC_DEFAULT_GRAPH = """\
INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } FILTER NOT EXISTS { ?s ?p ?o } } ;
DELETE { ?s ?p ?o } WHERE { ?s ?p ?o FILTER NOT EXISTS { GRAPH ?g { ?s ?p ?o } } }
"""


class RowCapExceeded(Exception):
    """Internal: the result has more rows than the cap."""


# ------------------------------------------------------------------ content negotiation


def _parse_accept(header: str) -> list[tuple[str, float]]:
    ranges: list[tuple[str, float]] = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        ranges.append((media, q))
    return ranges


def negotiate(accept: str, offers: Iterable[str]) -> str | None:
    """Pick the offer the client prefers most (RFC 9110 §12.5.1), or ``None``.

    An empty header accepts anything; ties go to the server's order.
    """
    offers = list(offers)
    if not accept.strip():
        return offers[0]
    ranges = _parse_accept(accept)
    best, best_q = None, 0.0
    for offer in offers:
        major = offer.split("/")[0]
        q, specificity = 0.0, -1
        for media, rq in ranges:
            if media == offer:
                spec = 2
            elif media == f"{major}/*":
                spec = 1
            elif media == "*/*":
                spec = 0
            else:
                continue
            if spec > specificity:
                q, specificity = rq, spec
        if q > best_q:
            best, best_q = offer, q
    return best


def acceptable_at_all(accept: str) -> bool:
    """Whether any result form could be sent; otherwise answer 406 before running."""
    return negotiate(accept, SELECT_MEDIA) is not None or negotiate(accept, GRAPH_MEDIA) is not None


# ------------------------------------------------------------------ SELECT / ASK serialisers


def _json_term(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _json_term(term.subject),
                "predicate": _json_term(term.predicate),
                "object": _json_term(term.object),
            },
        }
    raise TypeError(f"unexpected RDF term {term!r}")


def _xml_term(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    if isinstance(term, ox.Triple):
        return (
            f"<triple><subject>{_xml_term(term.subject)}</subject>"
            f"<predicate>{_xml_term(term.predicate)}</predicate>"
            f"<object>{_xml_term(term.object)}</object></triple>"
        )
    raise TypeError(f"unexpected RDF term {term!r}")


def _csv_term(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return term.value
    return str(term)


def _rows(solutions: ox.QuerySolutions, width: int, max_rows: int):
    for n, solution in enumerate(solutions, start=1):
        if n > max_rows:
            raise RowCapExceeded
        yield [solution[i] for i in range(width)]


def serialize_solutions(solutions: ox.QuerySolutions, fmt: str, max_rows: int) -> bytes:
    """Write SELECT results as SPARQL JSON, XML, CSV or TSV, stopping at ``max_rows``.

    Raises:
        RowCapExceeded: the result has more than ``max_rows`` rows.
    """
    names = [v.value for v in solutions.variables]
    rows = _rows(solutions, len(names), max_rows)
    if fmt == "json":
        bindings = [
            {n: _json_term(t) for n, t in zip(names, row) if t is not None} for row in rows
        ]
        doc = {"head": {"vars": names}, "results": {"bindings": bindings}}
        return json.dumps(doc, ensure_ascii=False).encode("utf-8")
    if fmt == "xml":
        out = ['<?xml version="1.0" encoding="utf-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">',
               "<head>"]
        out += [f"<variable name={quoteattr(n)}/>" for n in names]
        out.append("</head><results>")
        for row in rows:
            out.append("<result>")
            out += [
                f"<binding name={quoteattr(n)}>{_xml_term(t)}</binding>"
                for n, t in zip(names, row)
                if t is not None
            ]
            out.append("</result>")
        out.append("</results></sparql>\n")
        return "".join(out).encode("utf-8")
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(names)
        for row in rows:
            writer.writerow([_csv_term(t) for t in row])
        return buf.getvalue().encode("utf-8")
    if fmt == "tsv":
        lines = ["\t".join(f"?{n}" for n in names)]
        lines += ["\t".join("" if t is None else str(t) for t in row) for row in rows]
        return ("\n".join(lines) + "\n").encode("utf-8")
    raise ValueError(f"unknown results format {fmt!r}")


def serialize_boolean(value: bool, fmt: str) -> bytes:
    """Write an ASK result (CSV/TSV use Jena's ``_askResult`` convention)."""
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}).encode("utf-8")
    if fmt == "xml":
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>\n"
        ).encode("utf-8")
    if fmt == "csv":
        return f"_askResult\r\n{'true' if value else 'false'}\r\n".encode("utf-8")
    return f"?_askResult\n{'true' if value else 'false'}\n".encode("utf-8")


# ------------------------------------------------------------------ execution


def _graph_nodes(iris: tuple[str, ...], store: ox.Store, param: str) -> list[ox.NamedNode]:
    nodes = []
    for iri in iris:
        try:
            node = ox.NamedNode(iri)
        except ValueError as e:
            raise _Refusal(400, f"{param} {iri!r} is not a valid IRI: {e}") from e
        if not store.contains_named_graph(node):
            raise _Refusal(
                400,
                f"{param} <{iri}> is not a graph in this store; list the graphs with "
                "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
            )
        nodes.append(node)
    return nodes


class _Refusal(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _media(media_type: str) -> str:
    if media_type.startswith(_TEXTUAL) or media_type.endswith(("+json", "+xml", "/json", "/xml")):
        return f"{media_type}; charset=utf-8"
    return media_type


def execute(store: ox.Store, job: Job) -> Answer:
    """Run ``job`` on ``store``; every failure becomes an :class:`Answer` with a 4xx status."""
    try:
        if job.kind == "update":
            store.update(job.text)
            if not job.union_default:
                store.update(SYNC_DEFAULT_GRAPH)
            # Read-only snapshots (the query workers) see only what is on disk.
            store.flush()
            return Answer(204, "text/plain", b"")
        return _query(store, job)
    except _Refusal as e:
        return Answer.error(e.status, e.message)
    except SyntaxError as e:
        return Answer.error(400, f"malformed SPARQL {job.kind}: {e}")
    except RowCapExceeded:
        return Answer.error(
            422,
            f"the result has more than {job.max_rows} rows (the server's --max-rows); "
            "add a LIMIT or narrow the query",
        )
    except (ValueError, TypeError) as e:  # pyoxigraph evaluation errors (e.g. SERVICE)
        return Answer.error(400, f"the SPARQL {job.kind} could not be evaluated: {e}")


#: Strings, IRIs and comments (skipped) or the keyword FROM (captured), in one pass.
_FROM_SCAN = re.compile(
    r"'''.*?'''"
    r'|""".*?"""'
    r"|'(?:[^'\\\n]|\\.)*'"
    r'|"(?:[^"\\\n]|\\.)*"'
    r'|<[^<>"{}|^`\\\s]*>'
    r"|#[^\n]*"
    r"|\b(FROM)\b",
    re.IGNORECASE | re.DOTALL,
)


def has_dataset_clause(query: str) -> bool:
    """Whether the query names its own dataset with FROM / FROM NAMED.

    >>> has_dataset_clause("SELECT * FROM <urn:g> WHERE { ?s ?p ?o }")
    True
    >>> has_dataset_clause('SELECT * WHERE { ?s <urn:from> "from" } # FROM <x>')
    False
    """
    return any(m.group(1) for m in _FROM_SCAN.finditer(query))


def _query(store: ox.Store, job: Job) -> Answer:
    kwargs: dict = {}
    if job.default_graphs is None and job.named_graphs is None:
        # No protocol dataset: the query's FROM clauses rule if it has any,
        # otherwise the default graph, which is the union of all graphs
        # (materialised by the store writer, or evaluated here when it is not).
        if job.union_default:
            kwargs["use_default_graph_as_union"] = not has_dataset_clause(job.text)
    else:
        kwargs["default_graph"] = _graph_nodes(job.default_graphs or (), store, "default-graph-uri")
        kwargs["named_graphs"] = _graph_nodes(job.named_graphs or (), store, "named-graph-uri")
    result = store.query(job.text, **kwargs)
    if isinstance(result, (ox.QuerySolutions, ox.QueryBoolean)):
        media = negotiate(job.accept, SELECT_MEDIA)
        if media is None:
            return _not_acceptable(job.accept, SELECT_MEDIA, "SELECT/ASK")
        fmt = SELECT_MEDIA[media]
        if isinstance(result, ox.QueryBoolean):
            return Answer(200, _media(media), serialize_boolean(bool(result), fmt))
        return Answer(200, _media(media), serialize_solutions(result, fmt, job.max_rows))
    media = negotiate(job.accept, GRAPH_MEDIA)
    if media is None:
        return _not_acceptable(job.accept, GRAPH_MEDIA, "CONSTRUCT/DESCRIBE")
    triples = []
    for n, triple in enumerate(result, start=1):
        if n > job.max_rows:
            raise RowCapExceeded
        triples.append(triple)
    return Answer(200, _media(media), ox.serialize(triples, format=GRAPH_MEDIA[media]) or b"")


def _not_acceptable(accept: str, offers: dict, form: str) -> Answer:
    return Answer.error(
        406,
        f"cannot answer a {form} query as {accept!r}; send an Accept header with one of: "
        + ", ".join(offers),
    )
