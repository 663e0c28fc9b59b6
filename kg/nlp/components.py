"""Thin spaCy adapters; the rule logic lives in pure functions elsewhere in kg.nlp."""

from __future__ import annotations

from spacy.language import Language


def add_to(nlp: Language) -> None:
    """Add kg's components to a loaded pipeline (idempotent)."""
    # Filled in by the entities/relations/statements modules.
    return None
