"""Extractions → RDF: a pure converter and a file writer.

:func:`to_rdf_graph` turns extraction records into an ``rdflib.Dataset`` with one
named graph per document (graph IRI from the document id) and the ontology in
its own graph. Inside a document's graph:

* every relation is a plain triple (``person:antony-blinken kg:metWith
  person:mark-rutte``) **and** a ``kg:Assertion`` node with
  ``rdf:subject/predicate/object``, qualifiers, confidence, extractor and
  ``prov:wasDerivedFrom`` its ``nif:Sentence``;
* every statement is a ``kg:Statement`` node (speaker, cue, content spans,
  kind, addressee, mentions, quantities, on-behalf-of, sentence);
* sentences and spans are NIF strings with document offsets and their text;
* entities carry their type, ``rdfs:label`` and ``skos:altLabel`` aliases.

No blank nodes: every node has an IRI from :func:`kg.sinks.namespace.mint_iri`,
so two runs over the same input give equal graphs, and entities with the same id
are one node across documents. The model is documented in ``docs/rdf-model.md``.

Speed: one function (:class:`_DocumentTriples`) lists a document's triples with
backend-neutral terms, added directly (no SPARQL, no parsing). They become
rdflib terms for :func:`to_rdf_graph`, or pyoxigraph terms for
:func:`to_ox_quads`, which :class:`RDFWriter` uses: building and serialising with
pyoxigraph avoids rdflib's per-triple overhead entirely and is several times
faster (``benchmarks/rdf_sink.py``; numbers in ``docs/rdf-model.md``).
"""

from __future__ import annotations

import bisect
import datetime as _dt
import json
import logging
import os
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Sequence, Union

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SDO, SKOS, XSD, NamespaceManager

from kg import ids
from kg.errors import SinkError
from kg.model import Extraction
from kg.sinks.namespace import (
    ENTITY_CLASSES,
    ITSRDF,
    KG,
    NIF,
    ONTOLOGY_IRI,
    PREDICATE_PROPERTIES,
    PREFIXES,
    mint_iri,
)

log = logging.getLogger(__name__)

#: ``ontology/kg.ttl`` at the repository root (the single source of the ontology).
ONTOLOGY_PATH = Path(__file__).resolve().parents[2] / "ontology" / "kg.ttl"

#: Output format name → (file name, pyoxigraph format or None for our JSON-LD, keeps named graphs).
FORMATS: dict[str, tuple[str, "ox.RdfFormat | None", bool]] = {
    "ttl": ("graph.ttl", ox.RdfFormat.TURTLE, False),
    "trig": ("graph.trig", ox.RdfFormat.TRIG, True),
    "jsonld": ("graph.jsonld", None, True),
    "nt": ("graph.nt", ox.RdfFormat.N_TRIPLES, False),
    "nq": ("graph.nq", ox.RdfFormat.N_QUADS, True),
}
DEFAULT_FORMATS = ("ttl", "trig", "jsonld", "nt")

#: Backend-neutral object term: an IRI (URIRef), a plain string literal (str), an
#: xsd:integer literal (int), or a typed literal (lexical form, datatype IRI).
Term = Union[URIRef, str, int, tuple]

XSD_ANYURI, XSD_DATE, XSD_DATETIME, XSD_DECIMAL, XSD_INTEGER = (
    str(XSD.anyURI), str(XSD.date), str(XSD.dateTime), str(XSD.decimal), str(XSD.integer)
)

#: Qualifier name → property; other qualifiers become kg:Qualifier nodes.
_QUALIFIER_PROPERTIES = {"location": KG.location, "date": KG.date, "modality": KG.modality, "role": KG.role}

# Hot-loop constants (DefinedNamespace attribute access is not free).
_TYPE, _LABEL, _ALT = RDF.type, RDFS.label, SKOS.altLabel
_BEGIN, _END, _ANCHOR, _CONTEXT, _NIF_SENT = (
    NIF.beginIndex,
    NIF.endIndex,
    NIF.anchorOf,
    NIF.referenceContext,
    NIF.sentence,
)
_DERIVED = PROV.wasDerivedFrom
_SPAN, _SENTENCE = KG.Span, NIF.Sentence


@lru_cache(maxsize=1)
def ontology_graph() -> Graph:
    """The ontology (``ontology/kg.ttl``), parsed once per process."""
    try:
        # canonical blank-node labels: the ontology's OWL lists serialise identically every run
        return to_canonical_graph(Graph().parse(ONTOLOGY_PATH, format="turtle"))
    except (OSError, SyntaxError) as e:  # rdflib raises BadSyntax, a SyntaxError
        raise SinkError(
            f"cannot read the ontology {ONTOLOGY_PATH}: {e}; run kg from a checkout (pip install -e .)"
        ) from e


def new_dataset() -> Dataset:
    """An empty rdflib dataset with our prefixes bound."""
    ds = Dataset()
    ds.namespace_manager = NamespaceManager(ds, bind_namespaces="core")
    for prefix, ns in PREFIXES.items():
        ds.bind(prefix, ns, override=True, replace=True)
    return ds


# ---------------------------------------------------------------- public converters


def to_rdf_graph(
    extractions: Iterable[Extraction], *, include_ontology: bool = True, include_mentions: bool = True
) -> Dataset:
    """Convert extraction records to an rdflib dataset (pure: no I/O but reading the ontology).

    Args:
        extractions: one record per document.
        include_ontology: add ``ontology/kg.ttl`` as the graph ``<https://kg.example.org/ontology>``.
        include_mentions: add a span per entity mention (``itsrdf:taIdentRef``);
            off gives a smaller graph without losing any fact or its evidence.

    Returns:
        A dataset with one named graph per document.

    Raises:
        SinkError: a record is inconsistent (a relation naming an entity the
            record lacks, an unknown predicate, offsets that do not match the text).
    """
    builder = RDFBuilder(include_ontology=include_ontology, include_mentions=include_mentions)
    for ex in extractions:
        builder.add(ex)
    return builder.dataset


