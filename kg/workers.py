"""Parallel extraction: the same NLP work spread over processes (``kg build --processes N``).

Every worker process runs the *whole* per-document work, spaCy and kg's rule
functions alike (:func:`extract_batch`), and serialises its records
(:func:`record_batch`), so all of it scales with the cores; the parent only
reads inputs and writes the lines it receives. Workers load the model once
(:func:`worker_model`, cached per process) and receive documents in batches.

Memory stays flat as the corpus grows: :func:`pool_extract` keeps at most a
fixed window of batches in flight (documents are read lazily from the input
iterator, never all at once) and yields results in input order, so the output
of ``--processes 4`` is byte-for-byte that of one process.

The same :func:`record_batch` runs on Dask workers (:mod:`kg.distributed`).
"""

from __future__ import annotations

import collections
import itertools
import logging
import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Iterable, Iterator, Sequence

from kg import collector
from kg.model import Document, Extraction, Record

log = logging.getLogger(__name__)

#: Tasks submitted but not finished, per worker: enough to keep every worker busy while the
#: parent writes, small enough that memory does not depend on corpus size.
WINDOW_PER_WORKER = 2

#: Finished tasks held back, per worker, until the tasks before them finish (results are
#: yielded in input order). A long article no longer stalls the other workers: they go on
#: with later tasks while its task runs, and their records (a few KB per document) wait here.
REORDER_PER_WORKER = 8

#: Documents per pool task. Small tasks keep every worker busy to the end of the
#: corpus (with 16-document tasks the last one could leave the other workers idle
#: for 16 documents' worth of NLP); each worker still pipes its documents through
#: spaCy with the build's batch size.
TASK_SIZE = 4

_MODELS: dict[tuple[str, int], object] = {}
_LOCK = threading.Lock()
#: What this process did: model loads and batches extracted (see :func:`worker_stats`).
_STATS = {"loads": 0, "batches": 0}


def worker_model(model: str, max_chars: int):
    """The spaCy pipeline for ``model``, loaded once per process and reused by every task.

    Dask runs tasks in threads of a long-lived worker process and a process
    pool reuses its processes, so caching here means one model load per
    worker, not one per batch.
    """
    key = (model, max_chars)
    nlp = _MODELS.get(key)
    if nlp is None:
        from kg.nlp import load_model

        nlp = load_model(model)
        if max_chars > nlp.max_length:
            nlp.max_length = max_chars  # the user raised --max-chars on purpose
        _MODELS[key] = nlp
        _STATS["loads"] += 1
        collector.freeze_loaded()  # the collector skips the model's objects from now on
        log.info("worker %d loaded %s", os.getpid(), model)
    return nlp


def extract_batch(documents: Sequence[Document], model: str, max_chars: int, batch_size: int = 16) -> list[Extraction]:
    """Extract a batch of documents in this process (a pool or Dask task).

    A lock serialises use of the cached pipeline in case a Dask worker runs
    several task threads (spaCy pipelines are not meant to be shared across
    threads); run Dask workers with ``--nthreads 1`` and one worker per core.
    """
    from kg.nlp import extract_many

    with _LOCK:
        nlp = worker_model(model, max_chars)
        out = list(extract_many(documents, nlp, batch_size=batch_size))
        _STATS["batches"] += 1
        return out


def record_batch(documents: Sequence[Document], model: str, max_chars: int, batch_size: int = 16) -> list[Record]:
    """:func:`extract_batch`, serialised here: the task result a pool or Dask worker sends back.

    A JSON line pickles in a fraction of the time of the frozen dataclasses it
    came from, and the parent writes it as it is (it would serialise the
    extraction anyway), so the parent's share of the work shrinks and the
    workers' grows.
    """
    return [ex.record() for ex in extract_batch(documents, model, max_chars, batch_size)]


def worker_stats() -> dict[str, int]:
    """Model loads and batches done in this process (``client.run(worker_stats)`` on a cluster)."""
    return dict(_STATS)


def batches(documents: Iterable[Document], size: int) -> Iterator[list[Document]]:
    """Group documents lazily into lists of ``size``.

    >>> [len(b) for b in batches(iter(range(5)), 2)]
    [2, 2, 1]
    """
    it = iter(documents)
    while True:
        batch = list(itertools.islice(it, size))
        if not batch:
            return
        yield batch


def _init_worker(model: str, max_chars: int) -> None:
    collector.tune()  # this process only extracts
    worker_model(model, max_chars)  # load before the first batch arrives


def pool_extract(
    documents: Iterable[Document],
    *,
    processes: int,
    model: str,
    max_chars: int,
    batch_size: int = 16,
) -> Iterator[Record]:
    """Extract ``documents`` on ``processes`` worker processes, yielding their records in input order.

    Workers are started with ``spawn`` (no inherited threads or locks; each
    imports kg and loads the model once). Documents go out in tasks of
    :data:`TASK_SIZE`; at most ``processes * WINDOW_PER_WORKER`` are running or
    queued, and a new one is submitted as soon as *any* finishes, not only the
    oldest: finished tasks wait (at most ``processes * REORDER_PER_WORKER``) for
    the ones before them, so the records still come out in input order.
    """
    from concurrent.futures import FIRST_COMPLETED, wait
    from concurrent.futures.process import BrokenProcessPool

    from kg.errors import ServiceError

    ctx = multiprocessing.get_context("spawn")
    window = max(1, processes * WINDOW_PER_WORKER)
    held = window + max(1, processes * REORDER_PER_WORKER)
    task_size = max(1, min(batch_size, TASK_SIZE))
    pending: collections.deque[Future] = collections.deque()  # in input order
    todo = batches(documents, task_size)
    with ProcessPoolExecutor(
        max_workers=processes, mp_context=ctx, initializer=_init_worker, initargs=(model, max_chars)
    ) as pool:
        try:
            while True:
                while pending and pending[0].done():
                    yield from pending.popleft().result()
                running = [f for f in pending if not f.done()]
                if todo is not None and len(running) < window and len(pending) < held:
                    batch = next(todo, None)
                    if batch is None:
                        todo = None
                    else:
                        pending.append(pool.submit(record_batch, batch, model, max_chars, batch_size))
                    continue
                if not pending:
                    return
                wait(running, return_when=FIRST_COMPLETED)
        except BrokenProcessPool as e:
            raise ServiceError(
                f"an NLP worker process died ({e}); the documents finished so far are kept: run the same "
                "command again to resume (if it keeps happening, lower --processes: each needs ~1 GB)"
            ) from e
        finally:
            for f in pending:
                f.cancel()
