"""The persistent pyoxigraph store: one graph per document, idempotent, no stale facts."""

from __future__ import annotations

import dataclasses

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from kg.errors import SinkError
from kg.sinks.namespace import ONTOLOGY_IRI, mint_iri
from kg.sinks.rdf_sink import to_rdf_graph
from kg.sinks.store_sink import StoreWriter, build_writer
from tests.sinks._records import discontinuous_extraction, seed_extraction

KG = "https://kg.example.org/ontology#"


def graphs(store: ox.Store) -> set[str]:
    return {g.value for g in store.named_graphs()}


def default_triples(store: ox.Store) -> set:
    return {q.triple for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())}


def named_triples(store: ox.Store) -> set:
    return {q.triple for q in store if isinstance(q.graph_name, ox.NamedNode)}


def graph_of(store: ox.Store, iri: str) -> rdflib.Graph:
    g = rdflib.Graph()
    data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(iri))
    return g.parse(data=data, format="nt")


def test_one_named_graph_per_document_plus_ontology(tmp_path):
    seed, quote = seed_extraction(), discontinuous_extraction()
    with StoreWriter(tmp_path / "store") as w:
        w.write(seed)
        w.write(quote)
        store = w.store
        assert graphs(store) == {str(mint_iri("graph", seed.id)), str(mint_iri("graph", quote.id)), str(ONTOLOGY_IRI)}
        # each document graph holds exactly what the RDF converter gives for that document
        expected = to_rdf_graph([seed], include_ontology=False).graph(mint_iri("graph", seed.id))
        assert isomorphic(graph_of(store, str(mint_iri("graph", seed.id))), expected)
        assert len(graph_of(store, str(ONTOLOGY_IRI))) > 50
        assert default_triples(store) == named_triples(store)


def test_rebuilding_the_same_input_does_not_grow_the_store(tmp_path):
    path = tmp_path / "store"
    for _ in range(3):
        with StoreWriter(path) as w:
            w.write(seed_extraction())
            w.write(discontinuous_extraction())
            w.write(seed_extraction())  # the same document twice in one run, too
    store = ox.Store.read_only(str(path))
    sizes = len(store)
    with StoreWriter(path) as w:
        w.write(seed_extraction())
        w.write(discontinuous_extraction())
    assert len(ox.Store.read_only(str(path))) == sizes
    with StoreWriter(tmp_path / "fresh") as w:
        w.write(seed_extraction())
        w.write(discontinuous_extraction())
        assert len(w.store) == sizes


def test_a_changed_document_replaces_its_graph_without_stale_facts(tmp_path):
    path = tmp_path / "store"
    seed = seed_extraction()
    with StoreWriter(path) as w:
        w.write(seed)
        w.write(discontinuous_extraction())
    # the document changes: the Blinken–Rutte meeting and every statement are gone, a role changes
    changed = dataclasses.replace(
        seed,
        relations=tuple(
            dataclasses.replace(r, qualifiers={**r.qualifiers, "role": "Sec. Gen."}) if r.subject == "person/mark-rutte"
            else r
            for r in seed.relations if r.object != "person/mark-rutte"
        ),
        statements=(),
    )
    with StoreWriter(path) as w:
        w.write(changed)
        store = w.store
        seed_graph = ox.NamedNode(str(mint_iri("graph", seed.id)))
        ask = lambda q: bool(store.query(q, default_graph=[seed_graph]))  # noqa: E731
        assert not ask(f"ASK {{ ?a <{KG}metWith> <https://kg.example.org/id/person/mark-rutte> }}")
        assert not ask(f"ASK {{ ?s a <{KG}Statement> }}")
        assert not ask(f'ASK {{ ?f <{KG}role> "Secretary General" }}')
        assert ask(f'ASK {{ ?f <{KG}role> "Sec. Gen." }}')
        # exactly the converter's graph for the new version, nothing left over from the old one
        expected = to_rdf_graph([changed], include_ontology=False).graph(mint_iri("graph", seed.id))
        assert isomorphic(graph_of(store, seed_graph.value), expected)
        # the other document is untouched
        assert str(mint_iri("graph", "doc-quote-2")) in graphs(store)
        # and the default graph (what queries without GRAPH see) lost the old facts too
        assert default_triples(store) == named_triples(store)
        assert not bool(store.query(f"ASK {{ ?a <{KG}metWith> <https://kg.example.org/id/person/mark-rutte> }}"))


