"""The persistent RDF store behind ``kg serve``: a pyoxigraph (RocksDB) directory.

``kg build`` streams each extraction into :class:`StoreWriter`, which keeps
one named graph per document plus the ontology graph, and the store's
default graph as the union (RDF merge) of all of them. Writing a document
*replaces* its named graph, so:

- re-running a build on the same input leaves the store unchanged (same
  IRIs, same triples; the store is a set of quads);
- re-building a changed document leaves none of its old facts behind.

Each record becomes pyoxigraph quads directly, through the same triple list as
:func:`kg.sinks.rdf_sink.to_ox_quads` (and :func:`~kg.sinks.rdf_sink.to_rdf_graph`,
which gives the same graph): no rdflib graph is built per document, which made
this writer the slowest sink of ``kg build``. The writer diffs each document
graph against the store and writes only the differences, so re-running a build
over unchanged input writes nothing. New document graphs and their default-graph
copies are buffered as N-Quads text, formatted from the triple list without a
pyoxigraph object per term (``kg.sinks.rdf_sink._nt_formatter``), and loaded together, with ``Store.bulk_load``
(one ingestion of new files for all indexes) or, for a few documents,
``Store.load`` (one transaction), so a killed build never leaves half a document
behind. A bulk load runs on a background thread while the writer formats the
next documents (pyoxigraph releases the GIL while it loads: the RocksDB work,
about two thirds of this writer's time, overlaps the Python work of this and
the other writers); at most one load is in flight, and :attr:`StoreWriter.store`,
:meth:`~StoreWriter.close` and :meth:`~StoreWriter.abort` wait for it.

Why a materialised union instead of evaluating the union at query time
(pyoxigraph's ``use_default_graph_as_union``): on 100 PolNeAR articles the
README "roles" query took 76 s over the query-time union and 16 ms over the
stored one (the optimiser cannot use its indexes across the union). It costs
the default-graph copy on disk.

>>> import tempfile, rdflib
>>> ds = rdflib.Dataset()
>>> g = ds.graph(rdflib.URIRef("https://kg.example.org/graph/d1"))
>>> _ = g.add((rdflib.URIRef("urn:a"), rdflib.URIRef("urn:p"), rdflib.Literal("x")))
>>> with tempfile.TemporaryDirectory() as tmp:
...     with StoreWriter(tmp + "/store", ontology=None) as w:
...         w.write_dataset(ds); w.write_dataset(ds)
...         len(w.store)  # the triple in its document graph and in the default graph
2
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Iterable

import pyoxigraph as ox
import rdflib
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from kg.errors import SinkError
from kg.model import Extraction

log = logging.getLogger(__name__)

#: The ontology that ships with the project (``ontology/kg.ttl``).
DEFAULT_ONTOLOGY = Path(__file__).resolve().parents[2] / "ontology" / "kg.ttl"


def _ontology_graph_iri() -> str:
    from kg.sinks.namespace import ONTOLOGY_IRI

    return str(ONTOLOGY_IRI)


#: New document graphs are buffered and loaded together once this many quads
#: (their default-graph copies included) are waiting: ``Store.bulk_load``
#: writes sorted files and ingests them at once, about twice as cheap per quad
#: as transactional inserts, and a batch stays far below its 1M-quad chunk.
BULK_QUADS = 60_000
#: Fewer buffered quads than this (a small build's last batch) go in as one transaction instead.
BULK_MIN_QUADS = 10_000


def open_store(path: Path | str) -> ox.Store:
    """Open (or create) the store directory, with an error that says what to do."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise SinkError(f"the RDF store path {path} is a file; give a directory such as out/store")
    try:
        path.mkdir(parents=True, exist_ok=True)
        return ox.Store(str(path))
    except OSError as e:
        raise SinkError(
            f"cannot open the RDF store at {path}: {e}; another process (kg build, or kg serve "
            "--allow-update) may hold it, stop it or use another --out"
        ) from e


