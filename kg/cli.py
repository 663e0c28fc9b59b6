"""The ``kg`` command line: parse, call the library, print.

Data goes to stdout and logs to stderr. Exit codes: 0 success, 1 error,
2 usage error (click's own).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

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


def _neo4j_options(f):
    """--uri/--user/--password/--database, defaulting to NEO4J_* and then our local server."""
    f = click.option("--database", envvar="NEO4J_DATABASE", default=None,
                     help="Database name [env NEO4J_DATABASE; default: the server's default].")(f)
    f = click.option("--password", envvar="NEO4J_PASSWORD", default="kg-local-password",
                     help="[env NEO4J_PASSWORD; default: kg-local-password, the local server's].")(f)
    f = click.option("--user", envvar="NEO4J_USER", default="neo4j", show_default=True,
                     help="[env NEO4J_USER]")(f)
    f = click.option("--uri", envvar="NEO4J_URI", default="bolt://127.0.0.1:7687", show_default=True,
                     help="[env NEO4J_URI] bolt://, neo4j://, neo4j+s:// (Aura) …")(f)
    return f


load_group = _subgroup("load", "Load built outputs into a graph store.")


@load_group.command("neo4j")
@click.argument("source", type=click.Path(path_type=Path))
@_neo4j_options
@click.option("--batch-rows", default=5000, show_default=True, help="Rows per UNWIND transaction.")
@click.option("--retry-time", default=30.0, show_default=True,
              help="Seconds the driver keeps retrying a batch on transient errors.")
def load_neo4j_cmd(source: Path, uri: str, user: str, password: str, database: str | None,
                   batch_rows: int, retry_time: float) -> None:
    """Load OUT_DIR (its extractions.jsonl) or a facts.jsonl into Neo4j, idempotently."""
    import time as _time

    from kg.sinks import neo4j_sink

    t0 = _time.perf_counter()
    try:
        driver = neo4j_sink.connect(uri, user, password, database, retry_time=retry_time)
        stats = neo4j_sink.load_file(source, driver, database, batch_rows=batch_rows, uri=uri)
    except KGError as e:
        fail(str(e))
    dt = _time.perf_counter() - t0
    click.echo(
        f"kg load neo4j: {stats.documents} documents, {stats.relations} relations, {stats.statements} statements "
        f"→ {uri} ({stats.nodes_created} nodes and {stats.relationships_created} relationships created, "
        f"{stats.transactions} transactions) in {dt:.1f}s",
        err=True,
    )


query_group = _subgroup("query", "Query the graph (Cypher on Neo4j, SPARQL on the RDF store).")


@query_group.command("cypher")
@click.argument("query")
@_neo4j_options
@click.option("--json", "as_json", is_flag=True, help="Print the records as a JSON array.")
@click.option("--param", "params", multiple=True, metavar="K=V",
              help="Query parameter $K (repeatable); V is parsed as JSON when it parses, else a string.")
def query_cypher_cmd(query: str, uri: str, user: str, password: str, database: str | None,
                     as_json: bool, params: tuple[str, ...]) -> None:
    """Run a read-only Cypher QUERY (or @file.cypher) and print a table, or JSON with --json."""
    import json as _json

    from kg.serve import neo4j_query

    try:
        if query.startswith("@"):
            query = Path(query[1:]).read_text(encoding="utf-8")
        parsed = neo4j_query.parse_params(params)
        keys, rows = neo4j_query.run_read(uri, user, password, database, query, parsed)
    except OSError as e:
        fail(f"cannot read the query file {query[1:]!r}: {e.strerror}")
    except KGError as e:
        fail(str(e))
    if as_json:
        click.echo(_json.dumps([dict(zip(keys, r)) for r in rows], ensure_ascii=False, indent=2))
    else:
        click.echo(neo4j_query.format_table(keys, rows))
        click.echo(f"({len(rows)} rows)", err=True)



# ---------------------------------------------------------------- sparql / serve


# ---------------------------------------------------------------- viz


# ---------------------------------------------------------------- resolve / explain


if __name__ == "__main__":  # pragma: no cover
    main()
