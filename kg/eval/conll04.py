"""Score relations and entities against CoNLL04 (Roth & Yih 2004, the SpERT split).

Each sentence's ``text`` is one :class:`~kg.model.Document` whose id is the
sentence id. Our predicates map onto the five CoNLL04 relation types
(:data:`PREDICATE_TYPES`); other predicates (``metWith``) have no CoNLL04
counterpart and are ignored, neither right nor wrong.

Two criteria, as in SpERT and its successors:

- **boundaries**: both argument spans exact (from ``evidence.subject_span`` and
  ``evidence.object_span``) and the relation type right;
- **strict**: that, plus both arguments' entity types right (the entity each
  argument id names, its type mapped by :data:`ENTITY_TYPES`).

Predicted triples are deduplicated per sentence (``worksFor`` and ``memberOf``
both becoming ``Work_For`` for the same pair count once). A relation without
argument spans can never match and counts as a false positive.

Predicted spans are scored on CoNLL04's tokens (:meth:`Sentence.snap`): a
span ending inside a token ("Dallas" of the token "Dallas.") counts as the
token, as it would for a token-level system.

NER is scored on Peop/Org/Loc from the entity mentions (exact span and type);
CoNLL04's ``Other`` has no counterpart and is left out of the gold.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from spacy.language import Language

from kg.errors import ConfigError, InputError
from kg.eval.data import corpus_dir
from kg.eval.metrics import PRF, macro, micro, set_prf
from kg.model import Document, Extraction

#: Our predicate → CoNLL04 relation type.
PREDICATE_TYPES = {
    "worksFor": "Work_For",
    "memberOf": "Work_For",
    "livesIn": "Live_In",
    "locatedIn": "Located_In",
    "basedIn": "OrgBased_In",
    "killed": "Kill",
}

RELATION_TYPES = ("Work_For", "Live_In", "Located_In", "OrgBased_In", "Kill")

#: Our entity type → CoNLL04 entity type.
ENTITY_TYPES = {"Person": "Peop", "Organization": "Org", "Location": "Loc"}

NER_TYPES = ("Peop", "Org", "Loc")

Span = tuple[int, int]


@dataclass(frozen=True)
class GoldEntity:
    start: int
    end: int
    type: str


@dataclass(frozen=True)
class Sentence:
    """One CoNLL04 sentence: its text, gold entities (char offsets) and relations."""

    id: str
    text: str
    entities: tuple[GoldEntity, ...]
    relations: tuple[tuple[int, int, str], ...]  # head index, tail index, type

    def snap(self, span: Span | None) -> Span | None:
        """Widen a predicted char span to the CoNLL04 tokens it touches.

        CoNLL04 is annotated on its own tokens (the text is the tokens joined
        by spaces) and some tokens carry punctuation ("Dallas." at a sentence
        end, "theater."). A token-level system can only name whole tokens, so a
        prediction ending inside a token is scored as that token; spans are
        never widened across a space.

        >>> Sentence("x", "in Dallas. now", (), ()).snap((3, 9))
        (3, 10)
        """
        if span is None:
            return None
        s, e = span
        t = self.text
        while s > 0 and t[s - 1] != " ":
            s -= 1
        while e < len(t) and t[e] != " ":
            e += 1
        return (s, e)

    def document(self) -> Document:
        return Document(id=self.id, text=self.text, origin=f"conll04:{self.id}")


def load(root: Path, split: str, limit: int | None = None) -> list[Sentence]:
    """Read ``root/conll04/<split>.jsonl`` (first ``limit`` sentences if given).

    Raises:
        ConfigError: the corpus or split is missing.
        InputError: a line is not valid JSON or lacks a field (names file:line).
    """
    path = corpus_dir(root, "conll04", split) / f"{split}.jsonl"
    if not path.is_file():
        raise ConfigError(f"CoNLL04 split file {str(path)!r} not found; check --data / KG_DATA")
    out: list[Sentence] = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            if limit is not None and len(out) >= limit:
                break
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                ents = tuple(GoldEntity(e["char_start"], e["char_end"], e["type"]) for e in d["entities"])
                rels = tuple((r["head"], r["tail"], r["type"]) for r in d["relations"])
                out.append(Sentence(d["id"], d["text"], ents, rels))
            except (json.JSONDecodeError, KeyError, TypeError) as e:
                raise InputError(f"{path}:{lineno}", f"not a CoNLL04 record ({e!r}); expected id, text, entities, relations") from e
    return out


# ---------------------------------------------------------------- triples

# A strict triple: (sentence id, subject span, subject type, object span, object type, relation type).
StrictTriple = tuple[str, Span | None, str | None, Span | None, str | None, str]


def gold_triples(sentence: Sentence) -> set[StrictTriple]:
    out = set()
    for h, t, type_ in sentence.relations:
        head, tail = sentence.entities[h], sentence.entities[t]
        out.add((sentence.id, (head.start, head.end), head.type, (tail.start, tail.end), tail.type, type_))
    return out


def predicted_triples(extraction: Extraction) -> set[StrictTriple]:
    """The extraction's relations as CoNLL04 triples, deduplicated."""
    types = {e.id: ENTITY_TYPES.get(e.type) for e in extraction.entities}
    out = set()
    for r in extraction.relations:
        type_ = PREDICATE_TYPES.get(r.predicate)
        if type_ is None:
            continue
        sub = tuple(r.evidence.subject_span) if r.evidence.subject_span else None
        obj = tuple(r.evidence.object_span) if r.evidence.object_span else None
        out.add((extraction.id, sub, types.get(r.subject), obj, types.get(r.object), type_))  # type: ignore[arg-type]
    return out


