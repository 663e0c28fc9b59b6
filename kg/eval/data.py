"""Where the evaluation data lives.

Order: the ``--data`` option, then the ``KG_DATA`` environment variable, then
``../shared/data`` relative to the repository root (the layout of the project
checkout and of CI).
"""

from __future__ import annotations

import os
from pathlib import Path

from kg.errors import ConfigError

#: The splits we may score on. The test splits are held out.
SPLITS = ("dev", "train")

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data"


def data_dir(option: str | os.PathLike | None = None) -> Path:
    """Resolve the data directory and check that it exists.

    Raises:
        ConfigError: the directory does not exist; the message says how to point at it.
    """
    if option:
        path, how = Path(option), "--data"
    elif os.environ.get("KG_DATA"):
        path, how = Path(os.environ["KG_DATA"]), "KG_DATA"
    else:
        path, how = DEFAULT_DATA, "the default ../shared/data"
    if not path.is_dir():
        raise ConfigError(
            f"evaluation data directory {str(path)!r} (from {how}) does not exist; "
            f"pass --data DIR or set KG_DATA to the directory holding conll04/ and polnear/"
        )
    return path


def corpus_dir(root: Path, corpus: str, split: str) -> Path:
    """``root/corpus`` checked for the split, with a clear error when missing."""
    if split not in SPLITS:
        raise ConfigError(f"unknown split {split!r}; use one of {', '.join(SPLITS)} (test splits are held out)")
    path = root / corpus
    if not path.is_dir():
        raise ConfigError(f"{corpus} data not found at {str(path)!r}; pass --data DIR pointing at the shared data directory")
    return path
