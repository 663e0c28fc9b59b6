"""The extraction records as JSON Lines: one :class:`~kg.model.Extraction` per line.

The record is the public contract between ``kg`` and its users; its JSON Schema
is ``kg/schema/extraction.schema.json`` (see ``docs/extraction-record.md``).

Two ways to write, both safe against interruption:

* ``JsonlWriter(path)`` writes a temporary file next to ``path`` and renames
  it over ``path`` on :meth:`~JsonlWriter.close` (``os.replace`` is atomic),
  so an interrupted run leaves the old file untouched;
* ``JsonlWriter(path, append=True)`` appends and flushes one whole line per
  document, which makes a build resumable: :func:`completed_ids` reads back
  the ids already done and drops a line torn by a kill.

``JsonlWriter("-")`` streams to standard output.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from importlib import resources
from pathlib import Path
from typing import IO, Any, Iterator

from kg.errors import SinkError
from kg.model import Extraction

log = logging.getLogger(__name__)

#: Where the JSON Schema of the extraction record ships (package data).
SCHEMA_RESOURCE = ("kg", "schema/extraction.schema.json")


def temp_path_for(path: Path) -> Path:
    """A temporary name in the same directory, so ``os.replace`` is atomic.

    >>> temp_path_for(Path("out/graph.ttl")).name.startswith(".graph.ttl.")
    True
    """
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str], mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO[Any]]:
    """Open a temporary file that replaces ``path`` only if the block succeeds.

    Readers never see a half-written ``path``: either the old file or the new
    one. On an exception the temporary file is removed and ``path`` is kept.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> with atomic_output(d / "x.txt") as f:
    ...     _ = f.write("done")
    >>> (d / "x.txt").read_text()
    'done'
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path_for(final)
    binary = "b" in mode
    f = open(tmp, mode, **({} if binary else {"encoding": encoding, "newline": "\n"}))
    try:
        yield f
        f.flush()
        os.fsync(f.fileno())
        f.close()
        os.replace(tmp, final)
    except BaseException:
        f.close()
        tmp.unlink(missing_ok=True)
        raise


