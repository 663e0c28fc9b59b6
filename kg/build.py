"""Build orchestration: inputs → documents → extractions → every sink.

:func:`build` is what ``kg build`` runs; :func:`extract_records` is what
``kg extract`` runs. Both are plain functions that return a
:class:`BuildSummary`; printing is the CLI's business.

A build is **resumable**. ``out/extractions.jsonl`` is appended and flushed
one whole line per document, so a killed build leaves every finished document
on disk. The next build over the same inputs reads the ids already complete,
drops a torn last line, extracts only the rest, and then regenerates the graph
files from all records. The result equals an uninterrupted build.

Builds are also **incremental** (:mod:`kg.manifest`): ``out/manifest.jsonl``
records each document's content hash, so a re-run does no NLP work, added
documents are the only ones extracted, and a changed document is re-extracted
with its old record removed; the second pass then regenerates every graph
output, which retracts its old facts there too. :func:`forget` retracts a
removed document. The NLP runs in-process, on ``processes`` local workers
(:mod:`kg.workers`) or on a Dask cluster (:mod:`kg.distributed`); every engine
yields records in input order, so the output does not depend on the engine.

Graph files are written by the sinks registered in :data:`OUTPUTS`; each
writes its files atomically on ``close()``, so a failed or killed run leaves
the previous graph files intact rather than half-written.
"""

from __future__ import annotations

import importlib
import itertools
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator, Sequence

from kg import DEFAULT_MODEL, collector, ids
from kg.errors import ConfigError, InputError, KGError, SinkError
from kg.ingest import DEFAULT_MAX_CHARS, read_documents
from kg.model import Document, Extraction, Record
from kg.sinks import Sink
from kg.manifest import MANIFEST, Manifest, content_hash, source_key
from kg.sinks.jsonl_sink import JsonlWriter, completed_ids, iter_records

log = logging.getLogger(__name__)

#: The extraction records inside the output directory (always written).
EXTRACTIONS = "extractions.jsonl"

#: Graph outputs: name → (module, writer class, path handed to it, relative to
#: the output directory). Modules are imported only when the output is used,
#: so each writer plugs in with one line here.
OUTPUTS: dict[str, tuple[str, str, str]] = {
    "rdf": ("kg.sinks.rdf_sink", "RDFWriter", "."),  # graph.ttl, graph.trig, graph.jsonld, graph.nt
    "graphml": ("kg.sinks.nx_sink", "GraphMLWriter", "graph.graphml"),
    "html": ("kg.sinks.html_sink", "HTMLWriter", "graph.html"),  # offline interactive page (kg viz)
    "store": ("kg.sinks.store_sink", "build_writer", "store"),  # persistent pyoxigraph store for kg serve
}

#: Relative cost of each output's writer per record (``benchmarks/output_pass.py``),
#: used to split the outputs between processes when the build has several.
OUTPUT_COST: dict[str, float] = {"store": 4.0, "rdf": 2.5, "graphml": 1.0, "html": 0.3}

#: User corrections and the Wikidata table, kept in the output directory.
ALIASES = "aliases.tsv"
WIKIDATA = "wikidata.tsv"

#: What ``kg build`` writes when ``--format`` is not given: everything registered.
DEFAULT_OUTPUTS: tuple[str, ...] = tuple(OUTPUTS)

#: spaCy batch size for ``nlp.pipe``.
BATCH_SIZE = 16

ErrorHandler = Callable[[KGError], None]
DocumentHook = Callable[[Record], None]