def build_writer(out: Path | str) -> "StoreWriter":
    """The writer ``kg build`` registers (``"store": ("kg.sinks.store_sink", "build_writer", "store")``).

    It prunes on close: ``kg build`` replays every record of
    ``extractions.jsonl`` into its sinks, so after the build the store holds
    exactly the documents of the output directory.
    """
    return StoreWriter(out, prune=True)


class StoreWriter:
    """Write extractions into a persistent pyoxigraph store, one named graph per document.

    Args:
        path: the store directory (created if missing).
        ontology: a Turtle file loaded into the ontology graph on open (replacing
            the previous copy); ``None`` skips it.
        converter: extractions → rdflib Dataset, to store another mapping; by
            default each record's triples go to pyoxigraph directly (the graph
            of :func:`kg.sinks.rdf_sink.to_rdf_graph`, without building it).
        prune: on :meth:`close`, drop the document graphs this writer did not
            write, so the store holds exactly this build (``kg build`` replays
            every record of ``extractions.jsonl`` into its sinks, so nothing
            that belongs to the output is lost). Not on :meth:`abort`.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        ontology: Path | str | None = DEFAULT_ONTOLOGY,
        converter: Callable[[Iterable[Extraction]], rdflib.Dataset] | None = None,
        prune: bool = False,
    ):
        self.path = Path(path)
        self._store: ox.Store | None = open_store(self.path)
        self._pending: list[bytes] = []  # new document graphs and their default copies, as N-Quads, not yet loaded
        self._pending_quads = 0
        self._pending_graphs: set[str] = set()
        self._loading: Future | None = None  # the bulk load in flight on the loader thread
        self._loading_graphs: set[str] = set()  # the graphs it loads
        self._loader: ThreadPoolExecutor | None = None
        self._bulk_loaded = False
        self._converter = converter
        self._prune = prune
        self._ox_terms = None  # neutral or rdflib term → pyoxigraph term (:meth:`_conv`)
        self._nt = None  # neutral triples → N-Triples text, for a new document
        #: IRIs of the named graphs written by this writer.
        self.written: set[str] = set()
        if ontology is not None:
            self.load_ontology(Path(ontology))

    def load_ontology(self, ttl: Path) -> None:
        """Replace the ontology graph with the contents of ``ttl``."""
        graph = ox.NamedNode(_ontology_graph_iri())
        try:
            data = ttl.read_bytes()
        except OSError as e:
            raise SinkError(f"cannot read the ontology {ttl}: {e}") from e
        try:
            triples = {q.triple for q in ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=ttl.as_uri())}
        except SyntaxError as e:
            raise SinkError(f"the ontology {ttl} is not valid Turtle: {e}") from e
        self._set_graph(graph, {ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples})

    def write(self, extraction: Extraction) -> None:
        """Replace the named graph(s) of this document with its new facts."""
        if self._converter is not None:
            self.write_dataset(self._converter([extraction]))
            return
        from kg.sinks.namespace import mint_iri
        from kg.sinks.rdf_sink import _nt_formatter, document_triples

        graph = ox.NamedNode(str(mint_iri("graph", extraction.id)))
        triples = set(document_triples(extraction))
        if graph.value in self._pending_graphs or graph.value in self._loading_graphs:
            self._load_pending()  # the same document twice in one run: see the first copy before diffing
        self.written.add(graph.value)
        store = self._store
        if store is None:
            raise SinkError(f"StoreWriter for {self.path} is closed; create a new writer")
        if next(store.quads_for_pattern(None, None, None, graph), None) is None:
            # A new document (every document of a fresh build): load it in bulk with others, as
            # N-Quads text that oxigraph parses itself, written straight from the neutral terms
            # (no pyoxigraph object per term and triple; bounded memo: entity IRIs recur across
            # documents, span and sentence IRIs do not). Each line ends in " .\n" (literals hold no
            # raw line break), so naming the graph is a byte replacement.
            if self._nt is None:
                self._nt = _nt_formatter(limit=200_000)
            nt = self._nt(triples).encode()
            self._pending.append(nt)  # the default-graph copy
            self._pending.append(nt.replace(b" .\n", b" " + str(graph).encode() + b" .\n"))
            self._pending_quads += 2 * len(triples)
            self._pending_graphs.add(graph.value)
            if self._pending_quads >= BULK_QUADS:
                self._load_pending(wait=False)
        else:
            conv = self._conv()
            self._set_graph(graph, {ox.Quad(conv(s), conv(p), conv(o), graph) for s, p, o in triples})

    def _conv(self):
        """The writer's term converter: memoised and bounded, since entity IRIs recur in every document."""
        if self._ox_terms is None:
            from kg.sinks.rdf_sink import _ox_converter

            self._ox_terms = _ox_converter(limit=200_000)
        return self._ox_terms

    @property
    def store(self) -> ox.Store | None:
        """The pyoxigraph store, with every document written so far loaded (``None`` once closed)."""
        if self._pending or self._loading is not None:
            self._load_pending()
        return self._store

    def _load_pending(self, *, wait: bool = True) -> None:
        """Load the buffered new document graphs with one bulk load (an atomic ingestion of new files).

        With ``wait`` false the load runs on the loader thread and this returns
        at once (after the previous load, if any, has finished: one at a time
        keeps the memory of a build flat).
        """
        chunks, self._pending = self._pending, []
        count, self._pending_quads = self._pending_quads, 0
        graphs, self._pending_graphs = self._pending_graphs, set()
        self._wait_loading()
        if chunks and self._store is not None:
            data = b"".join(chunks)
            if count < BULK_MIN_QUADS:  # a few documents: a transaction is as cheap and leaves no files
                self._loaded(self._store.load, data, format=ox.RdfFormat.N_QUADS)
            else:
                if self._loader is None:
                    self._loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kg-store-load")
                # lenient: the text was formatted a moment ago from terms that are valid IRIs and literals
                self._loading = self._loader.submit(self._store.bulk_load, data, format=ox.RdfFormat.N_QUADS,
                                                    lenient=True)
                self._loading_graphs = graphs
                self._bulk_loaded = True
        if wait:
            self._wait_loading()

    def _wait_loading(self) -> None:
        """Wait for the load in flight, if any (raising its error)."""
        loading, self._loading, self._loading_graphs = self._loading, None, set()
        if loading is not None:
            self._loaded(loading.result)

    def _loaded(self, load: Callable, *args, **kwargs) -> None:
        """Run ``load`` (a load, or the result of one), with an I/O error as a :class:`SinkError`."""
        try:
            load(*args, **kwargs)
        except OSError as e:
            raise SinkError(f"cannot write into the RDF store at {self.path}: {e}; check free disk space") from e

    def write_dataset(self, dataset: rdflib.Dataset) -> None:
        """Make every named graph of the store that ``dataset`` names hold exactly its content.

        Triples in the dataset's default graph (the RDF converter writes none)
        are added to the store's default graph.
        """
        conv = self._conv()
        by_graph: dict[object, set[ox.Quad]] = {}
        for context in dataset.graphs():  # an empty graph still replaces (drops) the old content
            name = context.identifier
            if name == DATASET_DEFAULT_GRAPH_ID:
                target = ox.DefaultGraph()
            elif isinstance(name, rdflib.URIRef):
                target = ox.NamedNode(str(name))
            else:
                raise SinkError(f"graph name {name!r} is not an IRI; the store keeps one IRI-named graph per document")
            quads = by_graph.setdefault(target, set())
            quads.update(ox.Quad(conv(s), conv(p), conv(o), target) for s, p, o in context)
        for graph, new in by_graph.items():
            if isinstance(graph, ox.DefaultGraph):
                self._extend(new)
            else:
                self.written.add(graph.value)
                self._set_graph(graph, new)

    def _extend(self, quads: Iterable[ox.Quad]) -> None:
        try:
            self.store.extend(quads)
        except OSError as e:
            raise SinkError(f"cannot write into the RDF store at {self.path}: {e}") from e

    def _set_graph(self, graph: ox.NamedNode, new: set[ox.Quad]) -> None:
        """Make ``graph`` hold exactly ``new``, and keep the default graph the union of all graphs.

        The graph's current quads are read and diffed against the new ones: an
        unchanged document (the common case on a re-run) costs one read and no
        write, a changed one only its differences. A triple leaves the default
        graph only when no other named graph still holds it.
        """
        old = set(self.store.quads_for_pattern(None, None, None, graph))
        stale, added = old - new, new - old
        if not stale and not added:
            return
        default = ox.DefaultGraph()
        # the graph's quads and their default-graph copies in one transaction
        copies = [ox.Quad(q.subject, q.predicate, q.object, default) for q in added]
        try:
            if not old:  # a new document (every document of a fresh build)
                self.store.extend([*added, *copies])
                return
            if len(stale) > len(old) // 2:  # mostly new content: drop the graph and load it whole
                self.store.remove_graph(graph)
                self.store.extend([*new, *copies])
            else:
                for quad in stale:
                    self.store.remove(quad)
                self.store.extend([*added, *copies])
            for q in stale:
                if not any(
                    isinstance(other.graph_name, ox.NamedNode)
                    for other in self.store.quads_for_pattern(q.subject, q.predicate, q.object, None)
                ):
                    self.store.remove(ox.Quad(q.subject, q.predicate, q.object, default))
        except OSError as e:
            raise SinkError(f"cannot write graph {graph} into the RDF store at {self.path}: {e}") from e

    def write_resolution(self, resolution) -> None:
        """Replace the cross-document resolution links (:mod:`kg.resolve.rdf`)."""
        from kg.resolve.rdf import to_rdf_graph

        self.write_dataset(to_rdf_graph(resolution))

    def prune(self) -> list[str]:
        """Drop the named graphs this writer did not write (documents no longer in the build).

        The ontology graph stays. Returns the IRIs of the dropped graphs.
        """
        keep = self.written | {_ontology_graph_iri()}
        stale = [g for g in self.store.named_graphs() if isinstance(g, ox.NamedNode) and g.value not in keep]
        for graph in stale:
            self._set_graph(graph, set())
            self.store.remove_graph(graph)  # the (now empty) graph's name, too
        if stale:
            log.info("store: dropped %d graphs of documents no longer in the build", len(stale))
        return [g.value for g in stale]

    def close(self) -> None:
        """Prune (if asked), flush to disk and release the store (so ``kg serve`` can open it)."""
        store = self.store
        if store is None:
            return
        if self._prune:
            self.prune()
        if self._bulk_loaded:
            # Bulk loads leave many small files; compact them now (~0.4 CPU s per 150,000 quads), or the
            # next writable open (kg serve --allow-update) compacts them while readers open the store.
            try:
                store.optimize()
            except OSError as e:
                raise SinkError(f"cannot compact the RDF store at {self.path}: {e}; check free disk space") from e
        self._release()

    def abort(self) -> None:
        """After a failed build: keep what was written (each document graph is whole), no pruning."""
        if self._store is not None:
            self._release()

    def _release(self) -> None:
        try:
            store = self.store  # loads what is still buffered: every buffered graph is whole
            if store is not None:
                store.flush()
        except OSError as e:
            raise SinkError(f"cannot flush the RDF store at {self.path}: {e}") from e
        finally:
            self._pending, self._pending_graphs, self._pending_quads = [], set(), 0
            if self._loader is not None:  # waits for a load still in flight (an interrupted build)
                self._loader.shutdown()
                self._loader, self._loading, self._loading_graphs = None, None, set()
            self._store = None

    def __enter__(self) -> "StoreWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
