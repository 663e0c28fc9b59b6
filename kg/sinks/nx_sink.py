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
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Iterable
from xml.sax.saxutils import escape, quoteattr

if TYPE_CHECKING:
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

    >>> import networkx as nx
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


def _entity_node(node: dict | None, e, new_document: bool) -> dict:
    """The attributes of entity ``e``'s node, merged into ``node`` (its attributes so far) if any."""
    if node is None:
        node = {"kind": "entity", "type": e.type, "label": e.name, "iri": str(mint_iri("entity", e.id)),
                "documents": 1, "mentions": len(e.mentions)}
        aliases = set(e.aliases)
    else:
        aliases = set(filter(None, node.get("aliases", "").split("; "))) | set(e.aliases)
        if new_document:
            node["documents"] += 1
        node["mentions"] += len(e.mentions)
    aliases.discard(node["label"])
    aliases.discard("")
    if aliases:  # never an empty string: GraphML stores it as no text, read back as "None"
        node["aliases"] = "; ".join(sorted(aliases))
    return node


def _record_parts(ex: Extraction) -> tuple[list[tuple[str, dict]], list[tuple[str, str, str, dict]]]:
    """One record's statement nodes ``(id, attrs)`` and edges ``(source, target, key, attrs)``.

    Raises:
        SinkError: a fact names an entity the record does not list.
    """
    known = {e.id for e in ex.entities}

    def entity(eid: str, what: str) -> str:
        if eid not in known:
            raise SinkError(
                f"document {ex.id!r}, {what}: entity id {eid!r} is not among the record's entities; "
                "every entity a fact refers to must be listed in 'entities'"
            )
        return eid

    nodes: list[tuple[str, dict]] = []
    edges: list[tuple[str, str, str, dict]] = []
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
        edges.append((entity(r.subject, what), entity(r.object, what), r.id, _clean(attrs)))
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
        nodes.append((st.id, _clean(attrs)))
        links = []
        if st.speaker is not None:
            links.append((entity(st.speaker, what + " speaker"), st.id, "said"))
        if st.on_behalf_of is not None:
            links.append((entity(st.on_behalf_of, what + " on_behalf_of"), st.id, "onBehalfOf"))
        if st.addressee is not None:
            links.append((st.id, entity(st.addressee, what + " addressee"), "addressee"))
        for eid in st.mentions:
            links.append((st.id, entity(eid, what + " mentions"), "mentions"))
        for u, v, pred in links:
            edges.append((u, v, f"{st.id}/{pred}/{v if u == st.id else u}", {
                "kind": "statement", "predicate": pred, "label": pred, "confidence": float(st.confidence),
                "weight": 1.0, "doc": ex.id, "sentence": st.evidence.sentence,
            }))
    return nodes, edges


class NXBuilder:
    """Accumulates extractions into :attr:`graph`, merging entities by id."""

    def __init__(self) -> None:
        import networkx as nx  # not at module level: the GraphML writer needs no networkx (1-2 s to import)

        self.graph = nx.MultiDiGraph()
        self._docs_of: dict[str, set[str]] = {}

    def add(self, ex: Extraction) -> None:
        g = self.graph
        nodes, edges = _record_parts(ex)  # validates the record before anything is added
        for e in ex.entities:
            docs = self._docs_of.setdefault(e.id, set())
            new_document = ex.id not in docs
            docs.add(ex.id)
            if e.id in g:
                _entity_node(g.nodes[e.id], e, new_document)
            else:
                g.add_node(e.id, **_entity_node(None, e, True))
        for u, v, key, attrs in edges[: len(ex.relations)]:
            g.add_edge(u, v, key=key, **attrs)
        g.add_nodes_from(nodes)
        for u, v, key, attrs in edges[len(ex.relations):]:
            g.add_edge(u, v, key=key, **attrs)


_GRAPHML_HEAD = (
    "<?xml version='1.0' encoding='utf-8'?>\n"
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
    'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">'
)
_GRAPHML_TYPES = {str: "string", int: "long", float: "double", bool: "boolean"}
#: A carriage return in text would read back as a newline (XML end-of-line handling).
_TEXT_ENTITIES = {"\r": "&#13;"}


