"""Score cross-document resolution against a hand-made gold set.

The gold (``tests/data/resolution_gold.tsv``) labels each (article, surface
form) of a person with the real-world person it denotes. A pipeline entity
whose mentions include that surface form in that article stands for the item;
its cluster id is the prediction. Pairwise precision/recall are counted over
all pairs of items the pipeline found, and B-cubed is reported beside it.

>>> s = pairwise([("a", "x"), ("a", "x"), ("a", "y"), ("b", "y")])
>>> (round(s.precision, 3), s.recall)  # 1 of 3 predicted pairs is right; 1 of 2 gold pairs found
(0.333, 0.5)
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable

from kg.errors import InputError
from kg.model import Document, Extraction
from kg.resolve.resolver import Resolution, resolve

GOLD = Path(__file__).resolve().parents[2] / "tests" / "data" / "resolution_gold.tsv"


@dataclass(frozen=True)
class PairScores:
    precision: float
    recall: float
    f1: float
    pred_pairs: int
    gold_pairs: int
    true_pairs: int


@dataclass(frozen=True)
class ResolutionReport:
    items: int
    found: int
    pairwise: PairScores
    cross_doc: PairScores
    bcubed: tuple[float, float, float]
    #: Pairwise scores of the same items with no cross-document resolution
    #: (entities merged only by identical canonical name), for comparison.
    names_only: PairScores | None = None

    def format(self) -> str:
        p, c = self.pairwise, self.cross_doc
        b = self.bcubed
        return "\n".join(
            [
                f"items: {self.found}/{self.items} gold (article, name) items found by the pipeline",
                f"{'':12}{'P':>7}{'R':>7}{'F1':>7}  pairs (pred/gold/true)",
                f"{'pairwise':12}{p.precision:7.3f}{p.recall:7.3f}{p.f1:7.3f}  {p.pred_pairs}/{p.gold_pairs}/{p.true_pairs}",
                f"{'cross-doc':12}{c.precision:7.3f}{c.recall:7.3f}{c.f1:7.3f}  {c.pred_pairs}/{c.gold_pairs}/{c.true_pairs}",
                f"{'B-cubed':12}{b[0]:7.3f}{b[1]:7.3f}{b[2]:7.3f}",
            ]
            + (
                [
                    f"{'names only':12}{self.names_only.precision:7.3f}{self.names_only.recall:7.3f}"
                    f"{self.names_only.f1:7.3f}  (pairwise, without cross-document resolution)"
                ]
                if self.names_only
                else []
            )
        )


def read_gold(path: Path = GOLD) -> dict[tuple[str, str], str]:
    """(article, surface) → person id."""
    try:
        with open(path, encoding="utf-8") as f:
            return {(r["doc"], _norm(r["surface"])): r["person"] for r in csv.DictReader(f, dialect="excel-tab")}
    except (OSError, KeyError) as e:
        raise InputError(str(path), f"cannot read the resolution gold set: {e}") from e


def _norm(surface: str) -> str:
    s = " ".join(surface.split())
    return re.sub(r"['’]s$", "", s)


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def pairwise(items: Iterable[tuple[str, str]]) -> PairScores:
    """Pairwise scores from (predicted cluster, gold cluster) per item."""
    items = list(items)
    pred = Counter(p for p, _ in items)
    gold = Counter(g for _, g in items)
    both = Counter(items)
    tp = sum(_pairs(n) for n in both.values())
    pp = sum(_pairs(n) for n in pred.values())
    gp = sum(_pairs(n) for n in gold.values())
    p = tp / pp if pp else 1.0
    r = tp / gp if gp else 1.0
    return PairScores(p, r, _f1(p, r), pp, gp, tp)


def bcubed(items: list[tuple[str, str]]) -> tuple[float, float, float]:
    pred = Counter(p for p, _ in items)
    gold = Counter(g for _, g in items)
    both = Counter(items)
    n = len(items) or 1
    p = sum(both[i] / pred[i[0]] for i in items) / n
    r = sum(both[i] / gold[i[1]] for i in items) / n
    return p, r, _f1(p, r)


def evaluate(
    extractions: Iterable[Extraction], resolution: Resolution, gold: dict[tuple[str, str], str]
) -> ResolutionReport:
    """Match gold items to pipeline entities and score the clusters."""
    found: dict[tuple[str, str], str] = {}
    for ex in extractions:
        best: dict[str, tuple[int, str]] = {}
        for e in ex.entities:
            counts = Counter(_norm(m.text) for m in e.mentions)
            for surface, n in counts.items():
                if (ex.id, surface) in gold and n > best.get(surface, (0, ""))[0]:
                    best[surface] = (n, e.id)
        for surface, (_, eid) in best.items():
            found[(ex.id, surface)] = resolution.canonical(ex.id, eid)
    items = [(found[k], gold[k]) for k in sorted(found)]
    # Cross-document pairs only: pairs of items from different articles.
    by_doc: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for k in sorted(found):
        by_doc[k[0]].append((found[k], gold[k]))
    all_ = pairwise(items)
    within = [pairwise(v) for v in by_doc.values()]
    cross = _minus(all_, within)
    return ResolutionReport(len(gold), len(items), all_, cross, bcubed(items))


def _minus(total: PairScores, parts: list[PairScores]) -> PairScores:
    pp = total.pred_pairs - sum(x.pred_pairs for x in parts)
    gp = total.gold_pairs - sum(x.gold_pairs for x in parts)
    tp = total.true_pairs - sum(x.true_pairs for x in parts)
    p = tp / pp if pp else 1.0
    r = tp / gp if gp else 1.0
    return PairScores(p, r, _f1(p, r), pp, gp, tp)


def evaluate_corpus(
    texts: list[Path], *, model: str | None = None, gold_path: Path = GOLD, progress=None
) -> tuple[ResolutionReport, float]:
    """Run the pipeline on PolNeAR articles (ids = file stems), resolve, and score.

    Returns:
        the report and the seconds spent in resolution alone.
    """
    import time

    from kg.nlp import DEFAULT_MODEL, extract_many, load_model

    gold = read_gold(gold_path)
    nlp = load_model(model or DEFAULT_MODEL)
    docs = [Document(id=p.stem, text=p.read_text(encoding="utf-8"), origin=str(p)) for p in texts]
    extractions = []
    for ex in extract_many(docs, nlp):
        extractions.append(ex)
        if progress is not None:
            progress(1)
    wanted = {p.stem for p in texts}
    gold = {k: v for k, v in gold.items() if k[0] in wanted}
    started = time.perf_counter()
    resolution = resolve(extractions)
    seconds = time.perf_counter() - started
    report = evaluate(extractions, resolution, gold)
    names_only = evaluate(extractions, Resolution(clusters=(), decisions=()), gold).pairwise
    return replace(report, names_only=names_only), seconds
