"""The scraped-page format of the seed: metadata and skip ranges."""

from __future__ import annotations

from pathlib import Path

from kg.ingest import read_documents
from kg.ingest.scraped import parse_scraped


def seed_doc(seed_path: Path):
    (doc,) = read_documents([seed_path])
    return doc


def test_seed_metadata(seed_path: Path):
    doc = seed_doc(seed_path)
    assert doc.meta.title == (
        "US Secretary of State assures NATO Secretary General of strengthened support for Kyiv in coming months"
    )
    assert doc.meta.date == "2024-11-13"
    assert doc.meta.author == "Ulyana Krychkovska"


def test_seed_skip_ranges_cover_exactly_the_boilerplate(seed_path: Path):
    doc = seed_doc(seed_path)
    title = doc.meta.title
    assert [doc.text[s:e] for s, e in doc.skip] == [
        "date 2024-11-13 All Sections",
        title,
        "Ulyana KrychkovskaWednesday, 13 November 2024, 13:19",
        title,
        "Antony Blinken. Stock photo: Getty Images",
        "Background:",
        "aid for Ukraine",
    ]
    # Skip ranges stay in the text: offsets of the body do not move.
    assert doc.text == seed_path.read_text(encoding="utf-8")


def test_seed_body_is_outside_every_skip_range(seed_path: Path):
    doc = seed_doc(seed_path)
    body_phrases = [
        "US Secretary of State Antony Blinken assured NATO",
        "Source: European Pravda",
        "During a meeting with Rutte in Brussels",
        "He also highlighted",
        "Quote: \"President Biden fully intends",
        "Pentagon spokesperson Pat Ryder reported",
        "She noted that both presidential aid packages",
    ]
    for phrase in body_phrases:
        start = doc.text.index(phrase)
        end = start + len(phrase)
        assert all(e <= start or s >= end for s, e in doc.skip), phrase


def test_byline_with_space_and_without_author():
    text = " date 2024-01-02 Politics\nHeadline\nJohn Smith Tuesday, 2 January 2024\nBody sentence one.\n"
    meta, skip = parse_scraped(text)
    assert (meta.title, meta.date, meta.author) == ("Headline", "2024-01-02", "John Smith")
    assert [text[s:e] for s, e in skip] == ["date 2024-01-02 Politics", "Headline", "John Smith Tuesday, 2 January 2024"]

    meta, _ = parse_scraped(" date 2024-01-02 X\nHeadline\nTuesday, 2 January 2024, 10:00\nBody.\n")
    assert meta.author is None and meta.title == "Headline"


def test_plain_text_is_not_taken_for_a_scraped_page():
    meta, skip = parse_scraped("Blinken met Rutte.\nThe date 2024-11-13 was a Wednesday.\nnot a tag line")
    assert meta.title is None and meta.date is None and meta.author is None
    assert skip == ()


def test_photo_caption_in_plain_text_is_skipped(tmp_path: Path):
    f = tmp_path / "a.txt"
    text = "Blinken met Rutte in Brussels.\nMark Rutte. Photo: Reuters\nRutte thanked him.\n"
    f.write_text(text, encoding="utf-8")
    (doc,) = read_documents([f])
    assert [doc.text[s:e] for s, e in doc.skip] == ["Mark Rutte. Photo: Reuters"]


def test_windows_line_endings_keep_offsets_exact(seed_path: Path, tmp_path: Path):
    crlf = seed_path.read_text(encoding="utf-8").replace("\n", "\r\n")
    f = tmp_path / "crlf.txt"
    f.write_bytes(crlf.encode("utf-8"))
    (doc,) = read_documents([f])
    assert doc.text == crlf
    assert doc.meta.author == "Ulyana Krychkovska"
    unix = seed_doc(seed_path)
    assert [doc.text[s:e] for s, e in doc.skip] == [unix.text[s:e] for s, e in unix.skip]
