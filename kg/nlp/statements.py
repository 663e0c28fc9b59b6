"""Statement (attribution) rules: who said what, with cue and content spans.

The rule logic is pure functions over a spaCy ``Doc`` that return character
offsets; :mod:`kg.nlp.extract` links the speaker span to an entity.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc


@dataclass(frozen=True)
class StatementCandidate:
    """An attribution found in the text, in character offsets.

    Attributes:
        speaker_span: the words naming the speaker in this sentence ("He",
            "Pentagon spokesperson Pat Ryder"), or None when unstated.
        cue: the cue span ("said", "warned", "according to").
        content: one or more content spans (discontinuous content).
        kind: "direct" (quoted) or "indirect".
        addressee_span: whom it was said to, where stated.
        sentence: index of the sentence holding the cue.
        confidence: the rule's confidence.
        rule: name of the rule that fired, for the extractor field.
    """

    speaker_span: tuple[int, int] | None
    cue: tuple[int, int]
    content: tuple[tuple[int, int], ...]
    kind: str
    sentence: int
    confidence: float
    rule: str
    addressee_span: tuple[int, int] | None = None


def find_statements(doc: Doc) -> list[StatementCandidate]:
    """Find attributions in ``doc``. Placeholder until the rules land."""
    return []
