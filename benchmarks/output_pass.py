"""Seconds and peak memory of each graph output of ``kg build``'s second pass, on the same records.

The second pass of a build (:func:`kg.build.write_outputs`) resolves entities
across documents, then streams every record of ``extractions.jsonl`` into each
sink of :data:`kg.build.OUTPUTS`. This script times each part on its own, in a
fresh subprocess (so the peak RSS is that part's alone, on top of the records
being streamed), over an existing build directory:

    python benchmarks/output_pass.py OUT_DIR [--sink rdf --sink store ...]

Rows: ``read`` (parse and resolve the records, no sink: the floor every sink
pays), ``resolution`` (:func:`kg.resolve.resolve` over the records), then one
row per sink (reading + resolving + writing + closing). The sink's own cost is
its row minus ``read``. CPU seconds (the process's user + system time, its
threads included) are the steadier number on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _child(out_dir: Path, part: str) -> dict:
    from kg.build import EXTRACTIONS, _records, open_sinks
    from kg.resolve import apply, resolve
    from kg.resolve.report import resolution_for

    records = out_dir / EXTRACTIONS
    resolution = resolution_for(out_dir)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    n = 0
    if part == "resolution":
        resolve(_records(records))
    elif part == "read":
        for ex in _records(records):
            apply(ex, resolution)
            n += 1
    else:
        target = Path(tempfile.mkdtemp(prefix="kg-outpass-"))
        try:
            ((_, sink),) = open_sinks([part], target)
            for ex in _records(records):
                sink.write(apply(ex, resolution))
                n += 1
            add_links = getattr(sink, "write_resolution", None)
            if add_links is not None:
                add_links(resolution)
            sink.close()
        finally:
            shutil.rmtree(target, ignore_errors=True)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"part": part, "seconds": seconds, "records": n, "cpu": usage.ru_utime + usage.ru_stime - cpu0,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir", type=Path, help="A kg build output directory (with extractions.jsonl).")
    ap.add_argument("--sink", action="append", default=None, help="Only these sinks (repeatable).")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(_child(args.out_dir, args.child)))
        return
    from kg.build import OUTPUTS

    parts = ["read", "resolution", *(args.sink or OUTPUTS)]
    print(f"records: {args.out_dir / 'extractions.jsonl'}\n")
    print("| part | wall seconds | CPU seconds | peak RSS (MB) |")
    print("|---|---:|---:|---:|")
    for part in parts:
        proc = subprocess.run([sys.executable, __file__, str(args.out_dir), "--child", part],
                              capture_output=True, text=True, cwd=ROOT)
        if proc.returncode != 0:
            raise SystemExit(f"{part} failed:\n{proc.stderr[-3000:]}")
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"| {part} | {r['seconds']:.2f} | {r['cpu']:.2f} | {r['peak_rss_mb']:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
