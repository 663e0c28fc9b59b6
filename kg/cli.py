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


def _eval_options(f):
    """Options shared by every ``kg eval`` corpus."""
    f = click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON on stdout.")(f)
    f = click.option("--limit", type=click.IntRange(min=1), default=None, help="Score only the first N items.")(f)
    f = click.option("--model", default=None, help="spaCy pipeline to load (default: en_core_web_sm).")(f)
    f = click.option(
        "--data",
        "data",
        type=click.Path(file_okay=False),
        default=None,
        help="Data directory holding conll04/ and polnear/ (default: $KG_DATA, else ../shared/data).",
    )(f)
    f = click.option("--split", type=click.Choice(["dev", "train"]), default="dev", show_default=True)(f)
    return f


def _progress(length: int, label: str):
    return click.progressbar(length=length, label=label, file=sys.stderr)


def _print_report(report, formatter, label: str, as_json: bool) -> None:
    import json

    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        click.echo(formatter(report, label))


@main.group("eval")
def eval_group() -> None:
    """Score the pipeline against CoNLL04 and PolNeAR (see docs/eval.md)."""


@eval_group.command("conll04")
@_eval_options
def eval_conll04(split: str, data: str | None, model: str | None, limit: int | None, as_json: bool) -> None:
    """Relations (boundaries, strict) and entities against CoNLL04."""
    import time

    from kg.eval import conll04, data_dir
    from kg.nlp import DEFAULT_MODEL, load_model

    started = time.perf_counter()
    try:
        sentences = conll04.load(data_dir(data), split, limit)
        nlp = load_model(model or DEFAULT_MODEL)
        with _progress(len(sentences), f"conll04 {split}") as bar:
            report = conll04.evaluate(sentences, nlp, progress=bar.update)
    except KGError as e:
        fail(str(e))
    _print_report(report, conll04.format_report, split, as_json)
    strict = report.micro("strict")
    click.echo(
        f"kg eval conll04 --split {split}: {len(sentences)} sentences, strict micro F1 {strict.f1:.4f}, "
        f"NER micro F1 {report.to_dict()['ner']['micro']['f1']:.4f}, {time.perf_counter() - started:.1f}s",
        err=True,
    )


@eval_group.command("polnear")
@_eval_options
@click.option("--baseline", type=click.Choice(["textacy"]), default=None, help="Score a baseline instead of kg.")
def eval_polnear(
    split: str, data: str | None, model: str | None, limit: int | None, as_json: bool, baseline: str | None
) -> None:
    """Statements against PolNeAR attributions (attribution, source, cue, content tokens)."""
    import time

    from kg.eval import data_dir, polnear
    from kg.nlp import DEFAULT_MODEL, load_model

    started = time.perf_counter()
    stats: dict[str, int] = {}
    try:
        articles = polnear.load(data_dir(data), split, limit)
        nlp = load_model(model or DEFAULT_MODEL)
        with _progress(len(articles), f"polnear {split} ({baseline or 'kg'})") as bar:
            report = polnear.evaluate(articles, nlp, baseline=baseline, progress=bar.update, stats=stats)
    except KGError as e:
        fail(str(e))
    _print_report(report, polnear.format_report, split, as_json)
    if stats:
        log.info("textacy: %s", stats)
    c = report.counts
    click.echo(
        f"kg eval polnear --split {split}{' --baseline ' + baseline if baseline else ''}: {len(articles)} articles, "
        f"attribution F1 {c.attribution.f1:.4f}, source F1 {c.source.f1:.4f}, cue F1 {c.cue.f1:.4f}, "
        f"content-token F1 {c.content_tokens.f1:.4f}, {time.perf_counter() - started:.1f}s",
        err=True,
    )



# ---------------------------------------------------------------- neo4j


# ---------------------------------------------------------------- sparql / serve


# ---------------------------------------------------------------- viz


# ---------------------------------------------------------------- resolve / explain


if __name__ == "__main__":  # pragma: no cover
    main()
