"""The networkx sink: entity nodes, relation edges with evidence, statement nodes, GraphML that Gephi opens."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

import networkx as nx
import pytest

from kg.errors import SinkError
from kg.sinks.namespace import mint_iri
from kg.sinks.nx_sink import GraphMLWriter, to_networkx
from tests.sinks._records import SEED, discontinuous_extraction, seed_extraction

GRAPHML = "{http://graphml.graphdrawing.org/xmlns}"


@pytest.fixture(scope="module")
def records():
    return [seed_extraction(), discontinuous_extraction()]


@pytest.fixture(scope="module")
def graph(records) -> nx.MultiDiGraph:
    return to_networkx(records)


def edges(g, u, v, predicate):
    return [d for d in (g.get_edge_data(u, v) or {}).values() if d["predicate"] == predicate]


def test_entities_are_nodes_with_type_label_and_iri(graph):
    assert isinstance(graph, nx.MultiDiGraph)
    b = graph.nodes["person/antony-blinken"]
    assert (b["kind"], b["type"], b["label"]) == ("entity", "Person", "Antony Blinken")
    assert b["iri"] == str(mint_iri("entity", "person/antony-blinken"))
    assert "Blinken" in b["aliases"].split("; ")
    assert "aliases" not in graph.nodes["location/brussels"]  # no empty strings: GraphML reads them back as "None"
    assert graph.nodes["location/ukraine"]["type"] == "Location"


def test_entities_merge_across_documents(graph):
    b = graph.nodes["person/antony-blinken"]
    assert b["documents"] == 2
    assert b["mentions"] == len(seed_extraction().entities[0].mentions) + 2


def test_relation_edges_carry_predicate_qualifiers_and_evidence_as_scalars(graph):
    (met,) = edges(graph, "person/antony-blinken", "person/mark-rutte", "metWith")
    assert met["location"] == "Brussels"
    assert met["confidence"] == pytest.approx(0.8)
    text = SEED.read_text(encoding="utf-8")
    assert text[met["sentence_start"]:met["sentence_end"]] == met["sentence_text"]
    assert met["sentence_text"].startswith("During a meeting with Rutte in Brussels")
    assert text[met["subject_start"]:met["subject_end"]] == "Blinken"
    assert text[met["object_start"]:met["object_end"]] == "Rutte"
    assert met["doc"] == "seed-blinken-rutte"
    (role,) = edges(graph, "person/andrii-sybiha", "location/ukraine", "worksFor")
    assert role["role"] == "Foreign Minister"


def test_statements_are_nodes_linked_to_speaker_institution_and_mentions(graph):
    ryder = [v for _, v, d in graph.out_edges("person/pat-ryder", data=True) if d["predicate"] == "said"]
    (st,) = ryder
    node = graph.nodes[st]
    assert node["kind"] == "statement" and node["statement_kind"] == "indirect" and node["cue"] == "reported"
    assert "83% of the promised munitions" in node["quantities"]
    assert graph.has_edge("organization/pentagon", st)
    assert {v for _, v, d in graph.out_edges(st, data=True) if d["predicate"] == "mentions"} == {"location/ukraine"}
    text = SEED.read_text(encoding="utf-8")
    assert text[node["content_start"]:node["content_end"]] == node["content"]


def test_graphml_reads_back_with_the_same_nodes_edges_and_values(graph, records, tmp_path):
    path = tmp_path / "g.graphml"
    with GraphMLWriter(path) as w:
        for r in records:
            w.write(r)
    back = nx.read_graphml(path, force_multigraph=True)
    assert isinstance(back, nx.MultiDiGraph)
    assert back.number_of_nodes() == graph.number_of_nodes()
    assert back.number_of_edges() == graph.number_of_edges()
    assert dict(back.nodes["person/antony-blinken"]) == dict(graph.nodes["person/antony-blinken"])
    for u, v, k, d in graph.edges(keys=True, data=True):
        assert back.edges[u, v, k] == d


def test_graphml_has_only_typed_scalar_attributes_for_gephi(records, tmp_path):
    path = tmp_path / "g.graphml"
    with GraphMLWriter(path) as w:
        for r in records:
            w.write(r)
    root = ET.parse(path).getroot()
    keys = root.findall(f"{GRAPHML}key")
    assert keys
    seen: dict[tuple[str, str], str] = {}
    for k in keys:
        assert k.get("attr.type") in {"string", "int", "long", "double", "float", "boolean"}
        name = (k.get("for"), k.get("attr.name"))
        assert seen.setdefault(name, k.get("attr.type")) == k.get("attr.type"), name  # one type per name
    for data in root.iter(f"{GRAPHML}data"):
        assert data.text not in (None, "None"), data.get("key")


def test_unknown_entity_and_write_after_close_raise(tmp_path):
    ex = seed_extraction()
    bad = dataclasses.replace(ex, statements=(dataclasses.replace(ex.statements[0], speaker="person/ghost"),))
    with pytest.raises(SinkError, match="person/ghost"):
        to_networkx([bad])
    w = GraphMLWriter(tmp_path / "g.graphml")
    w.close()
    assert nx.read_graphml(tmp_path / "g.graphml").number_of_nodes() == 0
    with pytest.raises(SinkError, match="after close"):
        w.write(ex)


def test_real_pipeline_output_converts(nlp, seed_path, tmp_path):
    from kg.ingest import read_documents
    from kg.nlp import extract

    (doc,) = list(read_documents([str(seed_path)]))
    ex = extract(doc, nlp)
    with GraphMLWriter(tmp_path / "seed.graphml") as w:
        w.write(ex)
    back = nx.read_graphml(tmp_path / "seed.graphml", force_multigraph=True)
    assert back.number_of_edges() >= len(ex.relations)
    assert sum(1 for _, d in back.nodes(data=True) if d["kind"] == "statement") == len(ex.statements)


def test_control_characters_in_text_do_not_break_graphml(tmp_path):
    """Scraped news can hold control characters; GraphML (XML) cannot."""
    import networkx as nx

    from kg.model import DocMeta, Extraction, Sentence
    from kg.sinks.nx_sink import GraphMLWriter

    from kg.model import Entity, Evidence, Mention, Relation

    text = "Ann met Bob.\x07\x0b"
    ev = Evidence(doc="ctl", sentence=0, start=0, end=len(text), text=text, extractor="test",
                  subject_span=(0, 3), object_span=(8, 11))
    ex = Extraction(
        id="ctl", doc=DocMeta(title="T\x01"), text_length=len(text),
        sentences=(Sentence(0, 0, len(text), text),),
        entities=(Entity("person/ann", "Person", "Ann", (Mention(0, 3, "Ann", 0),)),
                  Entity("person/bob", "Person", "Bob", (Mention(8, 11, "Bob", 0),))),
        relations=(Relation("ctl/rel/1", "person/ann", "metWith", "person/bob", 0.9, ev),),
        statements=(),
    )
    with GraphMLWriter(tmp_path / "g.graphml") as w:
        w.write(ex)
    g = nx.read_graphml(tmp_path / "g.graphml")
    values = [v for _, a in g.nodes(data=True) for v in a.values() if isinstance(v, str)]
    values += [v for _, _, a in g.edges(data=True) for v in a.values() if isinstance(v, str)]
    assert not any(c in v for v in values for c in "\x07\x0b\x01")
    assert any("\ufffd" in v for v in values), values  # the text is there, with the character replaced


def test_streamed_graphml_is_the_converters_graph_and_abort_publishes_nothing(graph, records, tmp_path):
    path = tmp_path / "g.graphml"
    w = GraphMLWriter(path)
    w.write(records[0])
    assert (tmp_path / ".g.graphml.body.tmp").stat().st_size > 0  # facts go to disk as records come
    w.abort()
    assert list(tmp_path.iterdir()) == []  # nothing half-written, no temporary file left
    with GraphMLWriter(path) as w:
        for r in records:
            w.write(r)
    back = nx.read_graphml(path, force_multigraph=True)
    assert dict(back.nodes(data=True)) == dict(graph.nodes(data=True))  # entities merged, statements, all values
    assert sorted(back.edges(keys=True, data=True)) == sorted(graph.edges(keys=True, data=True))
    assert [p.name for p in tmp_path.iterdir()] == ["g.graphml"]
