"""Persist a :class:`Resolution` as ``resolution.json`` and explain entities from it.

``kg build`` writes the file beside the graph outputs; ``kg explain`` reads it,
so an explanation needs no NLP and no graph store.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

from kg.errors import InputError, SinkError
from kg.resolve.resolver import Cluster, Decision, Resolution

RESOLUTION = "resolution.json"


def to_dict(res: Resolution) -> dict:
    return {
        "refs": res.refs,
        "pairs_compared": res.pairs_compared,
        "clusters": [asdict(c) for c in res.clusters],
        "decisions": [asdict(d) for d in res.decisions],
    }


def from_dict(d: dict) -> Resolution:
    return Resolution(
        clusters=tuple(
            Cluster(
                **{
                    **c,
                    "aliases": tuple(c["aliases"]),
                    "members": tuple(c["members"]),
                    "evidence": tuple(tuple(e) for e in c.get("evidence", ())),
                }
            )
            for c in d["clusters"]
        ),
        decisions=tuple(
            Decision(**{**x, "reasons": tuple(x["reasons"]), "docs": tuple(x.get("docs", ()))})
            for x in d["decisions"]
        ),
        pairs_compared=d.get("pairs_compared", 0),
        refs=d.get("refs", 0),
    )


def write_resolution(res: Resolution, path: str | os.PathLike[str]) -> Path:
    """Write atomically, so a killed run never leaves half a file."""
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(to_dict(res), f, ensure_ascii=False, indent=1, sort_keys=True)
        os.replace(tmp, path)
    except OSError as e:
        raise SinkError(f"cannot write {path}: {e}; check the output directory is writable") from e
    return path


def read_resolution(path: str | os.PathLike[str]) -> Resolution:
    path = Path(path)
    try:
        return from_dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError as e:
        raise InputError(str(path), "no resolution file; run `kg build` (or `kg resolve OUT_DIR`) first") from e
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise InputError(str(path), f"not a resolution file written by kg: {e}") from e


def resolution_for(out_dir: str | os.PathLike[str]) -> Resolution | None:
    """The resolution of a build directory, or None when ``out_dir`` has none (or is a file).

    Readers of a build directory (``kg viz``, ``kg load neo4j``,
    :func:`kg.build.resolved_records`) apply it so that they see the entities
    the build's graph files hold.
    """
    path = Path(out_dir) / RESOLUTION
    return read_resolution(path) if path.is_file() else None


def explain(res: Resolution, query: str) -> str:
    """Why an entity is what it is: its members, aliases, merge decisions and evidence.

    Raises:
        InputError: no entity matches ``query``.
    """
    found = res.find(query)
    if not found:
        raise InputError(query, "no entity with this id, name or alias; try `kg query` to list entities")
    out: list[str] = []
    for c in found:
        docs = sorted({m.split("::", 1)[0] for m in c.members})
        names = sorted({m.split("::", 1)[1] for m in c.members})
        out.append(f"{c.name}  [{c.type}]  id {c.id}" + (f"  wikidata {c.wikidata}" if c.wikidata else ""))
        out.append(f"  {len(c.members)} document-level entities in {len(docs)} documents; names: {', '.join(names)}")
        if c.aliases:
            out.append(f"  aliases: {', '.join(c.aliases)}")
        decisions = res.decisions_for(c)
        if decisions:
            out.append("  decisions:")
            for d in decisions:
                where = f" in {', '.join(d.docs)}" if d.docs else ""
                out.append(f"    {d.verdict:9} {d.a} ~ {d.b}  score {d.score:.2f} ({d.source}){where}")
                for r in d.reasons:
                    out.append(f"              {r}")
        if c.evidence:
            out.append("  evidence:")
            for doc, sent, start, end, text in c.evidence:
                out.append(f"    {doc} sentence {sent} [{start}:{end}] {text!r}")
    return "\n".join(out)
