"""Extractions → networkx: a pure converter and a GraphML writer that Gephi opens.

:func:`to_networkx` builds one :class:`networkx.MultiDiGraph` for all documents:

* **entity nodes** keyed by entity id (``person/antony-blinken``), so the same
  entity in two documents is one node; attributes ``kind="entity"``, ``type``,
  ``label``, ``aliases``, ``iri`` (the RDF node), ``documents``, ``mentions``;
* **relation edges** subject → object keyed by relation id, with
  ``predicate``, ``label``, ``confidence`` (also ``weight`` for Gephi), the
  qualifiers (``location``, ``role`` …), and the evidence as scalars: ``doc``,
  ``sentence``, ``sentence_text``, ``sentence_start``/``sentence_end``,
  ``subject_start``/``subject_end``, ``object_start``/``object_end``,
  ``extractor``;
* **statement nodes** keyed by statement id (``kind="statement"``, content,
  cue, kind, evidence), with edges speaker → statement (``said``),
  institution → statement (``onBehalfOf``), statement → entity
  (``mentions``, ``addressee``).

Every attribute is a str, int or float, never None, so GraphML (which has no
null) holds it and ``networkx.read_graphml`` and Gephi read it back.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Iterable

import networkx as nx

from kg.errors import SinkError
from kg.model import Extraction
from kg.sinks.namespace import mint_iri

log = logging.getLogger(__name__)

#: Edge attributes a qualifier must not overwrite; such qualifiers get a ``qualifier_`` prefix.
_RESERVED = frozenset(
    "kind predicate label confidence weight doc sentence sentence_text sentence_start sentence_end "
    "subject_start subject_end object_start object_end extractor iri".split()
)


def to_networkx(extractions: Iterable[Extraction]) -> nx.MultiDiGraph:
    """Convert extraction records to one MultiDiGraph (pure)."""
    builder = NXBuilder()
    for ex in extractions:
        builder.add(ex)
    return builder.graph


#: Characters XML 1.0 cannot hold (C0 controls but tab/newline/return, U+FFFE/U+FFFF,
#: lone surrogates). News text scraped from the web does contain them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Replace characters XML cannot hold with U+FFFD in every string attribute, in place.

    GraphML is XML, so a control character in a sentence would make the whole
    file unwritable. The extraction records keep the exact text; offsets there
    are unaffected.

    >>> g = nx.MultiDiGraph(); g.add_node("a", text="bell\x07 ok")
    >>> xml_safe(g).nodes["a"]["text"]
    'bell\ufffd ok'
    """
    def fix(attrs: dict) -> None:
        for k, v in attrs.items():
            if isinstance(v, str) and _NOT_XML.search(v):
                attrs[k] = _NOT_XML.sub("\ufffd", v)

    fix(graph.graph)
    for _, attrs in graph.nodes(data=True):
        fix(attrs)
    for _, _, attrs in graph.edges(data=True):
        fix(attrs)
    return graph


def _clean(attrs: dict) -> dict:
    """Drop None and empty strings: GraphML has no null, and an empty value reads back as "None"."""
    return {k: v for k, v in attrs.items() if v is not None and v != ""}


def _evidence_attrs(ev) -> dict:
    return {
        "doc": ev.doc,
        "sentence": ev.sentence,
        "sentence_text": ev.text,
        "sentence_start": ev.start,
        "sentence_end": ev.end,
        "extractor": ev.extractor,
    }