def to_ox_quads(
    extractions: Iterable[Extraction], *, include_ontology: bool = True, include_mentions: bool = True
) -> list[ox.Quad]:
    """The same graph as :func:`to_rdf_graph`, as pyoxigraph quads (for a pyoxigraph Store, fast writers)."""
    builder = OxBuilder(include_ontology=include_ontology, include_mentions=include_mentions)
    for ex in extractions:
        builder.add(ex)
    return builder.quads()


def document_triples(ex: Extraction, *, include_mentions: bool = True) -> list[tuple[URIRef, URIRef, Term]]:
    """One document's triples with backend-neutral object terms (see :data:`Term`).

    The last result is kept: ``kg build`` hands the same record to the RDF
    files and the store one after the other, and records are immutable, so
    the second asks for nothing new. Treat the list as read-only.
    """
    global _LAST_TRIPLES
    last = _LAST_TRIPLES
    if last is not None and last[0] is ex and last[1] == include_mentions:
        return last[2]
    triples = _DocumentTriples(ex, include_mentions).triples()
    _LAST_TRIPLES = (ex, include_mentions, triples)
    return triples


_LAST_TRIPLES: tuple[Extraction, bool, list] | None = None


class RDFBuilder:
    """Accumulates extractions into one :class:`rdflib.Dataset`, document by document."""

    def __init__(self, *, include_ontology: bool = True, include_mentions: bool = True):
        self.dataset = new_dataset()
        self.include_mentions = include_mentions
        self.documents = 0
        if include_ontology:
            onto = self.dataset.graph(ONTOLOGY_IRI)
            onto.addN((s, p, o, onto) for s, p, o in ontology_graph())
        ints: dict[int, Literal] = {}

        def lit(o: Term):
            t = type(o)
            if t is URIRef:
                return o
            if t is str:
                return Literal(o)
            if t is int:
                v = ints.get(o)
                if v is None:
                    v = ints[o] = Literal(o)
                return v
            return Literal(o[0], datatype=URIRef(o[1]))

        self._lit = lit

    def add(self, ex: Extraction) -> None:
        """Add one document's record as its own named graph."""
        graph = self.dataset.graph(mint_iri("graph", ex.id))
        lit = self._lit
        graph.addN((s, p, lit(o), graph) for s, p, o in document_triples(ex, include_mentions=self.include_mentions))
        self.documents += 1


class OxBuilder:
    """Accumulates extractions for pyoxigraph, one named graph per document.

    Triples stay backend-neutral (plain Python values, cheap to hash and sort)
    until they are written: :meth:`rows` dedupes and sorts them in Python and
    converts each distinct term to pyoxigraph once. A document added twice
    (same id) replaces its earlier graph, so re-writing a changed document
    leaves no stale facts.
    """

    def __init__(self, *, include_ontology: bool = True, include_mentions: bool = True):
        self.include_mentions = include_mentions
        self.graphs: dict[str, tuple[URIRef, list[tuple]]] = {}
        if include_ontology:
            self.graphs[""] = (ONTOLOGY_IRI, [(s, p, _neutral(o)) for s, p, o in ontology_graph()])

    @property
    def documents(self) -> int:
        return sum(1 for k in self.graphs if k and not k.startswith("\x00"))

    def add(self, ex: Extraction) -> None:
        self.graphs[ex.id] = (mint_iri("graph", ex.id), document_triples(ex, include_mentions=self.include_mentions))

    def add_graph(self, key: str, graph: URIRef, triples: Iterable[tuple]) -> None:
        """Add (or replace) a graph that is not a document's, e.g. resolution links.

        ``key`` starts with ``"\\x00"`` so it never collides with a document id;
        objects may be rdflib terms or neutral terms.
        """
        self.graphs[key] = (graph, [(s, p, _neutral(o)) for s, p, o in triples])

    def rows(self, *, with_graphs: bool) -> list:
        """Distinct, sorted pyoxigraph quads (or union triples when ``with_graphs`` is false).

        Sorted by graph, subject, rdf:type first, predicate, object: files group
        triples by subject (``;``), read well and are byte-identical across runs.
        """
        conv = _ox_converter()
        if with_graphs:
            out = []
            for _, (graph, triples) in sorted(self.graphs.items(), key=lambda kv: kv[1][0]):
                g = conv(graph)
                out.extend(ox.Quad(conv(s), conv(p), conv(o), g) for s, p, o in sorted(set(triples), key=_neutral_key))
            return out
        union = {t for _, triples in self.graphs.values() for t in triples}
        return [ox.Triple(conv(s), conv(p), conv(o)) for s, p, o in sorted(union, key=_neutral_key)]

    def quads(self) -> list[ox.Quad]:
        """Every quad (e.g. to load a pyoxigraph Store)."""
        return self.rows(with_graphs=True)


def _neutral(o) -> Term:
    """An rdflib object term as a neutral term (ontology triples)."""
    if isinstance(o, Literal):
        if o.language:
            return (str(o), None, o.language)
        if o.datatype is not None and o.datatype != XSD.string:
            return (str(o), str(o.datatype))
        return str(o)
    return o


def _neutral_key(t: tuple) -> tuple:
    s, p, o = t
    to = type(o)
    if to is URIRef:
        ok = (0, str.__add__(o, ""), 0)
    elif to is str:
        ok = (2, o, 0)
    elif to is int:
        ok = (3, "", o)
    elif to is tuple:
        ok = (4, "\x00".join(x or "" for x in o), 0)
    else:  # BNode (ontology lists)
        ok = (1, str(o), 0)
    # Plain str copies (str.__add__) and str.__eq__: rdflib's URIRef.__eq__ and __lt__ are Python-level, and the
    # sort compares keys many times per triple; two URIRefs order as their strings, so the order is the same.
    return (str(s), not str.__eq__(p, _RDF_TYPE), str.__add__(p, ""), ok)


