"""A self-contained, offline ``graph.html``: see the graph without Neo4j.

Split like every sink: :class:`GraphBuilder` / :func:`to_graph_data` are the
pure converter from :class:`~kg.model.Extraction` records to the node/edge data
the page needs; :func:`render_html` turns that data into one HTML file with the
vendored vis-network script, the page's CSS/JS and the data inlined (no CDN, no
network); :class:`HTMLWriter` is the streaming writer ``kg build`` uses.

The graph the page shows:

* entity nodes (Person, Organization, Location), merged across documents by
  their stable id, coloured by type and sized by degree;
* statement nodes: ``speaker -said-> statement -mentions-> entity`` (plus
  ``onBehalfOf`` for a spokesperson's institution and ``addressedTo``);
* relation edges (``metWith``, ``worksFor`` …), one per (subject, predicate,
  object) with every supporting sentence as evidence.

Every node and edge carries its evidence: the sentence, the highlighted span(s)
and the document (title, date), so a click explains where a fact came from.

Data is embedded as JSON inside ``<script type="application/json">`` with
``<``, ``>``, ``&`` and the JS line separators escaped, and the page builds its
DOM with ``textContent`` only, so names such as ``</script>`` stay inert.

>>> from kg.model import DocMeta, Entity, Extraction, Mention, Sentence
>>> x = Extraction("d1", DocMeta(title="T"), 18, (Sentence(0, 0, 18, "Blinken met Rutte."),),
...     (Entity("person/blinken", "Person", "Blinken", (Mention(0, 7, "Blinken", 0),)),), (), ())
>>> data = to_graph_data([x])
>>> [(n["id"], n["type"], n["degree"]) for n in data["nodes"]]
[('person/blinken', 'Person', 0)]
"""

from __future__ import annotations

import io
import json
import os
import re
from html import escape as html_escape
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from kg.errors import InputError, SinkError
from kg.model import Extraction

#: Node types in display order, with their colours (colour-blind-safe Tableau 10).
TYPE_COLORS = {
    "Person": "#4e79a7",
    "Organization": "#f28e2b",
    "Location": "#59a14f",
    "Statement": "#b07aa1",
}

#: Edge kinds that statements contribute, beside the relation predicates.
STATEMENT_PREDICATES = ("said", "onBehalfOf", "addressedTo", "mentions")

#: Nodes shown when the page opens; the rest are hidden (lowest degree first)
#: and counted on the page, so a corpus of ~1000 articles stays responsive.
DEFAULT_MAX_NODES = 300

#: Mentions kept per entity as clickable evidence. A frequent name in a large
#: corpus has thousands of mentions; the panel lists these and counts the rest.
MAX_MENTION_EVIDENCE = 60

_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


