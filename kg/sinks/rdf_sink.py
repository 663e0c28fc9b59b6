"""Extractions → RDF: a pure converter and a file writer.

:func:`to_rdf_graph` turns extraction records into an ``rdflib.Dataset`` with one
named graph per document (graph IRI from the document id) and the ontology in
its own graph. Inside a document's graph:

* every relation is a plain triple (``id:person/antony-blinken kg:metWith
  id:person/mark-rutte``) **and** a :class:`kg:Assertion <KG>` node with
  ``rdf:subject/predicate/object``, qualifiers, confidence, extractor and
  ``prov:wasDerivedFrom`` its ``nif:Sentence``;
* every statement is a ``kg:Statement`` node (speaker, cue, content spans,
  kind, addressee, mentions, quantities, on-behalf-of, sentence);
* sentences and spans are NIF strings with document offsets and their text;
* entities carry their type, ``rdfs:label`` and ``skos:altLabel`` aliases.

No blank nodes: every node has an IRI from :func:`kg.sinks.namespace.mint_iri`,
so two runs over the same input give equal graphs, and entities with the same id
are one node across documents. The model is documented in ``docs/rdf-model.md``.

The converter adds triples directly (no SPARQL, no per-triple parsing); the
writer serialises sorted quads with pyoxigraph (Turtle, TriG, N-Triples, N-Quads), which is
several times faster than rdflib's own serialisers (``benchmarks/rdf_sink.py``).
"""

from __future__ import annotations

import bisect
import datetime as _dt
import logging
import os
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import NamespaceManager
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SDO, SKOS, XSD

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

#: Output format name → (file name, rdflib serialiser, whether it keeps named graphs).
FORMATS: dict[str, tuple[str, ox.RdfFormat | None, bool]] = {
    "ttl": ("graph.ttl", ox.RdfFormat.TURTLE, False),
    "trig": ("graph.trig", ox.RdfFormat.TRIG, True),
    "jsonld": ("graph.jsonld", None, True),
    "nt": ("graph.nt", ox.RdfFormat.N_TRIPLES, False),
    "nq": ("graph.nq", ox.RdfFormat.N_QUADS, True),
}
DEFAULT_FORMATS = ("ttl", "trig", "jsonld", "nt")

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
    """An empty dataset with our prefixes bound."""
    ds = Dataset()
    ds.namespace_manager = NamespaceManager(ds, bind_namespaces="core")
    for prefix, ns in PREFIXES.items():
        ds.bind(prefix, ns, override=True, replace=True)
    return ds


def to_rdf_graph(
    extractions: Iterable[Extraction], *, include_ontology: bool = True, include_mentions: bool = True
) -> Dataset:
    """Convert extraction records to an RDF dataset (pure: no I/O but reading the ontology).

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


class RDFBuilder:
    """Accumulates extractions into one :class:`rdflib.Dataset`, document by document."""

    def __init__(self, *, include_ontology: bool = True, include_mentions: bool = True):
        self.dataset = new_dataset()
        self.include_mentions = include_mentions
        self.documents = 0
        if include_ontology:
            onto = self.dataset.graph(ONTOLOGY_IRI)
            onto.addN((s, p, o, onto) for s, p, o in ontology_graph())

    def add(self, ex: Extraction) -> None:
        """Add one document's record as its own named graph."""
        graph = self.dataset.graph(mint_iri("graph", ex.id))
        triples = _DocumentTriples(ex, self.include_mentions).triples()
        graph.addN((s, p, o, graph) for s, p, o in triples)
        self.documents += 1


