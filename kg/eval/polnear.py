"""Score statements against PolNeAR attributions (Newell, Margolin & Ruths 2018).

Gold: for each article, the ``Attribution`` and ``Attribution-no-source``
events of its *first* annotation file in sorted order (some articles were
annotated by several people; we never mix annotators). Every ``Content*`` role
of an event (``Content``, ``Content2``) is part of its content.

Predictions: the extraction's statements: ``speaker_span`` → source,
``cue`` → cue, ``content.spans`` → content.

Tokens are ``\\w+`` runs over the article text (:func:`kg.eval.metrics.tokenize`);
a span covers a token when it overlaps it by at least one character. The same
rule is applied to gold and predictions.

Scores, all micro-averaged over the corpus:

- **attribution**: statements and gold attributions are matched one-to-one,
  greedily by descending content-token Dice, a pair qualifying at Dice ≥ 0.5
  (ties: lower gold index, then lower prediction index, both in file/output
  order). P = matches / statements, R = matches / gold attributions. Gold
  attributions whose content covers no token (a handful of annotations have no
  content role) cannot be matched and are left out of this gold count.
- **source**: the same matching, but a pair qualifies only when, in addition,
  the source agrees: the predicted ``speaker_span`` overlaps the gold Source
  span; for a gold attribution without a source (``Attribution-no-source``)
  the prediction must have no ``speaker_span`` either.
- **cue**: predicted cues and gold cues (of every gold attribution with a cue)
  matched one-to-one, greedily by characters of overlap; any overlap qualifies.
- **content tokens**: per article, the set of tokens covered by any predicted
  content against the set covered by any gold content; P/R over token counts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from spacy.language import Language

from kg.errors import ConfigError, InputError
from kg.eval.brat import BratDoc, read_ann
from kg.eval.data import corpus_dir
from kg.eval.metrics import PRF, ZERO, dice, greedy_match, overlap, tokenize, tokens_in
from kg.model import Document, Extraction

log = logging.getLogger(__name__)

Spans = tuple[tuple[int, int], ...]

#: The event types that are attributions.
ATTRIBUTION_EVENTS = ("Attribution", "Attribution-no-source")

#: A pair qualifies for the attribution match at this content-token Dice.
DICE_THRESHOLD = 0.5


@dataclass(frozen=True)
class Attribution:
    """Source, cue and content as character spans (gold or predicted).

    ``source`` is None when there is none; ``cue`` and ``content`` may be empty.
    """

    source: Spans | None
    cue: Spans
    content: Spans


@dataclass(frozen=True)
class Article:
    id: str
    text: str
    annotation: str  # the .ann file the gold comes from
    attributions: tuple[Attribution, ...]

    def document(self) -> Document:
        return Document(id=self.id, text=self.text, origin=self.annotation)


def gold_attributions(doc: BratDoc) -> list[Attribution]:
    """The attribution events of one annotation file, in file order."""
    out = []
    for ev in doc.events:
        if ev.type not in ATTRIBUTION_EVENTS:
            continue
        source: list[tuple[int, int]] = []
        cue: list[tuple[int, int]] = []
        content: list[tuple[int, int]] = []
        for role, target in ev.args[1:]:
            spans = doc.spans[target].spans
            if role.startswith("Source"):
                source.extend(spans)
            elif role.startswith("Cue"):
                cue.extend(spans)
            elif role.startswith("Content"):
                content.extend(spans)
        out.append(Attribution(tuple(source) or None, tuple(cue), tuple(content)))
    return out


def annotation_for(ann_dir: Path, article: str) -> Path | None:
    """The first ``<article>_<annotator>.ann`` in sorted order, or None."""
    candidates = sorted(p for p in ann_dir.glob(f"{article}_*.ann") if p.stem.rsplit("_", 1)[0] == article)
    return candidates[0] if candidates else None


def load(root: Path, split: str, limit: int | None = None) -> list[Article]:
    """Read the articles of a split with their gold attributions, sorted by name.

    Raises:
        ConfigError: the corpus or split directory is missing.
        InputError: an annotation file is malformed.
    """
    base = corpus_dir(root, "polnear", split) / split
    text_dir, ann_dir = base / "text", base / "attributions"
    if not text_dir.is_dir() or not ann_dir.is_dir():
        raise ConfigError(f"PolNeAR split {split!r} not found: expected {text_dir} and {ann_dir}; check --data / KG_DATA")
    out: list[Article] = []
    for txt in sorted(text_dir.glob("*.txt")):
        if limit is not None and len(out) >= limit:
            break
        ann = annotation_for(ann_dir, txt.stem)
        if ann is None:
            log.warning("%s: no annotation file in %s; article skipped", txt, ann_dir)
            continue
        try:
            with open(txt, encoding="utf-8", newline="") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError) as e:
            raise InputError(str(txt), f"cannot read article text: {e}") from e
        out.append(Article(txt.stem, text, str(ann), tuple(gold_attributions(read_ann(ann)))))
    return out


def from_extraction(x: Extraction) -> list[Attribution]:
    """The statements of an extraction record as attributions."""
    out = []
    for s in x.statements:
        source = (tuple(s.speaker_span),) if s.speaker_span else None
        cue = ((s.cue.start, s.cue.end),) if s.cue.end > s.cue.start else ()
        out.append(Attribution(source, cue, tuple(tuple(sp) for sp in s.content.spans)))  # type: ignore[misc]
    return out


# ---------------------------------------------------------------- scoring


@dataclass
class Counts:
    """Counts of one article or a whole corpus."""

    attribution: PRF = ZERO
    source: PRF = ZERO
    cue: PRF = ZERO
    content_tokens: PRF = ZERO
    dice_sum: float = 0.0  # sum of content Dice over attribution matches
    gold_without_content: int = 0

    def __add__(self, o: "Counts") -> "Counts":
        return Counts(
            self.attribution + o.attribution,
            self.source + o.source,
            self.cue + o.cue,
            self.content_tokens + o.content_tokens,
            self.dice_sum + o.dice_sum,
            self.gold_without_content + o.gold_without_content,
        )


def source_agrees(pred: Attribution, gold: Attribution) -> bool:
    """Gold without a source needs no predicted speaker; otherwise the spans overlap."""
    if gold.source is None:
        return pred.source is None
    return pred.source is not None and overlap(pred.source, gold.source) > 0


def score_article(text: str, gold: Iterable[Attribution], pred: Iterable[Attribution]) -> Counts:
    """Score one article's predicted attributions against its gold ones."""
    tokens = tokenize(text)
    all_gold = list(gold)
    pred = list(pred)
    gold_tok_all = [tokens_in(tokens, g.content) for g in all_gold]
    keep = [i for i, t in enumerate(gold_tok_all) if t]
    gold_c = [all_gold[i] for i in keep]
    gold_tok = [gold_tok_all[i] for i in keep]
    pred_tok = [tokens_in(tokens, p.content) for p in pred]

    dices = {(p, g): dice(pred_tok[p], gold_tok[g]) for p in range(len(pred)) for g in range(len(gold_c)) if pred_tok[p] & gold_tok[g]}
    attr = greedy_match(len(pred), len(gold_c), lambda p, g: dices.get((p, g), 0.0), DICE_THRESHOLD)
    src = greedy_match(
        len(pred),
        len(gold_c),
        lambda p, g: dices.get((p, g), 0.0) if source_agrees(pred[p], gold_c[g]) else 0.0,
        DICE_THRESHOLD,
    )

    gold_cues = [g.cue for g in all_gold if g.cue]
    pred_cues = [p.cue for p in pred if p.cue]
    cue = greedy_match(len(pred_cues), len(gold_cues), lambda p, g: overlap(pred_cues[p], gold_cues[g]), 1)

    gold_all_tok = frozenset().union(*gold_tok_all) if gold_tok_all else frozenset()
    pred_all_tok = frozenset().union(*pred_tok) if pred_tok else frozenset()

    return Counts(
        attribution=PRF(len(attr), len(pred), len(gold_c)),
        source=PRF(len(src), len(pred), len(gold_c)),
        cue=PRF(len(cue), len(pred_cues), len(gold_cues)),
        content_tokens=PRF(len(gold_all_tok & pred_all_tok), len(pred_all_tok), len(gold_all_tok)),
        dice_sum=sum(d for _, _, d in attr),
        gold_without_content=len(all_gold) - len(gold_c),
    )


