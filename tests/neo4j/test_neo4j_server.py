"""services/neo4j/neo4j: status, clear errors, and stop touching only its own process."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from kg.serve.neo4j_server import ServerConfig
from neo4j_helpers import SCRIPT, _free_port

pytestmark = pytest.mark.neo4j


def test_status_reports_the_running_server(neo4j_server):
    p = neo4j_server.script("status")
    assert p.returncode == 0, p.stderr
    assert f"bolt {neo4j_server.uri}" in p.stdout


def test_browser_is_served(neo4j_server):
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{neo4j_server.cfg.http_port}/browser/", timeout=30) as r:
        assert r.status == 200 and b"Neo4j Browser" in r.read()


def _env(tmp_path, **kw) -> dict[str, str]:
    env = dict(os.environ, KG_PYTHON=sys.executable, KG_NEO4J_HOME=str(tmp_path / "home"),
               KG_NEO4J_BOLT_PORT=str(_free_port()), KG_NEO4J_HTTP_PORT=str(_free_port()))
    env.update(kw)
    return env


def _run(env, *args):
    return subprocess.run([str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=120)


def test_port_taken_is_a_clear_error(neo4j_server, tmp_path):
    p = _run(_env(tmp_path, KG_NEO4J_BOLT_PORT=str(neo4j_server.cfg.bolt_port)), "start")
    assert p.returncode == 1
    assert f"Bolt port {neo4j_server.cfg.bolt_port} on 127.0.0.1 is already in use" in p.stderr
    assert "Traceback" not in p.stderr


def test_missing_java_is_a_clear_error(tmp_path):
    p = _run(_env(tmp_path, JAVA_HOME=str(tmp_path / "no-jdk")), "start")
    assert p.returncode == 1 and "Java not found" in p.stderr and "JAVA_HOME" in p.stderr


def test_maven_offline_is_a_clear_error(tmp_path):
    env = _env(tmp_path, KG_NEO4J_DIST=str(tmp_path / "dist"), KG_MAVEN_OFFLINE="1",
               MAVEN_OPTS=f"-Dmaven.repo.local={tmp_path / 'empty-m2'}")
    p = _run(env, "fetch")
    assert p.returncode == 1, p.stderr
    assert "Maven could not download Neo4j" in p.stderr and "Traceback" not in p.stderr


def test_stop_leaves_a_foreign_process_alone(tmp_path):
    env = _env(tmp_path)
    cfg = ServerConfig.from_env(env)
    other = subprocess.Popen(["sleep", "60"])
    try:
        cfg.pid_file.parent.mkdir(parents=True)
        cfg.pid_file.write_text(f"{other.pid}\n")  # a stale pid file pointing at someone else's process
        p = _run(env, "stop")
        assert p.returncode == 0 and "not running" in p.stderr
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()


def test_a_failed_start_quotes_the_jvm_exception(tmp_path):
    """neo4j.log only says "Stopped."; the reason is in console.log, and the error must quote it."""
    from kg.serve.neo4j_server import _startup_failure

    log = tmp_path / "console.log"
    log.write_text(
        "2026-11-28 07:40:30.244+0000 INFO  Stopped.\n"
        'Exception in thread "main" java.lang.IllegalArgumentException: Unrecognized setting. No declared setting '
        "with name: db.tx_state.max_off_heap_memory. Cleanup the config or disable "
        "'server.config.strict_validation.enabled' to continue.\n"
        "\tat org.neo4j.configuration.Config.getActiveSettings(Config.java:762)\n"
        "2026-11-28 07:40:36.917+0000 INFO  [o.n.s.CommunityBootstrapper] Stopped.\n", encoding="utf-8")
    msg = _startup_failure(log)
    assert "Unrecognized setting" in msg and "db.tx_state.max_off_heap_memory" in msg
    log.write_text("".join(f"line {i}\n" for i in range(40)), encoding="utf-8")
    assert _startup_failure(log).splitlines() == [f"line {i}" for i in range(25, 40)]