@dataclass(frozen=True)
class BuildSummary:
    """What a run did; ``errors`` holds one message per failed input."""

    documents: int = 0
    skipped: int = 0
    changed: int = 0
    retracted: int = 0
    engine: str = "in-process"
    sentences: int = 0
    entities: int = 0
    relations: int = 0
    statements: int = 0
    errors: tuple[str, ...] = ()
    seconds: float = 0.0
    outputs: tuple[Path, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.errors

    def line(self) -> str:
        """The one-line summary the CLI prints at the end.

        >>> BuildSummary(documents=2, skipped=1, sentences=9, seconds=1.25).line()
        '2 documents (1 already done), 9 sentences, 0 entities, 0 relations, 0 statements, 0 errors in 1.2 s'
        >>> BuildSummary(skipped=5, seconds=0.5).line()
        '0 documents (5 already done), 0 sentences, 0 entities, 0 relations, 0 statements, 0 errors in 0.5 s; no NLP work (nothing new or changed)'
        >>> BuildSummary(documents=1, skipped=4, changed=1, retracted=1, seconds=2).line().split("; ")[1]
        '1 changed (re-extracted, old facts retracted), 1 retracted'
        """
        docs = f"{self.documents} document{'' if self.documents == 1 else 's'}"
        if self.skipped:
            docs += f" ({self.skipped} already done)"
        line = (
            f"{docs}, {self.sentences} sentences, {self.entities} entities, {self.relations} relations, "
            f"{self.statements} statements, {len(self.errors)} error{'' if len(self.errors) == 1 else 's'} "
            f"in {self.seconds:.1f} s"
        )
        if self.documents == 0 and self.skipped and not self.retracted:
            line += "; no NLP work (nothing new or changed)"
        elif self.changed or self.retracted:
            line += f"; {self.changed} changed (re-extracted, old facts retracted), {self.retracted} retracted"
        return line


class _Tally:
    def __init__(self) -> None:
        self.documents = self.skipped = self.sentences = self.entities = self.relations = self.statements = 0
        self.changed = self.retracted = 0
        self.engine = "in-process"
        self.errors: list[str] = []

    def add(self, rec: Record) -> None:
        self.documents += 1
        self.sentences += rec.sentences
        self.entities += rec.entities
        self.relations += rec.relations
        self.statements += rec.statements

    def summary(self, started: float, outputs: Sequence[Path] = ()) -> BuildSummary:
        return BuildSummary(
            documents=self.documents,
            skipped=self.skipped,
            changed=self.changed,
            retracted=self.retracted,
            engine=self.engine,
            sentences=self.sentences,
            entities=self.entities,
            relations=self.relations,
            statements=self.statements,
            errors=tuple(self.errors),
            seconds=time.perf_counter() - started,
            outputs=tuple(outputs),
        )


def check_outputs(names: Iterable[str]) -> None:
    """Raise :class:`ConfigError` for an output name nobody registered."""
    for name in names:
        if name != "jsonl" and name not in OUTPUTS:
            known = ", ".join(["jsonl", *OUTPUTS])
            raise ConfigError(f"unknown output format {name!r}; choose from: {known}")


def write_outputs(
    out_dir: str | os.PathLike[str],
    outputs: Sequence[str] | None = None,
    *,
    aliases: str | os.PathLike[str] | None = None,
    wikidata: str | os.PathLike[str] | None = None,
    processes: int = 1,
) -> list[Path]:
    """Resolve entities across the build and write every graph output from its records.

    This is the second pass of :func:`build`, and all of ``kg resolve``: it
    does no NLP, so corrections in an aliases file apply in seconds. The
    aliases and Wikidata files are copied into ``out_dir`` (``aliases.tsv``,
    ``wikidata.tsv``) and reused by later runs that do not name them.

    With ``processes`` > 1 the outputs are split into groups of similar cost
    (:data:`OUTPUT_COST`) written at the same time: this process writes the
    first group, each other group gets a process of its own that streams the
    same records with the resolution read back from ``resolution.json``. Every
    writer is deterministic, so the files are those of one process.

    Raises:
        ConfigError: an unknown output; InputError: a malformed aliases or Wikidata file;
        SinkError: an output cannot be written.
    """
    from kg.resolve import read_aliases, read_wikidata, resolve
    from kg.resolve.report import RESOLUTION, write_resolution

    out = Path(out_dir)
    jsonl_path = out / EXTRACTIONS
    names = tuple(DEFAULT_OUTPUTS if outputs is None else outputs)
    check_outputs(names)
    kept_aliases = _keep(aliases, out / ALIASES)
    kept_wikidata = _keep(wikidata, out / WIKIDATA)

    def resolve_build():
        resolution = resolve(
            _records(jsonl_path),
            aliases=read_aliases(kept_aliases) if kept_aliases else None,
            wikidata=read_wikidata(kept_wikidata) if kept_wikidata else None,
        )
        write_resolution(resolution, out / RESOLUTION)
        return resolution

    groups = output_groups(names, processes)
    if len(groups) <= 1:
        _write_sinks(out, groups[0] if groups else [], resolve_build())
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        with ProcessPoolExecutor(max_workers=len(groups) - 1, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=collector.tune) as pool:
            # start the output processes and import their writers while this one resolves the entities
            for group in groups[1:]:
                pool.submit(_import_writers, group)
            resolution = resolve_build()
            others = [pool.submit(_write_group, str(out), group) for group in groups[1:]]
            _write_sinks(out, groups[0], resolution)
            try:
                failures = [msg for msg in (f.result() for f in others) if msg]
            except BrokenProcessPool as e:
                raise SinkError(
                    f"a process writing the outputs {groups[1:]} died ({e}); the records are kept: "
                    "run `kg resolve OUT_DIR` (or the build again) to rewrite the outputs"
                ) from e
        if failures:
            raise SinkError("; ".join(failures))
    return [jsonl_path, out / RESOLUTION, *sorted(p for p in out.iterdir() if p.is_file() and p.name.startswith("graph."))]


def output_groups(names: Iterable[str], processes: int) -> list[list[str]]:
    """Split the graph outputs into at most ``processes`` groups of similar cost.

    Greedy, costliest first, into the cheapest group so far; deterministic.

    >>> output_groups(["jsonl", "rdf", "graphml", "html", "store"], 2)
    [['store'], ['rdf', 'graphml', 'html']]
    >>> output_groups(["rdf", "store"], 1)
    [['rdf', 'store']]
    """
    sinks = [n for n in dict.fromkeys(names) if n != "jsonl"]
    if processes <= 1 or len(sinks) <= 1:
        return [sinks] if sinks else []
    groups: list[list[str]] = [[] for _ in range(min(processes, len(sinks)))]
    costs = [0.0] * len(groups)
    for name in sorted(sinks, key=lambda n: -OUTPUT_COST.get(n, 1.0)):
        i = costs.index(min(costs))
        groups[i].append(name)
        costs[i] += OUTPUT_COST.get(name, 1.0)
    return groups


def _write_sinks(out: Path, names: Sequence[str], resolution) -> None:
    """Stream every record, resolved, into the writers ``names``; publish them, or abort them all."""
    from kg.resolve import apply

    sinks = open_sinks(names, out)
    if not sinks:
        return
    completed = False
    try:
        for ex in _records(out / EXTRACTIONS):
            resolved = apply(ex, resolution)
            for _, sink in sinks:
                sink.write(resolved)
        for _, sink in sinks:
            add_links = getattr(sink, "write_resolution", None)  # sinks that can say owl:sameAs
            if add_links is not None:
                add_links(resolution)
            sink.close()
        completed = True
    finally:
        if not completed:
            _abort(sinks)


def _import_writers(names: Sequence[str]) -> None:
    """A process of :func:`write_outputs`, before the resolution exists: import the writers of ``names``."""
    import kg.resolve.report  # noqa: F401  (read by _write_group)

    for name in names:
        importlib.import_module(OUTPUTS[name][0])


def _write_group(out_dir: str, names: Sequence[str]) -> str | None:
    """A process of :func:`write_outputs`: write ``names`` with the build's ``resolution.json``.

    Returns the error message of a :class:`KGError` (``None`` on success), so
    the parent reports it as its own.
    """
    from kg.resolve.report import resolution_for

    out = Path(out_dir)
    try:
        _write_sinks(out, names, resolution_for(out))
    except KGError as e:
        return f"output {', '.join(names)}: {e}"
    return None


def resolved_records(out_dir: str | os.PathLike[str]) -> Iterator[Extraction]:
    """Stream a build's records with entity ids resolved across documents.

    ``extractions.jsonl`` keeps each document's own entity ids; the graph
    outputs use the cross-document ids in ``resolution.json``. Loaders that
    read an output directory (Neo4j, the viewer) use this to see what the
    RDF and GraphML files see. Without a ``resolution.json`` the records are
    returned as they are.
    """
    from kg.resolve import apply
    from kg.resolve.report import resolution_for

    out = Path(out_dir)
    resolution = resolution_for(out)
    for ex in _records(out / EXTRACTIONS):
        yield apply(ex, resolution) if resolution is not None else ex


def _records(jsonl_path: Path) -> Iterator[Extraction]:
    if not jsonl_path.exists():
        return
    for rec in iter_records(jsonl_path):
        yield Extraction.from_dict(rec)


def _keep(source: str | os.PathLike[str] | None, kept: Path) -> Path | None:
    """Copy a corrections file into the output directory; fall back to the kept copy."""
    if source is None:
        return kept if kept.exists() else None
    src = Path(source)
    try:
        data = src.read_bytes()
    except OSError as e:
        raise InputError(str(src), f"cannot read: {e}") from e
    if src.resolve() != kept.resolve():
        tmp = kept.with_suffix(kept.suffix + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, kept)
    return kept


def open_sinks(names: Iterable[str], out_dir: Path) -> list[tuple[str, Sink]]:
    """Instantiate the registered writers ``names`` for ``out_dir``.

    Raises:
        ConfigError: an unknown output name, or its writer is not installed.
    """
    names = list(dict.fromkeys(names))  # "--format rdf,rdf" writes it once
    for name in names:
        if name != "jsonl" and name not in OUTPUTS:
            known = ", ".join(["jsonl", *OUTPUTS])
            raise ConfigError(f"unknown output format {name!r}; choose from: {known}")
    sinks: list[tuple[str, Sink]] = []
    try:
        for name in names:
            if name == "jsonl":
                continue  # always written, by the build itself
            module, cls, rel = OUTPUTS[name]
            try:
                factory = getattr(importlib.import_module(module), cls)
            except (ImportError, AttributeError) as e:
                raise ConfigError(f"output {name!r} needs {module}.{cls}, which cannot be imported: {e}") from e
            sinks.append((name, factory(out_dir if rel == "." else out_dir / rel)))
    except BaseException:
        _abort(sinks)  # release what was opened (e.g. the store's lock)
        raise
    return sinks


def _abort(sinks: Sequence[tuple[str, Sink]]) -> None:
    """Stop sinks without publishing; writers without ``abort()`` just never close."""
    for _, sink in sinks:
        abort = getattr(sink, "abort", None)
        if abort is not None:
            abort()


def _dedupe(
    documents: Iterable[Document], tally: _Tally, report: ErrorHandler, done: set[str]
) -> Iterator[Document]:
    """Drop documents already complete (resume) or seen earlier in this run.

    A repeated id with the same text is a duplicate copy (skipped with a
    warning); a repeated id with another text is an input error.
    """
    seen: dict[str, tuple[str, str]] = {}
    for doc in documents:
        digest = ids.digest(doc.text)
        if doc.id in seen:
            origin, first_digest = seen[doc.id]
            if first_digest == digest:
                log.warning("%s: same text as %s (id %s); skipped", doc.origin, origin, doc.id)
                tally.skipped += 1
            else:
                report(
                    InputError(
                        doc.origin,
                        f"duplicate document id {doc.id!r} (first used at {origin}) with a different text; "
                        "give each document its own id",
                    )
                )
            continue
        seen[doc.id] = (doc.origin, digest)
        if doc.id in done:
            tally.skipped += 1
            continue
        yield doc


@dataclass
class _Pending:
    """What the manifest needs about a document sent to extraction."""

    hash: str
    source: str | None
    replaces: str | None  # the id this file had before its content changed


def _plan(
    documents: Iterable[Document],
    tally: _Tally,
    report: ErrorHandler,
    manifest: Manifest,
    model: str,
    outputs: Sequence[str],
    pending: dict[str, _Pending],
) -> Iterator[Document]:
    """Yield the documents that need NLP: new ones and changed ones (see :mod:`kg.manifest`).

    Unchanged documents are skipped without NLP work; a moved file or a
    record adopted from a build without a manifest only updates its manifest
    entry. ``pending`` receives the hash and source of every yielded document.
    """
    sources = manifest.by_source()
    for doc in _dedupe(documents, tally, report, set()):
        hash_ = content_hash(doc, model)
        source = source_key(doc)
        entry = manifest.entries.get(doc.id)
        previous = sources.get(source) if source else None
        replaces = previous if previous is not None and previous != doc.id else None
        if entry is not None and entry.get("hash") in (None, hash_):
            tally.skipped += 1
            if entry.get("hash") is None or (source and entry.get("source") != source):
                # adopted from a build without a manifest, or the same text at a new path
                manifest.add(doc.id, hash_, source or entry.get("source"), None,
                             entry.get("outputs") or outputs, entry.get("counts") or {}, record=entry["record"])
                if source:
                    sources[source] = doc.id
            if replaces is not None:  # this file now holds a text already built under another path
                manifest.forget(replaces)
                tally.retracted += 1
            continue
        if entry is not None or replaces is not None:
            tally.changed += 1
        pending[doc.id] = _Pending(hash_, source, replaces)
        if source:
            sources[source] = doc.id
        yield doc


def _reporter(tally: _Tally, on_error: ErrorHandler | None) -> ErrorHandler:
    def report(error: KGError) -> None:
        tally.errors.append(str(error))
        if on_error is not None:
            on_error(error)

    return report


def _nlp(model: str, max_chars: int):
    from kg.nlp import load_model  # spaCy only when there is NLP to do

    nlp = load_model(model)
    if max_chars > nlp.max_length:
        # The user raised --max-chars on purpose; let spaCy accept it too.
        nlp.max_length = max_chars
    collector.freeze_loaded()  # the collector skips the model's objects from now on
    return nlp


def _extract_lazily(documents: Iterator[Document], model: str, max_chars: int, batch_size: int) -> Iterator[Extraction]:
    """Extract ``documents``, loading the model only if there is one to do.

    A re-run over a corpus that is already complete does no NLP work at all.
    """
    first = next(documents, None)
    if first is None:
        return
    from kg.nlp import extract_many

    nlp = _nlp(model, max_chars)
    yield from extract_many(itertools.chain([first], documents), nlp, batch_size=batch_size)


@collector.tuned()
def build(
    inputs: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    *,
    model: str = DEFAULT_MODEL,
    outputs: Sequence[str] | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
    fresh: bool = False,
    batch_size: int = BATCH_SIZE,
    on_error: ErrorHandler | None = None,
    on_document: DocumentHook | None = None,
    stdin: BinaryIO | None = None,
    aliases: str | os.PathLike[str] | None = None,
    wikidata: str | os.PathLike[str] | None = None,
    processes: int = 1,
    scheduler: str | None = None,
    release_model: bool = False,
) -> BuildSummary:
    """Build ``out_dir`` from ``inputs``: extraction records plus graph files.

    Two passes: the NLP pass appends one record per new document to
    ``extractions.jsonl`` (resumable), then :func:`write_outputs` resolves
    entities across all documents and writes every graph file from the
    records, so the graph always reflects the whole corpus.

    Args:
        inputs: files, directories and ``"-"`` (stdin).
        out_dir: created if missing. ``extractions.jsonl`` is always written;
            the graph files come from ``outputs``.
        model: the spaCy pipeline to load (:func:`kg.nlp.load_model`).
        outputs: names from :data:`OUTPUTS` (default :data:`DEFAULT_OUTPUTS`).
        max_chars: longer documents are rejected with an :class:`InputError`.
        fresh: start over: discard the existing ``extractions.jsonl`` instead
            of resuming from it.
        on_error: called with each input error as it happens (the CLI prints
            it); the build goes on with the other documents.
        on_document: called with each new document's :class:`~kg.model.Record` after it is written (progress).
        stdin: the stream ``"-"`` reads (default ``sys.stdin.buffer``).
        aliases: a user corrections file for entity resolution (kept in the
            output directory and reused by later runs).
        wikidata: an offline Wikidata table (qid, label, aliases), kept likewise.
        processes: NLP worker processes on this machine (:mod:`kg.workers`);
            the graph outputs are then also written by up to that many
            processes at once (:func:`write_outputs`).
        scheduler: a Dask scheduler address (``tcp://host:8786``): run the NLP
            on that cluster instead (:mod:`kg.distributed`).
        release_model: drop the models this process loaded before the output
            pass (:func:`kg.nlp.pipeline.release_models`), so the writers reuse
            their memory. ``kg build`` does; a process that builds again and
            again keeps them loaded (the default).

    Returns:
        the counts for the documents extracted in this run, the errors and the
        files written.

    Raises:
        ConfigError: an unknown or unavailable output.
        ModelError: the spaCy pipeline is not installed.
        SinkError: an output cannot be written, or the existing
            ``extractions.jsonl`` is damaged beyond a torn last line.
    """
    started = time.perf_counter()
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} exists and is not a directory; pass a directory path")
    if processes < 1:
        raise ConfigError(f"--processes {processes}: give 1 or more worker processes")
    out.mkdir(parents=True, exist_ok=True)
    tally = _Tally()
    report = _reporter(tally, on_error)
    names = tuple(DEFAULT_OUTPUTS if outputs is None else outputs)
    check_outputs(names)  # fail on a bad --format before any NLP work
    jsonl_path = out / EXTRACTIONS
    if fresh:
        jsonl_path.unlink(missing_ok=True)
        (out / MANIFEST).unlink(missing_ok=True)
    completed_ids(jsonl_path)  # drops a line torn by a kill; damage elsewhere is an error
    manifest = Manifest.open(out)
    manifest.reconcile(jsonl_path)  # exactly the records the manifest names
    manifest.touch()
    produced = ("jsonl", *(n for n in names if n != "jsonl"))
    pending: dict[str, _Pending] = {}
    # Never read our own outputs back in (``kg build . --out out/``).
    documents = read_documents(inputs, on_error=report, max_chars=max_chars, stdin=stdin, exclude=(out,))
    todo = _plan(documents, tally, report, manifest, model, produced, pending)
    try:
        with JsonlWriter(jsonl_path, append=True) as jsonl:
            for rec in _engine(todo, tally, model=model, max_chars=max_chars, batch_size=batch_size,
                               processes=processes, scheduler=scheduler):
                jsonl.write_line(rec.line)
                job = pending.pop(rec.id)
                manifest.add(rec.id, job.hash, job.source, rec.line, produced, rec.counts)
                if job.replaces is not None:  # the file's old text: retract its facts
                    manifest.forget(job.replaces)
                    tally.retracted += 1
                tally.add(rec)
                if on_document is not None:
                    on_document(rec)
        # Changed documents left their old record behind: drop it (atomic rewrite).
        manifest.reconcile(jsonl_path)
    finally:
        manifest.close()
    if release_model and "kg.nlp.pipeline" in sys.modules:  # a model was loaded here, not only in workers
        from kg.nlp.pipeline import release_models

        release_models()
    written = write_outputs(out, names, aliases=aliases, wikidata=wikidata, processes=processes)
    return tally.summary(started, written)


