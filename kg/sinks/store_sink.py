"""The persistent RDF store behind ``kg serve``: a pyoxigraph (RocksDB) directory.

``kg build`` streams each extraction into :class:`StoreWriter`, which keeps
one named graph per document plus the ontology graph. Writing a document
*replaces* its named graph (drop, then insert, in that order), so:

- re-running a build on the same input leaves the store unchanged (same
  IRIs, same triples; the store is a set of quads);
- re-building a changed document leaves none of its old facts behind.

rdflib stays the API for building the graph (:func:`kg.sinks.rdf_sink.to_rdf_graph`);
the quads are handed to pyoxigraph as N-Quads, its fastest bulk path.

>>> import tempfile, rdflib
>>> ds = rdflib.Dataset()
>>> g = ds.graph(rdflib.URIRef("https://kg.example.org/graph/d1"))
>>> _ = g.add((rdflib.URIRef("urn:a"), rdflib.URIRef("urn:p"), rdflib.Literal("x")))
>>> with tempfile.TemporaryDirectory() as tmp:
...     with StoreWriter(tmp + "/store", ontology=None) as w:
...         w.write_dataset(ds); w.write_dataset(ds)
...         len(w.store)
1
"""

from __future__ import annotations

import logging
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


def _default_converter() -> Callable[[Iterable[Extraction]], rdflib.Dataset]:
    from kg.sinks.rdf_sink import to_rdf_graph

    return to_rdf_graph


def _ontology_graph_iri() -> str:
    from kg.sinks.namespace import ONTOLOGY_IRI

    return str(ONTOLOGY_IRI)


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


class StoreWriter:
    """Write extractions into a persistent pyoxigraph store, one named graph per document.

    Args:
        path: the store directory (created if missing).
        ontology: a Turtle file loaded into the ontology graph on open (replacing
            the previous copy); ``None`` skips it.
        converter: extractions → rdflib Dataset; defaults to
            :func:`kg.sinks.rdf_sink.to_rdf_graph`.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        ontology: Path | str | None = DEFAULT_ONTOLOGY,
        converter: Callable[[Iterable[Extraction]], rdflib.Dataset] | None = None,
    ):
        self.path = Path(path)
        self.store = open_store(self.path)
        self._converter = converter
        self.graphs_written = 0
        if ontology is not None:
            self.load_ontology(Path(ontology))

    def load_ontology(self, ttl: Path) -> None:
        """Replace the ontology graph with the contents of ``ttl``."""
        graph = ox.NamedNode(_ontology_graph_iri())
        try:
            data = ttl.read_bytes()
        except OSError as e:
            raise SinkError(f"cannot read the ontology {ttl}: {e}") from e
        self.store.remove_graph(graph) if self.store.contains_named_graph(graph) else None
        try:
            self.store.load(data, format=ox.RdfFormat.TURTLE, base_iri=ttl.as_uri(), to_graph=graph)
        except SyntaxError as e:
            raise SinkError(f"the ontology {ttl} is not valid Turtle: {e}") from e

    def write(self, extraction: Extraction) -> None:
        """Replace the named graph(s) of this document with its new facts."""
        converter = self._converter or _default_converter()
        self.write_dataset(converter([extraction]))

    def write_dataset(self, dataset: rdflib.Dataset) -> None:
        """Replace every named graph in ``dataset`` with its content.

        Triples in the dataset's default graph are added to the store's default
        graph (set semantics, so re-runs do not grow it).
        """
        for context in dataset.graphs():
            name = context.identifier
            if name == DATASET_DEFAULT_GRAPH_ID:
                if len(context):
                    self._load(context, ox.DefaultGraph())
                continue
            if not isinstance(name, rdflib.URIRef):
                raise SinkError(f"graph name {name!r} is not an IRI; the store keeps one IRI-named graph per document")
            target = ox.NamedNode(str(name))
            if self.store.contains_named_graph(target):
                self.store.remove_graph(target)
            if len(context):
                self._load(context, target)
            self.graphs_written += 1

    def _load(self, graph: rdflib.Graph, target) -> None:
        data = graph.serialize(format="nt", encoding="utf-8")
        try:
            self.store.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=target)
        except (SyntaxError, OSError) as e:
            raise SinkError(f"cannot load graph {target} into the store at {self.path}: {e}") from e

    def close(self) -> None:
        """Flush to disk and release the store (so ``kg serve`` can open it)."""
        store = getattr(self, "store", None)
        if store is None:
            return
        try:
            store.flush()
        except OSError as e:
            raise SinkError(f"cannot flush the RDF store at {self.path}: {e}") from e
        finally:
            del self.store
            self.store = None  # type: ignore[assignment]

    def __enter__(self) -> "StoreWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
