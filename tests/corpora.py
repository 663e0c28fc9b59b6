"""Generated corpora shared by the build tests."""

from __future__ import annotations

import json
from pathlib import Path

#: People and places of the generated "X met Y in Z" wire corpus (all from the seed article's world).
NAMES = ("Mark Rutte", "Antony Blinken", "Pat Ryder", "Sabrina Singh", "Andrii Sybiha")
PLACES = ("Brussels", "Kyiv", "Washington", "Berlin")


def met_corpus(path: Path, n: int) -> Path:
    """Write ``n`` one-sentence JSONL documents ``n0000``… ("Mark Rutte met Pat Ryder in Brussels on day 0.")."""
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            a, b = NAMES[i % 5], NAMES[(i + 2) % 5]
            f.write(json.dumps({"id": f"n{i:04d}", "text": f"{a} met {b} in {PLACES[i % 4]} on day {i}."}) + "\n")
    return path
