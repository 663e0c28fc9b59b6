"""Retract a document's facts from Neo4j (``kg forget DOC --neo4j-uri …``, changed documents).

The Neo4j graph (:mod:`kg.sinks.neo4j_sink`) keeps provenance on everything a
document contributed, which makes retraction exact:

- fact relationships between entities carry ``doc``;
- ``(:Statement)-[:EVIDENCED_BY]->(:Sentence)-[:IN]->(:Document)``;
- ``(:Entity)-[:MENTIONED_IN]->(:Sentence)``.

:func:`retract_document` deletes, in one transaction: the document's fact
relationships, its statements (with their links), its sentences (with the
mentions), the entities left without any mention (orphans; entities also
mentioned by other documents stay, with their other facts), and the
``:Document`` node. Every query is parameterised (``$doc``); the database's
other documents are untouched. After a retraction the changed document can be
loaded again with ``kg load neo4j`` (loading is idempotent by id).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from kg.errors import ServiceError

#: (name, Cypher) in execution order; each takes ``$doc`` and returns ``n``.
RETRACT_QUERIES: tuple[tuple[str, str], ...] = (
    # Facts: typed relationships between entities whose evidence is in this document.
    ("relations", "MATCH (:Entity)-[r]->(:Entity) WHERE r.doc = $doc DELETE r RETURN count(r) AS n"),
    # Statements grounded in the document's sentences, with SAID_BY/MENTIONS/... links.
    (
        "statements",
        "MATCH (:Document {id: $doc})<-[:IN]-(:Sentence)<-[:EVIDENCED_BY]-(st:Statement) "
        "DETACH DELETE st RETURN count(st) AS n",
    ),
    # Statements whose sentence link is missing but that carry the document id (belt and braces).
    ("statements_by_doc", "MATCH (st:Statement) WHERE st.doc = $doc DETACH DELETE st RETURN count(st) AS n"),
    # Entities mentioned in the document: remember them, then drop the sentences (and mentions).
    (
        "sentences",
        "MATCH (:Document {id: $doc})<-[:IN]-(s:Sentence) "
        "OPTIONAL MATCH (s)<-[:MENTIONED_IN]-(e:Entity) "
        "WITH collect(DISTINCT s) AS sents, collect(DISTINCT e.id) AS ents "
        "FOREACH (s IN sents | DETACH DELETE s) "
        "WITH sents, ents "
        "UNWIND (CASE WHEN size(ents) = 0 THEN [null] ELSE ents END) AS eid "
        "OPTIONAL MATCH (e:Entity {id: eid}) WHERE NOT (e)-[:MENTIONED_IN]->() "
        "DETACH DELETE e "
        "RETURN size(sents) AS n, count(e) AS orphans",
    ),
    ("document", "MATCH (d:Document {id: $doc}) DETACH DELETE d RETURN count(d) AS n"),
)


@dataclass
class RetractStats:
    documents: int = 0
    relations: int = 0
    statements: int = 0
    sentences: int = 0
    orphan_entities: int = 0

    def __str__(self) -> str:
        return (
            f"retracted {self.documents} documents, {self.relations} relations, {self.statements} statements, "
            f"{self.sentences} sentences, {self.orphan_entities} entities left without mentions"
        )


def retract_document(tx: Any, doc_id: str) -> dict[str, int]:
    """Run :data:`RETRACT_QUERIES` for ``doc_id`` in the managed transaction ``tx``; counts per step."""
    counts: dict[str, int] = {}
    for name, cypher in RETRACT_QUERIES:
        record = tx.run(cypher, doc=doc_id).single()
        counts[name] = record["n"] if record is not None else 0
        if name == "sentences" and record is not None:
            counts["orphans"] = record["orphans"]
    return counts


def retract_neo4j(doc_ids: Sequence[str], driver: Any, database: str | None = None) -> RetractStats:
    """Retract every document of ``doc_ids`` from the Neo4j database behind ``driver``.

    One managed write transaction per document (the driver retries transient
    errors), so a failure leaves each document either fully there or fully gone.

    Raises:
        ServiceError: the database refused a query.
    """
    from neo4j.exceptions import Neo4jError, ServiceUnavailable

    stats = RetractStats()
    try:
        with driver.session(database=database) as session:
            for doc_id in doc_ids:
                c = session.execute_write(retract_document, doc_id)
                stats.documents += c["document"]
                stats.relations += c["relations"]
                stats.statements += c["statements"] + c["statements_by_doc"]
                stats.sentences += c["sentences"]
                stats.orphan_entities += c.get("orphans", 0)
    except (Neo4jError, ServiceUnavailable) as e:
        raise ServiceError(f"cannot retract documents {list(doc_ids)} from Neo4j: {e}; check the server and "
                           "the credentials, then run kg forget again (retraction is idempotent)") from e
    return stats


def retract_neo4j_uri(
    doc_ids: Sequence[str], uri: str, user: str, password: str, database: str | None = None
) -> RetractStats:
    """:func:`retract_neo4j` on a fresh connection to ``uri`` (``bolt://``, ``neo4j+s://`` for Aura)."""
    from neo4j import GraphDatabase
    from neo4j.exceptions import ConfigurationError

    try:
        driver = GraphDatabase.driver(uri, auth=(user, password))
    except (ConfigurationError, ValueError) as e:
        raise ServiceError(f"bad Neo4j URI {uri!r}: {e}; use e.g. bolt://127.0.0.1:7687 or neo4j+s://host") from e
    try:
        return retract_neo4j(doc_ids, driver, database)
    finally:
        driver.close()


# ---------------------------------------------------------------- keeping Neo4j in step with a build

#: Which record of each document is in which Neo4j database (kept in the output directory).
NEO4J_STATE = "neo4j-state.json"


@dataclass
class SyncStats:
    loaded: int = 0
    retracted: RetractStats | None = None

    def __str__(self) -> str:
        return f"loaded {self.loaded} documents; {self.retracted or RetractStats()}"


def _state_key(uri: str, database: str | None) -> str:
    return f"{uri}#{database or ''}"


def read_state(out_dir) -> dict[str, dict[str, str]]:
    import json
    from pathlib import Path

    path = Path(out_dir) / NEO4J_STATE
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        from kg.errors import SinkError

        raise SinkError(f"{path} is damaged ({e}); delete it and run the build with --neo4j-uri again "
                        "(every document is then retracted and reloaded)") from e


def write_state(out_dir, state: dict[str, dict[str, str]]) -> None:
    import json
    from pathlib import Path

    from kg.sinks.jsonl_sink import atomic_output

    with atomic_output(Path(out_dir) / NEO4J_STATE) as f:
        json.dump(state, f, indent=1, sort_keys=True)


def sync_neo4j(out_dir, uri: str, user: str, password: str, database: str | None = None,
               *, batch_rows: int = 20000) -> SyncStats:
    """Make the Neo4j database hold exactly the documents of the build in ``out_dir``, as its graph files do.

    Documents are loaded with the entity ids resolved across the build
    (``resolution.json``), so the database equals ``kg load neo4j OUT/`` of
    the same build. ``OUT/neo4j-state.json`` remembers, per database, a hash
    of each document's *resolved* record as loaded. A document is retracted
    (:func:`retract_document`) and loaded again when that hash changes: its
    text changed, or resolution moved one of its entities to another
    canonical entity (e.g. a new article made "Blinken" part of "Antony
    Blinken"). Documents that left the build are retracted. Merge decisions
    are then rewritten for the current resolution. The state is saved after
    each step, so an interrupted sync is finished by the next.

    Raises:
        ServiceError: Neo4j cannot be reached or refused a query.
    """
    from pathlib import Path

    from kg.manifest import Manifest
    from kg.resolve.report import resolution_for
    from kg.sinks import neo4j_sink

    out = Path(out_dir)
    members = set(Manifest.open(out).entries)
    resolution = resolution_for(out)
    live = {doc_id: digest for doc_id, digest, _ in _resolved_records(out, resolution) if doc_id in members}
    state = read_state(out)
    key = _state_key(uri, database)
    loaded = dict(state.get(key, {}))
    stale = [d for d, rec in loaded.items() if live.get(d) != rec]
    stats = SyncStats()
    driver = neo4j_sink.connect(uri, user, password, database)
    try:
        stats.retracted = retract_neo4j(stale, driver, database)
    finally:
        driver.close()
    for d in stale:
        loaded.pop(d, None)
    state[key] = loaded
    write_state(out, state)
    todo = {d for d, rec in live.items() if loaded.get(d) != rec}
    if not todo and not stale:
        return stats
    sink = neo4j_sink.Neo4jSink(neo4j_sink.connect(uri, user, password, database), database,
                                batch_rows=batch_rows, uri=uri)
    done: dict[str, str] = {}
    try:
        for doc_id, digest, ex in _resolved_records(out, resolution):
            if doc_id in todo:
                sink.write(ex)
                done[doc_id] = digest
        sink.flush()
        if resolution is not None:
            sink.replace_resolution(resolution, docs=sorted(set(live) | set(stale)))
    finally:
        sink.abort()  # everything was flushed above; after a failure, no second attempt at pending rows
    loaded.update(done)
    stats.loaded = len(done)
    state[key] = loaded
    write_state(out, state)
    return stats


def _resolved_records(out, resolution):
    """``(doc id, hash of the resolved record, resolved Extraction)`` for each record of a build."""
    import hashlib
    import json

    from kg.resolve import apply
    from kg.sinks.jsonl_sink import iter_records
    from kg.model import Extraction

    path = out / "extractions.jsonl"
    if not path.exists():
        return
    for rec in iter_records(path):
        ex = Extraction.from_dict(rec)
        if resolution is not None:
            ex = apply(ex, resolution)
        data = json.dumps(ex.to_dict(), sort_keys=True, ensure_ascii=False).encode("utf-8")
        yield ex.id, hashlib.sha256(data).hexdigest(), ex


def forget_neo4j(doc_ids: Sequence[str], out_dir, uri: str, user: str, password: str,
                 database: str | None = None) -> RetractStats:
    """Retract ``doc_ids`` from Neo4j and from ``OUT/neo4j-state.json`` (``kg forget --neo4j-uri``)."""
    stats = retract_neo4j_uri(doc_ids, uri, user, password, database)
    state = read_state(out_dir)
    key = _state_key(uri, database)
    if key in state:
        for d in doc_ids:
            state[key].pop(d, None)
        write_state(out_dir, state)
    return stats
