"""kg build --scheduler: a real local Dask cluster (scheduler + 2 worker processes) started by the tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed", reason="the 'dask' extra is not installed")

from click.testing import CliRunner  # noqa: E402
from rdflib import Graph  # noqa: E402
from rdflib.compare import isomorphic  # noqa: E402

from kg.build import EXTRACTIONS, build  # noqa: E402
from kg.cli import main  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DASK = Path(sys.executable).parent / "dask"

NAMES = ["Mark Rutte", "Antony Blinken", "Pat Ryder", "Sabrina Singh", "Andrii Sybiha", "Olaf Scholz"]
PLACES = ["Brussels", "Kyiv", "Washington", "Berlin"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_corpus(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            a, b = NAMES[i % 6], NAMES[(i + 3) % 6]
            text = f"{a} met {b} in {PLACES[i % 4]} on day {i}. {a} said the talks were useful."
            f.write(json.dumps({"id": f"d{i:03d}", "text": text}) + "\n")
    return path


class Cluster:
    """``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1 (no nanny: a killed worker stays dead)."""

    def __init__(self, tmp: Path):
        self.port = _free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
        self.logs = tmp
        self.scheduler: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []

    def _spawn(self, args: list[str], log: str) -> subprocess.Popen:
        return subprocess.Popen([str(DASK), *args], cwd=ROOT, env=self.env,
                                stdout=subprocess.DEVNULL, stderr=open(self.logs / log, "wb"))

    def start(self) -> None:
        self.scheduler = self._spawn(["scheduler", "--host", "127.0.0.1", "--port", str(self.port),
                                      "--dashboard-address", ":0", "--no-show"], "scheduler.log")
        for i in range(2):
            self.workers.append(self._spawn(
                ["worker", self.address, "--nthreads", "1", "--no-nanny", "--host", "127.0.0.1",
                 "--dashboard-address", ":0", "--name", f"w{i}"], f"worker{i}.log"))
        from distributed import Client

        with Client(self.address, timeout=120) as client:
            client.wait_for_workers(2, timeout=180)

    def stop(self) -> None:
        for p in [*self.workers, self.scheduler]:
            if p is not None and p.poll() is None:
                p.terminate()
        for p in [*self.workers, self.scheduler]:
            if p is not None:
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()

    def log(self, name: str) -> str:
        return (self.logs / name).read_text(errors="replace")


@pytest.fixture
def cluster(tmp_path):
    c = Cluster(tmp_path)
    try:
        c.start()
        yield c
    finally:
        c.stop()


@pytest.mark.slow
def test_cluster_build_equals_single_process_build_and_survives_a_dead_worker(nlp, cluster, tmp_path):
    src = make_corpus(tmp_path / "corpus.jsonl", 16)
    single = tmp_path / "single"
    build([src], single, outputs=("rdf",))

    # 1. A clean run on the cluster (CLI), equal to the single-process output.
    out = tmp_path / "dask"
    result = CliRunner().invoke(main, ["build", str(src), "--out", str(out), "--format", "rdf",
                                       "--scheduler", cluster.address])
    assert result.exit_code == 0, result.output
    assert "16 documents" in result.stderr
    assert (out / EXTRACTIONS).read_bytes() == (single / EXTRACTIONS).read_bytes()
    assert isomorphic(Graph().parse(out / "graph.ttl"), Graph().parse(single / "graph.ttl"))

    # 2. Smaller batches spread over both workers; each worker loads the model once, not once per batch.
    out2 = tmp_path / "dask2"
    summary = build([src], out2, outputs=("rdf",), scheduler=cluster.address, batch_size=2)
    assert summary.ok and summary.engine == f"dask {cluster.address}"
    assert (out2 / EXTRACTIONS).read_bytes() == (single / EXTRACTIONS).read_bytes()
    from distributed import Client

    from kg.workers import worker_stats

    with Client(cluster.address, timeout=60) as client:
        stats = list(client.run(worker_stats).values())
    assert sum(s["batches"] for s in stats) == 1 + 8
    assert all(s["loads"] == (1 if s["batches"] else 0) for s in stats), stats
    assert max(s["batches"] for s in stats) >= 3, stats

    # 3. Kill one worker with SIGKILL after the first results arrive: its batches are retried on the other.
    killed = tmp_path / "killed"
    victim = cluster.workers[0]
    seen: list[str] = []

    def kill_after_first(ex) -> None:
        seen.append(ex.id)
        if len(seen) == 1:
            os.kill(victim.pid, signal.SIGKILL)

    summary = build([src], killed, outputs=("rdf",), scheduler=cluster.address, batch_size=1,
                    on_document=kill_after_first)
    assert victim.wait(timeout=30) == -signal.SIGKILL
    assert summary.ok and summary.documents == 16
    assert seen == [f"d{i:03d}" for i in range(16)]  # every document once, in order
    assert (killed / EXTRACTIONS).read_bytes() == (single / EXTRACTIONS).read_bytes()
    assert isomorphic(Graph().parse(killed / "graph.ttl"), Graph().parse(single / "graph.ttl"))
    deadline = time.monotonic() + 30
    while "Remove worker" not in cluster.log("scheduler.log") and time.monotonic() < deadline:
        time.sleep(0.5)
    assert "Remove worker" in cluster.log("scheduler.log")  # the scheduler saw it die


def test_unreachable_scheduler_is_one_clear_error(tmp_path):
    src = make_corpus(tmp_path / "corpus.jsonl", 1)
    port = _free_port()
    result = CliRunner().invoke(main, ["build", str(src), "--out", str(tmp_path / "o"), "--format", "jsonl",
                                       "--scheduler", f"tcp://127.0.0.1:{port}"])
    assert result.exit_code == 1
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in result.stderr