def test_default_graph_keeps_a_triple_while_any_document_states_it(tmp_path):
    seed, quote = seed_extraction(), discontinuous_extraction()
    label = f'ASK {{ <https://kg.example.org/id/person/antony-blinken> <http://www.w3.org/2000/01/rdf-schema#label> "Antony Blinken" }}'
    blinken_free = lambda ex: dataclasses.replace(  # noqa: E731  the same document without Blinken at all
        ex, entities=tuple(e for e in ex.entities if e.id != "person/antony-blinken"),
        relations=tuple(r for r in ex.relations if "person/antony-blinken" not in (r.subject, r.object)),
        statements=tuple(st for st in ex.statements if st.speaker != "person/antony-blinken"
                         and st.addressee != "person/antony-blinken"))
    with StoreWriter(tmp_path / "store") as w:
        w.write(seed)
        w.write(quote)
        assert bool(w.store.query(label))
        w.write(blinken_free(seed))  # the quote document still names Blinken
        assert bool(w.store.query(label))
        assert default_triples(w.store) == named_triples(w.store)
        w.write(blinken_free(quote))  # now no document does
        assert not bool(w.store.query(label))
        assert default_triples(w.store) == named_triples(w.store)


def test_build_writer_prunes_documents_no_longer_built(tmp_path):
    path = tmp_path / "store"
    with build_writer(path) as w:
        w.write(seed_extraction())
        w.write(discontinuous_extraction())
    with build_writer(path) as w:
        w.write(seed_extraction())
    store = ox.Store.read_only(str(path))
    assert graphs(store) == {str(mint_iri("graph", "seed-blinken-rutte")), str(ONTOLOGY_IRI)}
    assert default_triples(store) == named_triples(store)
    assert not bool(store.query("ASK { ?z <http://www.w3.org/2000/01/rdf-schema#label> \"Volodymyr Zelensky\" }"))


def test_abort_keeps_written_graphs_and_does_not_prune(tmp_path):
    path = tmp_path / "store"
    with StoreWriter(path) as w:
        w.write(seed_extraction())
        w.write(discontinuous_extraction())
    w = build_writer(path)
    w.write(seed_extraction())
    w.abort()
    assert len(graphs(ox.Store.read_only(str(path)))) == 3


def test_store_is_released_on_close_so_another_writer_can_open_it(tmp_path):
    path = tmp_path / "store"
    w = StoreWriter(path)
    w.write(seed_extraction())
    w.close()
    w.close()  # twice is harmless
    with StoreWriter(path) as again:
        assert len(again.store) > 0


