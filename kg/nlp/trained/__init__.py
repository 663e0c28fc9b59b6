"""Trained components: a CRF attribution tagger and a relation classifier.

The weights ship in ``kg/data/models/`` (``statements.crfsuite``,
``relations.crfsuite``, ``entities.crfsuite``, each with a ``.json`` holding the training config,
the decision settings and the training time). They load once per process
(:func:`models`). :func:`add_to` puts the entity tagger into the spaCy
pipeline (:func:`kg.nlp.load_model` calls it); :mod:`kg.nlp.extract` calls :func:`statement_candidates` and
:func:`relation_candidates`, which combine model and rule output; facts
from the models name them in ``evidence.extractor``
(``kg.statements-model/0.2``, ``kg.relations-model/0.2``).

The relation encoder (:mod:`kg.nlp.trained.pair_encoder`, a fine-tuned
MiniLM run with numpy) is opt-in: :func:`add_encoder` adds a component that
marks each doc, and the relation classifier then averages the encoder's
probabilities with the maxent model's (``kg.relations-encoder/0.1``).

Set ``KG_TRAINED=0`` in the environment to run the rules alone (this is how
the "rules only" rows of ``docs/quality.md`` are measured).
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass, replace
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.errors import ModelError

MODEL_DIR = Path(__file__).resolve().parent.parent.parent / "data" / "models"

STATEMENTS = "statements"
RELATIONS = "relations"
ENTITIES = "entities"

#: The pipeline component that re-tags entities (:mod:`kg.nlp.trained.entities`).
ENTITIES_PIPE = "kg_trained_entities"

#: The opt-in component that turns on the relation encoder for its docs (:func:`add_encoder`).
ENCODER_PIPE = "kg_relation_encoder"

#: The ``Doc`` extension it sets: relation candidates of such a doc are scored with the encoder too.
ENCODER_FLAG = "kg_relation_encoder"

if not Doc.has_extension(ENCODER_FLAG):
    Doc.set_extension(ENCODER_FLAG, default=False)


def enabled() -> bool:
    """Are the trained components on? (``KG_TRAINED=0`` turns them off.)"""
    return os.environ.get("KG_TRAINED", "1").strip().lower() not in ("0", "false", "no", "off")


@dataclass
class Loaded:
    """A CRFsuite tagger with the settings it was trained and tuned with."""

    name: str
    tagger: object
    meta: dict


def load(name: str, model_dir: Path | None = None) -> Loaded:
    """Load ``<model_dir>/<name>.crfsuite`` and its ``.json``.

    Raises:
        ModelError: the files are missing or unreadable.
    """
    import pycrfsuite

    base = Path(model_dir) if model_dir else MODEL_DIR
    path, meta_path = base / f"{name}.crfsuite", base / f"{name}.json"
    if not path.is_file() or not meta_path.is_file():
        raise ModelError(f"trained model {name!r} not found at {path} (and {meta_path}); "
                         f"reinstall kg, run `kg train {name}`, or set KG_TRAINED=0 to use the rules only")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        tagger = pycrfsuite.Tagger()
        tagger.open(str(path))
        members = [tagger]
        for extra in meta.get("members", ()):
            member = pycrfsuite.Tagger()
            member.open(str(base / extra))
            members.append(member)
    except (OSError, ValueError) as e:
        raise ModelError(f"cannot load trained model {path}: {e}; retrain it with `kg train {name}`") from e
    return Loaded(name, tagger if len(members) == 1 else AveragedTagger(members), meta)


class AveragedTagger:
    """Several maximum-entropy models of one item as one: their class probabilities averaged (bagging).

    Offers what the relation classifier reads of a ``pycrfsuite.Tagger``:
    ``labels()``, ``tag([features])`` (the label with the highest mean
    probability) and ``marginal(label, 0)`` (its mean probability) for the
    item last tagged.
    """

    def __init__(self, taggers: list):
        self.taggers = taggers
        self._own = [list(t.labels()) for t in taggers]  # a member lacks a label its sample lacked: p = 0
        self._labels = sorted({lab for own in self._own for lab in own})
        self._probs: dict[str, float] = {}

    def labels(self) -> list[str]:
        return list(self._labels)

    def tag(self, xseq) -> list[str]:
        probs = dict.fromkeys(self._labels, 0.0)
        for t, own in zip(self.taggers, self._own):
            t.set(xseq)
            for lab in own:
                probs[lab] += t.marginal(lab, 0)
        k = len(self.taggers)
        self._probs = {lab: p / k for lab, p in probs.items()}
        return [max(self._probs, key=self._probs.__getitem__)]

    def marginal(self, label: str, position: int) -> float:
        return self._probs.get(label, 0.0)


@functools.lru_cache(maxsize=None)
def models(name: str) -> Loaded:
    """The shipped model ``name``, loaded once per process."""
    return load(name)


def add_to(nlp) -> None:
    """Add the trained entity tagger last in a loaded pipeline (idempotent; it checks :func:`enabled` per doc)."""
    from kg.nlp.trained import entities  # noqa: F401  (registers the factory)

    if ENTITIES_PIPE not in nlp.pipe_names and "ner" in nlp.pipe_names:
        nlp.add_pipe(ENTITIES_PIPE, last=True)


@Language.factory(ENCODER_PIPE, assigns=[f"doc._.{ENCODER_FLAG}"])
def _make_encoder_pipe(nlp, name: str):
    """A thin adapter: loads the encoder once (so a missing ``tokenizers`` fails at model load, not mid-batch)
    and marks each doc; :func:`relation_candidates` does the scoring, over the entities kg resolved."""
    from kg.nlp.trained import pair_encoder

    pair_encoder.shipped()

    def mark(doc: Doc) -> Doc:
        doc._.set(ENCODER_FLAG, True)
        return doc

    return mark


def add_encoder(nlp) -> None:
    """Turn on the opt-in relation encoder for a loaded pipeline (idempotent; ``load_model("…+encoder")``)."""
    if ENCODER_PIPE not in nlp.pipe_names:
        nlp.add_pipe(ENCODER_PIPE, last=True)


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def merge_statements(rule_cands: list, model_cands: list, policy: str, rule_sources: str = "none") -> list:
    """Combine rule and model statements.

    ``policy``: ``rules`` keeps the rule statements, plus model statements
    whose cue and content overlap no rule statement's; ``model`` does the
    reverse, the model's first.

    ``rule_sources`` (with ``model``): where a rule statement shares the
    model statement's cue (``cue``) or its cue or content (``any``), the
    rule's speaker span, read from the parse, replaces the model's. ``best``:
    where a rule statement shares the cue, the rule statement replaces the
    model's when its content is longer, else it lends its speaker span.
    """
    first, second = (rule_cands, model_cands) if policy == "rules" else (model_cands, rule_cands)
    if policy == "model" and rule_sources != "none":
        first = [_rule_source(c, rule_cands, rule_sources) for c in first]
    out = list(first)
    for c in second:
        clash = any(_overlaps(c.cue, f.cue) or any(_overlaps(x, y) for x in c.content for y in f.content)
                    for f in first)
        if not clash:
            out.append(c)
    return sorted(out, key=lambda c: c.cue)


def _length(spans) -> int:
    return sum(e - s for s, e in spans)


def _rule_source(c, rule_cands: list, how: str):
    """Apply ``rule_sources`` (see :func:`merge_statements`) to one model statement ``c``."""
    for f in rule_cands:
        shares_cue = _overlaps(c.cue, f.cue)
        if how == "best" and shares_cue:
            if _length(f.content) > _length(c.content):
                return f
            return replace(c, speaker_span=f.speaker_span) if f.speaker_span is not None else c
        if f.speaker_span is None or how == "best":
            continue
        if shares_cue or (how == "any" and any(_overlaps(x, y) for x in c.content for y in f.content)):
            return replace(c, speaker_span=f.speaker_span)
    return c


def statement_candidates(doc: Doc, rule_cands: list) -> list:
    """Statement candidates for ``doc``: the rules' merged with the model's."""
    if not enabled():
        return rule_cands
    from kg.nlp.trained import statements

    m = models(STATEMENTS)
    return merge_statements(rule_cands, statements.predict(m.tagger, doc), m.meta.get("policy", "rules"),
                            m.meta.get("rule_sources", "none"))


def relation_candidates(doc: Doc, spans: list[Span], rule_cands: list) -> list:
    """Relation candidates over entity ``spans``: the rules', plus model proposals for unrelated pairs."""
    if not enabled():
        return rule_cands
    from kg.nlp.trained import relations

    m = models(RELATIONS)
    need = {(c.subject, c.object) for c in rule_cands}
    encoder = None
    if doc._.get(ENCODER_FLAG):
        from kg.nlp.trained import pair_encoder

        encoder = pair_encoder.shipped()
    found, scores = relations.predict(m.tagger, doc, spans, float(m.meta.get("threshold", 0.5)), need,
                                      relations.features_of(m.meta), m.meta.get("thresholds"), encoder)
    return relations.merge(rule_cands, found, scores, veto=float(m.meta.get("veto", 0.0)))
