"""Read inputs into :class:`~kg.model.Document` objects.

Supported: ``.txt``, ``.html``/``.htm`` (main text and metadata via
trafilatura), ``.jsonl`` (one ``{"id", "text", ...}`` object per line),
directories (recursively, in sorted order) and ``-`` for standard input.

Bad input never stops the run: each problem is an :class:`~kg.errors.InputError`
naming the file (and line) and the reason, handed to ``on_error``; every other
document is still yielded.

Document ids are stable. A JSONL record's own ``id`` is used as given.
Otherwise the id is derived from the text alone (:func:`kg.ids.doc_id_for_text`),
*not* from the file path, because:

* the same corpus built from another directory, a relative or an absolute
  path, a renamed copy or stdin gets the same ids, so re-runs and resumed runs
  agree and cross-run merging by id works;
* the id hashes exactly the text the offsets point into, so an id always
  identifies one set of offsets (if the text changes, the id changes with it);
* two byte-identical articles are one document, which is what a news graph
  wants (wire copies); the second copy is reported as a duplicate and skipped.
"""

from __future__ import annotations

import io
import json
import logging
import os
import sys
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator

from kg import ids
from kg.errors import InputError
from kg.ingest.scraped import caption_skips, lines_with_offsets, merge_ranges, parse_scraped
from kg.model import DocMeta, Document

log = logging.getLogger(__name__)

#: The default limit on one document's length in characters. It equals
#: spaCy's own ``nlp.max_length`` default: the parser and NER need roughly
#: 1 GB of temporary memory per 100,000 characters, so a 10 MB text is almost
#: surely a dump of many articles or not an article at all. Raise it with
#: ``--max-chars`` (the build raises ``nlp.max_length`` to match).
DEFAULT_MAX_CHARS = 1_000_000

TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm")
JSONL_SUFFIXES = (".jsonl",)
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + JSONL_SUFFIXES

#: JSONL fields copied into :class:`DocMeta`.
META_FIELDS = ("title", "date", "author", "url", "source")

#: How many leading bytes are checked for NUL to tell binary from text (as git does).
BINARY_SNIFF_BYTES = 8192

#: The name standard input gets in error messages and ``Document.origin``.
STDIN_NAME = "<stdin>"

ErrorHandler = Callable[[InputError], None]


def _raise(error: InputError) -> None:
    raise error


def read_documents(
    inputs: Iterable[str | os.PathLike[str]],
    *,
    on_error: ErrorHandler | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
    stdin: BinaryIO | None = None,
    exclude: Iterable[str | os.PathLike[str]] = (),
) -> Iterator[Document]:
    """Yield the documents of every input, in a deterministic order.

    Args:
        inputs: files, directories, or ``"-"`` for standard input.
        on_error: called with each :class:`InputError`; by default it is raised.
        max_chars: documents longer than this are rejected (see
            :data:`DEFAULT_MAX_CHARS`).
        stdin: the stream ``-`` reads (default ``sys.stdin.buffer``).
        exclude: directories left out of directory walks (the build's own
            output directory, so ``kg build . --out out/`` does not read it).
    """
    report = on_error or _raise
    excluded = tuple(Path(p).resolve() for p in exclude)
    for item in inputs:
        if str(item) == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            yield from read_stream(stream, STDIN_NAME, on_error=report, max_chars=max_chars)
            continue
        path = Path(item)
        if path.is_dir():
            for f in walk(path, exclude=excluded):
                yield from read_file(f, on_error=report, max_chars=max_chars)
        elif path.exists():
            yield from read_file(path, on_error=report, max_chars=max_chars)
        else:
            report(InputError(str(path), "no such file or directory; check the path"))


def walk(directory: Path, exclude: Iterable[Path] = ()) -> list[Path]:
    """Every non-hidden file under ``directory``, sorted by relative path.

    Hidden files and directories (``.git``, ``.DS_Store``) are left out, and
    so are the directories in ``exclude`` (resolved paths). Sorting by the
    POSIX relative path makes the order the same on every file system, so
    document order (and the JSONL) is deterministic.
    """
    excluded = set(exclude)
    found: list[Path] = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and (not excluded or (Path(root) / d).resolve() not in excluded)
        )
        found.extend(Path(root) / f for f in files if not f.startswith("."))
    return sorted(found, key=lambda p: p.relative_to(directory).as_posix())