_XSD_STRING = str(XSD.string)


def _ox_term(t) -> object:
    """One neutral or rdflib term → its pyoxigraph term (not memoised: see :func:`_ox_converter`)."""
    tt = type(t)
    if tt is URIRef:
        return ox.NamedNode(t)
    if tt is str:
        return ox.Literal(t)
    if tt is int:
        return ox.Literal(str(t), datatype=ox.NamedNode(XSD_INTEGER))
    if tt is tuple:
        return ox.Literal(t[0], language=t[2]) if len(t) == 3 else ox.Literal(t[0], datatype=ox.NamedNode(t[1]))
    if isinstance(t, Literal):
        if t.language:
            return ox.Literal(str(t), language=t.language)
        if t.datatype is not None and str(t.datatype) != _XSD_STRING:
            return ox.Literal(str(t), datatype=ox.NamedNode(t.datatype))
        return ox.Literal(str(t))
    if isinstance(t, BNode):
        return ox.BlankNode(str(t))
    if isinstance(t, URIRef):
        return ox.NamedNode(t)
    raise SinkError(f"cannot convert RDF term {t!r} of type {type(t).__name__} for pyoxigraph")


def _ox_converter(limit: int | None = None) -> Callable[[object], object]:
    """Neutral or rdflib term → pyoxigraph term, memoised (the same IRIs and numbers recur thousands of times).

    With ``limit``, the memo is emptied whenever it holds that many terms, so a
    converter that lives for a whole corpus keeps bounded memory.
    """
    cache: dict = {}
    iris: dict[str, ox.NamedNode] = {}

    def conv(t):
        tt = type(t)
        if tt is URIRef:  # the common case, keyed by a plain str (rdflib's URIRef.__eq__ is Python-level)
            k = str.__add__(t, "")
            o = iris.get(k)
            if o is None:
                if limit is not None and len(iris) >= limit:
                    iris.clear()
                o = iris[k] = ox.NamedNode(k)
            return o
        if tt is str:
            return ox.Literal(t)  # mostly unique texts: not worth caching
        key = (tt, t)
        o = cache.get(key)
        if o is None:
            if limit is not None and len(cache) >= limit:
                cache.clear()
            o = cache[key] = _ox_term(t)
        return o

    return conv


#: What an N-Triples string literal must escape (the grammar's STRING_LITERAL_QUOTE excludes these four raw).
_NT_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def _nt_formatter(limit: int | None = None) -> Callable[[Iterable[tuple]], str]:
    """Neutral triples → N-Triples text, without a pyoxigraph object per term.

    For the store's bulk load of new documents (:class:`kg.sinks.store_sink.StoreWriter`):
    making an ``ox.NamedNode``/``ox.Literal`` per term and an ``ox.Triple`` per
    triple only to serialise them again took 1.39 s of that writer's 5–6 s on
    200 PolNeAR articles; this takes 0.5–0.7 s.
    IRIs and typed literals are formatted by pyoxigraph once each and memoised
    (bounded by ``limit``), so an invalid IRI fails as before; a plain string
    literal, mostly unique, is escaped here: N-Triples forbids only ``\\``,
    ``"``, line feed and carriage return raw inside one. Lines end in ``" .\\n"``
    and no literal holds a raw line break, so the caller can name a graph by
    replacing that ending.

    >>> fmt = _nt_formatter()
    >>> print(fmt([(URIRef("urn:a"), URIRef("urn:p"), 'say "hi"\\n'), (URIRef("urn:a"), URIRef("urn:n"), 7)]), end="")
    <urn:a> <urn:p> "say \\"hi\\"\\n" .
    <urn:a> <urn:n> "7"^^<http://www.w3.org/2001/XMLSchema#integer> .
    """
    terms: dict = {}
    translate = str.translate

    def term(t) -> str:
        tt = type(t)
        if tt is str:
            return '"' + translate(t, _NT_ESCAPES) + '"'
        # an IRI is keyed by a plain str (rdflib's URIRef.__eq__ is Python-level); plain literals never get here
        key = str.__add__(t, "") if tt is URIRef else (tt, t)
        o = terms.get(key)
        if o is None:
            if limit is not None and len(terms) >= limit:
                terms.clear()
            o = terms[key] = str(_ox_term(t))
        return o

    def lines(triples: Iterable[tuple]) -> str:
        return "".join([f"{term(s)} {term(p)} {term(o)} .\n" for s, p, o in triples])

    return lines


# ---------------------------------------------------------------- one document's triples


