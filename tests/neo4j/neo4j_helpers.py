"""Helpers for the Neo4j tests: the server handle, counts, loading through the CLI.

A real Neo4j for the tests, started and stopped with our own script.

The server gets its own home (data, logs, pid file) under pytest's temporary
directory and free ports, so it never touches a developer's database and can
run next to one. The session fixture calls ``services/neo4j/neo4j start`` (the
same script users run) and ``… stop`` at the end.
"""

from __future__ import annotations

import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from kg.serve.neo4j_server import ServerConfig

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "services" / "neo4j" / "neo4j"
PASSWORD = "kg-test-password"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    env: dict[str, str]
    cfg: ServerConfig

    @property
    def uri(self) -> str:
        return self.cfg.uri

    @property
    def password(self) -> str:
        return self.cfg.password

    def script(self, *args: str, timeout: float = 400) -> subprocess.CompletedProcess:
        return subprocess.run([str(SCRIPT), *args], env=self.env, capture_output=True, text=True, timeout=timeout)

    def start(self) -> None:
        p = self.script("start", "--timeout", "300")
        if p.returncode != 0:
            pytest.fail(f"services/neo4j/neo4j start failed ({p.returncode}):\n{p.stderr}")

    def driver(self):
        from neo4j import GraphDatabase

        return GraphDatabase.driver(self.uri, auth=("neo4j", self.password))

    def cli_args(self) -> list[str]:
        return ["--uri", self.uri, "--user", "neo4j", "--password", self.password]


def load_cli(server: Server, source, *extra: str):
    """``kg load neo4j SOURCE`` in-process (CliRunner); returns the click Result."""
    from click.testing import CliRunner

    from kg.cli import main

    return CliRunner().invoke(main, ["load", "neo4j", str(source), *server.cli_args(), *extra])


def write_jsonl(path: Path, records) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for r in records:
            f.write(r.to_json() + "\n")
    return path


def bench_module():
    """benchmarks/neo4j_load.py, for its record generator."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("neo4j_load_bench", ROOT / "benchmarks" / "neo4j_load.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def graph_counts(driver) -> dict[str, int]:
    """Nodes per label combination and relationships per type: the graph's shape."""
    out: dict[str, int] = {}
    recs, _, _ = driver.execute_query("MATCH (n) RETURN [l IN labels(n) | l] AS ls, count(*) AS c")
    for r in recs:
        out[":".join(sorted(r["ls"]))] = r["c"]
    recs, _, _ = driver.execute_query("MATCH ()-[r]->() RETURN type(r) AS t, count(*) AS c")
    for r in recs:
        out["-" + r["t"] + "->"] = r["c"]
    return out


def graph_dump(driver) -> tuple[list[str], list[str]]:
    """Every node (labels, properties) and relationship (ends, type, properties), sorted: the whole graph."""
    import json

    nodes, _, _ = driver.execute_query("MATCH (n) RETURN labels(n) AS l, properties(n) AS p")
    rels, _, _ = driver.execute_query(
        "MATCH (a)-[r]->(b) RETURN a.id AS a, type(r) AS t, properties(r) AS p, b.id AS b")
    return (sorted(json.dumps([sorted(r["l"]), r["p"]], sort_keys=True) for r in nodes),
            sorted(json.dumps([r["a"], r["t"], r["p"], r["b"]], sort_keys=True) for r in rels))