class JsonlWriter:
    """Write extraction records, one JSON object per line.

    Args:
        target: a path, ``"-"`` for standard output, or an open text stream.
        append: append to ``target`` and flush after every record (resumable
            builds) instead of replacing it atomically at :meth:`close`.
    """

    def __init__(self, target: str | os.PathLike[str] | IO[str], *, append: bool = False):
        self._final: Path | None = None
        self._tmp: Path | None = None
        self._owned = True
        self.count = 0
        if hasattr(target, "write"):
            self._f: IO[str] = target  # type: ignore[assignment]
            self._owned = False
            self.path = None
        elif str(target) == "-":
            self._f = sys.stdout
            self._owned = False
            self.path = None
        else:
            path = Path(target)  # type: ignore[arg-type]
            self.path = path
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                if append:
                    self._f = open(path, "a", encoding="utf-8", newline="\n")
                else:
                    self._final, self._tmp = path, temp_path_for(path)
                    self._f = open(self._tmp, "w", encoding="utf-8", newline="\n")
            except OSError as e:
                raise SinkError(f"cannot open {path} for writing: {e.strerror or e}; check the directory and its permissions") from e

    def write(self, extraction: Extraction) -> None:
        """Write one record as one line and flush it."""
        self.write_line(extraction.to_json())

    def write_line(self, line: str) -> None:
        """Write one already-serialised record (no newline inside)."""
        try:
            self._f.write(line + "\n")
            self._f.flush()
        except OSError as e:
            raise SinkError(f"cannot write to {self.path or 'stdout'}: {e.strerror or e}; check free disk space") from e
        self.count += 1

    def close(self) -> None:
        """Finish: fsync and close the file; an atomic writer renames it into place."""
        if not self._owned:
            self._f.flush()
            return
        if self._f.closed:
            return
        try:
            self._f.flush()
            os.fsync(self._f.fileno())
            self._f.close()
            if self._tmp is not None and self._final is not None:
                os.replace(self._tmp, self._final)
        except OSError as e:
            raise SinkError(f"cannot finish {self.path}: {e.strerror or e}; check free disk space") from e

    def abort(self) -> None:
        """Stop without publishing: an atomic writer leaves ``target`` as it was."""
        if self._owned and not self._f.closed:
            self._f.close()
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> "JsonlWriter":
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def iter_records(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """Yield the records of an extractions file (blank lines skipped).

    Raises:
        SinkError: a line is not a JSON object (the file is damaged).
    """
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                raise SinkError(
                    f"{path}:{lineno}: not a JSON extraction record ({e.msg}); "
                    "delete the line or the file and run the build again"
                ) from e
            if not isinstance(rec, dict) or "id" not in rec:
                raise SinkError(f"{path}:{lineno}: not an extraction record (no \"id\"); delete the line or the file")
            yield rec


def completed_ids(path: str | os.PathLike[str]) -> list[str]:
    """Ids of the complete records in ``path``, repairing a torn last line.

    A build appends one flushed line per document, so a kill can only leave the
    *last* line incomplete (no newline, or not parseable). That line is removed
    (the file is rewritten atomically without it) and its document is simply
    extracted again. Damage anywhere else is an error: we never drop records
    we did not write ourselves.

    Raises:
        SinkError: a complete line in the middle is not a record.
    """
    p = Path(path)
    if not p.exists():
        return []
    data = p.read_bytes()
    keep = len(data)
    if data and not data.endswith(b"\n"):
        keep = data.rfind(b"\n") + 1
    else:
        last_start = data.rstrip(b"\n").rfind(b"\n") + 1
        last = data[last_start:].strip()
        if last:
            try:
                json.loads(last)
            except (json.JSONDecodeError, UnicodeDecodeError):
                keep = last_start
    if keep < len(data):
        log.warning("%s: dropping an incomplete last record (%d bytes) left by an interrupted run", p, len(data) - keep)
        with atomic_output(p, "wb") as f:
            f.write(data[:keep])
    done: list[str] = []
    seen: set[str] = set()
    for rec in iter_records(p):
        if rec["id"] not in seen:
            seen.add(rec["id"])
            done.append(rec["id"])
    return done


def load_schema() -> dict[str, Any]:
    """The JSON Schema of the extraction record."""
    package, name = SCHEMA_RESOURCE
    return json.loads(resources.files(package).joinpath(name).read_text(encoding="utf-8"))


def validate_record(record: dict[str, Any], text: str | None = None) -> None:
    """Check a record against the JSON Schema and, given the text, every offset.

    JSON Schema cannot say that ``text[start:end]`` equals the quoted span, so
    that invariant is checked here for sentences, mentions, cues, content and
    evidence when the document text is given.

    Raises:
        SinkError: naming the first violation and where it is.
    """
    import jsonschema

    try:
        jsonschema.validate(record, load_schema(), cls=jsonschema.Draft202012Validator)
    except jsonschema.ValidationError as e:
        where = "/".join(str(p) for p in e.absolute_path) or "(record)"
        raise SinkError(f"record {record.get('id')!r} breaks the schema at {where}: {e.message}") from e
    if text is None:
        return
    for where, start, end, quoted in _quoted_spans(record):
        if text[start:end] != quoted:
            raise SinkError(
                f"record {record['id']!r}: {where} quotes {quoted!r} but text[{start}:{end}] is {text[start:end]!r}"
            )


def _quoted_spans(record: dict[str, Any]) -> Iterator[tuple[str, int, int, str]]:
    for s in record["sentences"]:
        yield f"sentence {s['index']}", s["start"], s["end"], s["text"]
    for e in record["entities"]:
        for m in e["mentions"]:
            yield f"mention of {e['id']}", m["start"], m["end"], m["text"]
    for r in record["relations"]:
        ev = r["evidence"]
        yield f"evidence of {r['id']}", ev["start"], ev["end"], ev["text"]
    for st in record["statements"]:
        ev = st["evidence"]
        yield f"evidence of {st['id']}", ev["start"], ev["end"], ev["text"]
        yield f"cue of {st['id']}", st["cue"]["start"], st["cue"]["end"], st["cue"]["text"]
        c = st["content"]
        if "start" in c:
            yield f"content of {st['id']}", c["start"], c["end"], c["text"]
        for q in st["quantities"]:
            yield f"quantity in {st['id']}", q["start"], q["end"], q["text"]