def boundaries(triples: Iterable[StrictTriple]) -> set[tuple]:
    """Drop the entity types: the key of the "boundaries" criterion."""
    return {(sid, sub, obj, type_) for sid, sub, _, obj, _, type_ in triples}


def gold_mentions(sentence: Sentence) -> set[tuple[str, int, int, str]]:
    return {(sentence.id, e.start, e.end, e.type) for e in sentence.entities if e.type in NER_TYPES}


def predicted_mentions(extraction: Extraction) -> set[tuple[str, int, int, str]]:
    out = set()
    for e in extraction.entities:
        type_ = ENTITY_TYPES.get(e.type)
        if type_ is None:
            continue
        for m in e.mentions:
            out.add((extraction.id, m.start, m.end, type_))
    return out


# ---------------------------------------------------------------- scoring


@dataclass
class Report:
    """Scores for one run. ``per_type`` maps criterion → type → PRF."""

    n_sentences: int
    n_predicted_relations: int = 0
    n_ignored_relations: int = 0
    relations: dict[str, dict[str, PRF]] = field(default_factory=dict)
    ner: dict[str, PRF] = field(default_factory=dict)

    def micro(self, criterion: str) -> PRF:
        return micro(self.relations[criterion].values())

    def macro(self, criterion: str) -> dict[str, float]:
        return macro([self.relations[criterion][t] for t in RELATION_TYPES])

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "corpus": "conll04",
            "sentences": self.n_sentences,
            "predicted_relations": self.n_predicted_relations,
            "ignored_relations": self.n_ignored_relations,
        }
        for crit in ("boundaries", "strict"):
            out[crit] = {
                "micro": self.micro(crit).to_dict(),
                "macro": self.macro(crit),
                "per_type": {t: self.relations[crit][t].to_dict() for t in RELATION_TYPES},
            }
        out["ner"] = {
            "micro": micro(self.ner[t] for t in NER_TYPES).to_dict(),
            "macro": macro([self.ner[t] for t in NER_TYPES]),
            "per_type": {t: self.ner[t].to_dict() for t in NER_TYPES},
        }
        return out


def score(sentences: Iterable[Sentence], extractions: Iterable[Extraction]) -> Report:
    """Score extractions against the gold sentences, paired by id.

    A sentence with no extraction counts as predicting nothing.
    """
    sentences = list(sentences)
    by_id = {x.id: x for x in extractions}
    gold: set[StrictTriple] = set()
    pred: set[StrictTriple] = set()
    gold_m: set = set()
    pred_m: set = set()
    n_pred = n_ignored = 0
    for s in sentences:
        gold |= gold_triples(s)
        gold_m |= gold_mentions(s)
        x = by_id.get(s.id)
        if x is None:
            continue
        n_pred += len(x.relations)
        n_ignored += sum(1 for r in x.relations if r.predicate not in PREDICATE_TYPES)
        pred |= {(sid, s.snap(sub), st, s.snap(obj), ot, type_)
                 for sid, sub, st, obj, ot, type_ in predicted_triples(x)}
        pred_m |= {(sid, *s.snap((a, b)), type_) for sid, a, b, type_ in predicted_mentions(x)}
    report = Report(len(sentences), n_pred, n_ignored)
    for crit in ("boundaries", "strict"):
        report.relations[crit] = {}
        for t in RELATION_TYPES:
            g = {x for x in gold if x[-1] == t}
            p = {x for x in pred if x[-1] == t}
            if crit == "boundaries":
                g, p = boundaries(g), boundaries(p)
            report.relations[crit][t] = set_prf(p, g)
    for t in NER_TYPES:
        report.ner[t] = set_prf({m for m in pred_m if m[3] == t}, {m for m in gold_m if m[3] == t})
    return report


def evaluate(sentences: list[Sentence], nlp: Language, progress: Callable[[int], None] | None = None) -> Report:
    """Run the pipeline (:func:`kg.nlp.extract_many`) on every sentence and score it."""
    from kg.nlp import extract_many

    def run() -> Iterable[Extraction]:
        for x in extract_many((s.document() for s in sentences), nlp):
            if progress is not None:
                progress(1)
            yield x

    return score(sentences, run())


def format_report(report: Report, label: str = "") -> str:
    """A plain-text table of the report."""
    lines = [f"CoNLL04 {label}".rstrip() + f": {report.n_sentences} sentences, "
             f"{report.n_predicted_relations} predicted relations ({report.n_ignored_relations} without a CoNLL04 type)"]
    header = f"{'':<22}{'P':>8}{'R':>8}{'F1':>8}{'tp':>7}{'pred':>7}{'gold':>7}"
    for crit in ("boundaries", "strict"):
        lines += ["", f"relations, {crit}", header]
        for t in RELATION_TYPES:
            lines.append(_row(t, report.relations[crit][t]))
        lines.append(_row("micro", report.micro(crit)))
        m = report.macro(crit)
        lines.append(f"{'macro':<22}{m['precision']:>8.4f}{m['recall']:>8.4f}{m['f1']:>8.4f}")
    lines += ["", "entities (exact span and type)", header]
    for t in NER_TYPES:
        lines.append(_row(t, report.ner[t]))
    lines.append(_row("micro", micro(report.ner[t] for t in NER_TYPES)))
    return "\n".join(lines)


def _row(name: str, s: PRF) -> str:
    return f"{name:<22}{s.precision:>8.4f}{s.recall:>8.4f}{s.f1:>8.4f}{s.tp:>7}{s.n_pred:>7}{s.n_gold:>7}"
