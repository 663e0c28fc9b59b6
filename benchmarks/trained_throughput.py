"""Words per second of the NLP stage with and without the trained components, same run.

    python benchmarks/trained_throughput.py [--articles 50] [--repeat 3]

The spaCy pipeline over the first N PolNeAR dev articles (the trained entity
tagger runs inside it) and the record assembly (:func:`kg.nlp.extract.from_doc`:
rules, linking, and with ``KG_TRAINED=1`` the statement and relation models)
are timed ``--repeat`` times per setting, alternating. Words are ``\\w+`` runs. Reports
medians and the ratio, in wall-clock time and in this process's CPU time (on a
machine shared with other jobs the CPU-time ratio is the steadier one).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kg.eval import data_dir, polnear  # noqa: E402
from kg.eval.metrics import tokenize  # noqa: E402
from kg.nlp import load_model, trained  # noqa: E402
from kg.nlp.extract import from_doc  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--data", default=None)
    args = ap.parse_args()
    articles = polnear.load(data_dir(args.data), "dev", limit=args.articles)
    words = sum(len(tokenize(a.text)) for a in articles)
    nlp = load_model()
    for name in (trained.STATEMENTS, trained.RELATIONS, trained.ENTITIES):
        trained.models(name)  # load outside the timing
    list(nlp.pipe(a.text for a in articles[:3]))  # warm up
    times: dict[tuple[str, str, str], list[float]] = {}
    for _ in range(args.repeat):
        for setting in ("rules", "trained"):  # alternating, so load changes hit both alike
            os.environ["KG_TRAINED"] = "1" if setting == "trained" else "0"
            t, c = time.perf_counter(), time.process_time()
            docs = list(nlp.pipe((a.text for a in articles), batch_size=8))  # the entity tagger runs in here
            t2, c2 = time.perf_counter(), time.process_time()
            for a, d in zip(articles, docs):
                from_doc(a.document(), d)
            t3, c3 = time.perf_counter(), time.process_time()
            for clock, (p, a) in (("wall", (t2 - t, t3 - t2)), ("cpu", (c2 - c, c3 - c2))):
                times.setdefault((clock, setting, "parse"), []).append(p)
                times.setdefault((clock, setting, "assembly"), []).append(a)
                times.setdefault((clock, setting, "total"), []).append(p + a)
    print(f"{len(articles)} PolNeAR dev articles, {words} words, medians of {args.repeat} alternating runs")
    for clock in ("wall", "cpu"):
        total = {}
        for k in ("rules", "trained"):
            p, a = (statistics.median(times[clock, k, part]) for part in ("parse", "assembly"))
            total[k] = statistics.median(times[clock, k, "total"])
            print(f"{clock:<4} {k:<8} spaCy pipeline {p:.1f}s, record assembly {a:.2f}s; "
                  f"end to end {words / total[k]:.0f} words/s")
        print(f"{clock:<4} ratio trained/rules end-to-end words/s: {total['rules'] / total['trained']:.3f}")
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