def _engine(
    documents: Iterator[Document],
    tally: _Tally,
    *,
    model: str,
    max_chars: int,
    batch_size: int,
    processes: int,
    scheduler: str | None,
) -> Iterator[Record]:
    """Pick where the NLP runs: here, on a local process pool, or on a Dask cluster.

    Every engine yields the records in input order, so the output does not
    depend on the engine. Nothing is started when there is nothing to extract.
    """
    first = next(documents, None)
    if first is None:
        return
    documents = itertools.chain([first], documents)
    if scheduler is not None:
        from kg.distributed import dask_extract

        tally.engine = f"dask {scheduler}"
        yield from dask_extract(documents, scheduler, model=model, max_chars=max_chars, batch_size=batch_size)
    elif processes > 1:
        from kg.workers import pool_extract

        tally.engine = f"{processes} processes"
        yield from pool_extract(documents, processes=processes, model=model, max_chars=max_chars,
                                batch_size=batch_size)
    else:
        for ex in _extract_lazily(documents, model, max_chars, batch_size):
            yield ex.record()


def forget(
    doc_ids: Sequence[str],
    out_dir: str | os.PathLike[str],
    *,
    outputs: Sequence[str] | None = None,
) -> BuildSummary:
    """Retract documents from a build: their record, their manifest entry and every graph output.

    The manifest line is the commit point; the records are then removed from
    ``extractions.jsonl`` (atomic rewrite) and the graph outputs regenerated,
    which drops the documents' named graphs from the store (see
    :func:`kg.sinks.store_sink.build_writer`). Neo4j is retracted separately
    (:func:`kg.sinks.neo4j_retract.retract_neo4j`, ``kg forget --neo4j-uri``).

    Raises:
        ConfigError: ``out_dir`` is not a build, or an id is not in it.
    """
    started = time.perf_counter()
    out = Path(out_dir)
    jsonl_path = out / EXTRACTIONS
    if not jsonl_path.exists():
        raise ConfigError(f"{out} holds no {EXTRACTIONS}; give the --out directory of a kg build")
    completed_ids(jsonl_path)
    manifest = Manifest.open(out)
    manifest.reconcile(jsonl_path)
    unknown = [d for d in doc_ids if d not in manifest.entries]
    if unknown:
        raise ConfigError(
            f"document id {unknown[0]!r} is not in {out / MANIFEST}; "
            "list the ids with `jq -r .id " + str(jsonl_path) + "`"
        )
    tally = _Tally()
    produced: set[str] = set()
    try:
        for doc_id in doc_ids:
            entry = manifest.forget(doc_id)
            produced.update((entry or {}).get("outputs") or ())
            tally.retracted += 1
        manifest.reconcile(jsonl_path)
    finally:
        manifest.close()
    if outputs is None:
        outputs = [n for n in OUTPUTS if n in produced] or list(DEFAULT_OUTPUTS)
    written = write_outputs(out, outputs)
    return tally.summary(started, written)


