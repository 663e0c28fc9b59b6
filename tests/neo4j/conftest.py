"""A real Neo4j for the tests, started and stopped with our own script.

The server gets its own home (data, logs, pid file) under pytest's temporary
directory and free ports, so it never touches a developer's database and can
run next to one. The session fixture calls ``services/neo4j/neo4j start`` (the
same script users run) and ``… stop`` at the end.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
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


@pytest.fixture(scope="session")
def neo4j_server(tmp_path_factory) -> Server:
    home = tmp_path_factory.mktemp("neo4j-home")
    env = dict(os.environ, KG_PYTHON=sys.executable, KG_NEO4J_HOME=str(home), NEO4J_PASSWORD=PASSWORD,
               KG_NEO4J_BOLT_PORT=str(_free_port()), KG_NEO4J_HTTP_PORT=str(_free_port()))
    srv = Server(env, ServerConfig.from_env(env))
    srv.start()
    yield srv
    srv.script("stop")


@pytest.fixture
def neo4j_db(neo4j_server):
    """A driver on an empty database (constraints are kept; they are idempotent)."""
    d = neo4j_server.driver()
    with d.session() as s:  # CALL … IN TRANSACTIONS needs an auto-commit transaction
        s.run("MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
    yield d
    d.close()


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


@pytest.fixture(scope="session")
def seed_text() -> str:
    return (ROOT / "seeds" / "blinken-rutte-2024-11-13.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed_record(seed_text):
    sys.path.insert(0, str(Path(__file__).parent))
    from seed_facts import seed_extraction

    return seed_extraction(seed_text)
