"""kg build --processes N: real worker processes, the same output as one process."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.compare import isomorphic

from kg.build import DEFAULT_OUTPUTS, EXTRACTIONS, build, output_groups
from kg.cli import main
from kg.model import Document
from kg.workers import REORDER_PER_WORKER, WINDOW_PER_WORKER, batches, pool_extract

TEXTS = [
    "NATO Secretary General Mark Rutte met Antony Blinken in Brussels on Wednesday.",
    "Pentagon spokesperson Pat Ryder said the US had delivered 83% of the promised munitions.",
    "Ukraine's Foreign Minister Andrii Sybiha will travel to Kyiv, the ministry said.",
    "Joe Biden spoke with Olaf Scholz in Berlin.",
    "Sabrina Singh noted that aid will continue.",
    '"We will not back down," Volodymyr Zelensky told reporters in Kyiv.',
    "Lloyd Austin met Rustem Umerov at the Pentagon on Tuesday.",
]


def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps({"id": f"p{i}", "text": t}) + "\n" for i, t in enumerate(TEXTS)), encoding="utf-8")
    return path


def test_two_processes_give_the_output_of_one(nlp, tmp_path):
    # every output, so the second pass runs in two processes too (store apart from the files)
    src = corpus(tmp_path)
    one, two = tmp_path / "one" / "out", tmp_path / "two" / "out"  # same directory name: same HTML title
    build([src], one)
    result = CliRunner().invoke(main, ["build", str(src), "--out", str(two), "--processes", "2"])
    assert result.exit_code == 0, result.output
    assert "7 documents" in result.stderr
    assert (two / EXTRACTIONS).read_bytes() == (one / EXTRACTIONS).read_bytes()
    assert (two / "manifest.jsonl").read_bytes() == (one / "manifest.jsonl").read_bytes()
    files = sorted(p.name for p in one.iterdir() if p.name.startswith("graph."))
    assert files == ["graph.graphml", "graph.html", "graph.jsonld", "graph.nt", "graph.trig", "graph.ttl"]
    assert sorted(p.name for p in two.iterdir() if p.name.startswith("graph.")) == files
    for name in files:
        assert (two / name).read_bytes() == (one / name).read_bytes(), name
    assert isomorphic(Graph().parse(two / "graph.ttl"), Graph().parse(one / "graph.ttl"))
    stores = [ox.Store.read_only(str(d / "store")) for d in (one, two)]
    named = [{q for q in s if isinstance(q.graph_name, ox.NamedNode) and not isinstance(q.subject, ox.BlankNode)
              and not isinstance(q.object, ox.BlankNode)} for s in stores]
    assert named[0] == named[1] and len(named[0]) > 100
    assert len(stores[0]) == len(stores[1])


def test_output_groups_split_the_writers_between_processes():
    assert output_groups(DEFAULT_OUTPUTS, 1) == [list(DEFAULT_OUTPUTS)]
    groups = output_groups(["jsonl", *DEFAULT_OUTPUTS], 2)
    assert sorted(n for g in groups for n in g) == sorted(DEFAULT_OUTPUTS)  # each writer exactly once
    assert len(groups) == 2 and ["store"] in groups  # the costliest writer gets a process of its own
    assert output_groups(["jsonl", "rdf"], 4) == [["rdf"]]
    assert output_groups(["jsonl"], 2) == []


def test_the_pool_reads_its_input_lazily_and_keeps_order(nlp):
    """Memory stays flat: only a bounded window of batches is ever read ahead of the output.

    The first document is long, so later tasks finish before it: they are held back, and the
    records still come out in input order.
    """
    pulled = 0
    ahead: list[int] = []
    docs = [Document(f"d{i}", TEXTS[i % len(TEXTS)] + f" Day {i}.") for i in range(60)]
    docs[0] = Document("d0", " ".join(TEXTS * 40))

    def source():
        nonlocal pulled
        for d in docs:
            pulled += 1
            yield d

    out = []
    for rec in pool_extract(source(), processes=2, model="en_core_web_sm", max_chars=10_000, batch_size=2):
        out.append(rec.id)
        ahead.append(pulled - len(out))
    assert out == [d.id for d in docs]
    # Never more than the tasks running or queued (2 workers x WINDOW_PER_WORKER batches of 2) and those
    # held back (2 x REORDER_PER_WORKER), plus one batch read ahead.
    assert max(ahead) <= (2 * (WINDOW_PER_WORKER + REORDER_PER_WORKER) + 1) * 2
    assert max(ahead) < len(docs) - 1


def test_batches_are_lazy():
    it = iter(range(10))
    first = next(batches(it, 3))
    assert first == [0, 1, 2] and next(it) == 3


NO_SPACY_CHECK = """
import sys
from kg.cli import main
try:
    main(["build", sys.argv[1], "--out", sys.argv[2], "--format", "jsonl"])
except SystemExit as e:
    if e.code:
        raise
print("spacy imported:", "spacy" in sys.modules)
"""


def test_a_build_with_no_nlp_in_this_process_never_imports_spacy(nlp, tmp_path):
    """The CLI process of a re-run with nothing to extract, like the parent of a worker build, has no use for
    spaCy; importing it cost 1.6 s of CPU that competed with the workers (and a no-op re-run's time)."""
    import subprocess
    import sys

    src, out = corpus(tmp_path), tmp_path / "out"
    build([src], out, outputs=["jsonl"])
    done = subprocess.run([sys.executable, "-c", NO_SPACY_CHECK, str(src), str(out)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "no NLP work" in done.stderr, done.stderr
    assert done.stdout.strip().endswith("spacy imported: False"), done.stdout


def test_two_processes_with_the_encoder_give_the_output_of_one(nlp, tmp_path):
    """The ``+encoder`` model name reaches the workers: they load the encoder, and records match one process's."""
    pytest.importorskip("tokenizers")
    from kg.nlp.trained import pair_encoder

    src = corpus(tmp_path)
    one, two = tmp_path / "one", tmp_path / "two"
    build([src], one, model="en_core_web_sm+encoder", outputs=["jsonl"])
    result = CliRunner().invoke(main, ["build", str(src), "--out", str(two), "--processes", "2", "--encoder",
                                       "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    assert (two / EXTRACTIONS).read_bytes() == (one / EXTRACTIONS).read_bytes()
    records = [json.loads(line) for line in (two / EXTRACTIONS).read_text(encoding="utf-8").splitlines()]
    assert any(r["evidence"]["extractor"] == pair_encoder.EXTRACTOR for x in records for r in x["relations"])
