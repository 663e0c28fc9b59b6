"""Fixtures for the NLP tests: the seed article extracted once per module."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kg.model import Document


def _skip_ranges(text: str) -> tuple[tuple[int, int], ...]:
    """Skip the photo-credit line, as ingest does (constructed here, not via ingest)."""
    start = text.index("Stock photo: Getty Images")
    return ((start, start + len("Stock photo: Getty Images")),)


@pytest.fixture(scope="session")
def seed_document(seed_path) -> Document:
    text = seed_path.read_text(encoding="utf-8")
    return Document(id="seed", text=text, skip=_skip_ranges(text))


@pytest.fixture(scope="session", params=["default", "encoder"])
def seed_nlp(request, nlp):
    """The pipelines the seed expectations must hold for: the default, and with the opt-in relation encoder."""
    if request.param == "default":
        return nlp
    from kg import DEFAULT_MODEL, with_encoder
    from kg.nlp import load_model

    return load_model(with_encoder(DEFAULT_MODEL))


@pytest.fixture(scope="session")
def seed_extraction(seed_document, seed_nlp):
    from kg.nlp import extract

    return extract(seed_document, seed_nlp)


def by_name(extraction, name: str):
    hits = [e for e in extraction.entities if e.name == name]
    return hits[0] if hits else None


def relations_named(extraction, subj: str, pred: str, obj: str):
    names = {e.id: e.name for e in extraction.entities}
    return [r for r in extraction.relations
            if r.predicate == pred and names[r.subject] == subj and names[r.object] == obj]


@pytest.fixture(scope="session")
def conll04_dev(shared_dir):
    """CoNLL04 dev rows (from ../shared; KG_SHARED overrides where ../shared is elsewhere)."""
    import json

    path = shared_dir / "data/conll04/dev.jsonl"
    return [json.loads(line) for line in path.open(encoding="utf-8")]


@pytest.fixture(scope="session")
def shared_dir(request) -> Path:
    """Override: also honour KG_SHARED (worktrees live one level deeper than ../shared)."""
    here = Path(__file__).resolve()
    env = os.environ.get("KG_SHARED")
    candidates = ([Path(env)] if env else []) + [here.parents[3] / "shared", here.parents[4] / "shared"]
    path = next((p for p in candidates if p.exists()), None)
    if path is None:
        pytest.skip(f"shared data not found at {candidates[0]}; set KG_SHARED")
    return path


@pytest.fixture(scope="session")
def raw_nlp():
    """en_core_web_sm as spaCy ships it (no kg components), to compare kg's pipeline against. Never modified."""
    from kg.nlp.pipeline import load_spacy

    return load_spacy()
