"""A pool of worker processes that run SPARQL on the store, each killable.

pyoxigraph evaluates a query inside Rust without checking Python signals, so a
thread cannot interrupt it. Each query therefore runs in a separate process;
when its time is up the pool kills that process and starts a fresh one in the
background, so a runaway query costs one worker restart and never blocks the
server or the other clients.

Workers open the store with ``Store.read_only``: RocksDB allows many
read-only openers next to one writer (``kg build``, or the update worker
started with ``--allow-update``). A read-only store is a snapshot taken at
open time, so after every successful update the pool bumps a generation
counter and each worker reopens its snapshot before its next query.
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from kg.errors import ServiceError
from kg.serve.engine import Answer, Job

log = logging.getLogger(__name__)

#: The directory that holds the ``kg`` package, put on the workers' path.
_ROOT = str(Path(__file__).resolve().parents[2])

#: How long a fresh worker may take to import pyoxigraph and open the store.
_START_TIMEOUT = 60.0


def open_read_only(store_path: str, attempts: int = 20):
    """Open a pyoxigraph store read-only, retrying briefly.

    A read-only open can race a writer's background compaction (a file listed
    in the RocksDB MANIFEST is deleted meanwhile), which RocksDB reports as
    "Corruption" (a ``RuntimeError``); a moment later the open succeeds.

    Raises:
        OSError, RuntimeError: the store still cannot be opened after ``attempts`` tries.
    """
    import pyoxigraph as ox

    for attempt in range(attempts):
        try:
            return ox.Store.read_only(store_path)
        except (OSError, RuntimeError):
            if attempt == attempts - 1:
                raise
            time.sleep(0.05)
    raise AssertionError("unreachable")  # pragma: no cover


def _worker_main(conn: Connection, store_path: str, writable: bool) -> None:
    """Body of a worker process: open the store, answer jobs until told to stop."""
    import pyoxigraph as ox

    from kg.serve.engine import Answer, execute

    def open_store():
        return ox.Store(store_path) if writable else open_read_only(store_path)

    try:
        store = open_store()
    except (OSError, RuntimeError) as e:
        conn.send(("error", f"cannot open the store at {store_path}: {e}"))
        return
    generation = 0
    conn.send(("ready", None))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        job, wanted_generation = message
        try:
            if wanted_generation != generation and not writable:
                store = open_store()
                generation = wanted_generation
            answer = execute(store, job)
        except (OSError, RuntimeError) as e:  # the store itself failed (disk, files removed under us)
            answer = Answer.error(500, f"reading the store at {store_path} failed: {e}; retry, or restart kg serve")
            generation = -1  # reopen before the next job
        conn.send(answer)


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen
    conn: Connection

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(5)
        self.conn.close()


class Busy(Exception):
    """No worker became free in time."""


class TimedOut(Exception):
    """The query ran past its time limit; its worker was killed."""


class WorkerPool:
    """``size`` killable worker processes over one store.

    Args:
        store_path: the pyoxigraph store directory.
        size: number of query workers (each answers one request at a time).
        writable: open the store read-write (only for the single update worker).
    """

    def __init__(self, store_path: Path, size: int, *, writable: bool = False):
        if size < 1:
            raise ServiceError(f"worker pool size must be at least 1, got {size}")
        self._path = str(store_path)
        self._writable = writable
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.generation = 0
        self.restarts = 0
        for _ in range(size):
            self._idle.put(self._spawn())

    def _spawn(self) -> _Worker:
        # A plain subprocess rather than multiprocessing's "spawn": that one
        # re-imports the parent's __main__ (a script, a notebook), and "fork"
        # from this multi-threaded server could copy held locks into the child.
        ours, theirs = socket.socketpair()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_ROOT, env.get("PYTHONPATH")) if p)
        process = subprocess.Popen(
            [sys.executable, "-m", "kg.serve.pool", str(theirs.fileno()), self._path,
             "rw" if self._writable else "ro"],
            pass_fds=(theirs.fileno(),), env=env, stdin=subprocess.DEVNULL,
        )
        theirs.close()
        parent = Connection(ours.detach())
        try:
            if not parent.poll(_START_TIMEOUT):
                raise ServiceError(f"a SPARQL worker did not open {self._path} within {_START_TIMEOUT:.0f} s")
            status, detail = parent.recv()
        except (EOFError, OSError) as e:
            process.kill()
            process.wait(5)
            raise ServiceError(f"a SPARQL worker failed to start (exit code {process.returncode})") from e
        except ServiceError:
            process.kill()
            process.wait(5)
            raise
        if status != "ready":
            process.wait(5)
            raise ServiceError(f"{detail}; check the --store path or build it with `kg build`")
        worker = _Worker(process, parent)
        with self._lock:
            self._all.add(worker)
        return worker

    def _replace(self, dead: _Worker) -> None:
        with self._lock:
            self._all.discard(dead)
            self.restarts += 1

        def start() -> None:
            try:
                worker = self._spawn()
            except ServiceError as e:
                log.error("could not replace a SPARQL worker: %s", e)
                return
            if self._closed:
                worker.kill()
            else:
                self._idle.put(worker)

        threading.Thread(target=start, name="kg-worker-restart", daemon=True).start()

    def run(self, job: Job, timeout: float, wait: float | None = None) -> Answer:
        """Run ``job`` on a free worker within ``timeout`` seconds.

        Args:
            job: the request.
            timeout: seconds the job may run.
            wait: seconds to wait for a free worker (default: ``timeout``).
                Every busy worker frees up within ``timeout``, so waiting a
                little longer than that rides out a burst of clients.

        Raises:
            Busy: no worker became free within ``wait``.
            TimedOut: the job ran longer than ``timeout``; its worker was killed.
            ServiceError: the worker died (e.g. out of memory).
        """
        try:
            worker = self._idle.get(timeout=timeout if wait is None else wait)
        except queue.Empty as e:
            raise Busy from e
        try:
            worker.conn.send((job, self.generation))
            if not worker.conn.poll(timeout):
                started = time.monotonic()
                worker.kill()
                log.warning("killed a SPARQL worker after %.1f s: %.200r", timeout, job.text)
                self._replace(worker)
                log.debug("kill took %.3f s", time.monotonic() - started)
                raise TimedOut
            answer = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError) as e:
            worker.kill()
            self._replace(worker)
            raise ServiceError(
                f"a SPARQL worker died while running the {job.kind} (exit code {worker.process.returncode}); "
                "it was replaced, retry"
            ) from e
        self._idle.put(worker)
        return answer

    def close(self) -> None:
        """Stop every worker this pool started."""
        self._closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            try:
                worker.conn.send(None)
            except (OSError, BrokenPipeError):
                pass
            try:
                worker.process.wait(2)
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait(2)
            worker.conn.close()


if __name__ == "__main__":  # a worker: python -m kg.serve.pool FD STORE ro|rw
    _worker_main(Connection(int(sys.argv[1])), sys.argv[2], sys.argv[3] == "rw")
