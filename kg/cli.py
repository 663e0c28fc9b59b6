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


# ---------------------------------------------------------------- viz


@main.command("viz")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The HTML file to write [default: graph.html in SOURCE, or beside the .jsonl file].")
@click.option("--max-nodes", type=click.IntRange(min=1), default=None, show_default="300",
              help="Nodes shown when the page opens (highest degree first); the page counts the rest.")
@click.option("--title", default=None, help="Page title [default: 'kg graph: SOURCE'].")
def viz(source: Path, output: Path | None, max_nodes: int | None, title: str | None) -> None:
    """Write a self-contained, offline graph.html from a build directory or an extractions .jsonl file.

    \b
    kg viz out/ -o graph.html
    kg viz facts.jsonl -o facts.html --max-nodes 500
    """
    from kg.sinks.html_sink import DEFAULT_MAX_NODES, HTMLWriter, read_extractions

    if output is None:
        output = (source if source.is_dir() else source.parent) / "graph.html"
    writer = HTMLWriter(output, max_nodes=max_nodes or DEFAULT_MAX_NODES, title=title or f"kg graph: {source.name}")
    try:
        n = 0
        for extraction in read_extractions(source):
            writer.write(extraction)
            n += 1
        writer.close()
    except KGError as e:
        fail(str(e))
    s = writer.summary
    click.echo(
        f"kg viz: wrote {output} ({s['nodes']} nodes, {s['edges']} edges from {n} documents; "
        f"{min(s['nodes'], writer.max_nodes)} shown at first)",
        err=True,
    )



# ---------------------------------------------------------------- resolve / explain


if __name__ == "__main__":  # pragma: no cover
    main()
