"""The graph.html sink: converter, escaping, writer, reader (no browser; see tests/viz for that)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from kg.errors import InputError, SinkError
from kg.sinks.html_sink import (
    DEFAULT_MAX_NODES,
    HTMLWriter,
    json_for_html,
    read_extractions,
    render_html,
    to_graph_data,
)
from tests.sinks.seed_records import hostile_extraction, seed_extraction, seed_text

BLINKEN, RUTTE, RYDER, PENTAGON = ("person/antony-blinken", "person/mark-rutte", "person/pat-ryder",
                                   "organization/pentagon")


@pytest.fixture(scope="module")
def seed():
    return seed_extraction()


def _embedded(html: str, element_id: str):
    m = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', html, re.S)
    assert m, f"no {element_id} block"
    return json.loads(m.group(1))


def _edges(data):
    return {(e["from"], e["predicate"], e["to"]): e for e in data["edges"]}


def test_seed_nodes_types_and_degree(seed):
    data = to_graph_data([seed])
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes[BLINKEN]["type"] == "Person" and nodes[PENTAGON]["type"] == "Organization"
    assert nodes["location/brussels"]["type"] == "Location"
    statements = [n for n in data["nodes"] if n["type"] == "Statement"]
    assert len(statements) == len(seed.statements) == 6
    # Blinken: metWith Rutte, metWith Sybiha and four statements.
    assert nodes[BLINKEN]["degree"] == 6
    assert data["nodes"][0]["id"] == BLINKEN  # ranked by degree
    degrees = [n["degree"] for n in data["nodes"]]
    assert degrees == sorted(degrees, reverse=True)
    assert [n["rank"] for n in data["nodes"]] == list(range(len(data["nodes"])))
    assert data["types"] == ["Person", "Organization", "Location", "Statement"]
    assert data["predicates"] == ["metWith", "worksFor", "said", "onBehalfOf", "mentions"]


def test_relations_and_statements_become_edges_with_evidence(seed):
    data = to_graph_data([seed])
    edges = _edges(data)
    met = edges[(BLINKEN, "metWith", RUTTE)]
    (ev,) = met["ev"]
    sentence = data["sents"][ev["s"]][2]
    assert sentence.startswith("During a meeting with Rutte in Brussels, Blinken warned")
    assert [sentence[a:b] for a, b in ev["hl"]] == ["Blinken", "Rutte"]
    assert ev["q"] == {"location": "Brussels"}
    assert edges[(RYDER, "worksFor", PENTAGON)]["ev"][0]["q"] == {"role": "spokesperson"}

    ryder_stmt = next(s for s in seed.statements if s.speaker == RYDER)
    assert (RYDER, "said", ryder_stmt.id) in edges
    assert (ryder_stmt.id, "onBehalfOf", PENTAGON) in edges
    assert (ryder_stmt.id, "mentions", "location/ukraine") in edges
    node = next(n for n in data["nodes"] if n["id"] == ryder_stmt.id)
    assert [q["text"] for q in node["stmt"]["quantities"]] == ["83%", "67%", "60%"]
    sent = data["sents"][node["ev"][0]["s"]][2]
    marks = {h[2]: sent[h[0]:h[1]] for h in node["ev"][0]["hl"]}
    assert marks["cue"] == "reported"
    assert marks["speaker"] == "Pentagon spokesperson Pat Ryder"
    assert marks["content"].startswith("the US has delivered 83%")

    he = next(s for s in seed.statements if s.cue.text == "highlighted")
    assert (BLINKEN, "said", he.id) in edges
    # A statement's edges point to it for their evidence instead of copying the sentence.
    said = edges[(RYDER, "said", ryder_stmt.id)]
    assert said["stmt"] == ryder_stmt.id and said["ev"] == []
    # Contiguous content inside the sentence is cut from it by the page, not stored twice.
    assert node["stmt"]["content"] is None
    (a, b), = [h[:2] for h in node["ev"][0]["hl"] if h[2] == "content"]
    assert sent[a:b] == ryder_stmt.content.text


def test_entity_evidence_highlights_every_mention(seed):
    data = to_graph_data([seed])
    blinken = next(n for n in data["nodes"] if n["id"] == BLINKEN)
    assert blinken["mentions"] == 6 and len(blinken["ev"]) == 6
    for ev in blinken["ev"]:
        doc, index, text = data["sents"][ev["s"]]
        assert data["docs"][doc]["id"] == seed.id and seed.sentences[index].text == text
        (a, b), = ev["hl"]
        assert text[a:b] in {"Blinken", "Antony Blinken"}
    assert data["docs"][0] == {"id": seed.id, "title": seed.doc.title, "date": "2024-11-13", "url": ""}


def test_documents_merge_entities_and_evidence():
    a = seed_extraction(doc_id="doc-a")
    b = seed_extraction(doc_id="doc-b")
    b = replace(b, doc=replace(b.doc, date="2024-11-14"))
    data = to_graph_data([a, b])
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes[BLINKEN]["docs"] == [0, 1]
    assert nodes[BLINKEN]["mentions"] == 12
    met = _edges(data)[(BLINKEN, "metWith", RUTTE)]
    assert met["docs"] == [0, 1] and len(met["ev"]) == 2
    # Statements are per document: twice as many statement nodes, entity degree grows by them.
    assert sum(n["type"] == "Statement" for n in data["nodes"]) == 12
    assert nodes[BLINKEN]["degree"] == 2 + 8
    # Sentences are stored once per (document, index).
    keys = [(d, i) for d, i, _ in data["sents"]]
    assert len(keys) == len(set(keys))


def test_endpoint_without_entity_record_still_gets_a_node(seed):
    x = replace(seed, entities=tuple(e for e in seed.entities if e.id != PENTAGON))
    nodes = {n["id"]: n for n in to_graph_data([x])["nodes"]}
    assert nodes[PENTAGON]["type"] == "Organization" and nodes[PENTAGON]["label"] == PENTAGON


def test_rendered_page_is_self_contained_and_round_trips(seed):
    data = to_graph_data([seed])
    html = render_html(data, max_nodes=7, title="Seed & <friends>")
    assert _embedded(html, "kg-data") == data
    assert _embedded(html, "kg-config") == {"maxNodes": 7}
    assert "<title>Seed &amp; &lt;friends&gt;</title>" in html
    # No external resources: nothing is fetched from a CDN or anywhere else.
    assert not re.search(r'<(script|link|img)[^>]+(src|href)=', html, re.I)
    assert "vis-network" in html and "@version 10.1.5" in html


def test_hostile_names_cannot_close_the_script(seed):
    x = hostile_extraction()
    html = render_html(to_graph_data([seed, x]))
    # Only the page's own four script elements close.
    assert html.lower().count("</script") == 4
    assert "<script>window.__pwned" not in html
    assert "</title><script>" not in html
    data = _embedded(html, "kg-data")
    assert any(n["label"] == x.entities[0].name for n in data["nodes"])
    assert json.loads(json_for_html({"k": "\u2028</script>&"})) == {"k": "\u2028</script>&"}


def test_writer_writes_on_close_atomically(seed, tmp_path):
    path = tmp_path / "out" / "graph.html"
    w = HTMLWriter(path, max_nodes=3)
    w.write(seed)
    assert not path.exists()  # nothing half-written
    w.close()
    w.close()  # idempotent
    html = path.read_text(encoding="utf-8")
    assert _embedded(html, "kg-config") == {"maxNodes": 3}
    assert w.summary == {"nodes": 18, "edges": 21, "docs": 1}
    assert path.stat().st_size < 800_000  # the vendored library (650 kB) is most of it
    assert list(path.parent.iterdir()) == [path]  # no temp file left
    with pytest.raises(SinkError, match="closed"):
        w.write(seed)


def test_writer_rejects_bad_settings_and_paths(seed, tmp_path):
    with pytest.raises(SinkError, match="max_nodes"):
        render_html(to_graph_data([seed]), max_nodes=0)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    w = HTMLWriter(blocker / "graph.html")
    w.write(seed)
    with pytest.raises(SinkError, match="cannot write"):
        w.close()


def test_empty_input_still_gives_a_page(tmp_path):
    path = tmp_path / "graph.html"
    HTMLWriter(path).close()
    data = _embedded(path.read_text(encoding="utf-8"), "kg-data")
    assert data["nodes"] == [] and data["edges"] == []


def test_read_extractions_from_dir_and_file(seed, tmp_path):
    (tmp_path / "extractions.jsonl").write_text(seed.to_json() + "\n\n", encoding="utf-8")
    (got,) = list(read_extractions(tmp_path))
    assert got == seed
    bad = tmp_path / "bad.jsonl"
    bad.write_text(seed.to_json() + "\n{not json\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.jsonl:2"):
        list(read_extractions(bad))
    empty = tmp_path / "empty-dir"
    empty.mkdir()
    with pytest.raises(InputError, match="kg build"):
        list(read_extractions(empty))


def test_vendored_library_ships_with_its_licence():
    from importlib import resources

    vendor = resources.files("kg").joinpath("static", "vendor")
    assert vendor.joinpath("vis-network.min.js").read_text(encoding="utf-8").startswith("/**\n * vis-network")
    assert "MIT" in vendor.joinpath("vis-network.LICENSE-MIT").read_text(encoding="utf-8")
    assert DEFAULT_MAX_NODES == 300


def test_seed_offsets_are_exact(seed):
    text = seed_text()
    for r in seed.relations:
        assert text[r.evidence.start:r.evidence.end] == r.evidence.text
    for s in seed.statements:
        assert text[s.cue.start:s.cue.end] == s.cue.text
        assert text[s.content.start:s.content.end] == s.content.text


def test_build_outputs_can_be_visualised_from_jsonl(seed, tmp_path):
    """The ``kg viz`` path end to end through the library: JSONL in, page out."""
    src = tmp_path / "facts.jsonl"
    src.write_text(seed.to_json() + "\n" + hostile_extraction().to_json() + "\n", encoding="utf-8")
    with HTMLWriter(tmp_path / "g.html") as w:
        for x in read_extractions(src):
            w.write(x)
    data = _embedded((tmp_path / "g.html").read_text(encoding="utf-8"), "kg-data")
    assert [d["id"] for d in data["docs"]] == [seed.id, "hostile-doc"]
    assert Path(tmp_path / "g.html").stat().st_size < 2_000_000
