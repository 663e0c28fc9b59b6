"""Extraction on a Dask distributed cluster (``kg build --scheduler tcp://host:8786``).

Documents are independent, so the NLP is a map over batches: each batch is a
Dask task running :func:`kg.workers.record_batch` on some worker. The
client (the ``kg build`` process) reads the inputs, keeps a bounded window of
batches in flight, collects results with ``as_completed`` as they finish, and
hands them to the sinks *in input order* (a small reorder buffer), so the
output equals a single-process build and memory does not grow with the corpus.

- **The model loads once per worker**, not per task: :func:`kg.workers.worker_model`
  caches the pipeline in the worker process.
- **A worker that dies mid-run** loses its running tasks; the scheduler
  reschedules them on the surviving workers (Dask's own recovery, up to
  ``distributed.scheduler.allowed-failures`` times per task). Each batch's
  future is read exactly once, and the build writes records by id through the
  manifest, so nothing is lost and nothing is doubled.
- Workers need the same ``kg`` and spaCy model installed
  (``pip install 'kg[dask]'``); run them with ``--nthreads 1`` (one spaCy
  pipeline per process; use ``--nworkers`` for more processes per machine).
"""

from __future__ import annotations

import logging
from typing import Iterable, Iterator

from kg.errors import ConfigError, KGError, ServiceError
from kg.model import Document, Record
from kg.workers import WINDOW_PER_WORKER, batches, record_batch

log = logging.getLogger(__name__)

#: Seconds to wait for the scheduler before giving up.
CONNECT_TIMEOUT = 30


def connect(scheduler: str):
    """A Dask client for ``scheduler`` (``tcp://host:port``), with errors that say what to do."""
    try:
        from distributed import Client
    except ImportError as e:
        raise ConfigError(
            f"--scheduler {scheduler} needs Dask distributed, which is not installed: {e}; "
            "pip install 'kg[dask]'"
        ) from e
    try:
        return Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError) as e:
        raise ServiceError(
            f"cannot reach the Dask scheduler at {scheduler}: {e}; start one with `dask scheduler` "
            "and workers with `dask worker SCHEDULER --nthreads 1`, or check the address"
        ) from e


def dask_extract(
    documents: Iterable[Document],
    scheduler: str,
    *,
    model: str,
    max_chars: int,
    batch_size: int = 16,
    client=None,
) -> Iterator[Record]:
    """Extract ``documents`` on the workers of ``scheduler``, yielding their records in input order.

    Args:
        client: an existing :class:`distributed.Client` (else one is opened and closed here).

    Raises:
        ServiceError: the scheduler is unreachable, or a batch failed on every
            worker it was tried on.
    """
    from distributed import as_completed

    own = client is None
    if own:
        client = connect(scheduler)
    try:
        workers = max(1, sum(client.nthreads().values()))
        window = max(2, workers * WINDOW_PER_WORKER)
        inflight = as_completed(loop=client.loop)
        index_of: dict[str, int] = {}
        done: dict[int, list[Record]] = {}
        next_out = 0
        submitted = 0
        source = batches(documents, batch_size)
        exhausted = False

        def submit_more() -> None:
            nonlocal submitted, exhausted
            while not exhausted and submitted - next_out < window:
                batch = next(source, None)
                if batch is None:
                    exhausted = True
                    return
                future = client.submit(record_batch, batch, model, max_chars, batch_size, pure=False)
                index_of[future.key] = submitted
                submitted += 1
                inflight.add(future)

        submit_more()
        while next_out < submitted:
            future = next(inflight)
            i = index_of.pop(future.key)
            try:
                done[i] = future.result()
            except KGError:
                raise
            except Exception as e:  # a task error from the cluster: any exception type can arrive here
                raise ServiceError(
                    f"batch {i} failed on the Dask cluster at {scheduler}: {type(e).__name__}: {e}; "
                    "check that the workers have kg and the spaCy model installed, then re-run to resume"
                ) from e
            future.release()
            while next_out in done:
                yield from done.pop(next_out)
                next_out += 1
            submit_more()
    finally:
        if own:
            client.close()