class _DocumentTriples:
    """The triples of one extraction record (a helper object so the hot paths share state)."""

    def __init__(self, ex: Extraction, include_mentions: bool):
        self.ex = ex
        self.include_mentions = include_mentions
        self.doc = mint_iri("document", ex.id)
        self.out: list[tuple[URIRef, URIRef, Term]] = []
        self.spans: set[tuple[int, int]] = set()
        self.sentences = sorted(ex.sentences, key=lambda s: s.start)
        self._starts = [s.start for s in self.sentences]
        self.sentence_iris = {s.index: mint_iri("sentence", ids.sentence_id(ex.id, s.index)) for s in ex.sentences}
        self.entities = {e.id: mint_iri("entity", e.id) for e in ex.entities}
        self.locations: dict[str, URIRef] = {}
        for e in ex.entities:
            if e.type == "Location":
                for name in (e.name, *e.aliases, *(m.text for m in e.mentions)):
                    self.locations.setdefault(name, self.entities[e.id])

    # -- helpers --------------------------------------------------------
    def where(self, what: str) -> str:
        return f"document {self.ex.id!r}, {what}"

    def entity(self, eid: str, what: str) -> URIRef:
        iri = self.entities.get(eid)
        if iri is None:
            raise SinkError(
                f"{self.where(what)}: entity id {eid!r} is not among the record's entities; "
                "every entity a fact refers to must be listed in 'entities'"
            )
        return iri

    def text_at(self, start: int, end: int) -> str | None:
        """The document text at [start, end) when one sentence covers it, else None."""
        i = bisect.bisect_right(self._starts, start) - 1
        if i < 0:
            return None
        s = self.sentences[i]
        if end <= s.end:
            return s.text[start - s.start : end - s.start]
        return None

    def sentence_at(self, start: int) -> int | None:
        i = bisect.bisect_right(self._starts, start) - 1
        if i >= 0 and start < self.sentences[i].end:
            return self.sentences[i].index
        return None

    def span(self, start: int, end: int, text: str | None, what: str) -> URIRef:
        """The span node for [start, end), added once per document."""
        if not 0 <= start <= end:
            raise SinkError(f"{self.where(what)}: span [{start}, {end}) is not a valid offset pair")
        iri = mint_iri("span", ids.span_id(self.ex.id, start, end))
        derived = self.text_at(start, end)
        if text is not None and derived is not None and text != derived:
            raise SinkError(
                f"{self.where(what)}: span [{start}, {end}) quotes {text!r} but the sentence text there is "
                f"{derived!r}; offsets must index the document text exactly"
            )
        if text is not None and len(text) != end - start:
            raise SinkError(
                f"{self.where(what)}: span [{start}, {end}) has {end - start} characters but its text "
                f"{text!r} has {len(text)}; offsets must index the document text exactly"
            )
        if (start, end) in self.spans:
            return iri
        self.spans.add((start, end))
        anchor = text if text is not None else derived
        add = self.out.append
        add((iri, _TYPE, _SPAN))
        add((iri, _BEGIN, start))
        add((iri, _END, end))
        add((iri, _CONTEXT, self.doc))
        if anchor is not None:
            add((iri, _ANCHOR, anchor))
        sent = self.sentence_at(start)
        if sent is not None:
            add((iri, _NIF_SENT, self.sentence_iris[sent]))
        return iri

    def evidence(self, node: URIRef, ev, what: str) -> None:
        """prov:wasDerivedFrom the evidence sentence (added from the evidence if the record lacks it)."""
        if ev.doc != self.ex.id:
            raise SinkError(f"{self.where(what)}: evidence points to document {ev.doc!r}; it must be {self.ex.id!r}")
        sent = self.sentence_iris.get(ev.sentence)
        if sent is None:
            sent = self.sentence_iris[ev.sentence] = mint_iri("sentence", ids.sentence_id(self.ex.id, ev.sentence))
            self.sentence(ev.sentence, ev.start, ev.end, ev.text)
        self.out.append((node, _DERIVED, sent))

    def sentence(self, index: int, start: int, end: int, text: str) -> None:
        if len(text) != end - start:
            raise SinkError(
                f"{self.where(f'sentence {index}')}: [{start}, {end}) has {end - start} characters but its text "
                f"has {len(text)}; offsets must index the document text exactly"
            )
        iri = self.sentence_iris[index]
        add = self.out.append
        add((iri, _TYPE, _SENTENCE))
        add((iri, KG.sentenceIndex, index))
        add((iri, _BEGIN, start))
        add((iri, _END, end))
        add((iri, _ANCHOR, text))
        add((iri, _CONTEXT, self.doc))

    # -- the record -----------------------------------------------------
    def triples(self) -> list[tuple]:
        ex, add, doc = self.ex, self.out.append, self.doc
        add((doc, _TYPE, KG.Document))
        add((doc, _TYPE, NIF.Context))
        add((doc, DCTERMS.identifier, (ex.id)))
        add((doc, _BEGIN, (0)))
        add((doc, _END, (ex.text_length)))
        meta = ex.doc
        if meta.title:
            add((doc, DCTERMS.title, (meta.title)))
        if meta.date:
            add((doc, DCTERMS.date, date_term(meta.date)))
        if meta.author:
            add((doc, SDO.author, (meta.author)))
        if meta.url:
            add((doc, SDO.url, (meta.url, XSD_ANYURI)))
        if meta.source:
            add((doc, DCTERMS.source, (meta.source)))

        for s in ex.sentences:
            self.sentence(s.index, s.start, s.end, s.text)

        for e in ex.entities:
            cls = ENTITY_CLASSES.get(e.type)
            if cls is None:
                raise SinkError(
                    f"{self.where(f'entity {e.id!r}')}: unknown type {e.type!r}; use one of {', '.join(ENTITY_CLASSES)}"
                )
            iri = self.entities[e.id]
            add((iri, _TYPE, cls))
            add((iri, _LABEL, (e.name)))
            for alias in e.aliases:
                if alias != e.name:
                    add((iri, _ALT, (alias)))
            if self.include_mentions:
                for m in e.mentions:
                    span = self.span(m.start, m.end, m.text, f"mention of {e.id!r}")
                    add((span, ITSRDF.taIdentRef, iri))

        for r in ex.relations:
            self.relation(r)
        for st in ex.statements:
            self.statement(st)
        return self.out

    def relation(self, r) -> None:
        what = f"relation {r.id!r}"
        prop = PREDICATE_PROPERTIES.get(r.predicate)
        if prop is None:
            raise SinkError(
                f"{self.where(what)}: unknown predicate {r.predicate!r}; use one of {', '.join(PREDICATE_PROPERTIES)}"
            )
        subj = self.entity(r.subject, what)
        obj = self.entity(r.object, what)
        node = mint_iri("relation", r.id)
        add = self.out.append
        add((subj, prop, obj))
        add((node, _TYPE, KG.Assertion))
        add((node, RDF.subject, subj))
        add((node, RDF.predicate, prop))
        add((node, RDF.object, obj))
        add((node, KG.confidence, confidence_term(r.confidence, self.where(what))))
        add((node, KG.extractor, (r.evidence.extractor)))
        self.evidence(node, r.evidence, what)
        ev = r.evidence
        if ev.subject_span is not None:
            add((node, KG.subjectSpan, self.span(*ev.subject_span, None, what + " subject_span")))
        if ev.object_span is not None:
            add((node, KG.objectSpan, self.span(*ev.object_span, None, what + " object_span")))
        for name, value in sorted(r.qualifiers.items()):
            if value is None or value == "":
                continue
            value = str(value)
            prop_q = _QUALIFIER_PROPERTIES.get(name)
            if prop_q is None:
                q = mint_iri("qualifier", f"{r.id}#{name}")
                add((node, KG.qualifier, q))
                add((q, _TYPE, KG.Qualifier))
                add((q, KG.qualifierName, (name)))
                add((q, KG.qualifierValue, (value)))
            elif name == "date":
                add((node, prop_q, date_term(value)))
            elif name == "location" and value in self.entities:
                # the NLP stage may give the location as an entity id
                add((node, KG.locationEntity, self.entities[value]))
                name_of = next(e.name for e in self.ex.entities if e.id == value)
                add((node, prop_q, (name_of)))
            else:
                add((node, prop_q, (value)))
                if name == "location" and value in self.locations:
                    add((node, KG.locationEntity, self.locations[value]))

    def statement(self, st) -> None:
        what = f"statement {st.id!r}"
        node = mint_iri("statement", st.id)
        add = self.out.append
        add((node, _TYPE, KG.Statement))
        if st.kind not in ("direct", "indirect"):
            raise SinkError(f"{self.where(what)}: kind {st.kind!r} must be 'direct' or 'indirect'")
        add((node, KG.kind, (st.kind)))
        add((node, KG.confidence, confidence_term(st.confidence, self.where(what))))
        add((node, KG.extractor, (st.evidence.extractor)))
        self.evidence(node, st.evidence, what)
        if st.speaker is not None:
            add((node, KG.speaker, self.entity(st.speaker, what + " speaker")))
        if st.speaker_span is not None:
            add((node, KG.speakerSpan, self.span(*st.speaker_span, None, what + " speaker_span")))
        if st.on_behalf_of is not None:
            add((node, KG.onBehalfOf, self.entity(st.on_behalf_of, what + " on_behalf_of")))
        if st.addressee is not None:
            add((node, KG.addressee, self.entity(st.addressee, what + " addressee")))
        add((node, KG.cue, self.span(st.cue.start, st.cue.end, st.cue.text, what + " cue")))
        add((node, KG.cueText, (st.cue.text)))
        spans = sorted(st.content.spans)
        single = st.content.text if len(spans) == 1 else None
        for s, e in spans:
            add((node, KG.contentSpan, self.span(s, e, single, what + " content")))
        add((node, KG.contentText, (st.content.text)))
        for eid in st.mentions:
            add((node, KG.mentions, self.entity(eid, what + " mentions")))
        for q in st.quantities:
            span = self.span(q.start, q.end, q.text, what + " quantity")
            add((node, KG.quantity, span))
            add((span, _TYPE, KG.Quantity))
            if q.of:
                add((span, KG.quantityOf, (q.of)))


