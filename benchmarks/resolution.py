"""Time cross-document resolution on a corpus and show that blocking keeps it sub-quadratic.

Usage:
    python benchmarks/resolution.py --records out/extractions.jsonl [--repeat 3]
    python benchmarks/resolution.py --build ../shared/data/polnear/train/text --out /tmp/kg-train   # builds first

Reports the number of document-level entities, name groups, candidate pairs
actually scored (versus all pairs of name groups), the clusters, and the median
resolution time over ``--repeat`` runs, all from the same run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kg.build import build  # noqa: E402
from kg.model import Extraction  # noqa: E402
from kg.resolve import resolve  # noqa: E402
from kg.sinks.jsonl_sink import iter_records  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=Path, help="an extractions.jsonl")
    ap.add_argument("--build", type=Path, help="build this input first (into --out)")
    ap.add_argument("--out", type=Path, default=Path("/tmp/kg-resolution-bench"))
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    records = args.records
    if args.build:
        build([args.build], args.out, outputs=["jsonl"])
        records = args.out / "extractions.jsonl"
    if records is None:
        ap.error("give --records or --build")
    exs = [Extraction.from_dict(r) for r in iter_records(records)]
    times, res = [], None
    for _ in range(args.repeat):
        t = time.perf_counter()
        res = resolve(exs)
        times.append(time.perf_counter() - t)
    refs = sum(len(e.entities) for e in exs)
    names = len({e.id for ex in exs for e in ex.entities})
    merges = sum(1 for d in res.decisions if d.verdict == "same")
    print("| documents | document entities | name groups | pairs scored | all name pairs | clusters | merges | median s |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {len(exs)} | {refs} | {names} | {res.pairs_compared} | {names * (names - 1) // 2} | "
          f"{len(res.clusters)} | {merges} | {statistics.median(times):.2f} |")


if __name__ == "__main__":
    main()
