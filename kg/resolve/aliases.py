"""User corrections and the offline Wikidata table.

An aliases file is tab-separated, one correction per line, ``#`` for comments::

    same        Tony Blinken        Antony Blinken
    different   Joe Biden           Hunter Biden
    canonical   Blinken             Antony Blinken
    wikidata    Antony Blinken      Q7815

A Wikidata table is a TSV or CSV with a header ``qid, label, aliases`` (aliases
separated by ``|``) and an optional ``type`` column (Person, Organization,
Location). Nothing is fetched at run time.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import InputError
from kg.resolve.names import fold

VERBS = ("same", "different", "canonical", "wikidata")
_QID = re.compile(r"^Q[1-9][0-9]*$")


@dataclass(frozen=True)
class Aliases:
    """Parsed user corrections; names are compared folded (case/punctuation-insensitive)."""

    same: tuple[tuple[str, str], ...] = ()
    different: tuple[tuple[str, str], ...] = ()
    canonical: dict[str, str] = field(default_factory=dict)  # folded name → canonical name
    wikidata: dict[str, str] = field(default_factory=dict)  # folded name → QID


def read_aliases(path: str | Path) -> Aliases:
    """Parse an aliases file.

    Raises:
        InputError: naming the file and line of the first malformed line.
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(str(path), f"cannot read aliases file: {e}") from e
    same, different, canonical, wikidata = [], [], {}, {}
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = [p.strip() for p in line.split("\t")]
        where = f"{path}:{n}"
        if len(parts) != 3 or not all(parts):
            raise InputError(where, f"expected 3 tab-separated fields (verb, name, name/id), got {line!r}")
        verb, a, b = parts
        if verb == "same":
            same.append((a, b))
        elif verb == "different":
            different.append((a, b))
        elif verb == "canonical":
            canonical[fold(a)] = b
        elif verb == "wikidata":
            if not _QID.match(b):
                raise InputError(where, f"{b!r} is not a Wikidata id; use the form Q42")
            wikidata[fold(a)] = b
        else:
            raise InputError(where, f"unknown verb {verb!r}; use one of {', '.join(VERBS)}")
    return Aliases(tuple(same), tuple(different), canonical, wikidata)


@dataclass(frozen=True)
class WikidataTable:
    """An offline label/alias → QID table supplied by the user."""

    by_name: dict[tuple[str, str | None], tuple[str, ...]]

    def lookup(self, name: str, type_: str | None = None) -> str | None:
        """The QID for ``name`` if exactly one entry matches (typed entries first)."""
        f = fold(name)
        qids = self.by_name.get((f, type_)) or self.by_name.get((f, None)) or ()
        return qids[0] if len(qids) == 1 else None


def read_wikidata(path: str | Path) -> WikidataTable:
    """Read a ``qid,label,aliases[,type]`` table (TSV or CSV)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(str(path), f"cannot read Wikidata table: {e}") from e
    dialect = "excel-tab" if "\t" in text.splitlines()[0] else "excel"
    rows = csv.DictReader(text.splitlines(), dialect=dialect)
    if not rows.fieldnames or not {"qid", "label"} <= set(rows.fieldnames):
        raise InputError(str(path), f"header must name qid and label columns, got {rows.fieldnames}")
    by_name: dict[tuple[str, str | None], list[str]] = {}
    for n, row in enumerate(rows, 2):
        qid = (row.get("qid") or "").strip()
        if not _QID.match(qid):
            raise InputError(f"{path}:{n}", f"{qid!r} is not a Wikidata id; use the form Q42")
        type_ = (row.get("type") or "").strip() or None
        names = [row.get("label") or ""] + (row.get("aliases") or "").split("|")
        for name in names:
            if name.strip():
                qs = by_name.setdefault((fold(name), type_), [])
                if qid not in qs:
                    qs.append(qid)
    return WikidataTable({k: tuple(v) for k, v in by_name.items()})