def confidence_term(value: float, where: str) -> tuple[str, str]:
    """``xsd:decimal`` in the canonical form Oxigraph also uses ("0.8", "1"), so every engine returns the same value.

    >>> confidence_term(0.80, "x"), confidence_term(1.0, "x")[0]
    (('0.8', 'http://www.w3.org/2001/XMLSchema#decimal'), '1')
    """
    try:
        d = Decimal(repr(round(float(value), 4))).normalize()
    except (TypeError, ValueError, InvalidOperation) as e:
        raise SinkError(f"{where}: confidence {value!r} is not a number in [0, 1]") from e
    if not 0 <= d <= 1:
        raise SinkError(f"{where}: confidence {value!r} is outside [0, 1]")
    return (format(d, "f"), XSD_DECIMAL)


def date_term(value: str) -> Term:
    """``xsd:date``/``xsd:dateTime`` when the value is ISO 8601, else the string as written.

    >>> date_term("2024-11-13")
    ('2024-11-13', 'http://www.w3.org/2001/XMLSchema#date')
    >>> date_term("Wednesday")
    'Wednesday'
    """
    v = value.strip()
    if len(v) == 10:
        try:
            return (_dt.date.fromisoformat(v).isoformat(), XSD_DATE)
        except ValueError:
            pass
    elif len(v) > 10 and v[4:5] == "-" and "T" in v:
        try:
            return (_dt.datetime.fromisoformat(v).isoformat(), XSD_DATETIME)
        except ValueError:
            pass
    return value


# ---------------------------------------------------------------- serialisation


def _sort_key(q: ox.Quad) -> tuple:
    # graph, subject, rdf:type first, predicate, object: grouped, readable, byte-stable output
    return (q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else "", str(q.subject),
            q.predicate.value != _RDF_TYPE, q.predicate.value, str(q.object))


_RDF_TYPE = str(RDF.type)


def _sorted(quads: Iterable[ox.Quad], *, with_graphs: bool) -> list:
    if with_graphs:
        return sorted(set(quads), key=_sort_key)
    default = ox.DefaultGraph()
    triples = {ox.Quad(q.subject, q.predicate, q.object, default) for q in quads}
    return [q.triple for q in sorted(triples, key=_sort_key)]


