"""Bad input: one clear error per problem, naming the file (and line); the rest still read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.errors import InputError
from kg.ingest import read_documents

GOOD = "Blinken met Rutte in Brussels."


def run(tmp_path: Path, name: str, content: bytes, **kw) -> tuple[list, list[InputError]]:
    """Read a directory holding one good file and the bad one."""
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    bad = tmp_path / name
    bad.write_bytes(content)
    errors: list[InputError] = []
    docs = list(read_documents([tmp_path], on_error=errors.append, **kw))
    return docs, errors


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\n\t \n", "empty"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        ("latin1.txt", "Café au lait at the Élysée".encode("latin-1"), "not valid UTF-8"),
        ("slides.pdf", b"%PDF-1.4 ...", "unsupported file type '.pdf'"),
        ("README", b"no extension", "unsupported file type '(no extension)'"),
        ("empty.jsonl", b"\n\n", "empty"),
        ("page.html", b"<html><head><script>var x = 1;</script></head><body><img src=a.png></body></html>", "no main text"),
    ],
)
def test_one_error_naming_the_file_and_the_good_file_still_read(tmp_path, name, content, reason):
    docs, errors = run(tmp_path, name, content)
    assert [d.text for d in docs] == [GOOD]
    assert len(errors) == 1
    assert errors[0].source == str(tmp_path / name)
    assert reason in errors[0].reason
    assert str(errors[0]).startswith(f"{tmp_path / name}: ")


def test_invalid_utf8_names_the_line(tmp_path):
    _, (error,) = run(tmp_path, "bad.txt", b"line one\nline two caf\xe9\n")
    assert "byte 0xe9" in error.reason and "(line 2)" in error.reason


def test_malformed_jsonl_lines_one_error_each_with_line_numbers(tmp_path):
    lines = [
        json.dumps({"id": "ok1", "text": "Rutte met Blinken."}),
        '{"id": "broken", "text": ',
        "[1, 2]",
        json.dumps({"id": "notext"}),
        json.dumps({"id": "emptytext", "text": "  "}),
        json.dumps({"id": ["x"], "text": "List id."}),
        json.dumps({"id": "baddate", "text": "Date is a number.", "date": 20241113}),
        "",
        json.dumps({"id": "ok2", "text": "Sybiha met Blinken."}),
    ]
    content = ("\n".join(lines) + "\n").encode() + b'{"id": "latin", "text": "caf\xe9"}\n'
    docs, errors = run(tmp_path, "c.jsonl", content)
    # c.jsonl sorts before good.txt
    assert [d.id for d in docs[:2]] == ["ok1", "ok2"]
    assert [d.text for d in docs[2:]] == [GOOD]
    f = tmp_path / "c.jsonl"
    assert [e.source for e in errors] == [f"{f}:{n}" for n in (2, 3, 4, 5, 6, 7, 10)]
    reasons = [e.reason for e in errors]
    assert "invalid JSON" in reasons[0]
    assert "expected a JSON object, got list" in reasons[1]
    assert 'field "text"' in reasons[2] and 'field "text"' in reasons[3]
    assert 'field "id"' in reasons[4]
    assert "'date' must be a string" in reasons[5]
    assert "not valid UTF-8" in reasons[6]


def test_ten_megabyte_text_is_rejected_without_reading_it(tmp_path):
    docs, (error,) = run(tmp_path, "huge.txt", b"word " * (2 * 1024 * 1024))  # 10 MB
    assert [d.text for d in docs] == [GOOD]
    assert "text too long" in error.reason and "--max-chars" in error.reason


def test_max_chars_applies_per_document(tmp_path):
    text = "Blinken met Rutte. " * 10  # 190 characters
    f = tmp_path / "c.jsonl"
    f.write_text(json.dumps({"id": "long", "text": text}) + "\n" + json.dumps({"id": "short", "text": "Hi."}) + "\n")
    errors: list[InputError] = []
    docs = list(read_documents([f], on_error=errors.append, max_chars=100))
    assert [d.id for d in docs] == ["short"]
    assert errors[0].source == f"{f}:1" and "190 characters" in errors[0].reason
    assert [d.id for d in read_documents([f], max_chars=190)] == ["long", "short"]


def test_missing_path_is_an_input_error(tmp_path):
    errors: list[InputError] = []
    assert list(read_documents([tmp_path / "nope.txt"], on_error=errors.append)) == []
    assert "no such file" in errors[0].reason


def test_without_a_handler_the_error_is_raised(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        list(read_documents([tmp_path / "empty.txt"]))