class GraphBuilder:
    """Accumulate extractions into the page's node/edge data (pure, in memory).

    Sentences are stored once per (document, sentence index) and referenced by
    number, so evidence shared by many facts costs little.
    """

    def __init__(self) -> None:
        self._docs: list[dict[str, Any]] = []
        self._doc_index: dict[str, int] = {}
        self._sents: list[list[Any]] = []  # [doc index, sentence index, text]
        self._sent_index: dict[tuple[int, int], int] = {}
        self._nodes: dict[str, dict[str, Any]] = {}
        self._edges: dict[tuple[str, str, str], dict[str, Any]] = {}

    # -- building ---------------------------------------------------------
    def add(self, extraction: Extraction) -> None:
        """Add one document's extraction."""
        x = extraction
        d = self._doc(x)
        sentences = {s.index: s for s in x.sentences}

        def sent_ref(index: int, text: str | None = None) -> int:
            key = (d, index)
            ref = self._sent_index.get(key)
            if ref is None:
                if text is None:
                    s = sentences.get(index)
                    text = s.text if s is not None else ""
                ref = len(self._sents)
                self._sents.append([d, index, text])
                self._sent_index[key] = ref
            return ref

        def sent_start(index: int, fallback: int) -> int:
            s = sentences.get(index)
            return s.start if s is not None else fallback

        for e in x.entities:
            node = self._nodes.get(e.id)
            if node is None:
                node = self._nodes[e.id] = {
                    "id": e.id, "label": e.name, "type": e.type, "aliases": [], "docs": [],
                    "mentions": 0, "ev": [],
                }
            for alias in (e.name, *e.aliases):
                if alias != node["label"] and alias not in node["aliases"]:
                    node["aliases"].append(alias)
            if d not in node["docs"]:
                node["docs"].append(d)
            node["mentions"] += len(e.mentions)
            for m in e.mentions:
                if len(node["ev"]) >= MAX_MENTION_EVIDENCE:
                    break
                s0 = sent_start(m.sentence, m.start)
                node["ev"].append({"s": sent_ref(m.sentence), "hl": [[m.start - s0, m.end - s0]]})

        names = {e.id: e for e in x.entities}

        for r in x.relations:
            ev = r.evidence
            spans = [sp for sp in (ev.subject_span, ev.object_span) if sp is not None]
            entry = {
                "s": sent_ref(ev.sentence, ev.text),
                "hl": [[a - ev.start, b - ev.start] for a, b in spans],
                "q": dict(r.qualifiers),
                "c": r.confidence,
                "x": ev.extractor,
            }
            self._ensure_entity(r.subject, names, d)
            self._ensure_entity(r.object, names, d)
            self._edge(r.subject, r.predicate, r.object, d, entry)

        for st in x.statements:
            ev = st.evidence
            ref = sent_ref(ev.sentence, ev.text)
            hl: list[list[Any]] = [[st.cue.start - ev.start, st.cue.end - ev.start, "cue"]]
            hl += [[a - ev.start, b - ev.start, "content"] for a, b in st.content.spans]
            if st.speaker_span:
                hl.append([st.speaker_span[0] - ev.start, st.speaker_span[1] - ev.start, "speaker"])
            content = st.content.text
            short = _label_text(content)
            (c0, c1), *more = st.content.spans
            # The page rebuilds a contiguous content from the sentence; store it only otherwise.
            inline = not more and ev.start <= c0 <= c1 <= ev.end and ev.text[c0 - ev.start:c1 - ev.start] == content
            self._nodes[st.id] = {
                "id": st.id, "label": f"{st.cue.text}: “{short}”", "type": "Statement", "aliases": [],
                "docs": [d], "mentions": 1,
                "ev": [{"s": ref, "hl": hl}],
                "stmt": {
                    "cue": st.cue.text, "content": None if inline else content, "kind": st.kind,
                    "speaker": st.speaker, "confidence": st.confidence, "extractor": ev.extractor,
                    "quantities": [
                        {"text": q.text, "of": q.of} for q in st.quantities
                    ],
                },
            }
            # A statement's edges share its evidence: they point to the statement node instead of copying it.
            if st.speaker:
                self._ensure_entity(st.speaker, names, d)
                self._edge(st.speaker, "said", st.id, d, stmt=st.id)
            if st.on_behalf_of:
                self._ensure_entity(st.on_behalf_of, names, d)
                self._edge(st.id, "onBehalfOf", st.on_behalf_of, d, stmt=st.id)
            if st.addressee:
                self._ensure_entity(st.addressee, names, d)
                self._edge(st.id, "addressedTo", st.addressee, d, stmt=st.id)
            for m in st.mentions:
                if m in (st.speaker, st.on_behalf_of):
                    continue
                self._ensure_entity(m, names, d)
                self._edge(st.id, "mentions", m, d, stmt=st.id)

    def _doc(self, x: Extraction) -> int:
        d = self._doc_index.get(x.id)
        if d is None:
            d = len(self._docs)
            self._doc_index[x.id] = d
            self._docs.append({"id": x.id, "title": x.doc.title or x.id, "date": x.doc.date or "",
                               "url": x.doc.url or ""})
        return d

    def _ensure_entity(self, eid: str, names: dict, d: int) -> None:
        """An endpoint the record lists no entity for still gets a node (named by its id)."""
        if eid in self._nodes:
            if d not in self._nodes[eid]["docs"]:
                self._nodes[eid]["docs"].append(d)
            return
        e = names.get(eid)
        type_ = e.type if e is not None else eid.split("/", 1)[0].capitalize()
        if type_ not in TYPE_COLORS:
            type_ = "Organization" if type_.lower().startswith("org") else type_
        self._nodes[eid] = {"id": eid, "label": e.name if e else eid, "type": type_, "aliases": [],
                            "docs": [d], "mentions": 0, "ev": []}

    def _edge(self, src: str, pred: str, dst: str, d: int, entry: dict[str, Any] | None = None,
              stmt: str | None = None) -> None:
        """Add evidence ``entry`` to the edge, or link it to statement ``stmt`` whose evidence it shares."""
        key = (src, pred, dst)
        edge = self._edges.get(key)
        if edge is None:
            edge = self._edges[key] = {"id": f"e{len(self._edges)}", "from": src, "to": dst,
                                       "predicate": pred, "docs": [], "ev": []}
        if d not in edge["docs"]:
            edge["docs"].append(d)
        if stmt is not None:
            edge["stmt"] = stmt
        elif entry is not None and entry not in edge["ev"]:
            edge["ev"].append(entry)

    # -- output -----------------------------------------------------------
    def data(self) -> dict[str, Any]:
        """The page's data: docs, sentences, nodes (ranked by degree), edges, predicates."""
        neighbours: dict[str, set[str]] = {nid: set() for nid in self._nodes}
        for (src, _, dst) in self._edges:
            neighbours[src].add(dst)
            neighbours[dst].add(src)
        nodes = []
        for nid, node in self._nodes.items():  # in place: a copy of every node doubled the page's peak memory
            node["degree"] = len(neighbours[nid] - {nid})
            nodes.append(node)
        # Rank: degree, then how often the name occurs, then name (deterministic).
        nodes.sort(key=lambda n: (-n["degree"], -n["mentions"], n["type"] == "Statement", n["label"], n["id"]))
        for rank, n in enumerate(nodes):
            n["rank"] = rank
        relation_preds = sorted({p for (_, p, _) in self._edges} - set(STATEMENT_PREDICATES))
        stmt_preds = [p for p in STATEMENT_PREDICATES if any(k[1] == p for k in self._edges)]
        return {
            "docs": self._docs,
            "sents": self._sents,
            "nodes": nodes,
            "edges": list(self._edges.values()),
            "predicates": relation_preds + stmt_preds,
            "types": [t for t in TYPE_COLORS if any(n["type"] == t for n in nodes)]
            + sorted({n["type"] for n in nodes} - set(TYPE_COLORS)),
            "colors": TYPE_COLORS,
        }


