"""How fast are the RDF and networkx sinks? Synthetic records, medians of repeated runs.

    python benchmarks/rdf_sink.py [--docs 300] [--repeat 3]

Each synthetic document is the hand-built seed extraction (12 entities, 7
relations, 5 statements, 20 sentences) under a new document id, so entities
merge across documents just as they do in a real corpus. Reports the pure
converter, each serialiser (pyoxigraph vs rdflib for the same graph), and the
networkx converter + GraphML writer.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rdflib import Graph  # noqa: E402

from kg import ids  # noqa: E402
from kg.sinks import rdf_sink  # noqa: E402
from kg.sinks.nx_sink import GraphMLWriter, to_networkx  # noqa: E402
from tests.sinks._records import seed_extraction  # noqa: E402


def synthetic(n: int):
    base = seed_extraction("bench-0")
    out = []
    for i in range(n):
        doc = f"bench-{i}"
        ev = lambda e: dataclasses.replace(e, doc=doc)  # noqa: E731
        out.append(dataclasses.replace(
            base, id=doc,
            relations=tuple(dataclasses.replace(r, id=r.id.replace("bench-0", doc), evidence=ev(r.evidence))
                            for r in base.relations),
            statements=tuple(dataclasses.replace(s, id=ids.statement_id(doc, s.cue.start, s.cue.end),
                                                 evidence=ev(s.evidence)) for s in base.statements),
        ))
    return out


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    exs = synthetic(a.docs)
    rdf_sink.ontology_graph()  # parsed once per process; not part of the per-document cost
    t_conv, ds = timed(lambda: rdf_sink.to_rdf_graph(exs), a.repeat)
    n_quads = sum(1 for _ in ds.quads((None, None, None, None)))
    rows = [("to_rdf_graph (rdflib Dataset)", t_conv)]
    t, quads = timed(lambda: rdf_sink.to_ox_quads(exs), a.repeat)
    rows.append(("to_ox_quads (pyoxigraph quads, used by RDFWriter)", t))
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ("ttl", "trig", "nt", "jsonld"):
            t, _ = timed(lambda: rdf_sink.serialize_quads(quads, fmt, Path(tmp) / f"g.{fmt}"), a.repeat)
            rows.append((f"write {fmt} (kg: sorted pyoxigraph)", t))

        def writer():
            w = rdf_sink.RDFWriter(Path(tmp) / "w")
            for e in exs:
                w.write(e)
            w.close()

        t, _ = timed(writer, a.repeat)
        rows.append(("RDFWriter, all 4 formats (convert + write)", t))
        union = Graph()
        union.addN((s, p, o, union) for s, p, o, _ in ds.quads((None, None, None, None)))
        for fmt, rfmt, g in (("ttl", "turtle", union), ("trig", "trig", ds), ("nt", "nt", union),
                             ("jsonld", "json-ld", ds)):
            t, _ = timed(lambda: g.serialize(Path(tmp) / f"r.{fmt}", format=rfmt, encoding="utf-8"), a.repeat)
            rows.append((f"write {fmt} (rdflib serialiser, same graph)", t))
        t, _ = timed(lambda: to_networkx(exs), a.repeat)
        rows.append(("to_networkx", t))

        def graphml():
            w = GraphMLWriter(Path(tmp) / "g.graphml")
            for e in exs:
                w.write(e)
            w.close()

        t, _ = timed(graphml, a.repeat)
        rows.append(("GraphMLWriter (convert + write)", t))
    print(f"{a.docs} documents, {n_quads} quads, median of {a.repeat} runs")
    print("| step | seconds | µs/quad |")
    print("|---|---|---|")
    for name, t in rows:
        print(f"| {name} | {t:.3f} | {1e6 * t / n_quads:.1f} |")


if __name__ == "__main__":
    main()