@collector.tuned()
def extract_records(
    inputs: Sequence[str | os.PathLike[str]],
    target: str | os.PathLike[str],
    *,
    model: str = DEFAULT_MODEL,
    max_chars: int = DEFAULT_MAX_CHARS,
    batch_size: int = BATCH_SIZE,
    on_error: ErrorHandler | None = None,
    on_document: DocumentHook | None = None,
    stdin: BinaryIO | None = None,
) -> BuildSummary:
    """Write the extraction records of ``inputs`` to ``target`` (a path or ``"-"``).

    A file target is replaced atomically when the run finishes, so an
    interrupted run leaves the previous file as it was. Input errors are
    reported and skipped, as in :func:`build`.
    """
    started = time.perf_counter()
    tally = _Tally()
    report = _reporter(tally, on_error)
    documents = read_documents(inputs, on_error=report, max_chars=max_chars, stdin=stdin)
    with JsonlWriter(target) as writer:
        for ex in _extract_lazily(_dedupe(documents, tally, report, set()), model, max_chars, batch_size):
            rec = ex.record()
            writer.write_line(rec.line)
            tally.add(rec)
            if on_document is not None:
                on_document(rec)
    return tally.summary(started, () if str(target) == "-" else (Path(target),))


def count_documents(inputs: Sequence[str | os.PathLike[str]]) -> int | None:
    """A cheap estimate of how many documents ``inputs`` hold (for progress bars).

    Counts files and non-blank JSONL lines without parsing anything; ``None``
    when stdin is among the inputs (it can be read only once).
    """
    from kg.ingest.readers import JSONL_SUFFIXES, walk

    total = 0
    for item in inputs:
        if str(item) == "-":
            return None
        path = Path(item)
        files = walk(path) if path.is_dir() else [path] if path.exists() else []
        for f in files:
            if f.suffix.lower() in JSONL_SUFFIXES:
                try:
                    with f.open("rb") as fh:
                        total += sum(1 for line in fh if line.strip())
                except OSError:
                    total += 1
            else:
                total += 1
    return total