_QUOTES = "\"'“”‘’«» "
_LEADING_THAT = re.compile(r"^that\b[\s,]*", re.I)


def _label_text(content: str, width: int = 32) -> str:
    """A short node label for statement content: no wrapping quotes, no leading "that".

    >>> _label_text('"President Biden fully intends to drive through the tape"')
    'President Biden fully intends…'
    >>> _label_text("that the US has delivered 83%")
    'the US has delivered 83%'
    >>> _label_text("that, after their talks, they agreed")
    'after their talks, they agreed'
    """
    s = content.strip().strip(_QUOTES)
    s = _LEADING_THAT.sub("", s)
    if len(s) > width:
        s = s[: width - 2].rstrip() + "…"
    return s


def to_graph_data(extractions: Iterable[Extraction]) -> dict[str, Any]:
    """Convert extraction records to the page's node/edge data (see :class:`GraphBuilder`)."""
    builder = GraphBuilder()
    for x in extractions:
        builder.add(x)
    return builder.data()


def json_for_html(value: Any) -> str:
    """JSON that is safe inside ``<script type="application/json">``.

    ``<``, ``>`` and ``&`` become ``\\u`` escapes, so no data can close the
    script element or open a comment; U+2028/2029 are escaped for old parsers.

    >>> json_for_html({"name": "</script><b>"})
    '{"name": "\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e"}'
    """
    return _escape_json(json.dumps(value, ensure_ascii=False))


def _escape_json(s: str) -> str:
    return (
        s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    )


def _write_json_for_html(write: Callable[[str], Any], value: Any) -> None:
    """:func:`json_for_html` of ``value``, written piece by piece: one list element at a time for a dict's lists.

    The page's data for a large corpus is tens of MB of JSON; built as one
    string it was copied once per escape. The pieces are exactly the bytes
    :func:`json_for_html` gives (the same separators), so the page is the same.
    """
    if not isinstance(value, dict):
        write(json_for_html(value))
        return
    write("{")
    for k, (key, item) in enumerate(value.items()):
        write((", " if k else "") + json_for_html(key) + ": ")
        if isinstance(item, list):
            write("[")
            for i, element in enumerate(item):
                write((", " if i else "") + json_for_html(element))
            write("]")
        else:
            write(json_for_html(item))
    write("}")


def _static(name: str) -> str:
    try:
        return resources.files("kg").joinpath("static", *name.split("/")).read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError) as e:
        raise SinkError(
            f"graph.html asset {name!r} is missing from the kg package ({e}); "
            f"reinstall kg, or run scripts/vendor-js.sh to restore vendored scripts"
        ) from e


def _inline_safe(code: str, name: str, closer: str) -> str:
    if closer in code.lower():
        raise SinkError(f"asset {name!r} contains {closer!r} and cannot be inlined; re-vendor or edit it")
    return code