def _compact_jsonld(expanded: list, prefixes: dict[str, str]) -> dict:
    """Compact Oxigraph's expanded JSON-LD with our prefixes (CURIEs for IRIs, ``@type`` for rdf:type).

    Only IRIs are shortened, and only to ``prefix:local`` forms the ``@context``
    expands back, so the document means exactly the same triples.
    """
    by_len = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))
    cache: dict[str, str] = {}

    def curie(iri: str) -> str:
        c = cache.get(iri)
        if c is None:
            c = iri
            for prefix, ns in by_len:
                if iri.startswith(ns) and len(iri) > len(ns) and not iri[len(ns):].startswith("//"):
                    c = f"{prefix}:{iri[len(ns):]}"
                    break
            cache[iri] = c
        return c

    def node(n: dict) -> dict:
        out: dict = {}
        for k, v in n.items():
            if k == "@id":
                out[k] = curie(v)
            elif k == "@graph":
                out[k] = [node(x) for x in v]
            elif k == _RDF_TYPE and all(set(x) == {"@id"} for x in v):
                types = [curie(x["@id"]) for x in v]
                out["@type"] = types[0] if len(types) == 1 else types
            elif k == "@type":
                out[k] = [curie(x) for x in v] if isinstance(v, list) else curie(v)
            elif k.startswith("@"):
                out[k] = v
            else:
                vals = [value(x) for x in v]
                out[curie(k)] = vals[0] if len(vals) == 1 else vals
        return out

    def value(x: dict):
        if "@id" in x and len(x) == 1:
            return {"@id": curie(x["@id"])}
        if len(x) == 1 and "@value" in x:  # plain string: a bare JSON string means the same
            return x["@value"]
        if x.get("@type") == XSD_INTEGER and len(x) == 2:
            lex = x["@value"]
            if lex.lstrip("-").isdigit() and str(int(lex)) == lex:  # canonical: a JSON number means the same
                return int(lex)
        if "@type" in x:
            return {**x, "@type": curie(x["@type"])}
        return x

    return {"@context": dict(prefixes), "@graph": [node(n) for n in expanded]}


def _dump_jsonld(doc: dict) -> str:
    """One node per line: readable, and json's C encoder (``indent`` would force the slow Python one)."""
    dumps = lambda x: json.dumps(x, ensure_ascii=False)  # noqa: E731
    lines = ['{"@context": ' + dumps(doc["@context"]) + ',', ' "@graph": [']
    top = doc["@graph"]
    for i, node in enumerate(top):
        end = "," if i < len(top) - 1 else ""
        inner = node.get("@graph")
        if inner is None:
            lines.append("  " + dumps(node) + end)
            continue
        head = {k: v for k, v in node.items() if k != "@graph"}
        lines.append("  " + dumps(head)[:-1] + ', "@graph": [')
        lines.extend("   " + dumps(n) + ("," if j < len(inner) - 1 else "") for j, n in enumerate(inner))
        lines.append("  ]}" + end)
    lines.append(" ]}")
    return "\n".join(lines) + "\n"


def serialize_quads(quads: Iterable[ox.Quad], fmt: str, destination: Path) -> Path:
    """Write quads in one of :data:`FORMATS` to ``destination`` atomically.

    The file appears complete or not at all: we write a temporary file next to
    it and rename, so a failed run never leaves a truncated graph behind.
    Turtle and N-Triples get the union of all graphs (each triple once); TriG,
    N-Quads and JSON-LD keep one named graph per document. Quads are sorted, so
    the same input gives byte-identical files.
    """
    if fmt not in FORMATS:
        raise SinkError(f"unknown RDF format {fmt!r}; use one of {', '.join(FORMATS)}")
    return write_rows(_sorted(quads, with_graphs=FORMATS[fmt][2]), fmt, destination)


