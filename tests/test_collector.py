"""A build keeps the garbage collector off the model while it runs, and leaves the process as it found it."""

from __future__ import annotations

import gc

from kg import collector
from kg.build import build


def test_build_tunes_the_collector_and_restores_it(nlp, seed_path, tmp_path):
    before = gc.get_threshold()
    during = []
    summary = build([seed_path], tmp_path / "out", outputs=["rdf"],
                    on_document=lambda rec: during.append((gc.get_threshold(), gc.get_freeze_count())))
    assert summary.documents == 1
    (thresholds, frozen), = during
    assert thresholds == collector.THRESHOLDS
    assert frozen > 10_000  # the loaded pipeline's objects
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_release_models_unfreezes(nlp):
    from kg.nlp.pipeline import release_models

    try:
        collector.freeze_loaded()
        assert gc.get_freeze_count() > 0
        release_models()
        assert gc.get_freeze_count() == 0
    finally:
        collector.unfreeze()