def read_file(
    path: Path, *, on_error: ErrorHandler | None = None, max_chars: int = DEFAULT_MAX_CHARS
) -> Iterator[Document]:
    """Yield the document(s) in one file, chosen by its extension."""
    report = on_error or _raise
    name = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        report(
            InputError(
                name,
                f"unsupported file type {path.suffix or '(no extension)'!r}; "
                f"kg reads {', '.join(SUPPORTED_SUFFIXES)} files, directories and '-' (stdin)",
            )
        )
        return
    try:
        size = path.stat().st_size
        # UTF-8 needs at most 4 bytes per character, so a bigger text file is
        # too long for sure and is not read into memory at all. HTML carries
        # markup and scripts, so it gets more room before extraction.
        if suffix in TEXT_SUFFIXES and size > 4 * max_chars or suffix in HTML_SUFFIXES and size > 64 * max_chars:
            raise InputError(name, _too_long(f"{size:,} bytes", max_chars))
        with path.open("rb") as f:
            if suffix in JSONL_SUFFIXES:
                yield from _read_jsonl(f, name, report, max_chars)
                return
            data = f.read()
    except InputError as e:
        report(e)
        return
    except OSError as e:
        report(InputError(name, f"cannot read the file: {e.strerror or e}; check its permissions"))
        return
    try:
        if suffix in HTML_SUFFIXES:
            yield html_document(data, name, max_chars=max_chars)
        else:
            yield text_document(decode(data, name), name, max_chars=max_chars)
    except InputError as e:
        report(e)


def read_stream(
    stream: BinaryIO, name: str = STDIN_NAME, *, on_error: ErrorHandler | None = None, max_chars: int = DEFAULT_MAX_CHARS
) -> Iterator[Document]:
    """Read standard input (or any byte stream), guessing its format.

    JSONL when the first non-blank character is ``{``, HTML when it is ``<``,
    plain text otherwise.
    """
    report = on_error or _raise
    data = stream.read()
    head = data.lstrip()[:1]
    try:
        if head == b"{":
            yield from _read_jsonl(io.BytesIO(data), name, report, max_chars)
        elif head == b"<":
            yield html_document(data, name, max_chars=max_chars)
        else:
            yield text_document(decode(data, name), name, max_chars=max_chars)
    except InputError as e:
        report(e)


# -- formats -----------------------------------------------------------------


