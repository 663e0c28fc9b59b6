"""How graph.html copes with a large corpus: PolNeAR train (840 articles).

Builds (or reuses) the extraction records for the PolNeAR train texts, writes
graph.html with the default node cap, then loads it in headless Chromium and
reports: page size, nodes/edges in the data, nodes shown and hidden, the time
until the first layout is done, and the time a search takes to bring in and
show a node. Medians over --repeat page loads.

    python benchmarks/viz_polnear.py [--split train] [--limit N] [--out /tmp/kg-viz-bench] [--no-build]
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.build import build  # noqa: E402
from kg.sinks.html_sink import DEFAULT_MAX_NODES, HTMLWriter, read_extractions  # noqa: E402


def find_shared() -> Path:
    for base in ROOT.parents:
        if (base / "shared" / "data").is_dir():
            return base / "shared"
    raise SystemExit("../shared not found")


def corpus_jsonl(split: str, limit: int | None, target: Path) -> Path:
    shared = find_shared() / "data" / "polnear"
    with (shared / "metadata.tsv").open(encoding="utf-8", newline="") as f:
        meta = {r["filename"]: r for r in csv.DictReader(f, delimiter="\t")}
    paths = sorted((shared / split / "text").glob("*.txt"))[:limit]
    with target.open("w", encoding="utf-8") as f:
        for p in paths:
            m = meta.get(p.stem, {})
            f.write(json.dumps({"id": p.stem, "text": p.read_text(encoding="utf-8"), "title": m.get("title"),
                                "date": m.get("publication_date"), "source": m.get("publisher")}) + "\n")
    return target


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--window-size=1500,900", f"--user-data-dir={tempfile.mkdtemp(prefix='kg-bench-')}"):
        opts.add_argument(a)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=opts)


def wait_ready(d, timeout=120.0) -> float:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if d.execute_script("return !!(window.kg && window.kg.isReady())"):
            return time.perf_counter() - t0
        time.sleep(0.05)
    raise SystemExit("page never finished its layout")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default="train")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "kg-viz-bench")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--max-nodes", type=int, default=DEFAULT_MAX_NODES)
    ap.add_argument("--screenshot", type=Path, default=None)
    ap.add_argument("--no-build", action="store_true", help="use the extractions.jsonl already in --out as is")
    args = ap.parse_args()

    args.out.mkdir(parents=True, exist_ok=True)
    records = args.out / "extractions.jsonl"
    if not args.no_build:
        # build() resumes: documents already in extractions.jsonl are not extracted again.
        src = corpus_jsonl(args.split, args.limit, args.out / f"polnear-{args.split}.jsonl")
        t0 = time.perf_counter()
        summary = build([src], args.out, outputs=[])
        print(f"build: {summary.line()} (wall {time.perf_counter() - t0:.0f} s)")
    page = args.out / "graph.html"
    t0 = time.perf_counter()
    with HTMLWriter(page, max_nodes=args.max_nodes, title=f"PolNeAR {args.split}") as w:
        for x in read_extractions(records):
            w.write(x)
    write_s = time.perf_counter() - t0
    print(f"graph.html: {page.stat().st_size / 1e6:.1f} MB, {w.summary}, written in {write_s:.1f} s")

    d = browser()
    try:
        loads, searches = [], []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            d.get(page.resolve().as_uri())
            loads.append(time.perf_counter() - t0 + wait_ready(d))
            shown, total = d.execute_script("return [window.kg.nodeView.length, window.kg.data.nodes.length]")
            hidden = d.execute_script("return document.getElementById('kg-hidden').textContent")
            # Search for the lowest-ranked person: it is hidden at first and must be brought in.
            target = d.execute_script(
                "const p = window.kg.data.nodes.filter(n => n.type === 'Person'); return p[p.length - 1].id")
            t0 = time.perf_counter()
            d.execute_script("window.kg.select(arguments[0])", target)
            while d.execute_script("return document.getElementById('kg-panel').getAttribute('data-node')") != target:
                time.sleep(0.02)
            wait_ready(d)
            searches.append(time.perf_counter() - t0)
        print(f"nodes shown at first: {shown} of {total}; page says: {hidden}")
        print(f"load + first layout: median {statistics.median(loads):.2f} s over {len(loads)} loads "
              f"({', '.join(f'{x:.2f}' for x in loads)})")
        print(f"search a hidden node until its evidence shows and layout settles: median "
              f"{statistics.median(searches):.2f} s")
        if args.screenshot:
            d.save_screenshot(str(args.screenshot))
    finally:
        d.quit()


if __name__ == "__main__":
    main()