@dataclass
class Report:
    n_articles: int
    counts: Counts = field(default_factory=Counts)
    system: str = "kg"

    def to_dict(self) -> dict[str, Any]:
        c = self.counts
        return {
            "corpus": "polnear",
            "system": self.system,
            "articles": self.n_articles,
            "attribution": c.attribution.to_dict(),
            "source": c.source.to_dict(),
            "cue": c.cue.to_dict(),
            "content_tokens": c.content_tokens.to_dict(),
            "mean_matched_dice": round(c.dice_sum / c.attribution.tp, 4) if c.attribution.tp else 0.0,
            "gold_without_content": c.gold_without_content,
        }


def score(articles: Iterable[Article], predictions: Iterable[tuple[str, list[Attribution]]], system: str = "kg") -> Report:
    """Score (article id, predicted attributions) pairs against the gold articles.

    An article with no predictions counts as predicting nothing.
    """
    articles = list(articles)
    by_id = dict(predictions)
    total = Counts()
    for a in articles:
        total = total + score_article(a.text, a.attributions, by_id.get(a.id, []))
    return Report(len(articles), total, system)


def score_extractions(articles: Iterable[Article], extractions: Iterable[Extraction]) -> Report:
    """Score the pipeline's extraction records (paired with articles by id)."""
    return score(articles, ((x.id, from_extraction(x)) for x in extractions))


