"""Metric primitives shared by the scorers: counts, P/R/F1, Dice and one-to-one matching.

Everything here is pure and small so that it can be checked by hand in
``tests/eval/test_metrics.py``.

>>> PRF(tp=3, n_pred=4, n_gold=6).f1
0.6
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

#: Word tokens used for content Dice and content-token F1: runs of ``\\w``
#: characters. Punctuation and whitespace never count, so a span that
#: includes or omits a closing quote or full stop scores the same.
TOKEN_RE = re.compile(r"\w+")

Spans = Sequence[tuple[int, int]]


@dataclass(frozen=True)
class PRF:
    """True positives against the number of predictions and gold items.

    Precision is 0 when nothing was predicted, recall is 0 when there is no
    gold, and F1 is 0 when both are 0 (the usual convention; nothing is NaN).
    """

    tp: int
    n_pred: int
    n_gold: int

    @property
    def precision(self) -> float:
        return self.tp / self.n_pred if self.n_pred else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.n_gold if self.n_gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: "PRF") -> "PRF":
        return PRF(self.tp + other.tp, self.n_pred + other.n_pred, self.n_gold + other.n_gold)

    def to_dict(self) -> dict[str, float | int]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "tp": self.tp,
            "n_pred": self.n_pred,
            "n_gold": self.n_gold,
        }


ZERO = PRF(0, 0, 0)


def micro(scores: Iterable[PRF]) -> PRF:
    """Sum the counts, then compute P/R/F1.

    >>> round(micro([PRF(1, 2, 2), PRF(3, 3, 6)]).f1, 3)  # P 4/5, R 4/8
    0.615
    """
    total = ZERO
    for s in scores:
        total = total + s
    return total


def macro(scores: Sequence[PRF]) -> dict[str, float]:
    """Average precision, recall and F1 over the given classes (SpERT's macro).

    Classes with no gold and no predictions still count (as 0); pass only the
    classes you mean to average.

    >>> macro([PRF(1, 1, 1), PRF(0, 1, 1)])
    {'precision': 0.5, 'recall': 0.5, 'f1': 0.5}
    """
    if not scores:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    n = len(scores)
    return {
        "precision": round(sum(s.precision for s in scores) / n, 4),
        "recall": round(sum(s.recall for s in scores) / n, 4),
        "f1": round(sum(s.f1 for s in scores) / n, 4),
    }


def set_prf(pred: Iterable, gold: Iterable) -> PRF:
    """P/R/F1 of two sets of hashable items (exact match).

    >>> set_prf({1, 2, 3}, {2, 3, 4, 5}).to_dict()["f1"]
    0.5714
    """
    p, g = set(pred), set(gold)
    return PRF(len(p & g), len(p), len(g))


def tokenize(text: str) -> tuple[tuple[int, int], ...]:
    """Character ranges of the word tokens of ``text``.

    >>> tokenize("He said: “no.”")
    ((0, 2), (3, 7), (10, 12))
    """
    return tuple(m.span() for m in TOKEN_RE.finditer(text))


def tokens_in(tokens: Sequence[tuple[int, int]], spans: Spans) -> frozenset[int]:
    """Indices of the tokens that overlap any of ``spans`` by at least one character.

    Overlap rather than containment, so a span cut inside a word ("t's not")
    still includes that word, the same way for gold and predictions.

    >>> toks = tokenize("aa bb cc dd")
    >>> sorted(tokens_in(toks, [(1, 4), (9, 11)]))
    [0, 1, 3]
    """
    ends = [te for _, te in tokens]
    out = set()
    for s, e in spans:
        if e <= s:
            continue
        i = bisect.bisect_right(ends, s)  # first token ending after s
        while i < len(tokens) and tokens[i][0] < e:
            out.add(i)
            i += 1
    return frozenset(out)


def dice(a: frozenset | set, b: frozenset | set) -> float:
    """Dice coefficient 2|A∩B| / (|A|+|B|); 0 when both are empty.

    >>> dice({1, 2, 3}, {2, 3, 4, 5})
    0.5714285714285714
    """
    if not a and not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def overlap(a: Spans, b: Spans) -> int:
    """Number of characters two (possibly discontinuous) span sets share.

    >>> overlap([(0, 5)], [(3, 10)])
    2
    >>> overlap([(0, 2), (8, 9)], [(2, 8)])
    0
    """
    total = 0
    for s1, e1 in a:
        for s2, e2 in b:
            total += max(0, min(e1, e2) - max(s1, s2))
    return total


def greedy_match(
    n_pred: int, n_gold: int, score: Callable[[int, int], float], threshold: float
) -> list[tuple[int, int, float]]:
    """One-to-one matching, greedy by descending score.

    All pairs with ``score(p, g) >= threshold`` (and > 0) are sorted by score,
    highest first; ties go to the lower gold index, then the lower prediction
    index, so the result is deterministic. A pair is taken when neither side
    is matched yet. Greedy is not always a maximum matching, but it is the
    usual choice for span-overlap scores and is easy to reason about.

    Returns:
        (pred index, gold index, score) triples, in the order they were taken.

    >>> s = {(0, 0): 0.9, (0, 1): 0.6, (1, 0): 0.8}
    >>> greedy_match(2, 2, lambda p, g: s.get((p, g), 0.0), 0.5)
    [(0, 0, 0.9)]
    """
    pairs = []
    for p in range(n_pred):
        for g in range(n_gold):
            v = score(p, g)
            if v > 0 and v >= threshold:
                pairs.append((-v, g, p))
    pairs.sort()
    used_p: set[int] = set()
    used_g: set[int] = set()
    out = []
    for neg, g, p in pairs:
        if p in used_p or g in used_g:
            continue
        used_p.add(p)
        used_g.add(g)
        out.append((p, g, -neg))
    return out
