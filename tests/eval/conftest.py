"""Fixtures for the scorer tests: the real shared data, found like ``kg eval`` finds it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kg.eval.data import DEFAULT_DATA


@pytest.fixture(scope="session")
def data_root() -> Path:
    """``$KG_DATA`` if set, else ``../shared/data``; skips when neither exists."""
    path = Path(os.environ["KG_DATA"]) if os.environ.get("KG_DATA") else DEFAULT_DATA
    if not (path / "conll04").is_dir() or not (path / "polnear").is_dir():
        pytest.skip(f"evaluation data not found at {path}; set KG_DATA")
    return path
