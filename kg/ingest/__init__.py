"""Ingest: files, directories and stdin in, :class:`~kg.model.Document` out.

>>> from kg.ingest import read_documents
>>> callable(read_documents)
True
"""

from kg.ingest.readers import (
    DEFAULT_MAX_CHARS,
    STDIN_NAME,
    SUPPORTED_SUFFIXES,
    html_document,
    jsonl_document,
    read_documents,
    read_file,
    read_stream,
    text_document,
    walk,
)
from kg.ingest.scraped import parse_scraped

__all__ = [
    "DEFAULT_MAX_CHARS",
    "STDIN_NAME",
    "SUPPORTED_SUFFIXES",
    "html_document",
    "jsonl_document",
    "parse_scraped",
    "read_documents",
    "read_file",
    "read_stream",
    "text_document",
    "walk",
]
