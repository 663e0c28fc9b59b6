"""``kg query cypher``: run a parameterised, read-only Cypher query and format the result.

Queries run in a READ transaction, so a query that tries to write is refused
by the server. Values are made plain (nodes and relationships become maps
with their labels/type and properties) so the result prints as a table or as
JSON.

>>> parse_params(["name=Antony Blinken", "limit=5", 'ids=["a","b"]'])
{'name': 'Antony Blinken', 'limit': 5, 'ids': ['a', 'b']}
>>> print(format_table(["who", "n"], [["Blinken", 2], ["Rutte", None]]))
who     | n
--------+--
Blinken | 2
Rutte   |
"""

from __future__ import annotations

import json
from typing import Any

from kg.errors import ConfigError, ServiceError


def parse_params(pairs: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """``k=v`` pairs → parameters; ``v`` is JSON when it parses, else the string."""
    out: dict[str, Any] = {}
    for p in pairs:
        k, sep, v = p.partition("=")
        if not sep or not k:
            raise ConfigError(f"--param {p!r} is not K=V; write e.g. --param name='Antony Blinken'")
        try:
            out[k] = json.loads(v)
        except json.JSONDecodeError:
            out[k] = v
    return out


def plain(v: Any) -> Any:
    """Driver values (Node, Relationship, Path, temporal, spatial) → JSON-able values."""
    from neo4j.graph import Node, Path, Relationship

    if isinstance(v, Node):
        return {"labels": sorted(v.labels), **{k: plain(x) for k, x in v.items()}}
    if isinstance(v, Relationship):
        return {"type": v.type, **{k: plain(x) for k, x in v.items()}}
    if isinstance(v, Path):
        return [plain(x) for x in v.relationships]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    return str(v)


def run_read(uri: str, user: str, password: str, database: str | None, query: str,
             params: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """Run ``query`` with ``params`` in a read transaction; return (keys, rows)."""
    from neo4j.exceptions import ClientError, DriverError, Neo4jError

    from kg.sinks.neo4j_sink import connect

    driver = connect(uri, user, password, database)
    try:
        def work(tx):
            res = tx.run(query, params)
            return list(res.keys()), [[plain(v) for v in rec.values()] for rec in res]

        with driver.session(database=database) as s:
            return s.execute_read(work)
    except ClientError as e:
        raise ServiceError(f"Cypher query failed: {' '.join((e.message or str(e)).split())[:400]}") from e
    except (Neo4jError, DriverError, OSError) as e:
        raise ServiceError(f"Neo4j at {uri} failed while running the query: {' '.join(str(e).split())[:300]}") from e
    finally:
        driver.close()


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    return json.dumps(v, ensure_ascii=False)


def format_table(keys: list[str], rows: list[list[Any]], *, max_width: int = 80) -> str:
    """A plain text table, cells cut at ``max_width`` characters."""
    cells = [[_cell(v).replace("\n", " ") for v in r] for r in rows]
    cells = [[c if len(c) <= max_width else c[: max_width - 1] + "…" for c in r] for r in cells]
    widths = [max([len(k)] + [len(r[i]) for r in cells]) for i, k in enumerate(keys)]
    line = lambda vals: " | ".join(v.ljust(w) for v, w in zip(vals, widths)).rstrip()  # noqa: E731
    out = [line(keys), "-+-".join("-" * w for w in widths)]
    out += [line(r) for r in cells]
    return "\n".join(out)