def write_rows(rows: list, fmt: str, destination: Path) -> Path:
    """Serialise already distinct and sorted quads (or triples) atomically; see :func:`serialize_quads`."""
    oxformat = FORMATS[fmt][1]
    if oxformat is None:
        expanded = json.loads(ox.serialize(rows, None, ox.RdfFormat.JSON_LD))
        data = _dump_jsonld(_compact_jsonld(expanded, PREFIXES)).encode("utf-8")
    else:
        prefixes = PREFIXES if oxformat in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
        data = ox.serialize(rows, None, oxformat, prefixes=prefixes)
        if prefixes:  # the @prefix header comes out in hash order; sort it for stable bytes
            lines = data.split(b"\n")
            n = next((i for i, line in enumerate(lines) if not line.startswith(b"@prefix")), len(lines))
            data = b"\n".join(sorted(lines[:n]) + lines[n:])
    tmp = destination.with_name("." + destination.name + ".tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, destination)
    except OSError as e:
        raise SinkError(f"cannot write {destination}: {e}; check that the directory is writable") from e
    return destination


def ox_quads(ds: Dataset, *, with_graphs: bool = True) -> list:
    """An rdflib dataset (e.g. from :func:`to_rdf_graph`) as sorted pyoxigraph quads.

    With ``with_graphs=False``: the union of all graphs as triples, each once.
    """
    conv = _ox_converter()
    default = ox.DefaultGraph()
    quads = []
    for s, p, o, g in ds.quads((None, None, None, None)):
        g = getattr(g, "identifier", g)
        graph = default if g is None or g == DATASET_DEFAULT_GRAPH_ID else conv(g)
        quads.append(ox.Quad(conv(s), conv(p), conv(o), graph))
    return _sorted(quads, with_graphs=with_graphs)


def serialize(ds: Dataset, fmt: str, destination: Path) -> Path:
    """Write an rdflib dataset (e.g. from :func:`to_rdf_graph`) exactly as :class:`RDFWriter` does."""
    return serialize_quads(ox_quads(ds), fmt, destination)


class RDFWriter:
    """Writes ``graph.ttl``, ``graph.trig``, ``graph.jsonld`` and ``graph.nt`` into ``out_dir``.

    The files are written as the records come, one block per document, so
    memory does not grow with the corpus (only with its distinct entities):

    * TriG, N-Quads and JSON-LD: the ontology graph, then each document's named
      graph in the order written, then the resolution links;
    * Turtle and N-Triples (the union of all graphs, each triple once): the
      ontology, then per document the triples about its own nodes (the
      document, its sentences, spans, assertions and statements, which no other
      document can state), then, at :meth:`close`, the triples about shared
      nodes (entities: type, labels, the plain relation triples; the resolution
      links), deduplicated across documents.

    Inside a block triples are sorted (subject, ``rdf:type`` first, predicate,
    object), so the same records in the same order give byte-identical files.
    Each file is written to a temporary name and renamed into place by
    :meth:`close`; :meth:`abort` removes the temporary files.

    Args:
        out_dir: the output directory (created if missing).
        formats: any of :data:`FORMATS` (``ttl``, ``trig``, ``jsonld``, ``nt``, ``nq``).
        include_ontology: put the ontology in the outputs (its own TriG graph).
        include_mentions: add a span per entity mention.

    Raises:
        SinkError: the same document id written twice (a build holds one record
            per document), or a file cannot be written.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     with RDFWriter(d, formats=["ttl"]) as w:
    ...         pass
    ...     sorted(p.name for p in Path(d).iterdir())
    ['graph.ttl']
    """

    def __init__(
        self,
        out_dir: str | Path,
        formats: Sequence[str] = DEFAULT_FORMATS,
        *,
        include_ontology: bool = True,
        include_mentions: bool = True,
    ):
        unknown = [f for f in formats if f not in FORMATS]
        if unknown:
            raise SinkError(f"unknown RDF format(s) {', '.join(unknown)}; use any of {', '.join(FORMATS)}")
        self.out_dir = Path(out_dir)
        self.formats = tuple(dict.fromkeys(formats))
        self.include_ontology = include_ontology
        self.include_mentions = include_mentions
        self.paths: dict[str, Path] = {}
        self._closed = False
        self._files: dict[str, BinaryIO] | None = None
        self._tmp: dict[str, Path] = {}
        self._conv = _ox_converter(limit=100_000)
        self._shared: set[tuple] = set()  # union formats: triples about nodes several documents share
        self._documents: set[str] = set()
        self._resolution: list[tuple] = []
        self._jsonld = _JsonLdStream(PREFIXES)
        self._union = any(not FORMATS[f][2] for f in self.formats)
        self._graphs = any(FORMATS[f][2] for f in self.formats)

    # -- writing --------------------------------------------------------
    def write(self, extraction: Extraction) -> None:
        if self._closed:
            raise SinkError("RDFWriter.write() after close(); create a new writer")
        if extraction.id in self._documents:
            raise SinkError(
                f"document {extraction.id!r} written twice to the RDF files; "
                "give each record once (a build keeps one record per document id)"
            )
        self._open()
        self._documents.add(extraction.id)
        triples = document_triples(extraction, include_mentions=self.include_mentions)
        own = str(mint_iri("document", extraction.id))
        self._block(mint_iri("graph", extraction.id), triples, own)

    def write_resolution(self, resolution) -> None:
        """Add the cross-document resolution links (:mod:`kg.resolve.rdf`) in their own graph."""
        from kg.resolve.rdf import resolution_triples

        self._resolution = [(s, p, _neutral(o)) for s, p, o in resolution_triples(resolution)]

    def _open(self) -> None:
        if self._files is not None:
            return
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise SinkError(f"cannot create output directory {self.out_dir}: {e}") from e
        self._files = {}
        for fmt in self.formats:
            dest = self.out_dir / FORMATS[fmt][0]
            tmp = self._tmp[fmt] = dest.with_name("." + dest.name + ".tmp")
            try:
                self._files[fmt] = tmp.open("wb")
            except OSError as e:
                raise SinkError(f"cannot write {tmp}: {e}; check that the directory is writable") from e
            if FORMATS[fmt][1] in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG):
                self._put(fmt, _PREFIX_HEADER)
            elif FORMATS[fmt][1] is None:
                self._put(fmt, self._jsonld.header())
        if self.include_ontology:
            # the ontology's subjects are its own: nothing a document states repeats them
            self._block(ONTOLOGY_IRI, [(s, p, _neutral(o)) for s, p, o in ontology_graph()], None)

    def _put(self, fmt: str, data: bytes) -> None:
        try:
            self._files[fmt].write(data)  # type: ignore[index]
        except OSError as e:
            raise SinkError(f"cannot write {self._tmp[fmt]}: {e}; check free disk space") from e

    def _block(self, graph: URIRef, triples: Iterable[tuple], own: str | None, *, union: bool = True) -> None:
        """Write one graph: whole into the quad formats; into the union formats (unless
        ``union`` is false), the triples about ``own`` nodes (``None``: all of them)
        now and the rest at :meth:`close`."""
        rows = sorted(set(triples), key=_neutral_key)
        if not rows:
            return
        conv = self._conv
        terms = [(conv(s), conv(p), conv(o)) for s, p, o in rows]  # each term converted once
        quads: list = []
        triples_ox: list = []
        if self._graphs:
            g = conv(graph)
            quads = [ox.Quad(s, p, o, g) for s, p, o in terms]
        union = union and self._union
        if union:
            if own is None:
                triples_ox = [ox.Triple(*t) for t in terms]
            else:
                prefix = own + "/"
                startswith, shared = str.startswith, self._shared
                for t, t_ox in zip(rows, terms):
                    s = t[0]
                    if startswith(s, prefix) or str.__eq__(s, own):
                        triples_ox.append(ox.Triple(*t_ox))
                    else:
                        shared.add(t)
        for fmt in self.formats:
            oxformat = FORMATS[fmt][1]
            if oxformat is None:
                self._put(fmt, self._jsonld.graph(str(graph), rows))
            elif FORMATS[fmt][2]:
                self._put(fmt, _strip_prefixes(ox.serialize(quads, None, oxformat, prefixes=_prefixes_for(oxformat))))
            elif union and triples_ox:
                self._put(fmt, _strip_prefixes(ox.serialize(triples_ox, None, oxformat,
                                                            prefixes=_prefixes_for(oxformat))))

    # -- finishing ------------------------------------------------------
    def close(self) -> dict[str, Path]:
        """Finish and publish every file; returns format → path. Closing twice is harmless."""
        if self._closed:
            return self.paths
        self._open()
        from kg.resolve.rdf import RESOLUTION_GRAPH

        resolution = self._resolution
        if self._graphs and resolution:  # the union formats get these links with the shared triples below
            self._block(RESOLUTION_GRAPH, resolution, None, union=False)
        if self._union:
            shared = sorted(self._shared.union(resolution), key=_neutral_key)
            self._shared = set()
            conv = self._conv
            rows = [ox.Triple(conv(s), conv(p), conv(o)) for s, p, o in shared]
            for fmt in self.formats:
                oxformat = FORMATS[fmt][1]
                if not FORMATS[fmt][2] and rows:
                    self._put(fmt, _strip_prefixes(ox.serialize(rows, None, oxformat, prefixes=_prefixes_for(oxformat))))
        for fmt in self.formats:
            if FORMATS[fmt][1] is None:
                self._put(fmt, self._jsonld.footer())
        self._closed = True
        files, self._files = self._files or {}, None
        for fmt, f in files.items():
            dest = self.out_dir / FORMATS[fmt][0]
            try:
                f.close()
                os.replace(self._tmp[fmt], dest)
            except OSError as e:
                raise SinkError(f"cannot write {dest}: {e}; check that the directory is writable") from e
            self.paths[fmt] = dest
        log.info("RDF: %d documents → %s", len(self._documents), self.out_dir)
        return self.paths

    def abort(self) -> None:
        """After a failed build: drop the temporary files, leave the previous outputs as they were."""
        self._closed = True
        files, self._files = self._files or {}, None
        for fmt, f in files.items():
            f.close()
            self._tmp[fmt].unlink(missing_ok=True)

    def __enter__(self) -> "RDFWriter":
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if exc_type is not None:
            self.abort()
        else:
            self.close()