class _DocumentTriples:
    """The triples of one extraction record (a helper object so the hot paths share state)."""

    def __init__(self, ex: Extraction, include_mentions: bool):
        self.ex = ex
        self.include_mentions = include_mentions
        self.doc = mint_iri("document", ex.id)
        self.out: list[tuple[URIRef, URIRef, Literal | URIRef]] = []
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
        add((iri, _BEGIN, Literal(start)))
        add((iri, _END, Literal(end)))
        add((iri, _CONTEXT, self.doc))
        if anchor is not None:
            add((iri, _ANCHOR, Literal(anchor)))
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
        add((iri, KG.sentenceIndex, Literal(index)))
        add((iri, _BEGIN, Literal(start)))
        add((iri, _END, Literal(end)))
        add((iri, _ANCHOR, Literal(text)))
        add((iri, _CONTEXT, self.doc))

    # -- the record -----------------------------------------------------
    def triples(self) -> list[tuple]:
        ex, add, doc = self.ex, self.out.append, self.doc
        add((doc, _TYPE, KG.Document))
        add((doc, _TYPE, NIF.Context))
        add((doc, DCTERMS.identifier, Literal(ex.id)))
        add((doc, _BEGIN, Literal(0)))
        add((doc, _END, Literal(ex.text_length)))
        meta = ex.doc
        if meta.title:
            add((doc, DCTERMS.title, Literal(meta.title)))
        if meta.date:
            add((doc, DCTERMS.date, date_literal(meta.date)))
        if meta.author:
            add((doc, SDO.author, Literal(meta.author)))
        if meta.url:
            add((doc, SDO.url, Literal(meta.url, datatype=XSD.anyURI)))
        if meta.source:
            add((doc, DCTERMS.source, Literal(meta.source)))

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
            add((iri, _LABEL, Literal(e.name)))
            for alias in e.aliases:
                if alias != e.name:
                    add((iri, _ALT, Literal(alias)))
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
        add((node, KG.confidence, confidence_literal(r.confidence, self.where(what))))
        add((node, KG.extractor, Literal(r.evidence.extractor)))
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
                add((q, KG.qualifierName, Literal(name)))
                add((q, KG.qualifierValue, Literal(value)))
            elif name == "date":
                add((node, prop_q, date_literal(value)))
            elif name == "location" and value in self.entities:
                # the NLP stage may give the location as an entity id
                add((node, KG.locationEntity, self.entities[value]))
                name_of = next(e.name for e in self.ex.entities if e.id == value)
                add((node, prop_q, Literal(name_of)))
            else:
                add((node, prop_q, Literal(value)))
                if name == "location" and value in self.locations:
                    add((node, KG.locationEntity, self.locations[value]))

    def statement(self, st) -> None:
        what = f"statement {st.id!r}"
        node = mint_iri("statement", st.id)
        add = self.out.append
        add((node, _TYPE, KG.Statement))
        if st.kind not in ("direct", "indirect"):
            raise SinkError(f"{self.where(what)}: kind {st.kind!r} must be 'direct' or 'indirect'")
        add((node, KG.kind, Literal(st.kind)))
        add((node, KG.confidence, confidence_literal(st.confidence, self.where(what))))
        add((node, KG.extractor, Literal(st.evidence.extractor)))
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
        add((node, KG.cueText, Literal(st.cue.text)))
        spans = sorted(st.content.spans)
        single = st.content.text if len(spans) == 1 else None
        for s, e in spans:
            add((node, KG.contentSpan, self.span(s, e, single, what + " content")))
        add((node, KG.contentText, Literal(st.content.text)))
        for eid in st.mentions:
            add((node, KG.mentions, self.entity(eid, what + " mentions")))
        for q in st.quantities:
            span = self.span(q.start, q.end, q.text, what + " quantity")
            add((node, KG.quantity, span))
            add((span, _TYPE, KG.Quantity))
            if q.of:
                add((span, KG.quantityOf, Literal(q.of)))


def confidence_literal(value: float, where: str) -> Literal:
    """``xsd:decimal`` in canonical form ("0.8", "1"), so every SPARQL engine returns the same lexical value."""
    try:
        d = Decimal(repr(round(float(value), 4))).normalize()
    except (TypeError, ValueError, InvalidOperation) as e:
        raise SinkError(f"{where}: confidence {value!r} is not a number in [0, 1]") from e
    if not 0 <= d <= 1:
        raise SinkError(f"{where}: confidence {value!r} is outside [0, 1]")
    return Literal(format(d, "f"), datatype=XSD.decimal)


def date_literal(value: str) -> Literal:
    """``xsd:date``/``xsd:dateTime`` when the value is ISO 8601, else the string as written.

    >>> date_literal("2024-11-13").datatype == XSD.date
    True
    >>> date_literal("Wednesday").datatype is None
    True
    """
    v = value.strip()
    if len(v) == 10:
        try:
            return Literal(_dt.date.fromisoformat(v).isoformat(), datatype=XSD.date)
        except ValueError:
            pass
    elif len(v) > 10 and v[4:5] == "-" and "T" in v:
        try:
            return Literal(_dt.datetime.fromisoformat(v).isoformat(), datatype=XSD.dateTime)
        except ValueError:
            pass
    return Literal(value)


def union_graph(ds: Dataset) -> Graph:
    """All triples of every graph of ``ds`` in one rdflib graph."""
    g = Graph(bind_namespaces="core")
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True, replace=True)
    g.addN((s, p, o, g) for s, p, o, _ in ds.quads((None, None, None, None)))
    return g


def _ox_converter():
    """rdflib term → pyoxigraph term, memoised (the same IRIs recur thousands of times)."""
    cache: dict = {}
    xsd_string = str(XSD.string)

    def conv(t):
        o = cache.get(t)
        if o is not None:
            return o
        if isinstance(t, URIRef):
            o = ox.NamedNode(t)
        elif isinstance(t, Literal):
            if t.language:
                o = ox.Literal(str(t), language=t.language)
            elif t.datatype is not None and str(t.datatype) != xsd_string:
                o = ox.Literal(str(t), datatype=ox.NamedNode(t.datatype))
            else:
                o = ox.Literal(str(t))
        elif isinstance(t, BNode):
            o = ox.BlankNode(str(t))
        else:  # pragma: no cover - rdflib has no other term kinds in a dataset
            raise SinkError(f"cannot serialise RDF term {t!r} of type {type(t).__name__}")
        cache[t] = o
        return o

    return conv


