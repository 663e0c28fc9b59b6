"""`kg build` and `kg extract` through click's CliRunner, on real files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.sinks.jsonl_sink import validate_record

SUMMARY = re.compile(
    r"^kg: (\d+) documents?(?: \(\d+ already done\))?, (\d+) sentences, (\d+) entities, (\d+) relations, (\d+) statements, (\d+) errors? in [\d.]+ s"
)


def run(*args: str, input: bytes | str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("kg: error: ")]


def test_build_seeds(nlp, seed_path, tmp_path):
    out = tmp_path / "out"
    result = run("build", str(seed_path.parent), "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""  # logs and the summary go to stderr
    last = result.stderr.strip().splitlines()[-1]
    m = SUMMARY.match(last)
    assert m, last
    assert m.group(1) == "1" and int(m.group(2)) > 5 and m.group(6) == "0"
    for name in ("extractions.jsonl", "graph.ttl", "graph.trig", "graph.jsonld", "graph.nt", "graph.graphml"):
        assert (out / name).stat().st_size > 0, name
    (line,) = (out / "extractions.jsonl").read_text(encoding="utf-8").splitlines()
    validate_record(json.loads(line), seed_path.read_text(encoding="utf-8"))

    again = run("build", str(seed_path.parent), "--out", str(out), "--format", "graphml")
    assert again.exit_code == 0
    assert "0 documents (1 already done)" in again.stderr


def test_build_bad_inputs_one_error_line_each_and_exit_1(nlp, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "good.txt").write_text("Mark Rutte met Antony Blinken in Brussels.", encoding="utf-8")
    (src / "empty.txt").write_bytes(b"")
    (src / "binary.txt").write_bytes(b"\x00\x01\x02\x03")
    (src / "latin1.txt").write_bytes("Café".encode("latin-1"))
    (src / "table.csv").write_text("a,b\n")
    (src / "big.txt").write_text("word " * 300, encoding="utf-8")
    (src / "c.jsonl").write_text('{"id": "j1", "text": "Pat Ryder spoke."}\nnot json\n', encoding="utf-8")
    out = tmp_path / "out"
    result = run("build", str(src), "--out", str(out), "--format", "jsonl", "--max-chars", "1000")
    assert result.exit_code == 1
    errors = error_lines(result.stderr)
    expected = {
        "big.txt": "text too long",
        "binary.txt": "binary file",
        "c.jsonl:2": "invalid JSON",
        "empty.txt": "empty",
        "latin1.txt": "not valid UTF-8",
        "table.csv": "unsupported file type '.csv'",
    }
    assert len(errors) == len(expected)
    for (name, reason), line in zip(sorted(expected.items()), errors):
        assert line.startswith(f"kg: error: {src / name}: "), line
        assert reason in line
    assert SUMMARY.match(result.stderr.strip().splitlines()[-1]).group(6) == "6"
    ids = [json.loads(x)["id"] for x in (out / "extractions.jsonl").read_text().splitlines()]
    assert len(ids) == 2 and "j1" in ids


def test_extract_to_stdout(nlp, seed_path):
    result = run("extract", str(seed_path), "-o", "-")
    assert result.exit_code == 0
    (line,) = result.stdout.splitlines()
    validate_record(json.loads(line), seed_path.read_text(encoding="utf-8"))
    assert SUMMARY.match(result.stderr.strip().splitlines()[-1])


def test_extract_from_stdin_text_and_jsonl(nlp, tmp_path):
    text = "NATO Secretary General Mark Rutte met Antony Blinken in Brussels."
    result = run("extract", "-", input=text)
    assert result.exit_code == 0
    rec = json.loads(result.stdout)
    validate_record(rec, text)
    assert any(e["name"] == "Mark Rutte" for e in rec["entities"])

    lines = json.dumps({"id": "x1", "text": text}) + "\n" + json.dumps({"id": "x2", "text": "Joe Biden spoke."}) + "\n"
    result = run("extract", "-", "-o", str(tmp_path / "facts.jsonl"), input=lines)
    assert result.exit_code == 0 and result.stdout == ""
    assert [json.loads(x)["id"] for x in (tmp_path / "facts.jsonl").read_text().splitlines()] == ["x1", "x2"]


def test_extract_bad_stdin_is_one_error_and_exit_1(nlp):
    result = run("extract", "-", input=b"\xff\xfe\x00\x00binary")
    assert result.exit_code == 1
    (line,) = error_lines(result.stderr)
    assert line.startswith("kg: error: <stdin>: binary file")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["build", "--out", "x"], "Missing argument"),
        (["build", "seeds"], "Missing option '--out'"),
        (["extract", "a.txt", "--max-chars", "0"], "Invalid value for '--max-chars'"),
    ],
)
def test_usage_errors_exit_2(args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_unknown_format_and_missing_model_exit_1(seed_path, tmp_path):
    result = run("build", str(seed_path), "--out", str(tmp_path / "o"), "--format", "jsonl,pdf")
    assert result.exit_code == 1
    (line,) = error_lines(result.stderr)
    assert line.startswith("kg: error: unknown output format 'pdf'; choose from: jsonl, rdf, graphml")
    assert not (tmp_path / "o" / "extractions.jsonl").exists()

    result = run("extract", str(seed_path), "--model", "xx_no_such_pipeline")
    assert result.exit_code == 1
    (line,) = error_lines(result.stderr)
    assert "'xx_no_such_pipeline' is not installed" in line


def test_encoder_flag_scores_relations_with_the_encoder_and_switching_re_extracts(nlp, seed_path, tmp_path):
    from kg.nlp.trained import pair_encoder

    out = tmp_path / "out"
    result = run("build", str(seed_path.parent), "--out", str(out), "--encoder", "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    (line,) = (out / "extractions.jsonl").read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    validate_record(record, seed_path.read_text(encoding="utf-8"))
    assert pair_encoder.EXTRACTOR in {r["evidence"]["extractor"] for r in record["relations"]}

    # The encoder is part of the model name, so the manifest sees a different extraction and redoes it.
    again = run("build", str(seed_path.parent), "--out", str(out), "--format", "jsonl")
    assert again.exit_code == 0, again.stderr
    assert "1 changed (re-extracted, old facts retracted)" in again.stderr
    (line,) = (out / "extractions.jsonl").read_text(encoding="utf-8").splitlines()
    assert pair_encoder.EXTRACTOR not in {r["evidence"]["extractor"] for r in json.loads(line)["relations"]}


def test_eval_conll04_with_encoder_flag(shared_dir):
    result = run("eval", "conll04", "--data", str(shared_dir / "data"), "--limit", "20", "--encoder", "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["sentences"] == 20 and report["strict"]["micro"]["tp"] > 0
    assert "kg eval conll04 --split dev: 20 sentences, strict micro F1" in result.stderr
