"""Fixtures: a real Neo4j started with services/neo4j/neo4j in its own home and ports."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from kg.serve.neo4j_server import ServerConfig
from neo4j_helpers import PASSWORD, ROOT, Server, _free_port  # noqa: F401

TEST_JAVA_OPTS = "-XX:TieredStopAtLevel=1"


@pytest.fixture(scope="session")
def neo4j_server(tmp_path_factory) -> Server:
    home = tmp_path_factory.mktemp("neo4j-home")
    env = dict(os.environ, KG_PYTHON=sys.executable, KG_NEO4J_HOME=str(home), NEO4J_PASSWORD=PASSWORD,
               KG_NEO4J_BOLT_PORT=str(_free_port()), KG_NEO4J_HTTP_PORT=str(_free_port()),
               # small test data: the C1 JIT alone starts faster and leaves the 2 cores to the tests
               KG_NEO4J_JAVA_OPTS=os.environ.get("KG_NEO4J_JAVA_OPTS", TEST_JAVA_OPTS))
    srv = Server(env, ServerConfig.from_env(env))
    srv.start()
    yield srv
    srv.script("stop")


@pytest.fixture
def neo4j_db(neo4j_server):
    """A driver on an empty database (constraints are kept; they are idempotent)."""
    d = neo4j_server.driver()
    with d.session() as s:  # CALL … IN TRANSACTIONS needs an auto-commit transaction
        s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
    yield d
    d.close()


@pytest.fixture(scope="session")
def seed_text() -> str:
    return (ROOT / "seeds" / "blinken-rutte-2024-11-13.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed_record(seed_text):
    sys.path.insert(0, str(Path(__file__).parent))
    from seed_facts import seed_extraction

    return seed_extraction(seed_text)


