"""Throughput and memory of ``kg build`` against raw spaCy, in one run.

On the PolNeAR train articles (``$KG_DATA/polnear/train/text``, ~840 news
articles) this measures, each in a fresh subprocess:

1. raw ``nlp.pipe`` over the texts with the same model (``spacy.load``, no kg
   components, docs discarded, ``batch_size=16`` as kg uses): the ceiling. Its
   wall time includes starting Python and loading the model, like ``kg build``'s;
   the time of the ``nlp.pipe`` loop alone is printed as well. Then the same
   with kg's three speed-ups of the model's own components (its attribute
   ruler compiled, its lemmatizer's word lists as sets, its layers' matrix
   products on numpy's BLAS, one thread: the same annotations), to measure kg's
   own cost like for like;
2. ``kg build`` with 1 process and with 2 processes (``--processes``), whole
   build: ingest, NLP, rules, records, cross-document resolution and every
   graph output, unless ``--format`` narrows it;
3. peak RSS of each run (the process tree: the build plus its workers),
   sampled with psutil, and for the 1-process build on the first 200 articles
   versus all of them (memory must not grow with the corpus).

Words are whitespace-separated tokens of the article texts, the same count for
every row. CPU seconds are those of the whole process tree (user + system); on a
machine shared with other work they are steadier than wall time. Ratios come from the same run. The machine's load average is
printed next to the table because the numbers mean little without it.

Usage::

    python benchmarks/throughput.py                 # all ~840 articles (minutes)
    python benchmarks/throughput.py --limit 100     # quick
    python benchmarks/throughput.py --format jsonl  # NLP pass + records only
    python benchmarks/throughput.py --memory-only   # peak RSS, all articles vs --small, 1 process
    python benchmarks/throughput.py --encoder       # plus a 1-process row with the opt-in relation encoder
    python benchmarks/throughput.py --repeat 3      # three rounds back to back; medians of rows and ratios
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import resource

import psutil

ROOT = Path(__file__).resolve().parents[1]

RAW_SCRIPT = r"""
import contextlib, json, sys, time
from kg.nlp.pipeline import load_spacy
fast = sys.argv[1:2] == ["--fast"]  # the same model with kg's speed-ups of spaCy's own components
texts = [open(p, encoding="utf-8").read() for p in sys.argv[1 + fast:]]
nlp = load_spacy("en_core_web_sm")  # spacy.load, no kg components
threads = contextlib.nullcontext()
if fast:
    from kg.nlp import attribute_rules, gemm_ops, lemma_tables
    attribute_rules.swap_in(nlp)
    lemma_tables.index_as_sets(nlp)
    threads = gemm_ops.parsing(nlp)  # numpy's BLAS for every layer (gemm_ops.swap_in), one BLAS thread
t = time.perf_counter()
n = 0
with threads:
    for doc in nlp.pipe(texts, batch_size=16):
        n += len(doc)
