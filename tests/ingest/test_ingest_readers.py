"""Readers: .txt, .html, .jsonl, directories and stdin, on real files."""

from __future__ import annotations

import io
import json
from pathlib import Path

from kg import ids
from kg.ingest import read_documents, read_stream
from kg.model import Document

ARTICLE = "US Secretary of State Antony Blinken met NATO Secretary General Mark Rutte in Brussels.\n"

HTML = """<!DOCTYPE html>
<html><head>
<title>Blinken meets Rutte | Example News</title>
<meta name="author" content="Jane Doe">
<meta property="article:published_time" content="2024-11-13T13:19:00Z">
<meta property="og:site_name" content="Example News">
<link rel="canonical" href="https://example.org/world/blinken-rutte">
</head><body>
<nav><a href="/">Home</a> | <a href="/world">World</a> | Subscribe now</nav>
<article>
<h1>Blinken meets Rutte</h1>
<p>US Secretary of State Antony Blinken met NATO Secretary General Mark Rutte in Brussels on Wednesday.
The two discussed support for Ukraine in the coming months.</p>
<p>Blinken said the alliance must bolster its defence industry, according to the US Department of State.</p>
</article>
<footer>Copyright 2024 Example News. All rights reserved.</footer>
</body></html>
"""


def read_all(*inputs, **kw) -> tuple[list[Document], list[str]]:
    errors: list[str] = []
    docs = list(read_documents([str(i) for i in inputs], on_error=lambda e: errors.append(str(e)), **kw))
    return docs, errors


def test_txt_keeps_text_exactly_and_derives_the_id_from_it(tmp_path: Path):
    f = tmp_path / "a.txt"
    f.write_text(ARTICLE, encoding="utf-8")
    (doc,), errors = read_all(f)
    assert errors == []
    assert doc.text == ARTICLE
    assert doc.id == ids.doc_id_for_text(ARTICLE)
    assert doc.origin == str(f)
    assert doc.skip == ()


def test_txt_byte_order_mark_is_not_text(tmp_path: Path):
    f = tmp_path / "bom.txt"
    f.write_bytes("\ufeff".encode() + ARTICLE.encode())
    (doc,), _ = read_all(f)
    assert doc.text == ARTICLE


def test_html_main_text_and_metadata_via_trafilatura(tmp_path: Path):
    f = tmp_path / "page.html"
    f.write_text(HTML, encoding="utf-8")
    (doc,), errors = read_all(f)
    assert errors == []
    assert "Antony Blinken met NATO Secretary General Mark Rutte in Brussels" in doc.text
    assert "Subscribe now" not in doc.text and "Copyright" not in doc.text
    assert doc.meta.title == "Blinken meets Rutte"
    assert doc.meta.author == "Jane Doe"
    assert doc.meta.date == "2024-11-13"
    assert doc.meta.url == "https://example.org/world/blinken-rutte"
    assert doc.meta.source == "Example News"
    # The headline repeats the title: it is a skip range, and stays in the text.
    assert [doc.text[s:e] for s, e in doc.skip] == ["Blinken meets Rutte"]
    assert doc.id == ids.doc_id_for_text(doc.text)


def test_htm_extension_is_read_as_html(tmp_path: Path):
    f = tmp_path / "page.HTM"
    f.write_text(HTML, encoding="utf-8")
    (doc,), errors = read_all(f)
    assert errors == [] and doc.meta.author == "Jane Doe"


def test_jsonl_ids_metadata_and_offsets_as_given(tmp_path: Path):
    f = tmp_path / "corpus.jsonl"
    rows = [
        {"id": "a1", "text": "Blinken met Rutte .", "title": "T", "date": "2024-11-13", "url": "https://x.org/1",
         "source": "UP", "author": "U. K.", "tokens": ["ignored"]},
        {"text": "  Pat Ryder works for the Pentagon.  "},
        {"id": 17, "text": "Sybiha met Blinken."},
    ]
    f.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n", encoding="utf-8")
    docs, errors = read_all(f)
    assert errors == []
    assert [d.id for d in docs] == ["a1", ids.doc_id_for_text(rows[1]["text"]), "17"]
    assert docs[0].meta.title == "T" and docs[0].meta.source == "UP" and docs[0].meta.author == "U. K."
    assert docs[0].meta.url == "https://x.org/1" and docs[0].meta.date == "2024-11-13"
    assert docs[1].text == rows[1]["text"]  # leading/trailing spaces kept: offsets are into it
    assert [d.origin for d in docs] == [f"{f}:1", f"{f}:2", f"{f}:3"]


def test_directories_are_read_recursively_in_sorted_order(tmp_path: Path):
    corpus = tmp_path / "corpus"
    for rel, text in [("b/z.txt", "Zed."), ("a.txt", "Ay."), ("b/a/x.txt", "Ex."), ("c.txt", "Cee."),
                      (".hidden.txt", "Hidden."), (".git/x.txt", "Git.")]:
        p = corpus / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    docs, errors = read_all(corpus)
    assert errors == []
    assert [d.text for d in docs] == ["Ay.", "Ex.", "Zed.", "Cee."]
    again, _ = read_all(corpus)
    assert [d.id for d in again] == [d.id for d in docs]


def test_stdin_plain_text_jsonl_and_html(tmp_path: Path):
    (doc,), _ = read_all("-", stdin=io.BytesIO(ARTICLE.encode()))
    assert doc.text == ARTICLE and doc.origin == "<stdin>" and doc.id == ids.doc_id_for_text(ARTICLE)

    lines = b'{"id": "s1", "text": "Rutte spoke."}\n{"id": "s2", "text": "Blinken listened."}\n'
    assert [d.id for d in read_stream(io.BytesIO(lines))] == ["s1", "s2"]

    (page,) = read_stream(io.BytesIO(HTML.encode()))
    assert page.meta.title == "Blinken meets Rutte"


def test_same_text_gives_same_id_wherever_the_file_is(tmp_path: Path):
    a = tmp_path / "one" / "article.txt"
    b = tmp_path / "two" / "renamed.txt"
    for p in (a, b):
        p.parent.mkdir()
        p.write_text(ARTICLE, encoding="utf-8")
    (da,), _ = read_all(a)
    (db,), _ = read_all(b)
    (ds,), _ = read_all("-", stdin=io.BytesIO(ARTICLE.encode()))
    assert da.id == db.id == ds.id
