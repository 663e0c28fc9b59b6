"""Fixtures for the SPARQL endpoint tests: a real store and real `kg serve` processes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kg.sinks.store_sink import StoreWriter
from tests.sinks._records import discontinuous_extraction, seed_extraction

ROOT = Path(__file__).resolve().parents[2]
_LISTENING = re.compile(r"SPARQL endpoint (http://[\d.]+:\d+)/sparql")


class ServeProcess:
    """`python -m kg serve ...` as a subprocess; stopped by :meth:`stop`."""

    def __init__(self, store: Path, *args: str, log: Path):
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
        self.log = log
        self._log_fh = open(log, "w+b")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kg", "serve", "--store", str(store), "--port", "0", *args],
            stdout=subprocess.DEVNULL, stderr=self._log_fh, env=env, cwd=ROOT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            text = log.read_text(encoding="utf-8", errors="replace")
            match = _LISTENING.search(text)
            if match:
                self.url = match.group(1)
                self.endpoint = self.url + "/sparql"
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"kg serve exited with {self.proc.returncode}: {text}")
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"kg serve did not start within 60 s: {log.read_text()}")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: the server stops its own workers
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log_fh.close()


def write_store(path: Path, *extractions) -> Path:
    with StoreWriter(path) as writer:
        for ex in extractions:
            writer.write(ex)
    return path


@pytest.fixture(scope="session")
def sample_extractions():
    return [seed_extraction(), discontinuous_extraction()]


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory, sample_extractions) -> Path:
    """A store with the two hand-made records (the seed article and a short second document)."""
    return write_store(tmp_path_factory.mktemp("store") / "store", *sample_extractions)


@pytest.fixture(scope="session")
def server(sample_store, tmp_path_factory):
    """A read-only endpoint over ``sample_store``: 2 s timeout, 40-row cap, 2 workers."""
    proc = ServeProcess(sample_store, "--timeout", "2", "--max-rows", "40", "--workers", "2",
                        log=tmp_path_factory.mktemp("serve") / "serve.log")
    yield proc
    proc.stop()


@pytest.fixture()
def update_server(sample_store, tmp_path):
    """A writable endpoint (--allow-update) over a private copy of the sample store."""
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    proc = ServeProcess(store, "--allow-update", "--workers", "1", log=tmp_path / "serve.log")
    yield proc
    proc.stop()
