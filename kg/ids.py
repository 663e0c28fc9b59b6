"""Stable identifiers: the same input always gives the same ids.

Ids are plain strings used by every sink; :func:`kg.sinks.namespace.mint_iri`
turns them into IRIs in one place.

>>> entity_id("Person", "Antony Blinken")
'person/antony-blinken'
>>> doc_id_for_text("hello") == doc_id_for_text("hello")
True
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_SLUG_STRIP = re.compile(r"[^a-z0-9]+")


def slug(name: str) -> str:
    """Lower-case ASCII slug; non-Latin names fall back to a short hash."""
    ascii_ = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    s = _SLUG_STRIP.sub("-", ascii_.lower()).strip("-")
    return s or "x" + digest(name, 10)


def digest(*parts: object, n: int = 16) -> str:
    """Short, stable hex digest of the parts."""
    h = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8"))
    return h.hexdigest()[:n]


def doc_id_for_text(text: str) -> str:
    """Content-derived document id for inputs that carry none."""
    return "doc-" + digest(text, n=16)


def entity_id(type_: str, name: str) -> str:
    """Entity id from type and canonical name; merges across documents."""
    return f"{type_.lower()}/{slug(name)}"


def relation_id(doc: str, subject: str, predicate: str, obj: str, start: int, end: int) -> str:
    return f"{doc}/rel/{digest(subject, predicate, obj, start, end, n=12)}"


def statement_id(doc: str, cue_start: int, cue_end: int) -> str:
    return f"{doc}/stmt/{cue_start}-{cue_end}"


def sentence_id(doc: str, index: int) -> str:
    return f"{doc}/sent/{index}"


def span_id(doc: str, start: int, end: int) -> str:
    """A stretch of a document's text; one id per (document, start, end)."""
    return f"{doc}/span/{start}-{end}"