def evaluate(
    articles: list[Article],
    nlp: Language,
    *,
    baseline: str | None = None,
    progress: Callable[[int], None] | None = None,
    stats: dict[str, int] | None = None,
) -> Report:
    """Run the pipeline (or a baseline from :mod:`kg.eval.baselines`) on every article and score it."""
    if baseline is None:
        from kg.nlp import extract_many

        preds: Iterable[tuple[str, list[Attribution]]] = (
            (x.id, from_extraction(x)) for x in extract_many((a.document() for a in articles), nlp, batch_size=4)
        )
        system = "kg"
    else:
        from kg.eval import baselines

        if baseline not in baselines.BASELINES:
            raise ConfigError(f"unknown baseline {baseline!r}; use one of {', '.join(baselines.BASELINES)}")
        preds = baselines.textacy_predictions(articles, nlp, stats=stats)
        system = baseline

    def tick() -> Iterable[tuple[str, list[Attribution]]]:
        for item in preds:
            if progress is not None:
                progress(1)
            yield item

    return score(articles, tick(), system)


def format_report(report: Report, label: str = "") -> str:
    c = report.counts
    d = report.to_dict()
    lines = [
        f"PolNeAR {label}".rstrip() + f": {report.n_articles} articles, system {report.system}, "
        f"{c.attribution.n_pred} statements, {c.attribution.n_gold} gold attributions "
        f"({c.gold_without_content} without content left out)",
        "",
        f"{'':<30}{'P':>8}{'R':>8}{'F1':>8}{'tp':>8}{'pred':>8}{'gold':>8}",
    ]
    for name, s in (
        ("attribution (Dice>=0.5)", c.attribution),
        ("source-correct", c.source),
        ("cue overlap", c.cue),
        ("content tokens", c.content_tokens),
    ):
        lines.append(f"{name:<30}{s.precision:>8.4f}{s.recall:>8.4f}{s.f1:>8.4f}{s.tp:>8}{s.n_pred:>8}{s.n_gold:>8}")
    lines.append(f"mean content Dice of matches: {d['mean_matched_dice']:.4f}")
    return "\n".join(lines)
