"""Scoring against the public dev splits in ``../shared/data`` (CoNLL04, PolNeAR).

``kg eval conll04|polnear`` (see ``docs/eval.md``) runs the pipeline under test
on the gold texts and scores the extraction records it returns.
"""

from kg.eval.data import SPLITS, data_dir

__all__ = ["SPLITS", "data_dir"]
