"""The build manifest: document id → content hash → what it produced.

``OUT/manifest.jsonl`` is an append-only log, one JSON object per line, that
makes builds incremental:

- ``{"id", "hash", "source", "record", "outputs", "counts"}`` says that
  document ``id`` with content ``hash`` was extracted into the
  ``extractions.jsonl`` line whose SHA-256 is ``record`` and written to
  ``outputs``; a later line for the same id supersedes it;
- ``{"forget": id}`` retracts a document.

**Keys.** A document is keyed by its id. A JSONL line's ``id`` is given by
the user, so the same id with another text is a *changed* document. Files
(``.txt``, ``.html``) get content-derived ids, so an edited file has a new
id; its resolved absolute path is kept as ``source``, and a new id from a
``source`` already in the manifest retracts the old id (the file changed).
JSONL lines without an ``id`` (content-derived ids) have no source: an
edited line is a new document and the old one stays until ``kg forget``.

**Hash.** SHA-256 over the text, the metadata, the skip ranges and the model
name, so a changed title or ``--model`` also re-extracts.

**Crash safety.** The build appends the record to ``extractions.jsonl``
first and the manifest line second, each flushed whole. On open,
:meth:`Manifest.reconcile` keeps exactly the ``extractions.jsonl`` lines
the manifest names (by line hash): a record written just before a kill,
without its manifest line, is dropped and redone, and a record superseded by a
changed document is removed (the file is rewritten atomically). A torn last
manifest line is dropped. So a build killed at any point and re-run ends
where an uninterrupted build ends.

>>> import tempfile
>>> from pathlib import Path
>>> d = Path(tempfile.mkdtemp())
>>> m = Manifest.open(d)
>>> m.add("a", "h1", None, '{"id": "a"}', ("jsonl",), {})
>>> m.close()
>>> Manifest.open(d).entries["a"]["hash"]
'h1'
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any, Iterable, Iterator

from kg.errors import SinkError
from kg.model import Document
from kg.sinks.jsonl_sink import atomic_output

log = logging.getLogger(__name__)

#: The manifest inside the output directory.
MANIFEST = "manifest.jsonl"
#: The extraction records inside the output directory (same as :data:`kg.build.EXTRACTIONS`).
EXTRACTIONS = "extractions.jsonl"


def content_hash(doc: Document, model: str) -> str:
    """What decides whether a document must be extracted again.

    >>> from kg.model import Document
    >>> a = content_hash(Document("x", "Rutte met Blinken."), "en_core_web_sm")
    >>> a == content_hash(Document("x", "Rutte met Blinken."), "en_core_web_sm")
    True
    >>> a == content_hash(Document("x", "Rutte met Sybiha."), "en_core_web_sm")
    False
    """
    payload = json.dumps(
        [doc.text, dataclasses.asdict(doc.meta), [list(r) for r in doc.skip], model],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def line_hash(line: str | bytes) -> str:
    """SHA-256 of one ``extractions.jsonl`` line (without its newline)."""
    data = line if isinstance(line, bytes) else line.encode("utf-8")
    return hashlib.sha256(data.rstrip(b"\n")).hexdigest()


def source_key(doc: Document) -> str | None:
    """The manifest source of a file document: its resolved path; ``None`` for JSONL lines and stdin.

    >>> source_key(Document("d", "t", origin="corpus.jsonl:3")) is None
    True
    """
    from kg.ingest.readers import JSONL_SUFFIXES

    if not doc.origin:
        return None
    path = Path(doc.origin)
    if path.suffix.lower() in JSONL_SUFFIXES or not path.is_file():
        return None
    return str(path.resolve())


class Manifest:
    """The manifest of one output directory (open with :meth:`open`)."""

    def __init__(self, path: Path, entries: dict[str, dict[str, Any]], *, legacy: bool):
        self.path = path
        #: id → the live entry (``hash`` is ``None`` for records adopted from a build without a manifest).
        self.entries = entries
        self.legacy = legacy
        self._f = None
        self._superseded = 0

    # -- reading ---------------------------------------------------------------
    @classmethod
    def open(cls, out_dir: str | os.PathLike[str]) -> "Manifest":
        """Read ``OUT/manifest.jsonl`` (repairing a torn last line); nothing is reconciled yet."""
        out = Path(out_dir)
        path = out / MANIFEST
        entries: dict[str, dict[str, Any]] = {}
        if not path.exists():
            return cls(path, entries, legacy=(out / EXTRACTIONS).exists())
        data = path.read_bytes()
        lines = data.split(b"\n")
        good = len(data)
        if data and not data.endswith(b"\n"):  # torn by a kill: the last line is incomplete
            good = len(data) - len(lines[-1])
            lines = lines[:-1]
        superseded = 0
        for lineno, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError) as e:
                raise SinkError(
                    f"{path}:{lineno}: not a manifest line ({e}); delete {path} and run `kg build --fresh`"
                ) from e
            if "forget" in obj:
                superseded += 1 + (entries.pop(obj["forget"], None) is not None)
            elif "id" in obj:
                superseded += entries.pop(obj["id"], None) is not None
                entries[obj["id"]] = obj  # dict order = order of the latest write
        if good < len(data):
            log.warning("%s: dropping an incomplete last line left by an interrupted run", path)
            with atomic_output(path, "wb") as f:
                f.write(data[:good])
        m = cls(path, entries, legacy=False)
        m._superseded = superseded
        return m

    def by_source(self) -> dict[str, str]:
        """source → id of the live entries that have one."""
        return {e["source"]: i for i, e in self.entries.items() if e.get("source")}

    # -- reconciling with extractions.jsonl ----------------------------------------
    def reconcile(self, jsonl_path: Path) -> int:
        """Make ``extractions.jsonl`` hold exactly the records this manifest names.

        Returns the number of lines dropped. For an output directory built
        before manifests existed (``legacy``), every record is adopted instead,
        with an unknown hash (the next build fills it in without NLP work).
        """
        if not jsonl_path.exists():
            return 0
        if self.legacy:
            self._adopt(jsonl_path)
            return 0
        # A file whose content changed got a new id; if a kill came between the
        # new entry and the retraction of the old one, finish the retraction.
        claimed: dict[str, str] = {}
        for doc_id, entry in reversed(list(self.entries.items())):
            source = entry.get("source")
            if source and source in claimed:
                self.forget(doc_id)
            elif source:
                claimed[source] = doc_id
        keep: list[bytes] = []
        dropped = 0
        seen: set[str] = set()
        with open(jsonl_path, "rb") as f:
            for raw in f:
                line = raw.rstrip(b"\n")
                if not line.strip():
                    continue
                doc_id = _record_id(line)
                entry = self.entries.get(doc_id) if doc_id is not None else None
                if entry is not None and doc_id not in seen and entry.get("record") in (None, line_hash(line)):
                    seen.add(doc_id)
                    keep.append(line)
                else:
                    dropped += 1
        if dropped:
            log.info("%s: dropping %d superseded or unfinished records", jsonl_path, dropped)
            with atomic_output(jsonl_path, "wb") as f:
                for line in keep:
                    f.write(line + b"\n")
        missing = [i for i in self.entries if i not in seen]
        for doc_id in missing:  # the manifest names a record that is gone: extract it again
            self.entries.pop(doc_id)
        return dropped

    def _adopt(self, jsonl_path: Path) -> None:
        with open(jsonl_path, "rb") as f:
            for raw in f:
                line = raw.rstrip(b"\n")
                doc_id = _record_id(line)
                if doc_id is not None and doc_id not in self.entries:
                    self.entries[doc_id] = {"id": doc_id, "hash": None, "source": None, "record": line_hash(line)}
        log.info("%s: adopted %d records of a build without a manifest", jsonl_path, len(self.entries))
        self.legacy = False
        self._rewrite()

    # -- writing ------------------------------------------------------------------
    def _append(self, obj: dict[str, Any]) -> None:
        if self._f is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._f = open(self.path, "a", encoding="utf-8", newline="\n")
        try:
            self._f.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n")
            self._f.flush()
        except OSError as e:
            raise SinkError(f"cannot write {self.path}: {e.strerror or e}; check free disk space") from e

    def add(
        self,
        doc_id: str,
        hash_: str | None,
        source: str | None,
        record_line: str | None,
        outputs: Iterable[str],
        counts: dict[str, int],
        *,
        record: str | None = None,
    ) -> None:
        """Record that ``doc_id`` (content ``hash_``) produced ``record_line`` and ``outputs``."""
        entry = {
            "id": doc_id,
            "hash": hash_,
            "source": source,
            "record": record if record is not None else line_hash(record_line or ""),
            "outputs": sorted(set(outputs)),
            "counts": counts,
        }
        if self.entries.pop(doc_id, None) is not None:
            self._superseded += 1
        self.entries[doc_id] = entry
        self._append(entry)

    def forget(self, doc_id: str) -> dict[str, Any] | None:
        """Retract ``doc_id``; returns its entry (``None`` if it was not in the manifest)."""
        entry = self.entries.pop(doc_id, None)
        self._append({"forget": doc_id})
        self._superseded += 2
        return entry

    def touch(self) -> None:
        """Create the (empty) manifest, so a build killed before its first record is not taken for a legacy one."""
        if not self.path.exists():
            self._append_nothing()

    def _append_nothing(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.touch()

    def close(self) -> None:
        """Flush; compact the log (atomically) when superseded lines outnumber live ones."""
        if self._f is not None:
            self._f.flush()
            os.fsync(self._f.fileno())
            self._f.close()
            self._f = None
        if self._superseded and self._superseded >= len(self.entries) // 2:
            self._rewrite()

    def _rewrite(self) -> None:
        with atomic_output(self.path) as f:
            for entry in self.entries.values():
                f.write(json.dumps(entry, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n")
        self._superseded = 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.entries.values())


def _record_id(line: bytes) -> str | None:
    try:
        obj = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return obj.get("id") if isinstance(obj, dict) else None
