"""Incremental builds: the manifest, changed documents, kg forget, kills. Real spaCy, real files, real store."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal
from rdflib.compare import isomorphic

from kg import ids
from kg.build import EXTRACTIONS, build
from kg.cli import main
from kg.manifest import MANIFEST, Manifest, line_hash
from kg.sinks.jsonl_sink import iter_records
from tests.corpora import met_corpus

ROOT = Path(__file__).resolve().parent.parent

ARTICLES = {
    "a-rutte.txt": "NATO Secretary General Mark Rutte met Antony Blinken in Brussels on Wednesday.\n",
    "b-ryder.txt": "Pentagon spokesperson Pat Ryder said the US had delivered 83% of the promised munitions.\n",
}
WIRE = [
    {"id": "wire-1", "text": "Joe Biden spoke with Olaf Scholz in Berlin.", "source": "Wire"},
    {"id": "wire-2", "text": "Sabrina Singh noted that aid will continue."},
]
CHANGED_WIRE_1 = "Kamala Harris met Emmanuel Macron in Paris."
CHANGED_RYDER = "Pentagon spokesperson Pat Ryder said Lloyd Austin met Rustem Umerov in Kyiv.\n"


def make_corpus(root: Path, wire: list[dict] = WIRE, articles: dict[str, str] = ARTICLES) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in articles.items():
        (root / name).write_text(text, encoding="utf-8")
    (root / "wire.jsonl").write_text("".join(json.dumps(r) + "\n" for r in wire), encoding="utf-8")
    return root


def records(out: Path) -> dict[str, dict]:
    return {r["id"]: r for r in iter_records(out / EXTRACTIONS)}


def record_lines(out: Path) -> list[str]:
    return (out / EXTRACTIONS).read_text(encoding="utf-8").splitlines()


def store_state(out: Path) -> tuple[set[str], set[str]]:
    """(named graph IRIs, ground quads) of out/store."""
    store = ox.Store(str(out / "store"))
    try:
        graphs = {g.value for g in store.named_graphs()}
        ground = {str(q) for q in store if not any(isinstance(t, ox.BlankNode) for t in (q.subject, q.object))}
        return graphs, ground
    finally:
        del store


def store_has_text(out: Path, needle: str) -> bool:
    store = ox.Store(str(out / "store"))
    try:
        return any(isinstance(q.object, ox.Literal) and needle in q.object.value for q in store)
    finally:
        del store


def manifest_entries(out: Path) -> dict[str, dict]:
    return {k: {f: v for f, v in e.items() if f != "source"} for k, e in Manifest.open(out).entries.items()}


def test_rerun_does_no_nlp_work_and_says_so(nlp, tmp_path):
    corpus = make_corpus(tmp_path / "corpus")
    out = tmp_path / "out"
    first = build([corpus], out, outputs=("store",))
    assert first.documents == 4
    before = ((out / EXTRACTIONS).read_bytes(), (out / MANIFEST).read_bytes())
    again = build([corpus], out, outputs=("store",))
    assert (again.documents, again.skipped, again.changed, again.engine) == (0, 4, 0, "in-process")
    assert again.line().endswith("; no NLP work (nothing new or changed)")
    assert ((out / EXTRACTIONS).read_bytes(), (out / MANIFEST).read_bytes()) == before
    entries = Manifest.open(out).entries
    assert set(entries) == set(records(out))
    for doc_id, line in ((json.loads(line)["id"], line) for line in record_lines(out)):
        assert entries[doc_id]["record"] == line_hash(line)
        assert entries[doc_id]["outputs"] == ["jsonl", "store"]
    assert entries["wire-1"]["source"] is None  # JSONL: keyed by id
    assert entries[ids.doc_id_for_text(ARTICLES["a-rutte.txt"])]["source"] == str((corpus / "a-rutte.txt").resolve())


def test_added_documents_are_the_only_ones_processed(nlp, tmp_path):
    corpus = make_corpus(tmp_path / "corpus", wire=WIRE[:1])
    out = tmp_path / "out"
    build([corpus], out, outputs=())
    make_corpus(corpus)  # wire-2 appears
    summary = build([corpus], out, outputs=())
    assert (summary.documents, summary.skipped, summary.changed) == (1, 3, 0)
    assert list(records(out)) [-1] == "wire-2" and len(records(out)) == 4


def test_changed_jsonl_document_is_reextracted_and_its_old_facts_retracted(nlp, tmp_path):
    corpus = make_corpus(tmp_path / "corpus")
    out = tmp_path / "out"
    build([corpus], out)
    assert store_has_text(out, "Olaf Scholz")
    changed = [dict(WIRE[0], text=CHANGED_WIRE_1), WIRE[1]]
    make_corpus(corpus, wire=changed)
    summary = build([corpus], out)
    assert (summary.documents, summary.skipped, summary.changed) == (1, 3, 1)
    assert "1 changed (re-extracted, old facts retracted)" in summary.line()

    # JSONL: one record per id, the new one.
    lines = record_lines(out)
    assert [json.loads(x)["id"] for x in lines].count("wire-1") == 1
    assert records(out)["wire-1"]["sentences"][0]["text"] == CHANGED_WIRE_1
    # RDF store and files: none of the old facts remain.
    assert not store_has_text(out, "Olaf Scholz") and store_has_text(out, "Emmanuel Macron")
    assert "Scholz" not in (out / "graph.ttl").read_text(encoding="utf-8")
    # Exactly the graph of a fresh build of the changed corpus.
    fresh = tmp_path / "fresh"
    build([make_corpus(tmp_path / "corpus2", wire=changed)], fresh)
    assert records(out) == records(fresh)
    assert store_state(out) == store_state(fresh)
    assert isomorphic(Graph().parse(out / "graph.ttl"), Graph().parse(fresh / "graph.ttl"))
    assert manifest_entries(out) == manifest_entries(fresh)


def test_changed_file_replaces_its_old_document(nlp, tmp_path):
    corpus = make_corpus(tmp_path / "corpus")
    out = tmp_path / "out"
    build([corpus], out, outputs=("store", "rdf"))
    old_id = ids.doc_id_for_text(ARTICLES["b-ryder.txt"])
    (corpus / "b-ryder.txt").write_text(CHANGED_RYDER, encoding="utf-8")
    summary = build([corpus], out, outputs=("store", "rdf"))
    new_id = ids.doc_id_for_text(CHANGED_RYDER)
    assert (summary.documents, summary.changed, summary.retracted) == (1, 1, 1)
    assert old_id not in records(out) and new_id in records(out)
    assert not any(g.endswith(old_id) for g in store_state(out)[0])
    assert not store_has_text(out, "had delivered 83%")
    assert Manifest.open(out).by_source()[str((corpus / "b-ryder.txt").resolve())] == new_id
    fresh = tmp_path / "fresh"
    build([corpus], fresh, outputs=("store", "rdf"))
    assert records(out) == records(fresh)
    assert store_state(out) == store_state(fresh)


def test_forget_retracts_a_removed_document_everywhere(nlp, tmp_path):
    corpus = make_corpus(tmp_path / "corpus")
    out = tmp_path / "out"
    build([corpus], out, outputs=("store", "rdf"))
    result = CliRunner().invoke(main, ["forget", "wire-1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "forgot 1 document" in result.stderr
    assert "wire-1" not in records(out) and "wire-1" not in Manifest.open(out).entries
    assert not any(g.endswith("/wire-1") for g in store_state(out)[0])
    assert not store_has_text(out, "Olaf Scholz")
    assert (None, None, Literal("Wire")) not in Graph().parse(out / "graph.ttl")
    # Same as a build that never had it.
    fresh = tmp_path / "fresh"
    (corpus / "wire.jsonl").write_text(json.dumps(WIRE[1]) + "\n", encoding="utf-8")
    build([corpus], fresh, outputs=("store", "rdf"))
    assert records(out) == records(fresh)
    assert store_state(out) == store_state(fresh)

    missing = CliRunner().invoke(main, ["forget", "no-such-doc", "--out", str(out)])
    assert missing.exit_code == 1
    assert "kg: error: document id 'no-such-doc' is not in" in missing.stderr


def test_record_written_without_its_manifest_line_is_redone(nlp, tmp_path):
    """A kill between the record and its manifest line: the record is dropped and extracted again."""
    corpus = make_corpus(tmp_path / "corpus")
    clean = tmp_path / "clean"
    build([corpus], clean, outputs=())
    out = tmp_path / "out"
    build([corpus], out, outputs=())
    m = (out / MANIFEST).read_text(encoding="utf-8").splitlines()
    (out / MANIFEST).write_text("\n".join(m[:-1]) + "\n" + m[-1][: len(m[-1]) // 2], encoding="utf-8")  # torn
    summary = build([corpus], out, outputs=())
    assert (summary.documents, summary.skipped) == (1, 3)
    assert (out / EXTRACTIONS).read_bytes() == (clean / EXTRACTIONS).read_bytes()
    assert (out / MANIFEST).read_bytes() == (clean / MANIFEST).read_bytes()


def test_build_without_a_manifest_is_adopted_without_nlp(nlp, tmp_path):
    corpus = make_corpus(tmp_path / "corpus")
    out = tmp_path / "out"
    build([corpus], out, outputs=())
    (out / MANIFEST).unlink()  # as written by kg before manifests
    summary = build([corpus], out, outputs=())
    assert (summary.documents, summary.skipped) == (0, 4)
    assert all(e["hash"] for e in Manifest.open(out).entries.values())


@pytest.mark.slow
@pytest.mark.parametrize("phase", ["records", "outputs"])
def test_sigkilled_build_resumes_to_the_output_of_a_clean_build_manifest_and_store(nlp, tmp_path, phase):
    """A real `kg build` killed with SIGKILL while writing records (pass 1) or the store (pass 2), then re-run."""
    corpus = met_corpus(tmp_path / "corpus.jsonl", 120)
    clean = tmp_path / "clean"
    build([corpus], clean, outputs=("store",))

    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "kg", "build", str(corpus), "--out", str(out), "--format", "store"],
        cwd=ROOT, stderr=subprocess.DEVNULL,
    )
    target = out / EXTRACTIONS
    started = out / "store" if phase == "outputs" else target
    deadline = time.monotonic() + 180
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            # records: a few records in, well inside the NLP pass (a fixed sleep after the first record
            # outlasted the whole pass once the pipeline got faster)
            if started.exists() and (phase == "outputs" or target.read_bytes().count(b"\n") >= 5):
                break
            time.sleep(0.002)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the build finished before it could be killed"
    if phase == "records":
        assert 0 < target.read_bytes().count(b"\n") < 120

    summary = build([corpus], out, outputs=("store",))
    assert summary.ok and summary.documents + summary.skipped == 120
    assert target.read_bytes() == (clean / EXTRACTIONS).read_bytes()
    assert manifest_entries(out) == manifest_entries(clean)
    assert store_state(out) == store_state(clean)
    assert not list(out.glob(".*.tmp")) and not list(out.glob("*.tmp"))
