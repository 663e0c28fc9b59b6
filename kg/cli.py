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


# ---------------------------------------------------------------- sparql / serve


@main.command("serve")
@click.option("--store", "store", type=click.Path(path_type=Path), default=Path("out/store"), show_default=True,
              help="pyoxigraph store directory written by `kg build`.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind (keep it local).")
@click.option("--port", default=7878, show_default=True, type=click.IntRange(0, 65535), help="0 picks a free port.")
@click.option("--allow-update", is_flag=True, help="Accept SPARQL UPDATE (read-only otherwise: 403).")
@click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(min=0.01),
              help="Seconds a query may run before it is stopped.")
@click.option("--max-rows", default=100_000, show_default=True, type=click.IntRange(min=1),
              help="Result rows (or triples) above which a query fails.")
@click.option("--workers", default=None, type=click.IntRange(min=1),
              help="Query worker processes [default: CPU cores, at least 2].")
def serve_cmd(store: Path, host: str, port: int, allow_update: bool, timeout: float, max_rows: int,
              workers: int | None) -> None:
    """Serve the RDF store over the SPARQL 1.1 Protocol, with a query page at /."""
    from kg.serve.server import ServeConfig, SparqlServer, default_workers, known_graphs

    config = ServeConfig(store=store, host=host, port=port, allow_update=allow_update, timeout=timeout,
                         max_rows=max_rows, workers=workers or default_workers())
    try:
        server = SparqlServer(config)
    except KGError as e:
        fail(str(e))
    graphs = known_graphs(store)
    click.echo(
        f"kg: SPARQL endpoint {server.url}/sparql (query page {server.url}/), {len(graphs)} graphs, "
        f"{'read-write' if allow_update else 'read-only'}, timeout {timeout:g} s, max {max_rows} rows",
        err=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("kg: stopping", err=True)
    finally:
        server.close()


@main.group("query")
def query_group() -> None:
    """Query the built graph."""


@query_group.command("sparql")
@click.argument("query")
@click.option("--store", "store", type=click.Path(path_type=Path), default=Path("out/store"), show_default=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "tsv", "json", "xml", "turtle", "nt", "jsonld"]),
              default="csv", show_default=True, help="Output format (tables or graphs).")
@click.option("--max-rows", default=100_000, show_default=True, type=click.IntRange(min=1))
def query_sparql_cmd(query: str, store: Path, fmt: str, max_rows: int) -> None:
    """Run QUERY (text, or @file.rq) on the store and print the result to stdout."""
    import pyoxigraph as ox

    from kg.serve.engine import Job, execute

    if query.startswith("@"):
        try:
            query = Path(query[1:]).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            fail(f"cannot read the query file {query[1:]}: {e}")
    media = {"csv": "text/csv", "tsv": "text/tab-separated-values", "json": "application/sparql-results+json",
             "xml": "application/sparql-results+xml", "turtle": "text/turtle", "nt": "application/n-triples",
             "jsonld": "application/ld+json"}[fmt]
    if not store.is_dir():
        fail(f"no store at {store}; build one with `kg build <inputs> --out out/`")
    try:
        opened = ox.Store.read_only(str(store))
    except OSError as e:
        fail(f"cannot open the store at {store}: {e}")
    answer = execute(opened, Job(kind="query", text=query, accept=media, max_rows=max_rows))
    if answer.status >= 400:
        fail(answer.body.decode("utf-8").strip())
    sys.stdout.buffer.write(answer.body)



# ---------------------------------------------------------------- viz


# ---------------------------------------------------------------- resolve / explain


if __name__ == "__main__":  # pragma: no cover
    main()
