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


def _print_error(error: KGError) -> None:
    click.echo(f"kg: error: {error}", err=True)


class _NoBar:
    """Stands in for the progress bar when stderr is not a terminal (logs, pipes, tests)."""

    def __enter__(self) -> "_NoBar":
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int) -> None:
        return None


def _progress(inputs: tuple[str, ...], label: str):
    """A progress bar on stderr over the estimated number of documents (terminals only)."""
    from kg.build import count_documents

    if not sys.stderr.isatty():
        return _NoBar()
    total = count_documents(inputs)
    return click.progressbar(length=total or 0, label=label, file=sys.stderr, show_pos=True, show_eta=bool(total))


_max_chars_option = click.option(
    "--max-chars",
    type=click.IntRange(min=1),
    default=None,
    show_default="1000000, spaCy's nlp.max_length",
    help="Reject documents longer than this many characters (one error line each).",
)
_model_option = click.option(
    "--model", default=None, show_default="en_core_web_sm", help="Installed spaCy pipeline to use."
)


@main.command("build")
@click.argument("inputs", nargs=-1, required=True)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Output directory.")
@_model_option
@click.option(
    "--format",
    "formats",
    multiple=True,
    metavar="NAME[,NAME...]",
    help="Graph outputs to write (repeatable or comma-separated); default: all. extractions.jsonl is always written.",
)
@_max_chars_option
@click.option("--fresh", is_flag=True, help="Start over instead of resuming from OUT/extractions.jsonl.")
def build_cmd(
    inputs: tuple[str, ...], out_dir: str, model: str | None, formats: tuple[str, ...], max_chars: int | None, fresh: bool
) -> None:
    """Build the graph from INPUTS (.txt, .html, .jsonl files, directories, - for stdin) into OUT.

    Writes OUT/extractions.jsonl (one record per document) and the graph files.
    A re-run resumes: documents already in extractions.jsonl are not extracted
    again. Bad inputs get one error line each; the rest is still built and the
    exit code is 1.
    """
    from kg.build import OUTPUTS, build
    from kg.ingest import DEFAULT_MAX_CHARS
    from kg.nlp import DEFAULT_MODEL

    outputs = [n.strip() for f in formats for n in f.split(",") if n.strip()] or None
    try:
        with _progress(inputs, "extracting") as bar:
            summary = build(
                inputs,
                out_dir,
                model=model or DEFAULT_MODEL,
                outputs=outputs,
                max_chars=max_chars or DEFAULT_MAX_CHARS,
                fresh=fresh,
                on_error=_print_error,
                on_document=lambda _ex: bar.update(1),
            )
    except KGError as e:
        fail(str(e))
    click.echo(f"kg: {summary.line()} -> {out_dir}", err=True)
    for path in summary.outputs:
        log.info("wrote %s", path)
    sys.exit(0 if summary.ok else 1)


@main.command("extract")
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", "output", default="-", show_default=True, help="Output JSONL file, or - for stdout.")
@_model_option
@_max_chars_option
def extract_cmd(inputs: tuple[str, ...], output: str, model: str | None, max_chars: int | None) -> None:
    """Write one extraction record per document of INPUTS as JSON Lines (no graph).

    The record format is documented in docs/extraction-record.md and
    kg/schema/extraction.schema.json. A file is replaced atomically at the end.
    """
    from kg.build import extract_records
    from kg.ingest import DEFAULT_MAX_CHARS
    from kg.nlp import DEFAULT_MODEL

    try:
        with _progress(inputs, "extracting") as bar:
            summary = extract_records(
                inputs,
                output,
                model=model or DEFAULT_MODEL,
                max_chars=max_chars or DEFAULT_MAX_CHARS,
                on_error=_print_error,
                on_document=lambda _ex: bar.update(1),
            )
    except KGError as e:
        fail(str(e))
    click.echo(f"kg: {summary.line()}", err=True)
    sys.exit(0 if summary.ok else 1)


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
