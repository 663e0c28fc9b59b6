"""Words per second of the NLP stage with and without the trained components, same run.

    python benchmarks/trained_throughput.py [--articles 50] [--repeat 3]

The spaCy parse of the first N PolNeAR dev articles is timed once (it is the
same for both settings); the record assembly (:func:`kg.nlp.extract.from_doc`:
rules, linking, and with ``KG_TRAINED=1`` the two CRFsuite models) is timed
``--repeat`` times per setting, alternating. Words are ``\\w+`` runs. Reports
medians and the ratio.
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
    trained.models(trained.STATEMENTS), trained.models(trained.RELATIONS)  # load outside the timing
    t = time.perf_counter()
    docs = list(nlp.pipe((a.text for a in articles), batch_size=8))
    parse_s = time.perf_counter() - t
    times: dict[str, list[float]] = {"rules": [], "trained": []}
    for _ in range(args.repeat):
        for setting in ("rules", "trained"):
            os.environ["KG_TRAINED"] = "1" if setting == "trained" else "0"
            t = time.perf_counter()
            for a, d in zip(articles, docs):
                from_doc(a.document(), d)
            times[setting].append(time.perf_counter() - t)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"{len(articles)} PolNeAR dev articles, {words} words; spaCy parse {parse_s:.1f}s ({words / parse_s:.0f} words/s)")
    for k in ("rules", "trained"):
        total = parse_s + med[k]
        print(f"{k:<8} assembly median {med[k]:.2f}s over {args.repeat}; end to end {words / total:.0f} words/s")
    print(f"ratio trained/rules end-to-end words/s: {(parse_s + med['rules']) / (parse_s + med['trained']):.3f}")


if __name__ == "__main__":
    main()