#: Sorted ``@prefix`` lines, written once at the top of each Turtle/TriG file.
_PREFIX_HEADER = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(PREFIXES.items())).encode("utf-8")


def _prefixes_for(oxformat) -> dict[str, str] | None:
    return PREFIXES if oxformat in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None


def _strip_prefixes(data: bytes) -> bytes:
    """A chunk without the ``@prefix`` lines pyoxigraph puts first (the file has them once)."""
    if not data.startswith(b"@prefix"):
        return data
    pos = 0
    while data.startswith(b"@prefix", pos):
        pos = data.index(b"\n", pos) + 1
    return data[pos:]


#: ``json.dumps(x, ensure_ascii=False)``'s encoder, built once.
_JSON_ENCODER = json.JSONEncoder(ensure_ascii=False)


class _JsonLdStream:
    """JSON-LD written graph by graph: compact (our prefixes as CURIEs, ``@type``), one node per line.

    Built straight from sorted neutral triples (no expanded JSON-LD round
    trip); the ``@context`` expands every CURIE back, so the file means
    exactly the triples given.
    """

    def __init__(self, prefixes: dict[str, str]):
        self.prefixes = prefixes
        self._by_len = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))
        self._cache: dict[str, str] = {}
        self._first = True

    def curie(self, iri: str) -> str:
        # keyed by a plain str: a URIRef key would compare with rdflib's Python-level __eq__ on every hit
        iri = str.__add__(iri, "")
        c = self._cache.get(iri)
        if c is None:
            c = iri
            for prefix, ns in self._by_len:
                if iri.startswith(ns) and len(iri) > len(ns) and not iri[len(ns):].startswith("//"):
                    c = f"{prefix}:{iri[len(ns):]}"
                    break
            if len(self._cache) < 100_000:
                self._cache[iri] = c
        return c

    def header(self) -> bytes:
        return ('{"@context": ' + json.dumps(dict(self.prefixes), ensure_ascii=False) + ',\n "@graph": [').encode()

    def footer(self) -> bytes:
        return b"\n ]}\n"

    def _id(self, t) -> str:
        return "_:" + str(t) if type(t) is BNode else self.curie(t)

    def _value(self, o):
        to = type(o)
        if to is str:
            return o
        if to is int:
            return o
        if to is tuple:
            if len(o) == 3:
                return {"@value": o[0], "@language": o[2]}
            return {"@type": self.curie(o[1]), "@value": o[0]}
        return {"@id": self._id(o)}

    def graph(self, name: str, rows: list[tuple]) -> bytes:
        """One named graph, ``rows`` sorted by subject (see :func:`_neutral_key`)."""
        nodes = []
        node: dict | None = None
        subject = None
        for s, p, o in rows:
            if node is None or not str.__eq__(s, subject):
                subject = s
                node = {"@id": self._id(s)}
                nodes.append(node)
            if str.__eq__(p, _RDF_TYPE) and type(o) is URIRef:
                types = node.get("@type")
                c = self.curie(o)
                node["@type"] = c if types is None else [*types, c] if isinstance(types, list) else [types, c]
                continue
            k = self.curie(p)
            v = self._value(o)
            old = node.get(k)
            node[k] = v if old is None else [*old, v] if isinstance(old, list) else [old, v]
        dumps = _JSON_ENCODER.encode  # json.dumps(x, ensure_ascii=False) without building an encoder per node
        lines = [("\n" if self._first else ",\n") + '  {"@id": ' + dumps(self.curie(name)) + ', "@graph": [']
        self._first = False
        lines.extend("   " + dumps(n) + ("," if j < len(nodes) - 1 else "") for j, n in enumerate(nodes))
        lines.append("  ]}")
        return "\n".join(lines).encode("utf-8")