def render_html(data: dict[str, Any], *, max_nodes: int = DEFAULT_MAX_NODES, title: str = "kg graph") -> str:
    """Render the page: one HTML string with scripts, styles and data inlined.

    Args:
        data: from :func:`to_graph_data`.
        max_nodes: nodes shown when the page opens (highest degree first);
            the page says how many are hidden and can show more.
        title: the page title (escaped).
    """
    out = io.StringIO()
    render_html_to(out.write, data, max_nodes=max_nodes, title=title)
    return out.getvalue()


def render_html_to(write: Callable[[str], Any], data: dict[str, Any], *, max_nodes: int = DEFAULT_MAX_NODES,
                   title: str = "kg graph") -> None:
    """:func:`render_html`, written piece by piece (``write``): the page's data is never one string."""
    if max_nodes < 1:
        raise SinkError(f"max_nodes must be at least 1, got {max_nodes}; pass e.g. --max-nodes 300")
    config = {"maxNodes": max_nodes}
    parts = {
        "title": html_escape(title),
        "css": _inline_safe(_static("graph.css"), "graph.css", "</style"),
        "vendor_js": _inline_safe(_static("vendor/vis-network.min.js"), "vis-network.min.js", "</script"),
        "app_js": _inline_safe(_static("graph.js"), "graph.js", "</script"),
        "config": json_for_html(config),
    }
    template = _static("graph.html")
    # One pass: text substituted in is never scanned for placeholders again.
    pos = 0
    for m in _PLACEHOLDER.finditer(template):
        write(template[pos:m.start()])
        if m.group(1) == "data":
            _write_json_for_html(write, data)
        else:
            write(parts[m.group(1)])
        pos = m.end()
    write(template[pos:])


def write_html(path: str | os.PathLike, html: str | Callable[[Callable[[str], Any]], None]) -> None:
    """Write atomically (temp file, then rename): readers never see half a page.

    ``html`` is the page, or a function that writes it through the ``write`` it is given.
    """
    from kg.sinks.jsonl_sink import atomic_output

    try:
        with atomic_output(path) as f:
            if isinstance(html, str):
                f.write(html)
            else:
                html(f.write)
    except OSError as e:
        raise SinkError(f"cannot write {path}: {e.strerror or e}; check the directory exists and is writable") from e


class HTMLWriter:
    """Writer (``write``/``close``) for ``kg build``: collects, then writes ``graph.html`` on close.

    The page needs the whole graph to rank nodes by degree, so nothing is
    written before :meth:`close`; the file then appears atomically.
    """

    def __init__(self, path: str | os.PathLike, *, max_nodes: int = DEFAULT_MAX_NODES,
                 title: str | None = None) -> None:
        self.path = Path(path)
        self.max_nodes = max_nodes
        self.title = title or f"kg graph: {self.path.resolve().parent.name}"
        self._builder = GraphBuilder()
        self._closed = False
        #: After :meth:`close`: counts of nodes, edges and documents written.
        self.summary: dict[str, int] = {}

    def write(self, extraction: Extraction) -> None:
        if self._closed:
            raise SinkError(f"HTMLWriter for {self.path} is closed; create a new writer")
        self._builder.add(extraction)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        data = self._builder.data()
        write_html(self.path, lambda write: render_html_to(write, data, max_nodes=self.max_nodes, title=self.title))
        self.summary = {"nodes": len(data["nodes"]), "edges": len(data["edges"]), "docs": len(data["docs"])}

    def __enter__(self) -> "HTMLWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_extractions(path: str | os.PathLike) -> Iterator[Extraction]:
    """Read extraction records from a JSON Lines file, or ``extractions.jsonl`` in a build directory.

    A build directory's records come with entity ids resolved across
    documents (its ``resolution.json``), as in the build's own graph files.

    Raises:
        InputError: the file is missing, or a line is not a valid record (names file:line).
    """
    p = Path(path)
    from kg.resolve.report import resolution_for

    resolution = resolution_for(p) if p.is_dir() else None
    if p.is_dir():
        candidates = [p / "extractions.jsonl", *sorted(p.glob("*.jsonl"))]
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            raise InputError(str(p), "no extractions.jsonl in this directory; run `kg build INPUT --out DIR` first")
        p = found
    if not p.is_file():
        raise InputError(str(p), "no such file; pass a build output directory or an extractions .jsonl file")
    with p.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                ex = Extraction.from_dict(json.loads(line))
            except (ValueError, KeyError, TypeError) as e:
                raise InputError(f"{p}:{lineno}", f"not an extraction record ({type(e).__name__}: {e}); "
                                 f"regenerate it with `kg extract` or `kg build`") from e
            if resolution is not None:
                from kg.resolve import apply

                ex = apply(ex, resolution)
            yield ex
