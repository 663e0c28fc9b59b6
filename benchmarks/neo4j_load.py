"""Benchmark: stream a generated extraction file into a real Neo4j.

Generates extraction records (default: 100,000 relations and 20,000 statements
over 5,000 documents, entities shared across documents) into a JSON Lines
file, starts a throw-away Neo4j with ``services/neo4j/neo4j`` (its own home
and ports), and runs ``kg load neo4j`` on the file in a child process, several
times, on an empty database each time. Reports the median wall time, typed
fact relationships per second, all relationships per second, the server's CPU
time per load (from /proc, steadier than wall time on a shared machine), the
loader's CPU time and its peak RSS. To show memory is flat in the input size it
also loads a file of a quarter of the size and reports the ratio of the peak
RSS values.

The timed runs measure a warm server, as a running database is: the JVM
compiles Neo4j's hot code during the first loads (the server used about twice
the CPU on the first full-size load as on the third). So the quarter-size run
and ``--warmup`` full-size loads (default 1) come first; the first full-size
load is reported too, as the cold figure.

    python benchmarks/neo4j_load.py                # full run (about 2-4 minutes)
    python benchmarks/neo4j_load.py --docs 500     # quick check
    python benchmarks/neo4j_load.py --uri bolt://… --password …   # an existing, EMPTY-able server

The generator is importable (``generate``) so the fault tests use the same data.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PREDICATES = ("metWith", "worksFor", "memberOf", "locatedIn", "basedIn", "livesIn", "killed")
FIRST = ("Anna", "Boris", "Chen", "Dana", "Emil", "Fatima", "Georg", "Hana", "Ivan", "Julia", "Kofi", "Lena")
LAST = ("Adams", "Berg", "Costa", "Dufour", "Evans", "Fischer", "Garcia", "Horvat", "Ito", "Jensen", "Kowalski")


def generate(path: Path, docs: int = 5000, rels_per_doc: int = 20, stmts_per_doc: int = 4,
             people: int = 8000, orgs: int = 1500, places: int = 500, seed: int = 7) -> dict[str, int]:
    """Write ``docs`` extraction records to ``path``; return what they contain."""
    from kg.ids import entity_id, relation_id, sentence_id, statement_id  # noqa: F401

    rnd = random.Random(seed)
    pools = {
        "Person": [f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]} {i}" for i in range(people)],
        "Organization": [f"Ministry of Things {i}" for i in range(orgs)],
        "Location": [f"Town {i}" for i in range(places)],
    }
    n_rel = n_stmt = 0
    with path.open("w", encoding="utf-8") as f:
        for d in range(docs):
            doc_id = f"bench-{d:06d}"
            ents = {t: rnd.sample(pool, 4 if t == "Person" else 2) for t, pool in pools.items()}
            sentences, text_pos = [], 0
            n_sent = 10
            for i in range(n_sent):
                s_text = f"Sentence {i} of {doc_id}: {ents['Person'][i % 4]} met {ents['Person'][(i + 1) % 4]} " \
                         f"of {ents['Organization'][i % 2]} in {ents['Location'][i % 2]}, officials said."
                sentences.append({"index": i, "start": text_pos, "end": text_pos + len(s_text), "text": s_text})
                text_pos += len(s_text) + 1
            entities = []
            for t, names in ents.items():
                for k, name in enumerate(names):
                    s = sentences[k % n_sent]
                    off = s["text"].find(name)
                    mentions = [] if off < 0 else [{"start": s["start"] + off, "end": s["start"] + off + len(name),
                                                    "text": name, "sentence": s["index"]}]
                    entities.append({"id": entity_id(t, name), "type": t, "name": name, "mentions": mentions})
            pid = [entity_id("Person", n) for n in ents["Person"]]
            oid = [entity_id("Organization", n) for n in ents["Organization"]]
            lid = [entity_id("Location", n) for n in ents["Location"]]
            relations = []
            for r in range(rels_per_doc):
                pred = PREDICATES[r % len(PREDICATES)]
                subj = pid[r % 4]
                obj = {"metWith": pid[(r + 1) % 4], "worksFor": oid[r % 2], "memberOf": oid[(r + 1) % 2],
                       "locatedIn": lid[r % 2], "basedIn": lid[(r + 1) % 2], "livesIn": lid[r % 2],
                       "killed": pid[(r + 2) % 4]}[pred]
                s = sentences[r % n_sent]
                relations.append({
                    "id": relation_id(doc_id, subj, pred, obj, s["start"] + r, s["end"]),
                    "subject": subj, "predicate": pred, "object": obj,
                    "qualifiers": {"role": "adviser"} if pred == "worksFor" else
                                  ({"location": ents["Location"][0]} if pred == "metWith" else {}),
                    "confidence": 0.8,
                    "evidence": {"doc": doc_id, "sentence": s["index"], "start": s["start"], "end": s["end"],
                                 "text": s["text"], "extractor": "bench/1"}})
            statements = []
            for k in range(stmts_per_doc):
                s = sentences[k + 1]
                cue = s["text"].rfind("said")
                statements.append({
                    "id": statement_id(doc_id, s["start"] + cue, s["start"] + cue + 4),
                    "speaker": pid[k % 4], "speaker_span": None, "on_behalf_of": oid[k % 2],
                    "cue": {"start": s["start"] + cue, "end": s["start"] + cue + 4, "text": "said"},
                    "content": {"start": s["start"], "end": s["start"] + 10, "text": s["text"][:10]},
                    "kind": "indirect", "addressee": None, "mentions": [lid[k % 2], pid[(k + 1) % 4]],
                    "quantities": [], "confidence": 0.7,
                    "evidence": {"doc": doc_id, "sentence": s["index"], "start": s["start"], "end": s["end"],
                                 "text": s["text"], "extractor": "bench/1"}})
            rec = {"id": doc_id, "doc": {"title": f"Doc {d}", "date": "2024-11-13"}, "text_length": text_pos,
                   "sentences": sentences, "entities": entities, "relations": relations, "statements": statements}
            f.write(json.dumps(rec) + "\n")
            n_rel += len(relations)
            n_stmt += len(statements)
    return {"documents": docs, "relations": n_rel, "statements": n_stmt}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Child mode: load one file, print JSON with the time and the peak RSS.
def _child(path: str, uri: str, password: str, batch_rows: int, writers: int) -> None:
    from kg.sinks import neo4j_sink

    driver = neo4j_sink.connect(uri, "neo4j", password)
    t0, c0 = time.perf_counter(), time.process_time()
    stats = neo4j_sink.load_file(Path(path), driver, batch_rows=batch_rows, uri=uri, writers=writers)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": dt, "relations": stats.relations, "rels_created": stats.relationships_created,
                      "nodes_created": stats.nodes_created, "peak_rss_mb": rss_mb, "loader_cpu": round(cpu, 2)}))


def _wipe(uri: str, password: str) -> None:
    from neo4j import GraphDatabase

    with GraphDatabase.driver(uri, auth=("neo4j", password)) as d, d.session() as s:
        s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 2000 ROWS").consume()


def _server_cpu(pid: int | None) -> float:
    """CPU seconds (user + system) the server process has used so far; 0 when it is not ours to read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, TypeError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _load(path: Path, uri: str, password: str, batch_rows: int, writers: int, server_pid: int | None = None) -> dict:
    cpu0, load0 = _server_cpu(server_pid), os.getloadavg()[0]
    out = subprocess.run([sys.executable, __file__, "--child", str(path), "--uri", uri, "--password", password,
                          "--batch-rows", str(batch_rows), "--writers", str(writers)],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"loader failed:\n{out.stderr}")
    res = json.loads(out.stdout.strip().splitlines()[-1])
    res.update(server_cpu=round(_server_cpu(server_pid) - cpu0, 2), load_avg=round(load0, 2))
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1, help="full-size loads before the timed runs")
    ap.add_argument("--batch-rows", type=int, default=20000)
    ap.add_argument("--writers", type=int, default=2, help="kg load neo4j --writers")
    ap.add_argument("--uri")
    ap.add_argument("--password", default=os.environ.get("NEO4J_PASSWORD", "kg-local-password"))
    ap.add_argument("--child")
    a = ap.parse_args()
    if a.child:
        _child(a.child, a.uri, a.password, a.batch_rows, a.writers)
        return
    from kg.serve import neo4j_server as srv

    with tempfile.TemporaryDirectory(prefix="kg-neo4j-bench-") as tmp:
        tmp_p = Path(tmp)
        big, small = tmp_p / "big.jsonl", tmp_p / "small.jsonl"
        t0 = time.perf_counter()
        info = generate(big, docs=a.docs)
        generate(small, docs=max(1, a.docs // 4), seed=8)
        print(f"generated {info} ({big.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f}s",
              file=sys.stderr)
        cfg = pid = None
        uri, password = a.uri, a.password
        if uri is None:
            env = dict(os.environ, KG_NEO4J_HOME=str(tmp_p / "home"), KG_NEO4J_BOLT_PORT=str(_free_port()),
                       KG_NEO4J_HTTP_PORT=str(_free_port()), NEO4J_PASSWORD=password)
            cfg = srv.ServerConfig.from_env(env)
            srv.start(cfg, timeout=300, log=lambda m: print(m, file=sys.stderr))
            uri = cfg.uri
            pid = int(cfg.pid_file.read_text().split()[0])
        try:
            # the quarter-size load first: it also warms the server (query planning, JIT) for the timed runs
            _wipe(uri, password)
            quarter = _load(small, uri, password, a.batch_rows, a.writers, pid)
            print(f"quarter-size run (warm-up): {quarter}", file=sys.stderr)
            warm = []
            for i in range(a.warmup):
                _wipe(uri, password)
                warm.append(_load(big, uri, password, a.batch_rows, a.writers, pid))
                print(f"full-size warm-up {i + 1}: {warm[-1]}", file=sys.stderr)
            runs = []
            for i in range(a.runs):
                _wipe(uri, password)
                runs.append(_load(big, uri, password, a.batch_rows, a.writers, pid))
                print(f"run {i + 1}: {runs[-1]}", file=sys.stderr)
        finally:
            if cfg is not None:
                srv.stop(cfg)
    secs = statistics.median(r["seconds"] for r in runs)
    rels_all = runs[0]["rels_created"]
    rss = statistics.median(r["peak_rss_mb"] for r in runs)
    cpu = statistics.median(r["server_cpu"] for r in runs)
    loader_cpu = statistics.median(r["loader_cpu"] for r in runs)
    cpu_col = f"{cpu:.1f} s ({cpu / rels_all * 1e6:.0f} µs)" if pid else "n/a (not our server)"
    print(f"input: {info['documents']} docs, {info['relations']:,} relations, {info['statements']:,} statements "
          f"({rels_all:,} relationships in all); --writers {a.writers}, --batch-rows {a.batch_rows}")
    print("| load | time | fact relationships/s | all relationships/s | server CPU (per relationship) "
          "| loader CPU | loader peak RSS |")
    print("|---|---|---|---|---|---|---|")

    def row(label: str, seconds: float, server: str, loader: float, peak: float) -> str:
        return (f"| {label} | {seconds:.1f} s | {info['relations'] / seconds:,.0f} | {rels_all / seconds:,.0f} "
                f"| {server} | {loader:.1f} s | {peak:.0f} MB |")

    if warm:
        w = warm[0]
        print(row("first full-size load (cold JIT)", w["seconds"], f"{w['server_cpu']:.1f} s", w["loader_cpu"],
                  w["peak_rss_mb"]))
    print(row(f"warm server, median of {len(runs)}", secs, cpu_col, loader_cpu, rss))
    print(f"load average at the start of the timed runs: {', '.join(str(r['load_avg']) for r in runs)}")
    print(f"\nmemory flat in input size: peak RSS {quarter['peak_rss_mb']:.0f} MB for a quarter of the input vs "
          f"{rss:.0f} MB for all of it (ratio {rss / quarter['peak_rss_mb']:.2f}); runs: {len(runs)}")


if __name__ == "__main__":
    main()
