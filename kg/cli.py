"""The ``kg`` command line: parse, call the library, print.

Data goes to stdout and logs to stderr. Exit codes: 0 success, 1 error,
2 usage error (click's own).
"""

from __future__ import annotations

import logging
import sys

import click

from kg import __version__
from kg.errors import KGError

log = logging.getLogger("kg")


def fail(message: str) -> "NoReturn":  # type: ignore[name-defined]
    """Print one clear error line to stderr and exit 1."""
    click.echo(f"kg: error: {message}", err=True)
    sys.exit(1)


@click.group()
@click.version_option(__version__, prog_name="kg")
@click.option("-v", "--verbose", count=True, help="More log output on stderr.")
def main(verbose: int) -> None:
    """Turn news articles into a knowledge graph of people, institutions and statements."""
    logging.basicConfig(
        level=logging.WARNING - 10 * min(verbose, 2),
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


# ---------------------------------------------------------------- build / extract


# ---------------------------------------------------------------- eval


# ---------------------------------------------------------------- neo4j


def _subgroup(name: str, help_: str) -> click.Group:
    """The ``kg <name>`` group, shared between sections (``kg load …``, ``kg query …``).

    Sections add their sub-commands to the one group, whichever section creates it.
    """
    grp = main.commands.get(name)
    if not isinstance(grp, click.Group):
        grp = click.Group(name, help=help_)
        main.add_command(grp)
    return grp


@main.group("neo4j")
def neo4j_group() -> None:
    """Run a local Neo4j Community server (Bolt 127.0.0.1:7687, Browser http://127.0.0.1:7474/browser/).

    Fetched from Maven Central with Maven on first start. Environment: NEO4J_PASSWORD
    (default kg-local-password), KG_NEO4J_HOME (data dir, default services/neo4j/data),
    KG_NEO4J_BOLT_PORT, KG_NEO4J_HTTP_PORT, KG_NEO4J_HEAP (default 1g), JAVA_HOME.
    """


@neo4j_group.command("start")
@click.option("--timeout", default=180.0, show_default=True, help="Seconds to wait for Bolt to answer.")
def neo4j_start_cmd(timeout: float) -> None:
    """Fetch (once) and start Neo4j; wait until Bolt answers."""
    from kg.serve import neo4j_server as srv

    try:
        cfg = srv.ServerConfig.from_env()
        pid = srv.start(cfg, timeout=timeout, log=lambda m: click.echo(m, err=True))
    except KGError as e:
        fail(str(e))
    click.echo(f"kg neo4j: running (pid {pid}) bolt {cfg.uri}  browser {cfg.browser_url}  data {cfg.home}", err=True)


@neo4j_group.command("stop")
def neo4j_stop_cmd() -> None:
    """Stop the Neo4j server that 'kg neo4j start' started (and nothing else)."""
    from kg.serve import neo4j_server as srv

    try:
        pid = srv.stop(srv.ServerConfig.from_env())
    except KGError as e:
        fail(str(e))
    click.echo("kg neo4j: not running" if pid is None else f"kg neo4j: stopped (pid {pid})", err=True)


@neo4j_group.command("status")
def neo4j_status_cmd() -> None:
    """Exit 0 when our server runs and Bolt answers, 1 otherwise."""
    from kg.serve import neo4j_server as srv

    try:
        cfg = srv.ServerConfig.from_env()
        pid, problem = srv.status(cfg)
    except KGError as e:
        fail(str(e))
    if problem:
        fail(f"neo4j {'pid ' + str(pid) + ' ' if pid else ''}{problem}; start it with 'kg neo4j start'")
    click.echo(f"kg neo4j: running (pid {pid}) bolt {cfg.uri}  browser {cfg.browser_url}  data {cfg.home}")


@neo4j_group.command("fetch")
def neo4j_fetch_cmd() -> None:
    """Only download the jars (services/neo4j/dist/lib) with Maven."""
    from kg.serve import neo4j_server as srv

    try:
        lib = srv.fetch(srv.ServerConfig.from_env(), log=lambda m: click.echo(m, err=True))
    except KGError as e:
        fail(str(e))
    click.echo(f"kg neo4j: jars in {lib}", err=True)


# ---------------------------------------------------------------- sparql / serve


# ---------------------------------------------------------------- viz


# ---------------------------------------------------------------- resolve / explain


if __name__ == "__main__":  # pragma: no cover
    main()