class GraphMLWriter:
    """Writes the whole graph as GraphML to ``path``, streaming, atomically on :meth:`close`.

    Statement nodes and every edge belong to one document, so they go to a
    temporary file as each record comes; only the entity nodes, merged across
    documents, stay in memory until :meth:`close` writes the header (the
    attribute keys, which GraphML declares first), the entity nodes and then
    the streamed part. Memory grows with the distinct entities, not with the
    corpus, and no networkx graph is built. The file holds the graph of
    :func:`to_networkx` (``networkx.read_graphml`` reads it back; tested), with
    characters XML cannot hold replaced (:func:`xml_safe`).
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._entities: dict[str, dict] = {}
        self._last_doc: dict[str, str] = {}
        self._keys: dict[tuple[str, str], tuple[str, str]] = {}  # (for, name) → (key id, GraphML type)
        self._body = None
        self._tmp = self.path.with_name("." + self.path.name + ".tmp")
        self._body_path = self.path.with_name("." + self.path.name + ".body.tmp")
        self._closed = False
        self.nodes = self.edges = 0

    @property
    def graph(self) -> nx.MultiDiGraph:
        """The written file, read back (for inspection; the writer itself keeps no graph)."""
        import networkx as nx

        return nx.read_graphml(self.path, force_multigraph=True)

    def write(self, extraction: Extraction) -> None:
        if self._closed:
            raise SinkError("GraphMLWriter.write() after close(); create a new writer")
        nodes, edges = _record_parts(extraction)
        for e in extraction.entities:
            new_document = self._last_doc.get(e.id) != extraction.id
            self._last_doc[e.id] = extraction.id
            self._entities[e.id] = _entity_node(self._entities.get(e.id), e, new_document)
        parts = [self._edge(*edge) for edge in edges[: len(extraction.relations)]]
        parts += [self._node(nid, attrs) for nid, attrs in nodes]
        parts += [self._edge(*edge) for edge in edges[len(extraction.relations):]]
        self.nodes += len(nodes)
        self.edges += len(edges)
        if self._body is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._body = self._body_path.open("w", encoding="utf-8")
            except OSError as e:
                raise SinkError(f"cannot write {self._body_path}: {e}; check that the directory is writable") from e
        try:
            self._body.write("".join(parts))
        except OSError as e:
            raise SinkError(f"cannot write {self._body_path}: {e}; check free disk space") from e

    def _data(self, for_: str, attrs: dict) -> str:
        out = []
        for name, value in attrs.items():
            key = self._keys.get((for_, name))
            if key is None:
                key = self._keys[(for_, name)] = (f"d{len(self._keys)}", _GRAPHML_TYPES.get(type(value), "string"))
            if key[1] == "string":
                value = _NOT_XML.sub("\ufffd", str(value))
            elif key[1] == "double":
                value = float(value)
            out.append(f'\n  <data key="{key[0]}">{escape(str(value), _TEXT_ENTITIES)}</data>')
        return "".join(out)

    def _node(self, nid: str, attrs: dict) -> str:
        return f"<node id={_attr(nid)}>{self._data('node', attrs)}\n</node>\n"

    def _edge(self, u: str, v: str, key: str, attrs: dict) -> str:
        return f"<edge source={_attr(u)} target={_attr(v)} id={_attr(key)}>{self._data('edge', attrs)}\n</edge>\n"

    def close(self) -> Path:
        """Write the file; closing twice is harmless."""
        if self._closed:
            return self.path
        self._closed = True
        entities = "".join(self._node(eid, attrs) for eid, attrs in self._entities.items())  # declares their keys
        keys = "".join(
            f'<key id="{kid}" for="{for_}" attr.name={_attr(name)} attr.type="{type_}"/>\n'
            for (for_, name), (kid, type_) in self._keys.items()
        )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._tmp.open("w", encoding="utf-8") as f:
                f.write(_GRAPHML_HEAD + keys + '<graph edgedefault="directed">' + entities)
                if self._body is not None:
                    self._body.close()
                    with self._body_path.open(encoding="utf-8") as body:
                        shutil.copyfileobj(body, f, 1 << 20)
                f.write("</graph></graphml>\n")
            os.replace(self._tmp, self.path)
        except OSError as e:
            raise SinkError(f"cannot write {self.path}: {e}; check that the directory is writable") from e
        finally:
            self._body_path.unlink(missing_ok=True)
        log.info("GraphML: %d nodes, %d edges → %s", len(self._entities) + self.nodes, self.edges, self.path)
        return self.path

    def abort(self) -> None:
        """After a failed build: drop the temporary files, keep the previous graph file."""
        self._closed = True
        if self._body is not None:
            self._body.close()
        self._body_path.unlink(missing_ok=True)
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> "GraphMLWriter":
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if exc_type is not None:
            self.abort()
        else:
            self.close()


def _attr(value: str) -> str:
    """An XML attribute value, quoted and escaped, without characters XML cannot hold."""
    return quoteattr(_NOT_XML.sub("\ufffd", value))
