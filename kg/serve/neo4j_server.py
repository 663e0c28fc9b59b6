"""Fetch, start, check and stop a local Neo4j Community server.

Why a script of our own: users and CI need a *real* Neo4j without Docker or a
system package. Neo4j Community 5.26 (LTS, runs on Java 17) and the Neo4j
Browser are plain jars on Maven Central, so Maven fetches them once into
``services/neo4j/dist/lib`` (``~/.m2`` is the cache) and we run
``org.neo4j.server.CommunityEntryPoint`` on a bare ``java`` command line.

Everything the server writes (database files, logs, the pid file) lives in one
*home* directory, ``services/neo4j/data`` unless ``KG_NEO4J_HOME`` says
otherwise, so the database persists across restarts and tests can use their
own. Settings come from the environment:

=====================  ===============================  =====================
variable               meaning                          default
=====================  ===============================  =====================
``NEO4J_PASSWORD``     password of user ``neo4j``       ``kg-local-password``
``KG_NEO4J_HOME``      data, logs, pid file             ``services/neo4j/data``
``KG_NEO4J_BOLT_PORT`` Bolt port on 127.0.0.1           ``7687``
``KG_NEO4J_HTTP_PORT`` HTTP port (Browser) on 127.0.0.1 ``7474``
``KG_NEO4J_HEAP``      JVM heap (``-Xmx``)              ``1g``
``KG_NEO4J_DIST``      where the jars are copied        ``services/neo4j/dist``
``KG_NEO4J_JAVA_OPTS`` extra JVM options (space-split)  unset (tests: C1 JIT only)
``JAVA_HOME``          the JDK to use (17 or 21)        ``java`` on ``PATH``
=====================  ===============================  =====================

``stop`` ends only the process whose pid this script recorded, after checking
that the pid still belongs to a Neo4j started from the same home directory.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from kg.errors import ConfigError, ServiceError

ROOT = Path(__file__).resolve().parents[2]
SERVICE_DIR = ROOT / "services" / "neo4j"
DEFAULT_PASSWORD = "kg-local-password"
ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
ADMIN_TOOL = "org.neo4j.cli.AdminTool"

#: JVM flags Neo4j's own launcher passes. Without the --add-opens the page
#: cache falls back to a slower mode ("Reflection access to
#: java.nio.DirectByteBuffer is not available") and Netty cannot use its
#: direct-buffer fast path.
JVM_FLAGS = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    # kg: a young generation of at least 40% of the heap (G1 shrank it to ~130 MB of the 1 GB). A write
    # transaction's state stays live until commit, and each young collection copied it again; in a
    # 5000-document load this cut the GC threads' CPU from about 7 to 6 s (docs/neo4j.md, "Load benchmark").
    "-XX:G1NewSizePercent=40",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.disable.jmx=true",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
)


@dataclass(frozen=True)
class ServerConfig:
    """Where and how the local server runs; see the module docstring."""

    home: Path
    dist: Path
    bolt_port: int
    http_port: int
    password: str
    heap: str
    java: str
    java_opts: tuple[str, ...] = ()

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    @property
    def browser_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/browser/"

    @property
    def pid_file(self) -> Path:
        return self.home / "run" / "kg-neo4j.pid"

    @property
    def console_log(self) -> Path:
        return self.home / "logs" / "console.log"

    @property
    def lib(self) -> Path:
        return self.dist / "lib"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "ServerConfig":
        env = dict(os.environ if env is None else env)
        java_home = env.get("JAVA_HOME")
        java = str(Path(java_home) / "bin" / "java") if java_home else "java"
        return cls(
            home=Path(env.get("KG_NEO4J_HOME") or SERVICE_DIR / "data").resolve(),
            dist=Path(env.get("KG_NEO4J_DIST") or SERVICE_DIR / "dist").resolve(),
            bolt_port=_port(env, "KG_NEO4J_BOLT_PORT", 7687),
            http_port=_port(env, "KG_NEO4J_HTTP_PORT", 7474),
            password=env.get("NEO4J_PASSWORD") or DEFAULT_PASSWORD,
            heap=env.get("KG_NEO4J_HEAP") or "1g",
            java=java,
            java_opts=tuple((env.get("KG_NEO4J_JAVA_OPTS") or "").split()),
        )


def _port(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ConfigError(f"{name}={raw!r} is not a TCP port; set it to a number between 1 and 65535")
    return int(raw)


# ---------------------------------------------------------------- fetch


def fetch(cfg: ServerConfig, *, log=print) -> Path:
    """Copy Neo4j Community and the Browser jars from Maven into ``dist/lib``.

    Idempotent: a marker file records the pom it was fetched for, so a second
    call costs nothing. Fetches into a temporary directory and renames, so an
    interrupted fetch never leaves a half-filled ``lib``.
    """
    pom = SERVICE_DIR / "pom.xml"
    marker = cfg.lib / ".fetched"
    stamp = pom.read_text(encoding="utf-8")
    if marker.exists() and marker.read_text(encoding="utf-8") == stamp:
        return cfg.lib
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ServiceError(
            "Maven ('mvn') is not on PATH; it fetches Neo4j from Maven Central. "
            "Install Maven 3.8+ (apt-get install maven) and retry"
        )
    tmp = cfg.dist / "lib.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    cfg.dist.mkdir(parents=True, exist_ok=True)
    log(f"kg neo4j: fetching Neo4j Community and Neo4j Browser from Maven Central into {cfg.lib} …")
    cmd = [mvn, "-q", "-B", "-f", str(pom), "dependency:copy-dependencies",
           f"-DoutputDirectory={tmp}", "-DincludeScope=runtime"]
    if os.environ.get("KG_MAVEN_OFFLINE"):
        cmd.insert(1, "-o")
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        out = (proc.stdout + proc.stderr).strip()
        offline = re.search(r"Unknown host|UnknownHost|Could not transfer|Connection refused|"
                            r"Network is unreachable|offline|resolve dependencies|timed out", out, re.I)
        first = next((ln for ln in out.splitlines() if "ERROR" in ln), out[-300:])
        if offline:
            raise ServiceError(
                f"Maven could not download Neo4j from Maven Central ({first.strip()}). "
                "Check the network or proxy (~/.m2/settings.xml); with the jars already in ~/.m2 "
                "set KG_MAVEN_OFFLINE=1"
            )
        raise ServiceError(f"'mvn dependency:copy-dependencies' failed (exit {proc.returncode}): {first.strip()}")
    if not any(tmp.glob("neo4j-5*.jar")):
        raise ServiceError(f"Maven finished but {tmp} holds no neo4j jar; check {pom}")
    shutil.rmtree(cfg.lib, ignore_errors=True)
    tmp.rename(cfg.lib)
    marker.write_text(stamp, encoding="utf-8")
    return cfg.lib


# ---------------------------------------------------------------- java


def java_major(java: str) -> int:
    """The major version of ``java``; raises ServiceError when it is missing."""
    exe = shutil.which(java) if os.sep not in java else (java if os.access(java, os.X_OK) else None)
    if exe is None:
        raise ServiceError(
            f"Java not found ({java!r}); Neo4j 5.26 needs a JDK 17 or 21. "
            "Install one (apt-get install openjdk-17-jre-headless) or set JAVA_HOME"
        )
    out = subprocess.run([exe, "-version"], capture_output=True, text=True).stderr
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not m:
        raise ServiceError(f"cannot read the Java version from '{exe} -version': {out.strip()[:200]}")
    major = int(m.group(1))
    return int(m.group(2)) if major == 1 else major


# ---------------------------------------------------------------- process


def read_pid(cfg: ServerConfig) -> int | None:
    """The pid of the server we started, if it is still that server."""
    try:
        pid = int(cfg.pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace")
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            return None
        return pid  # no /proc (not Linux): trust the pid file
    if ENTRY_POINT not in cmdline or f"--home-dir={cfg.home}" not in cmdline:
        return None  # the pid was reused by some other process
    return pid


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _write_conf(cfg: ServerConfig) -> Path:
    conf_dir = cfg.home / "conf"
    conf_dir.mkdir(parents=True, exist_ok=True)
    base = (SERVICE_DIR / "neo4j.conf").read_text(encoding="utf-8")
    extra = (
        f"\n# written by kg neo4j start\n"
        f"server.bolt.listen_address=127.0.0.1:{cfg.bolt_port}\n"
        f"server.http.listen_address=127.0.0.1:{cfg.http_port}\n"
        f"server.bolt.advertised_address=127.0.0.1:{cfg.bolt_port}\n"
        f"server.http.advertised_address=127.0.0.1:{cfg.http_port}\n"
        f"server.memory.heap.initial_size=256m\n"
        f"server.memory.heap.max_size={cfg.heap}\n"
    )
    (conf_dir / "neo4j.conf").write_text(base + extra, encoding="utf-8")
    return conf_dir


def _java_cmd(cfg: ServerConfig, main: str) -> list[str]:
    return [cfg.java, "-Xms256m", f"-Xmx{cfg.heap}", *JVM_FLAGS, *cfg.java_opts, "-cp", str(cfg.lib / "*"), main]


def _set_initial_password(cfg: ServerConfig, conf_dir: Path) -> None:
    if (cfg.home / "data" / "dbms" / "auth.ini").exists():
        return  # only possible before the first start; later use ALTER USER
    env = dict(os.environ, NEO4J_HOME=str(cfg.home), NEO4J_CONF=str(conf_dir))
    proc = subprocess.run(
        [*_java_cmd(cfg, ADMIN_TOOL), "dbms", "set-initial-password", cfg.password],
        capture_output=True, text=True, env=env,
    )
    if proc.returncode != 0:
        out = (proc.stdout + proc.stderr).strip().splitlines()
        why = next((ln for ln in out if "Exception" in ln or "rror" in ln), out[-1] if out else "")
        raise ServiceError(f"setting the initial Neo4j password failed: {why.strip()}")


def _startup_failure(console_log: Path) -> str:
    """What the JVM said when it died: the last exception in the console log, or the log's last lines.

    A bad setting or a Java error is only in the console log (``neo4j.log`` just says "Stopped"), e.g.
    ``IllegalArgumentException: Unrecognized setting. No declared setting with name: …``.
    """
    try:
        lines = console_log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    starts = [i for i, line in enumerate(lines) if "Exception" in line and not line.lstrip().startswith("at ")]
    if not starts:
        return "\n".join(lines[-15:])
    return "\n".join(lines[starts[-1]:starts[-1] + 6])


def _bolt_ready(cfg: ServerConfig) -> str | None:
    """None when Bolt answers a query with our password, else the reason."""
    from neo4j import GraphDatabase
    from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable, SessionExpired

    try:
        with GraphDatabase.driver(cfg.uri, auth=("neo4j", cfg.password), connection_timeout=3,
                                  max_connection_lifetime=10) as d, d.session() as session:
            session.run("RETURN 1").consume()  # auto-commit: no driver-side retries
    except AuthError as e:
        raise ServiceError(
            f"Neo4j at {cfg.uri} rejected the password from NEO4J_PASSWORD ({e.message}); the database in "
            f"{cfg.home} was created with another password: use that one, or stop and delete {cfg.home}"
        ) from e
    except (ServiceUnavailable, SessionExpired, Neo4jError, OSError) as e:
        return str(e)
    return None


def start(cfg: ServerConfig, *, timeout: float = 180.0, log=print) -> int:
    """Start the server (fetching it first if needed); return its pid.

    Waits until Bolt answers a query with our credentials. A server already
    started by us from the same home is left running and its pid returned.
    """
    pid = read_pid(cfg)
    if pid is not None:
        if _bolt_ready(cfg) is None:
            return pid
        raise ServiceError(f"Neo4j (pid {pid}) is running from {cfg.home} but Bolt at {cfg.uri} does not answer; "
                           "run 'kg neo4j stop' and start again")
    major = java_major(cfg.java)
    if major < 17:
        raise ServiceError(f"Java {major} found ({cfg.java}); Neo4j 5.26 needs Java 17 or 21: set JAVA_HOME")
    for name, port in (("Bolt", cfg.bolt_port), ("HTTP", cfg.http_port)):
        if not port_free(port):
            var = "KG_NEO4J_BOLT_PORT" if name == "Bolt" else "KG_NEO4J_HTTP_PORT"
            raise ServiceError(
                f"{name} port {port} on 127.0.0.1 is already in use (another Neo4j?); "
                f"stop that process or choose another port with {var}"
            )
    fetch(cfg, log=log)
    conf_dir = _write_conf(cfg)
    for sub in ("data", "logs", "run"):
        (cfg.home / sub).mkdir(parents=True, exist_ok=True)
    _set_initial_password(cfg, conf_dir)
    cmd = [*_java_cmd(cfg, ENTRY_POINT), f"--home-dir={cfg.home}", f"--config-dir={conf_dir}", "--console-mode"]
    with open(cfg.console_log, "ab") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                cwd=cfg.home, start_new_session=True)
    cfg.pid_file.write_text(f"{proc.pid}\n")
    deadline = time.monotonic() + timeout
    reason = "no answer yet"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            cfg.pid_file.unlink(missing_ok=True)
            raise ServiceError(
                f"Neo4j exited with code {proc.returncode} while starting; see {cfg.home / 'logs'}:\n"
                + _startup_failure(cfg.console_log)
            )
        reason = _bolt_ready(cfg) or ""
        if not reason:
            return proc.pid
        time.sleep(0.5)
    _terminate(proc.pid, grace=20)
    cfg.pid_file.unlink(missing_ok=True)
    raise ServiceError(
        f"Neo4j did not answer on {cfg.uri} within {timeout:.0f}s ({reason}); stopped it. "
        f"See {cfg.home / 'logs' / 'neo4j.log'} or raise --timeout"
    )


def _terminate(pid: int, *, grace: float) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not _alive(pid):
            return
        time.sleep(0.2)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    while _alive(pid):
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        # reap it if it is our child (tests start and stop in one process)
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        return state != "Z"
    except OSError:
        return True


def stop(cfg: ServerConfig, *, grace: float = 60.0) -> int | None:
    """Stop the server this script started; return its pid, or None if none ran."""
    pid = read_pid(cfg)
    if pid is None:
        cfg.pid_file.unlink(missing_ok=True)
        return None
    _terminate(pid, grace=grace)
    cfg.pid_file.unlink(missing_ok=True)
    return pid


def kill(cfg: ServerConfig) -> int | None:
    """SIGKILL the server we started (fault tests: a crash, no clean shutdown)."""
    pid = read_pid(cfg)
    if pid is None:
        return None
    os.kill(pid, signal.SIGKILL)
    while _alive(pid):
        time.sleep(0.05)
    return pid


def status(cfg: ServerConfig) -> tuple[int | None, str | None]:
    """(pid or None, None if Bolt answers else the reason)."""
    pid = read_pid(cfg)
    if pid is None:
        return None, "not running"
    return pid, _bolt_ready(cfg)


def main(argv: list[str] | None = None) -> int:
    """``services/neo4j/neo4j start|stop|status|fetch``: the same as ``kg neo4j``."""
    from kg.cli import main as cli

    return cli.main(["neo4j", *(argv if argv is not None else sys.argv[1:])], prog_name="kg")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
