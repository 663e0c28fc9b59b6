"""kg.build: real spaCy, real files, real graph files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, Literal
from rdflib.compare import isomorphic

from kg import ids
from kg.build import EXTRACTIONS, BuildSummary, build, extract_records
from kg.errors import ConfigError, SinkError
from kg.ingest import read_documents
from kg.sinks.jsonl_sink import iter_records, validate_record
from tests.corpora import met_corpus

ARTICLES = {
    "a-rutte.txt": "NATO Secretary General Mark Rutte met Antony Blinken in Brussels on Wednesday.\n",
    "b-ryder.txt": "Pentagon spokesperson Pat Ryder said the US had delivered 83% of the promised munitions.\n",
    "c-sybiha.txt": "Ukraine's Foreign Minister Andrii Sybiha will travel to Kyiv, the ministry said.\n",
}
JSONL = [
    {"id": "wire-1", "text": "Joe Biden spoke with Olaf Scholz in Berlin.", "source": "Wire"},
    {"id": "wire-2", "text": "Sabrina Singh noted that aid will continue."},
]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    (root / "sub").mkdir(parents=True)
    for name, text in ARTICLES.items():
        (root / name).write_text(text, encoding="utf-8")
    (root / "sub" / "wire.jsonl").write_text("".join(json.dumps(r) + "\n" for r in JSONL), encoding="utf-8")
    return root


def records(out: Path) -> list[dict]:
    return list(iter_records(out / EXTRACTIONS))


def store_quads(out: Path) -> tuple[int, set[str]]:
    """Number of quads in out/store and the set of those without blank nodes."""
    store = ox.Store(str(out / "store"))
    try:
        quads = list(store)
        ground = {str(q) for q in quads if not any(isinstance(t, ox.BlankNode) for t in (q.subject, q.object))}
        return len(quads), ground
    finally:
        del store


def test_seed_build_writes_one_valid_record_with_exact_offsets(nlp, seed_path, tmp_path):
    out = tmp_path / "out"
    summary = build([seed_path], out, outputs=())
    assert summary.ok and summary.documents == 1 and summary.skipped == 0
    (rec,) = records(out)
    text = seed_path.read_text(encoding="utf-8")
    validate_record(rec, text)  # JSON Schema and text[start:end] == quoted span
    assert rec["id"] == ids.doc_id_for_text(text)
    assert rec["doc"]["date"] == "2024-11-13" and rec["doc"]["author"] == "Ulyana Krychkovska"
    assert rec["text_length"] == len(text)
    assert summary.sentences == len(rec["sentences"]) > 5
    assert summary.entities == len(rec["entities"]) > 0


def test_seed_boilerplate_yields_no_entities_or_facts(nlp, seed_path, tmp_path):
    """The skip ranges of the scraped header, caption and tag line reach the NLP stage."""
    (doc,) = read_documents([seed_path])
    assert len(doc.skip) == 7
    build([seed_path], tmp_path / "out", outputs=())
    (rec,) = records(tmp_path / "out")

    def skipped(start: int, end: int) -> bool:
        return any(s < end and start < e for s, e in doc.skip)

    assert [m for e in rec["entities"] for m in e["mentions"] if skipped(m["start"], m["end"])] == []
    for r in rec["relations"]:
        ev = r["evidence"]
        assert not skipped(*ev["subject_span"]) and not skipped(*ev["object_span"]), r
    for st in rec["statements"]:
        assert not skipped(st["cue"]["start"], st["cue"]["end"]), st
        assert st["speaker_span"] is None or not skipped(*st["speaker_span"]), st


def test_corpus_build_writes_every_graph_output(nlp, corpus, tmp_path):
    out = tmp_path / "out"
    summary = build([corpus], out)
    assert summary.ok and summary.documents == 5
    assert [r["id"] for r in records(out)] == [ids.doc_id_for_text(t) for t in ARTICLES.values()] + ["wire-1", "wire-2"]
    names = {p.name for p in summary.outputs}
    assert {"extractions.jsonl", "graph.ttl", "graph.trig", "graph.jsonld", "graph.nt", "graph.graphml"} <= names
    g = Graph().parse(out / "graph.ttl")
    assert (None, None, Literal("Wire")) in g  # metadata of a JSONL document reached the RDF graph
    ds = Dataset()
    ds.parse(out / "graph.trig", format="trig")
    assert len(ds) > 0
    assert len(Graph().parse(out / "graph.nt", format="nt")) == len(g)
    gml = nx.read_graphml(out / "graph.graphml")
    assert gml.number_of_nodes() > 0
    assert "<html" in (out / "graph.html").read_text(encoding="utf-8").lower()
    store = ox.Store(str(out / "store"))
    graphs = {g.value.rsplit("/", 1)[-1] for g in store.named_graphs()}
    del store
    assert {r["id"] for r in records(out)} <= graphs
    assert not list(out.glob(".*.tmp")), "temporary files left behind"


def test_ids_and_records_are_stable_across_runs_and_locations(nlp, corpus, tmp_path):
    build([corpus], tmp_path / "one", outputs=())
    moved = tmp_path / "elsewhere" / "copy"
    shutil.copytree(corpus, moved)
    build([moved], tmp_path / "two", outputs=())
    first = (tmp_path / "one" / EXTRACTIONS).read_bytes()
    assert first == (tmp_path / "two" / EXTRACTIONS).read_bytes()


def test_release_model_frees_the_models_before_the_output_pass_and_writes_the_same_graph(nlp, corpus, tmp_path):
    from kg.nlp import trained
    from kg.nlp.pipeline import load_model

    build([corpus], tmp_path / "kept", outputs=("rdf",))
    build([corpus], tmp_path / "released", outputs=("rdf",), release_model=True)
    assert load_model.cache_info().currsize == 0 and trained.models.cache_info().currsize == 0
    for name in (EXTRACTIONS, "graph.nt"):
        assert (tmp_path / "kept" / name).read_bytes() == (tmp_path / "released" / name).read_bytes()
    load_model()  # the next build loads the model afresh


def test_rerun_extracts_nothing_and_changes_nothing(nlp, corpus, tmp_path):
    out = tmp_path / "out"
    build([corpus], out, outputs=())
    before = (out / EXTRACTIONS).read_bytes()
    again = build([corpus], out, outputs=())
    assert (again.documents, again.skipped, again.sentences) == (0, 5, 0)
    assert (out / EXTRACTIONS).read_bytes() == before


def test_added_documents_are_appended(nlp, corpus, tmp_path):
    out = tmp_path / "out"
    build([corpus / "a-rutte.txt"], out, outputs=())
    summary = build([corpus], out, outputs=())
    assert (summary.documents, summary.skipped) == (4, 1)
    assert len(records(out)) == 5


class Interrupt(BaseException):
    """Raised from the progress hook to stop a build part-way, as Ctrl-C would."""


def test_interrupted_build_resumes_to_the_output_of_a_clean_build(nlp, corpus, tmp_path):
    clean = tmp_path / "clean"
    build([corpus], clean)

    out = tmp_path / "resumed"
    seen = []

    def stop_after_two(ex):
        seen.append(ex.id)
        if len(seen) == 2:
            raise Interrupt

    with pytest.raises(Interrupt):
        build([corpus], out, on_document=stop_after_two)
    assert len(records(out)) == 2  # finished documents are on disk
    assert not (out / "graph.ttl").exists()  # no half-built graph
    assert not list(out.glob(".*.tmp"))

    summary = build([corpus], out)
    assert (summary.documents, summary.skipped) == (3, 2)
    assert (out / EXTRACTIONS).read_bytes() == (clean / EXTRACTIONS).read_bytes()
    # The graph is regenerated from all records, resumed ones included.
    assert isomorphic(Graph().parse(out / "graph.ttl"), Graph().parse(clean / "graph.ttl"))
    assert (out / "graph.graphml").read_bytes() == (clean / "graph.graphml").read_bytes()
    assert store_quads(out) == store_quads(clean)


def test_line_torn_by_a_kill_is_dropped_and_redone(nlp, corpus, tmp_path):
    clean = tmp_path / "clean"
    build([corpus], clean, outputs=())
    lines = (clean / EXTRACTIONS).read_bytes().splitlines(keepends=True)
    out = tmp_path / "out"
    out.mkdir()
    (out / EXTRACTIONS).write_bytes(lines[0] + lines[1][: len(lines[1]) // 2])  # killed mid-write
    summary = build([corpus], out, outputs=())
    assert (summary.documents, summary.skipped) == (4, 1)
    assert (out / EXTRACTIONS).read_bytes() == (clean / EXTRACTIONS).read_bytes()


def test_damage_in_the_middle_is_an_error_and_nothing_is_dropped(nlp, corpus, tmp_path):
    out = tmp_path / "out"
    build([corpus], out, outputs=())
    lines = (out / EXTRACTIONS).read_text(encoding="utf-8").splitlines(keepends=True)
    damaged = lines[0] + "{not json\n" + "".join(lines[1:])
    (out / EXTRACTIONS).write_text(damaged, encoding="utf-8")
    with pytest.raises(SinkError, match=r"extractions\.jsonl:2"):
        build([corpus], out, outputs=())
    assert (out / EXTRACTIONS).read_text(encoding="utf-8") == damaged


def test_bad_inputs_are_reported_and_the_rest_is_built(nlp, corpus, tmp_path):
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF")
    with (corpus / "sub" / "wire.jsonl").open("a", encoding="utf-8") as f:
        f.write('{"id": "wire-3", "text": \n')
    seen = []
    summary = build([corpus], tmp_path / "out", outputs=(), on_error=seen.append)
    assert not summary.ok
    assert [str(e) for e in seen] == list(summary.errors)
    assert [e.source for e in seen] == [
        str(corpus / "empty.txt"),
        str(corpus / "photo.jpg"),
        f"{corpus / 'sub' / 'wire.jsonl'}:3",
    ]
    assert summary.documents == 5 and len(records(tmp_path / "out")) == 5


def test_duplicate_copy_is_skipped_but_a_reused_id_is_an_error(nlp, corpus, tmp_path):
    shutil.copy(corpus / "a-rutte.txt", corpus / "sub" / "a-copy.txt")
    (corpus / "sub" / "clash.jsonl").write_text(json.dumps({"id": "wire-1", "text": "Another text."}) + "\n")
    summary = build([corpus], tmp_path / "out", outputs=())
    assert summary.documents == 5 and summary.skipped == 1
    (error,) = summary.errors
    assert "clash.jsonl:1" in error and "duplicate document id 'wire-1'" in error


def test_fresh_starts_over(nlp, corpus, tmp_path):
    out = tmp_path / "out"
    build([corpus / "a-rutte.txt"], out, outputs=())
    summary = build([corpus / "b-ryder.txt"], out, outputs=(), fresh=True)
    assert summary.documents == 1
    assert [r["id"] for r in records(out)] == [ids.doc_id_for_text(ARTICLES["b-ryder.txt"])]


def test_unknown_output_is_a_config_error_before_any_work(tmp_path, corpus):
    with pytest.raises(ConfigError, match="unknown output format 'pdf'"):
        build([corpus], tmp_path / "out", outputs=("pdf",))
    assert not (tmp_path / "out" / EXTRACTIONS).exists()


def test_extract_records_replaces_the_file_atomically(nlp, corpus, tmp_path):
    target = tmp_path / "facts.jsonl"
    target.write_text("previous\n", encoding="utf-8")

    def stop(ex):
        raise Interrupt

    with pytest.raises(Interrupt):
        extract_records([corpus], target, on_document=stop)
    assert target.read_text(encoding="utf-8") == "previous\n"  # nothing lost
    summary = extract_records([corpus], target)
    assert isinstance(summary, BuildSummary) and summary.documents == 5
    assert [json.loads(line)["id"] for line in target.read_text(encoding="utf-8").splitlines()][-2:] == [
        "wire-1",
        "wire-2",
    ]
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.slow
def test_sigkilled_build_resumes_to_the_output_of_a_clean_build(nlp, tmp_path):
    """A real `kg build` process killed with SIGKILL part-way, then re-run."""
    import os
    import signal
    import subprocess
    import sys
    import time

    corpus = met_corpus(tmp_path / "corpus.jsonl", 200)

    clean = tmp_path / "clean"
    build([corpus], clean, outputs=())

    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "kg", "build", str(corpus), "--out", str(out), "--format", "jsonl"],
        cwd=Path(__file__).resolve().parent.parent,
        stderr=subprocess.DEVNULL,
    )
    target = out / EXTRACTIONS
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if target.exists() and target.stat().st_size > 0:
                break
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the build finished before it could be killed"
    partial = target.read_bytes()
    assert 0 < partial.count(b"\n") < 200

    summary = build([corpus], out, outputs=())
    assert summary.ok and summary.documents + summary.skipped == 200
    assert target.read_bytes() == (clean / EXTRACTIONS).read_bytes()
    assert not list(out.glob(".*.tmp"))


def test_output_directory_inside_the_input_is_not_read_back(nlp, corpus):
    out = corpus / "out"
    first = build([corpus], out, outputs=("graphml",))
    assert first.ok and first.documents == 5
    again = build([corpus], out, outputs=("graphml",))
    assert again.ok and (again.documents, again.skipped) == (0, 5)