def test_open_errors_name_the_path(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(SinkError, match="is a file"):
        StoreWriter(blocker)
    path = tmp_path / "store"
    with StoreWriter(path):
        with pytest.raises(SinkError, match="cannot open the RDF store"):
            StoreWriter(path)  # RocksDB holds a lock while the first writer is open


def test_bad_ontology_is_a_sink_error(tmp_path):
    ttl = tmp_path / "bad.ttl"
    ttl.write_text("this is not turtle", encoding="utf-8")
    with pytest.raises(SinkError, match="not valid Turtle"):
        StoreWriter(tmp_path / "store", ontology=ttl)


@pytest.mark.parametrize("bulk", [False, True], ids=["transaction", "bulk-load"])
def test_direct_pyoxigraph_path_stores_exactly_the_rdflib_converters_quads(tmp_path, monkeypatch, bulk):
    # the default path skips rdflib; the rdflib converter is the reference mapping
    if bulk:  # small batches through Store.bulk_extend, as a large build loads them
        from kg.sinks import store_sink

        monkeypatch.setattr(store_sink, "BULK_MIN_QUADS", 0)
        monkeypatch.setattr(store_sink, "BULK_QUADS", 500)
    via_rdflib = lambda exs: to_rdf_graph(exs, include_ontology=False)  # noqa: E731
    stores = {}
    for name, converter in (("direct", None), ("rdflib", via_rdflib)):
        with StoreWriter(tmp_path / name, ontology=None, converter=converter) as w:
            for ex in (seed_extraction(), discontinuous_extraction(), seed_extraction()):  # the seed twice
                w.write(ex)
        stores[name] = ox.Store.read_only(str(tmp_path / name))
    direct, reference = (set(stores[n]) for n in ("direct", "rdflib"))
    assert direct == reference
    assert len(direct) > 500 and default_triples(stores["direct"]) == named_triples(stores["direct"])


def test_bulk_text_path_keeps_literals_with_line_breaks_quotes_and_dots(tmp_path, monkeypatch):
    # New documents reach the store as N-Quads text; a sentence holding " .\n", quotes, a backslash,
    # a tab, other control characters and non-ASCII must come back as the same literal in its graph and in
    # the default graph.
    from kg.sinks import store_sink

    monkeypatch.setattr(store_sink, "BULK_MIN_QUADS", 0)
    monkeypatch.setattr(store_sink, "BULK_QUADS", 50)
    awkward = 'He said "no" .\nThen: \\ left\tKyiv — Київ .\r\n <http://x> . \x01\x08\x0c\x7f \\u0041 \U0001F600'
    ex = seed_extraction()
    first = ex.sentences[0]
    sentences = (dataclasses.replace(first, text=awkward, end=first.start + len(awkward)), *ex.sentences[1:])
    ex = dataclasses.replace(ex, sentences=sentences)
    with StoreWriter(tmp_path / "store", ontology=None) as w:
        w.write(ex)
    store = ox.Store.read_only(str(tmp_path / "store"))
    found = {q.graph_name for q in store if isinstance(q.object, ox.Literal) and q.object.value == awkward}
    assert found == {ox.NamedNode(str(mint_iri("graph", ex.id))), ox.DefaultGraph()}


class _GatedStore:
    """A real store whose bulk loads wait for ``gate`` (or fail with ``error``): a load still in flight."""

    def __init__(self, store: ox.Store, gate=None, error: OSError | None = None):
        self._store, self.gate, self.error, self.loads = store, gate, error, 0

    def bulk_load(self, *args, **kwargs):
        self.loads += 1
        if self.gate is not None:
            assert self.gate.wait(10), "the test never opened the gate"
        if self.error is not None:
            raise self.error
        return self._store.bulk_load(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._store, name)

    def __iter__(self):
        return iter(self._store)


def _gated(monkeypatch, **kwargs) -> list[_GatedStore]:
    from kg.sinks import store_sink

    opened: list[_GatedStore] = []
    real_open = store_sink.open_store

    def open_gated(path):
        opened.append(_GatedStore(real_open(path), **kwargs))
        return opened[-1]

    monkeypatch.setattr(store_sink, "open_store", open_gated)
    monkeypatch.setattr(store_sink, "BULK_MIN_QUADS", 0)
    monkeypatch.setattr(store_sink, "BULK_QUADS", 100)  # every document is a bulk load of its own
    return opened


def test_a_document_rewritten_while_its_first_copy_still_loads_replaces_it(tmp_path, monkeypatch):
    # Bulk loads run on a background thread. A document written again while its first copy is still being
    # loaded must be diffed against that copy, not loaded beside it (which would keep the old facts).
    import threading

    gate = threading.Event()
    opened = _gated(monkeypatch, gate=gate)
    seed = seed_extraction()
    changed = dataclasses.replace(seed, relations=(), statements=())
    with StoreWriter(tmp_path / "store", ontology=None) as w:
        w.write(seed)  # its load waits at the gate
        assert opened[0].loads == 1 and not gate.is_set()
        threading.Timer(0.2, gate.set).start()  # the rewrite below has to wait for the load it depends on
        w.write(changed)
        graph = w.store.quads_for_pattern(None, None, None, ox.NamedNode(str(mint_iri("graph", seed.id))))
        assert {q.triple for q in graph} == {q.triple for q in _stored_alone(tmp_path / "ref", changed)}
        assert default_triples(w.store) == named_triples(w.store)
        assert not bool(w.store.query(f"ASK {{ ?a <{KG}metWith> ?b }}"))


def _stored_alone(path, extraction) -> ox.Store:
    """A store that received only ``extraction``: the reference for what its graph must hold."""
    with StoreWriter(path, ontology=None) as w:
        w.write(extraction)
    return ox.Store.read_only(str(path))


def test_a_failed_background_load_is_a_sink_error_naming_the_store(tmp_path, monkeypatch):
    _gated(monkeypatch, error=OSError(28, "No space left on device"))
    w = StoreWriter(tmp_path / "store", ontology=None)
    w.write(seed_extraction())  # handed to the loader thread: the error surfaces at the next wait
    with pytest.raises(SinkError, match=r"cannot write into the RDF store at .*store.*No space left on device"):
        w.close()
    w.abort()  # after the failure the writer is released: nothing left running, nothing to raise
    assert w.store is None