def decode(data: bytes, name: str) -> str:
    """Decode UTF-8 bytes; reject empty, binary and non-UTF-8 input.

    A leading byte-order mark is dropped: it is not text, and offsets count
    from the first character after it.

    >>> decode("Kyiv".encode(), "a.txt")
    'Kyiv'
    >>> decode(b"\\xff\\xfe", "a.txt")
    Traceback (most recent call last):
    ...
    kg.errors.InputError: a.txt: not valid UTF-8: byte 0xff at offset 0 (line 1); re-encode the file as UTF-8 (e.g. iconv -f LATIN1 -t UTF-8)
    """
    _check_binary(data, name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise InputError(
            name,
            f"not valid UTF-8: byte 0x{data[e.start]:02x} at offset {e.start} (line {line}); "
            "re-encode the file as UTF-8 (e.g. iconv -f LATIN1 -t UTF-8)",
        ) from e
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise InputError(name, "the file is empty (no text to extract); remove it or add text")
    return text


def _check_binary(data: bytes, name: str) -> None:
    nul = data.find(b"\x00", 0, BINARY_SNIFF_BYTES)
    if nul >= 0:
        raise InputError(
            name,
            f"binary file (NUL byte at offset {nul}), not UTF-8 text; "
            "pass .txt, .html or .jsonl text files (UTF-16 must be converted to UTF-8)",
        )


def _too_long(size: str, max_chars: int) -> str:
    return (
        f"text too long: {size}, over the limit of {max_chars:,} characters; "
        "split it into articles (e.g. one JSON object per line in a .jsonl file) "
        "or raise the limit with --max-chars (spaCy needs ~1 GB of memory per 100,000 characters)"
    )


def _check_length(text: str, name: str, max_chars: int) -> None:
    if len(text) > max_chars:
        raise InputError(name, _too_long(f"{len(text):,} characters", max_chars))


def text_document(text: str, name: str, *, max_chars: int = DEFAULT_MAX_CHARS) -> Document:
    """A plain-text document; scraped-page headers become metadata and skips.

    >>> d = text_document("Blinken met Rutte in Brussels.", "a.txt")
    >>> d.id == ids.doc_id_for_text(d.text), d.skip
    (True, ())
    """
    _check_length(text, name, max_chars)
    meta, skip = parse_scraped(text)
    if not skip:
        skip = merge_ranges(caption_skips(text))
    return Document(id=ids.doc_id_for_text(text), text=text, meta=meta, origin=name, skip=skip)


def html_document(data: bytes, name: str, *, max_chars: int = DEFAULT_MAX_CHARS) -> Document:
    """The main text and metadata of an HTML page, extracted by trafilatura.

    trafilatura drops navigation, footers and comments and finds title, author,
    date, canonical URL and site name. Its paragraphs are joined by blank lines
    so that spaCy never runs a headline into the first sentence; a leading
    headline equal to the title is a skip range (it is metadata).
    """
    import trafilatura  # heavy import, only when HTML is read

    _check_binary(data, name)
    if not data.strip():
        raise InputError(name, "the file is empty (no HTML to extract); remove it or add content")
    result = trafilatura.bare_extraction(data, with_metadata=True, include_comments=False, include_tables=False)
    raw = (getattr(result, "text", None) or "") if result is not None else ""
    paragraphs = [p.strip() for p in raw.splitlines() if p.strip()]
    if not paragraphs:
        raise InputError(name, "no main text found in the HTML page; check it is an article page, not a list or index")
    text = "\n\n".join(paragraphs)
    _check_length(text, name, max_chars)
    meta = DocMeta(
        title=_clean(getattr(result, "title", None)),
        date=_clean(getattr(result, "date", None)),
        author=_clean(getattr(result, "author", None)),
        url=_clean(getattr(result, "url", None)),
        source=_clean(getattr(result, "sitename", None) or getattr(result, "hostname", None)),
    )
    skip = caption_skips(text)
    if meta.title and paragraphs[0] == meta.title:
        skip.append((0, len(paragraphs[0])))
    return Document(id=ids.doc_id_for_text(text), text=text, meta=meta, origin=name, skip=merge_ranges(skip))


def _clean(value: object) -> str | None:
    if value is None:
        return None
    s = str(value).strip()
    return s or None


def _read_jsonl(f: BinaryIO, name: str, report: ErrorHandler, max_chars: int) -> Iterator[Document]:
    """One document per line; a bad line is reported and the rest still read."""
    head = f.read(BINARY_SNIFF_BYTES)
    try:
        _check_binary(head, name)
    except InputError as e:
        report(e)
        return
    f.seek(0)
    seen_any = False
    for lineno, raw in enumerate(f, start=1):
        if not raw.strip():
            continue
        seen_any = True
        where = f"{name}:{lineno}"
        try:
            yield jsonl_document(raw, where, max_chars=max_chars)
        except InputError as e:
            report(e)
    if not seen_any:
        report(InputError(name, "the file is empty (no JSON lines); remove it or add one object per line"))


def jsonl_document(raw: bytes | str, where: str, *, max_chars: int = DEFAULT_MAX_CHARS) -> Document:
    """Parse one JSONL line ``{"id", "text", "title"?, "date"?, "url"?, "source"?, "author"?}``.

    The ``text`` is kept exactly as given (offsets point into it); the ``id`` is
    used as given, or derived from the text when absent. Other fields are ignored.

    >>> jsonl_document('{"id": "a1", "text": "Rutte met Blinken.", "date": "2024-11-13"}', "c.jsonl:1").meta.date
    '2024-11-13'
    >>> jsonl_document('{"text": 5}', "c.jsonl:2")
    Traceback (most recent call last):
    ...
    kg.errors.InputError: c.jsonl:2: field "text" must be a non-empty string, got int; each line needs {"id": ..., "text": "..."}
    """
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise InputError(where, f"not valid UTF-8: byte 0x{raw[e.start]:02x} at column {e.start + 1}; re-encode the file as UTF-8") from e
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as e:
        raise InputError(where, f"invalid JSON ({e.msg} at column {e.colno}); each line must be one JSON object") from e
    if not isinstance(obj, dict):
        raise InputError(where, f"expected a JSON object, got {type(obj).__name__}; each line must be one JSON object")
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        got = "an empty string" if isinstance(text, str) else ("no such field" if text is None else type(text).__name__)
        raise InputError(where, f'field "text" must be a non-empty string, got {got}; each line needs {{"id": ..., "text": "..."}}')
    _check_length(text, where, max_chars)
    doc_id = obj.get("id")
    if doc_id is None:
        doc_id = ids.doc_id_for_text(text)
    elif isinstance(doc_id, bool) or not isinstance(doc_id, (str, int)) or not str(doc_id).strip():
        raise InputError(where, f'field "id" must be a non-empty string or integer, got {doc_id!r}; fix or remove it')
    meta = {}
    for key in META_FIELDS:
        value = obj.get(key)
        if value is not None and not isinstance(value, str):
            raise InputError(where, f"field {key!r} must be a string or null, got {type(value).__name__}; fix or remove it")
        meta[key] = value
    return Document(id=str(doc_id), text=text, meta=DocMeta(**meta), origin=where)


__all__ = [
    "DEFAULT_MAX_CHARS",
    "STDIN_NAME",
    "SUPPORTED_SUFFIXES",
    "decode",
    "html_document",
    "jsonl_document",
    "lines_with_offsets",
    "read_documents",
    "read_file",
    "read_stream",
    "text_document",
    "walk",
]