def _sort_key(q) -> tuple:
    s, p, o, g = q
    # graph, subject, rdf:type first, predicate, object: grouped, readable, byte-stable output
    return (str(g), str(s), p != _TYPE, str(p), str(o))


def ox_quads(ds: Dataset, *, with_graphs: bool) -> list:
    """The dataset as sorted pyoxigraph quads (or triples when ``with_graphs`` is false).

    Sorting makes the output byte-identical across runs and lets the Oxigraph
    serialisers group triples by subject (``;``) and object (``,``).
    """
    conv = _ox_converter()
    quads = ds.quads((None, None, None, None))
    if with_graphs:
        rows = sorted(((s, p, o, getattr(g, "identifier", g)) for s, p, o, g in quads), key=_sort_key)
        default = ox.DefaultGraph()
        return [
            ox.Quad(conv(s), conv(p), conv(o), default if g == DATASET_DEFAULT_GRAPH_ID else conv(g))
            for s, p, o, g in rows
        ]
    rows = sorted({(s, p, o, "") for s, p, o, _ in quads}, key=_sort_key)
    return [ox.Triple(conv(s), conv(p), conv(o)) for s, p, o, _ in rows]


def serialize(ds: Dataset, fmt: str, destination: Path) -> Path:
    """Write ``ds`` in one of :data:`FORMATS` to ``destination`` atomically.

    The file appears complete or not at all: we write a temporary file next to
    it and rename, so a failed run never leaves a truncated graph behind.
    Turtle and N-Triples get the union of all graphs; TriG and N-Quads keep one
    named graph per document.
    """
    if fmt not in FORMATS:
        raise SinkError(f"unknown RDF format {fmt!r}; use one of {', '.join(FORMATS)}")
    _, oxformat, with_graphs = FORMATS[fmt]
    tmp = destination.with_name("." + destination.name + ".tmp")
    try:
        if oxformat is None:  # JSON-LD: rdflib compacts with our prefixes as the @context
            graph = ds if with_graphs else union_graph(ds)
            graph.serialize(tmp, format="json-ld", context=PREFIXES, auto_compact=True, encoding="utf-8")
        else:
            prefixes = PREFIXES if oxformat in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
            data = ox.serialize(ox_quads(ds, with_graphs=with_graphs), None, oxformat, prefixes=prefixes)
            if prefixes:  # the @prefix header comes out in hash order; sort it for stable bytes
                lines = data.split(b"\n")
                n = next((i for i, line in enumerate(lines) if not line.startswith(b"@prefix")), len(lines))
                data = b"\n".join(sorted(lines[:n]) + lines[n:])
            tmp.write_bytes(data)
        os.replace(tmp, destination)
    except OSError as e:
        raise SinkError(f"cannot write {destination}: {e}; check that the directory is writable") from e
    return destination


class RDFWriter:
    """Writes ``graph.ttl``, ``graph.trig``, ``graph.jsonld`` and ``graph.nt`` into ``out_dir``.

    Extractions accumulate in memory (Turtle and JSON-LD group by subject, so
    they need the whole graph); :meth:`close` writes each file atomically.

    Args:
        out_dir: the output directory (created if missing).
        formats: any of :data:`FORMATS` (``ttl``, ``trig``, ``jsonld``, ``nt``, ``nq``).
        include_ontology: put the ontology in the outputs (its own TriG graph).
        include_mentions: add a span per entity mention.
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
        self.formats = tuple(formats)
        self._builder = RDFBuilder(include_ontology=include_ontology, include_mentions=include_mentions)
        self.paths: dict[str, Path] = {}
        self._closed = False

    @property
    def dataset(self) -> Dataset:
        return self._builder.dataset

    def write(self, extraction: Extraction) -> None:
        if self._closed:
            raise SinkError("RDFWriter.write() after close(); create a new writer")
        self._builder.add(extraction)

    def close(self) -> dict[str, Path]:
        """Write every format; returns format → path. Closing twice is harmless."""
        if self._closed:
            return self.paths
        self._closed = True
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise SinkError(f"cannot create output directory {self.out_dir}: {e}") from e
        for fmt in self.formats:
            self.paths[fmt] = serialize(self.dataset, fmt, self.out_dir / FORMATS[fmt][0])
        log.info("RDF: %d documents, %d quads → %s", self._builder.documents, len(self.dataset), self.out_dir)
        return self.paths

    def __enter__(self) -> "RDFWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