class NXBuilder:
    """Accumulates extractions into :attr:`graph`, merging entities by id."""

    def __init__(self) -> None:
        self.graph = nx.MultiDiGraph()
        self._docs_of: dict[str, set[str]] = {}

    def _entity(self, ex: Extraction, eid: str, known: set[str], what: str) -> str:
        if eid not in known:
            raise SinkError(
                f"document {ex.id!r}, {what}: entity id {eid!r} is not among the record's entities; "
                "every entity a fact refers to must be listed in 'entities'"
            )
        return eid

    def add(self, ex: Extraction) -> None:
        g = self.graph
        known = {e.id for e in ex.entities}
        for e in ex.entities:
            docs = self._docs_of.setdefault(e.id, set())
            docs.add(ex.id)
            if e.id in g:
                node = g.nodes[e.id]
                aliases = set(filter(None, node.get("aliases", "").split("; "))) | set(e.aliases)
                node["documents"] = len(docs)
                node["mentions"] += len(e.mentions)
            else:
                node = g.add_node(
                    e.id,
                    kind="entity",
                    type=e.type,
                    label=e.name,
                    iri=str(mint_iri("entity", e.id)),
                    documents=1,
                    mentions=len(e.mentions),
                ) or g.nodes[e.id]
                aliases = set(e.aliases)
            aliases.discard(node["label"])
            aliases.discard("")
            if aliases:  # never an empty string: GraphML stores it as no text, read back as "None"
                node["aliases"] = "; ".join(sorted(aliases))
        for r in ex.relations:
            what = f"relation {r.id!r}"
            attrs = {
                "kind": "relation",
                "predicate": r.predicate,
                "label": r.predicate,
                "confidence": float(r.confidence),
                "weight": float(r.confidence),
                "iri": str(mint_iri("relation", r.id)),
                **_evidence_attrs(r.evidence),
            }
            if r.evidence.subject_span is not None:
                attrs["subject_start"], attrs["subject_end"] = (int(x) for x in r.evidence.subject_span)
            if r.evidence.object_span is not None:
                attrs["object_start"], attrs["object_end"] = (int(x) for x in r.evidence.object_span)
            for name, value in sorted(r.qualifiers.items()):
                if value is None or str(value) == "":
                    continue
                attrs["qualifier_" + name if name in _RESERVED else name] = str(value)
            g.add_edge(
                self._entity(ex, r.subject, known, what), self._entity(ex, r.object, known, what), key=r.id,
                **_clean(attrs),
            )
        for st in ex.statements:
            what = f"statement {st.id!r}"
            content = st.content
            attrs = {
                "kind": "statement",
                "type": "Statement",
                "label": f"{st.cue.text}: {content.text[:80]}{'…' if len(content.text) > 80 else ''}",
                "content": content.text,
                "content_start": content.start,
                "content_end": content.end,
                "content_spans": " ".join(f"{s}-{e}" for s, e in sorted(content.spans)),
                "cue": st.cue.text,
                "cue_start": st.cue.start,
                "cue_end": st.cue.end,
                "statement_kind": st.kind,
                "confidence": float(st.confidence),
                "iri": str(mint_iri("statement", st.id)),
                **_evidence_attrs(st.evidence),
            }
            if st.speaker_span is not None:
                attrs["speaker_start"], attrs["speaker_end"] = (int(x) for x in st.speaker_span)
            if st.quantities:
                attrs["quantities"] = "; ".join(q.text + (f" of {q.of}" if q.of else "") for q in st.quantities)
            g.add_node(st.id, **_clean(attrs))
            links = []
            if st.speaker is not None:
                links.append((self._entity(ex, st.speaker, known, what), st.id, "said"))
            if st.on_behalf_of is not None:
                links.append((self._entity(ex, st.on_behalf_of, known, what), st.id, "onBehalfOf"))
            if st.addressee is not None:
                links.append((st.id, self._entity(ex, st.addressee, known, what), "addressee"))
            for eid in st.mentions:
                links.append((st.id, self._entity(ex, eid, known, what), "mentions"))
            for u, v, pred in links:
                g.add_edge(
                    u, v, key=f"{st.id}/{pred}/{v if u == st.id else u}",
                    kind="statement", predicate=pred, label=pred, confidence=float(st.confidence),
                    weight=1.0, doc=ex.id, sentence=st.evidence.sentence,
                )


class GraphMLWriter:
    """Writes the whole graph as GraphML to ``path`` on :meth:`close` (atomically)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._builder = NXBuilder()
        self._closed = False

    @property
    def graph(self) -> nx.MultiDiGraph:
        return self._builder.graph

    def write(self, extraction: Extraction) -> None:
        if self._closed:
            raise SinkError("GraphMLWriter.write() after close(); create a new writer")
        self._builder.add(extraction)

    def close(self) -> Path:
        """Write the file; closing twice is harmless."""
        if self._closed:
            return self.path
        self._closed = True
        tmp = self.path.with_name("." + self.path.name + ".tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            nx.write_graphml(xml_safe(self.graph), tmp, encoding="utf-8", prettyprint=True)
            os.replace(tmp, self.path)
        except OSError as e:
            raise SinkError(f"cannot write {self.path}: {e}; check that the directory is writable") from e
        except nx.NetworkXError as e:
            raise SinkError(f"cannot write {self.path} as GraphML: {e}") from e
        log.info("GraphML: %d nodes, %d edges → %s", self.graph.number_of_nodes(), self.graph.number_of_edges(), self.path)
        return self.path

    def __enter__(self) -> "GraphMLWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