print(json.dumps({"seconds": time.perf_counter() - t, "tokens": n}))
"""


def data_dir() -> Path:
    return Path(os.environ.get("KG_DATA", ROOT.parent / "shared" / "data"))


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_tree(cmd: list[str], *, env: dict[str, str] | None = None, marker: Path | None = None,
             marks: dict | None = None) -> tuple[float, int, str]:
    """Run ``cmd``; return (wall seconds, peak RSS of the process tree in bytes, stdout).

    With ``marker``, ``marks["seconds"]`` gets the time at which that file first
    appeared and ``marks["rss"]`` the peak RSS until then (the end of the NLP pass).
    ``marks["cpu"]`` gets the CPU seconds (user + system) of the whole process
    tree: every worker is waited for, so its time rolls up into ours.
    """
    cpu_before = _children_cpu()
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)
    ps = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            procs = [ps, *ps.children(recursive=True)]
            rss = 0
            for p in procs:
                try:
                    rss += p.memory_info().rss
                except psutil.Error:
                    pass
            peak = max(peak, rss)
        except psutil.Error:
            pass
        if marker is not None and marks is not None and "seconds" not in marks and marker.exists():
            marks["seconds"] = time.perf_counter() - started
            marks["rss"] = peak
        time.sleep(0.1)
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    if marks is not None:
        marks["cpu"] = _children_cpu() - cpu_before
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-3000:]}")
    return seconds, peak, out + err


def raw_spacy(files: list[Path], fast: bool = False) -> dict:
    """Raw ``nlp.pipe`` over ``files`` in a fresh process: whole-process seconds, the loop alone, RSS and CPU.

    With ``fast``, the model first gets the three speed-ups kg's pipeline applies to the model's own
    components (:mod:`kg.nlp.attribute_rules`, :mod:`kg.nlp.lemma_tables`, :mod:`kg.nlp.gemm_ops`): the same
    annotations, so kg's own cost on top of spaCy is measured like for like.
    """
    marks: dict = {}
    cmd = [sys.executable, "-c", RAW_SCRIPT, *(["--fast"] if fast else []), *map(str, files)]
    seconds, peak, out = run_tree(cmd, marks=marks)
    loop = json.loads(out.strip().splitlines()[0])
    # Wall time of the whole process (imports, model load, reading, nlp.pipe), as for kg build.
    return {"seconds": seconds, "rss": peak, "cpu": marks["cpu"], "loop_seconds": loop["seconds"]}


def median_run(runs: list[dict]) -> dict:
    """Each number's median over ``runs`` (one run's own values when there is one); other fields from the first."""
    return {key: statistics.median(r[key] for r in runs) if isinstance(value, (int, float)) else value
            for key, value in runs[0].items()}


def kg_build(corpus: Path, processes: int, formats: str | None, encoder: bool = False) -> dict:
    out = Path(tempfile.mkdtemp(prefix="kg-bench-out-"))
    cmd = [sys.executable, "-m", "kg", "build", str(corpus), "--out", str(out), "--processes", str(processes)]
    if formats:
        cmd += ["--format", formats]
    if encoder:
        cmd.append("--encoder")
    marks: dict = {}
    try:
        # resolution.json is written when the NLP pass is over and the output pass begins.
        seconds, peak, log = run_tree(cmd, marker=out / "resolution.json", marks=marks)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    summary = [line for line in log.splitlines() if line.startswith("kg: ")]
    return {"seconds": seconds, "rss": peak, "summary": summary[-1] if summary else "", "cpu": marks["cpu"],
            "nlp_seconds": marks.get("seconds", seconds), "nlp_rss": marks.get("rss", peak)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=None, help="Use only the first N articles.")
    ap.add_argument("--small", type=int, default=200, help="Article count for the memory comparison (default 200).")
    ap.add_argument("--format", dest="formats", default=None, help="kg build --format (default: every output).")
    ap.add_argument("--json", dest="json_out", default=None, help="Also write the results to this JSON file.")
    ap.add_argument("--memory-only", action="store_true",
                    help="Only the memory comparison: peak RSS of 1-process builds of all articles and of --small "
                         "(no raw or 2-process rows; RSS does not depend on the machine's load, speed does).")
    ap.add_argument("--repeat", type=int, default=1,
                    help="Rounds of the raw, 1-process and 2-process runs, back to back; report medians (default 1). "
                         "Shared machines drift by 20%% within minutes: use 3 or more for numbers to quote.")
    ap.add_argument("--encoder", action="store_true",
                    help="Also time a 1-process build with the opt-in relation encoder (kg build --encoder).")
    args = ap.parse_args()
    if args.repeat < 1:
        ap.error("--repeat must be 1 or more")

    text_dir = data_dir() / "polnear" / "train" / "text"
    files = sorted(text_dir.glob("*.txt"))
    if not files:
        raise SystemExit(f"no articles in {text_dir}; set KG_DATA to the directory holding polnear/")
    if args.limit:
        files = files[: args.limit]
    small = files[: min(args.small, len(files))]
    words = sum(len(f.read_text(encoding="utf-8").split()) for f in files)
    small_words = sum(len(f.read_text(encoding="utf-8").split()) for f in small)

    tmp = Path(tempfile.mkdtemp(prefix="kg-bench-"))
    try:
        corpus, corpus_small = tmp / "all", tmp / "small"
        corpus.mkdir()
        corpus_small.mkdir()
        for f in files:
            shutil.copy(f, corpus / f.name)
        for f in small:
            shutil.copy(f, corpus_small / f.name)

        load_before = os.getloadavg()
        if args.memory_only:
            memory_only(corpus, corpus_small, len(files), len(small), words, small_words, args.formats)
            return
        rounds = []  # (raw, 1 process, 2 processes, raw with the speed-ups) per round, back to back: each
        # round's ratios share its machine state
        for r in range(args.repeat):
            rounds.append((raw_spacy(files), kg_build(corpus, 1, args.formats), kg_build(corpus, 2, args.formats),
                           raw_spacy(files, fast=True)))
            if args.repeat > 1:
                raw_r, one_r, two_r, fast_r = rounds[-1]
                print(f"round {r + 1}: raw {raw_r['seconds']:.1f} s, kg 1 process {one_r['seconds']:.1f} s, "
                      f"2 processes {two_r['seconds']:.1f} s, raw with kg's speed-ups {fast_r['seconds']:.1f} s",
                      file=sys.stderr, flush=True)
        raw, one, two, rawfast = (median_run([rnd[i] for rnd in rounds]) for i in range(4))
        rows = [("raw nlp.pipe (en_core_web_sm)", len(files), raw["seconds"], raw["rss"],
                 f"nlp.pipe loop alone {raw['loop_seconds']:.1f} s ({words / raw['loop_seconds']:,.0f} words/s)",
                 raw["cpu"]),
                ("raw nlp.pipe, with kg's speed-ups of the model's components", len(files), rawfast["seconds"],
                 rawfast["rss"], f"nlp.pipe loop alone {rawfast['loop_seconds']:.1f} s", rawfast["cpu"])]
        raw_wps = words / raw["seconds"]
        rows.append(("kg build --processes 1", len(files), one["seconds"], one["rss"], one["summary"], one["cpu"]))
        rows.append(("kg build --processes 2", len(files), two["seconds"], two["rss"], two["summary"], two["cpu"]))
        few = kg_build(corpus_small, 1, args.formats)
        rows.append(("kg build --processes 1", len(small), few["seconds"], few["rss"], few["summary"], few["cpu"]))
        if args.encoder:
            enc = kg_build(corpus, 1, args.formats, encoder=True)
            rows.append(("kg build --processes 1 --encoder", len(files), enc["seconds"], enc["rss"], enc["summary"],
                         enc["cpu"]))
        load_after = os.getloadavg()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    per_round = {
        "ratio_kg1_raw": [r["seconds"] / o["seconds"] for r, o, _, _ in rounds],
        "ratio_nlp1_raw": [r["seconds"] / o["nlp_seconds"] for r, o, _, _ in rounds],
        "speedup_2_vs_1": [o["seconds"] / t["seconds"] for _, o, t, _ in rounds],
        "speedup_nlp_2_vs_1": [o["nlp_seconds"] / t["nlp_seconds"] for _, o, t, _ in rounds],
        # The most 2 processes could gain here: their CPU seconds spread over every core with none idle.
        "speedup_2_vs_1_cpu_bound": [psutil.cpu_count() * o["seconds"] / t["cpu"] for _, o, t, _ in rounds],
        "cpu_ratio_kg1_raw": [r["cpu"] / o["cpu"] for r, o, _, _ in rounds],
        "ratio_kg1_raw_with_speedups": [f["seconds"] / o["seconds"] for _, o, _, f in rounds],
        "ratio_raw_speedups_vs_raw": [r["seconds"] / f["seconds"] for r, _, _, f in rounds],
    }
    wps = {
        "raw": raw_wps,
        "kg1": words / one["seconds"],
        "kg2": words / two["seconds"],
    }
    result = {
        "machine": f"{platform.node()} {platform.machine()} {psutil.cpu_count()} CPUs, "
        f"{psutil.virtual_memory().total / 2**30:.1f} GiB, Python {platform.python_version()}",
        "articles": len(files),
        "words": words,
        "small_articles": len(small),
        "small_words": small_words,
        "format": args.formats or "all",
        "load_before": load_before,
        "load_after": load_after,
        "words_per_second": wps,
        "rounds": len(rounds),
        "per_round": per_round,
        **{key: statistics.median(values) for key, values in per_round.items()},
        "nlp_seconds": {"kg1": one["nlp_seconds"], "kg2": two["nlp_seconds"], "kg1_small": few["nlp_seconds"]},
        "nlp_peak_rss_mb": {"kg1": one["nlp_rss"] / 2**20, "kg2": two["nlp_rss"] / 2**20,
                            "kg1_small": few["nlp_rss"] / 2**20},
        "peak_rss_mb": {
            "raw": rows[0][3] / 2**20,
            "kg1": one["rss"] / 2**20,
            "kg2": two["rss"] / 2**20,
            f"kg1_{len(small)}": few["rss"] / 2**20,
        },
        "rss_ratio_all_vs_small": one["rss"] / few["rss"],
        "cpu_seconds": {"raw": raw["cpu"], "kg1": one["cpu"], "kg2": two["cpu"], "kg1_small": few["cpu"]},
    }
    if args.encoder:
        wps["kg1_encoder"] = words / enc["seconds"]
        result["ratio_kg1_encoder_raw"] = wps["kg1_encoder"] / wps["raw"]
        result["peak_rss_mb"]["kg1_encoder"] = enc["rss"] / 2**20
    print(f"machine: {result['machine']}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in load_before)}, "
          f"after: {' '.join(f'{x:.2f}' for x in load_after)}")
    print(f"corpus: {len(files)} PolNeAR train articles, {words:,} words; kg outputs: {result['format']}\n")
    print("| run | articles | seconds | words/s | CPU seconds | peak RSS (MB) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, n, secs, rss, _, cpu in rows:
        w = small_words if n == len(small) and n != len(files) else words
        print(f"| {name} | {n} | {secs:.1f} | {w / secs:,.0f} | {cpu:.1f} | {rss / 2**20:,.0f} |")
    print()
    print("NLP pass (until resolution.json appears: ingest, spaCy, rules, records, manifest, resolution):")
    for name, run, n in (("--processes 1", one, len(files)), ("--processes 2", two, len(files)),
                         ("--processes 1", few, len(small))):
        w = words if n == len(files) else small_words
        print(f"  {name} ({n}): {run['nlp_seconds']:.1f} s, {w / run['nlp_seconds']:,.0f} words/s, "
              f"peak RSS {run['nlp_rss'] / 2**20:,.0f} MB")
    if len(rounds) > 1:
        print(f"{len(rounds)} rounds (raw, 1 process, 2 processes, raw with the speed-ups, back to back); "
              "the table holds each row's median, "
              "the ratios below are the medians of the rounds' ratios:")
        for key, values in per_round.items():
            print(f"  {key}: {', '.join(f'{v:.2f}' for v in values)}")
    print(f"kg build / raw spaCy, 1 process: {result['ratio_kg1_raw']:.2f} (goal >= 0.85); "
          f"NLP pass only: {result['ratio_nlp1_raw']:.2f}")
    print(f"kg build / raw spaCy in CPU seconds (steadier under load), 1 process: {result['cpu_ratio_kg1_raw']:.2f}")
    print(f"kg build / raw spaCy with kg's speed-ups of spaCy's components (like for like), 1 process: "
          f"{result['ratio_kg1_raw_with_speedups']:.2f}; those speed-ups alone make raw spaCy "
          f"{result['ratio_raw_speedups_vs_raw']:.2f}x faster")
    print(f"2 processes vs 1: {result['speedup_2_vs_1']:.2f}x (goal >= 1.7); "
          f"NLP pass only: {result['speedup_nlp_2_vs_1']:.2f}x; at most {result['speedup_2_vs_1_cpu_bound']:.2f}x "
          f"on these {psutil.cpu_count()} cores ({psutil.cpu_count()} x 1-process seconds / 2-process CPU seconds)")
    print(f"peak RSS {len(files)} vs {len(small)} articles (1 process): {result['rss_ratio_all_vs_small']:.2f}x "
          "(flat = about 1)")
    if args.encoder:
        print(f"kg build --encoder / raw spaCy, 1 process: {result['ratio_kg1_encoder_raw']:.2f}")
    for name, n, *_, summary, _cpu in rows:
        print(f"  {name} ({n}): {summary}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(result, indent=2), encoding="utf-8")


def memory_only(corpus: Path, corpus_small: Path, n: int, n_small: int, words: int, small_words: int,
                formats: str | None) -> None:
    """Peak RSS of whole 1-process builds of ``corpus`` and ``corpus_small`` (``--memory-only``)."""
    load_before = os.getloadavg()
    runs = [(n, words, kg_build(corpus, 1, formats)), (n_small, small_words, kg_build(corpus_small, 1, formats))]
    load_after = os.getloadavg()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in load_before)}, "
          f"after: {' '.join(f'{x:.2f}' for x in load_after)}; kg outputs: {formats or 'all'}\n")
    print("| run | articles | words | seconds | peak RSS, NLP pass (MB) | peak RSS, whole build (MB) |")
    print("|---|---:|---:|---:|---:|---:|")
    for articles, w, run in runs:
        print(f"| kg build --processes 1 | {articles} | {w:,} | {run['seconds']:.1f} | "
              f"{run['nlp_rss'] / 2**20:,.0f} | {run['rss'] / 2**20:,.0f} |")
    (_, _, big), (_, _, few) = runs
    print(f"\npeak RSS {n} vs {n_small} articles (1 process, whole build): {big['rss'] / few['rss']:.2f}x "
          "(flat = about 1)")
    for articles, _, run in runs:
        print(f"  ({articles}): {run['summary']}")


if __name__ == "__main__":
    main()
