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
