"""Neo4j sink: extraction records → a property graph, idempotently.

The graph mirrors the RDF one (``ontology/kg.ttl``):

* nodes ``:Person``, ``:Organization``, ``:Location`` (all also ``:Entity``),
  ``:Statement``, ``:Sentence``, ``:Document``, each unique on ``id`` (our
  stable ids from :mod:`kg.ids`);
* one typed relationship per asserted fact, ``(:Entity)-[:MET_WITH]->(:Entity)``
  etc. (:data:`REL_TYPES`), whose ``id`` is the relation id. It carries its
  qualifiers (``location``, ``date``, ``role`` …) and its evidence: ``sentence``
  (the :Sentence id), ``doc``, the sentence's ``start``/``end``, the argument
  offsets, ``extractor`` and ``confidence``;
* ``(:Statement)-[:SAID_BY]->(:Entity)``, ``-[:ON_BEHALF_OF]->``,
  ``-[:ADDRESSED_TO]->``, ``-[:MENTIONS]->``, ``-[:EVIDENCED_BY]->(:Sentence)``;
  ``(:Sentence)-[:IN]->(:Document)``; ``(:Entity)-[:MENTIONED_IN]->(:Sentence)``.

So every fact reaches its sentence in one hop (statements by ``EVIDENCED_BY``,
relationships by their ``sentence`` property, an indexed lookup).

Labels and relationship types come only from the fixed maps below, never from
data; every value travels as a query parameter. Writes are ``UNWIND`` batches:
per batch, one managed transaction for its entities and one for its documents,
which the driver retries on transient errors (deadlocks between concurrent
loaders included). A document is in the database with all its facts or not at
all.

That is what makes the fast path safe. The batch first merges its
``:Document`` nodes and learns which ones it created. Nothing of a document
created in this transaction can exist yet (its sentences, statements and
facts all have ids scoped to it), so their writes ``CREATE`` instead of
``MERGE`` and skip the lookups: one query (:data:`Q_DOCUMENT_TREES`) takes
one nested row per new document (:func:`to_tree_row`), finds its entities and
creates its sentences once, and links facts to them by position. Documents
already in the database, and entities, which documents share, go through
``MERGE`` on ids. With the
uniqueness constraints this keeps loading idempotent and safe to run twice
at once: a second loader's ``MERGE`` of the same document waits for the first
one's transaction and then finds the document there.

:func:`to_neo4j_rows` is the pure converter; :class:`Neo4jSink` is the writer.

>>> from kg.model import *
>>> ev = Evidence("d1", 0, 0, 18, "Blinken met Rutte.", "kg.rules/0.1", (0, 7), (12, 17))
>>> x = Extraction("d1", DocMeta(title="T"), 18, (Sentence(0, 0, 18, "Blinken met Rutte."),),
...     (Entity("person/blinken", "Person", "Blinken"), Entity("person/rutte", "Person", "Rutte")),
...     (Relation("d1/rel/1", "person/blinken", "metWith", "person/rutte", 0.8, ev, {"location": "Brussels"}),), ())
>>> rows = to_neo4j_rows(x)
>>> r = rows.relations["MET_WITH"][0]
>>> (r["subject"], r["object"], r["props"]["location"], r["props"]["sentence"])
('person/blinken', 'person/rutte', 'Brussels', 'd1/sent/0')
"""

from __future__ import annotations

import collections
import json
import logging
import re
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from kg.errors import InputError, ServiceError, SinkError
from kg.ids import sentence_id
from kg.model import Extraction

log = logging.getLogger(__name__)

#: Entity type → node label. The only labels entities ever get.
LABELS: dict[str, str] = {"Person": "Person", "Organization": "Organization", "Location": "Location"}

#: Ontology predicate → relationship type (UPPER_SNAKE of the local name).
REL_TYPES: dict[str, str] = {
    "metWith": "MET_WITH",
    "worksFor": "WORKS_FOR",
    "memberOf": "MEMBER_OF",
    "locatedIn": "LOCATED_IN",
    "basedIn": "BASED_IN",
    "livesIn": "LIVES_IN",
    "killed": "KILLED",
}

#: Statement → entity links, by the statement field they come from.
STATEMENT_LINKS: dict[str, str] = {
    "speaker": "SAID_BY",
    "on_behalf_of": "ON_BEHALF_OF",
    "addressee": "ADDRESSED_TO",
    "mentions": "MENTIONS",
}

#: Every label that has a uniqueness constraint on ``id``.
NODE_LABELS = ("Entity", *LABELS.values(), "Statement", "Sentence", "Document", "MergeDecision")

#: Relationship properties that hold evidence; a qualifier with one of these
#: names is stored as ``qualifier_<name>`` so it cannot overwrite evidence.
RESERVED = frozenset({
    "id", "predicate", "confidence", "extractor", "doc", "sentence", "start", "end",
    "subject_start", "subject_end", "object_start", "object_end",
})
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def constraint_statements() -> list[str]:
    """``CREATE CONSTRAINT … IF NOT EXISTS`` for every node label and relationship type.

    Built from the constant whitelists only (labels cannot be parameters).
    """
    out = [
        f"CREATE CONSTRAINT kg_{lab.lower()}_id IF NOT EXISTS FOR (n:{lab}) REQUIRE n.id IS UNIQUE"
        for lab in NODE_LABELS
    ]
    out += [
        f"CREATE CONSTRAINT kg_{typ.lower()}_id IF NOT EXISTS FOR ()-[r:{typ}]-() REQUIRE r.id IS UNIQUE"
        for typ in REL_TYPES.values()
    ]
    return out


# ---------------------------------------------------------------- queries
# All data is in $rows; only whitelisted labels/types are formatted in.

#: Prefix of the batch queries: keep a cached plan when the statistics change. Neo4j otherwise replans a
#: query whenever the node counts it was planned with diverge (they do, all through a load into a growing
#: database), and each replan costs planning, newly generated code for the JIT and garbage: about a sixth of
#: the server's CPU in a 5000-document load. Every lookup in these queries is a unique-constraint seek, the
#: best plan at any size, so there is nothing to gain from replanning.
KEEP_PLAN = "CYPHER replan=skip "

#: Returns which documents this transaction created (``fresh``): they take the CREATE path below.
Q_DOCUMENTS = (
    "UNWIND $rows AS row MERGE (d:Document {id: row.id}) ON CREATE SET d.kg_loading = true SET d += row.props "
    "WITH row, d, d.kg_loading IS NOT NULL AS fresh REMOVE d.kg_loading RETURN row.id AS id, fresh"
)
Q_SENTENCES = (
    "UNWIND $rows AS row MERGE (d:Document {id: row.doc}) "
    "MERGE (s:Sentence {id: row.id}) SET s += row.props MERGE (s)-[:IN]->(d)"
)
#: Writes an entity only when something changes (new node, label, name or alias): an unchanged entity
#: that another document already brought is then only read, so the transaction takes no lock on it, and a
#: concurrent writer's commit that links facts to it does not wait (see :class:`Neo4jSink`).
Q_ENTITIES = (
    "UNWIND $rows AS row MERGE (e:Entity {id: row.id}) "
    "WITH e, row, [a IN row.aliases WHERE NOT a IN coalesce(e.aliases, [])] AS new "
    "WHERE NOT e:{label} OR e.name IS NULL OR e.name <> row.name OR size(new) > 0 "
    "SET e:{label}, e.name = row.name, e.aliases = coalesce(e.aliases, []) + new"
)
Q_MENTIONED_IN = (
    "UNWIND $rows AS row MATCH (e:Entity {id: row.entity}) MATCH (s:Sentence {id: row.sentence}) "
    "MERGE (e)-[m:MENTIONED_IN {start: row.start, end: row.end}]->(s) SET m.text = row.text"
)
Q_RELATIONS = (
    "UNWIND $rows AS row MATCH (a:Entity {id: row.subject}) MATCH (b:Entity {id: row.object}) "
    "MERGE (a)-[r:{type} {id: row.id}]->(b) SET r += row.props"
)
Q_STATEMENTS = (
    "UNWIND $rows AS row MATCH (s:Sentence {id: row.sentence}) "
    "MERGE (st:Statement {id: row.id}) SET st += row.props "
    "MERGE (st)-[e:EVIDENCED_BY]->(s) SET e.start = row.start, e.end = row.end"
)
#: Cross-document resolution decisions (kg.resolve), kept beside the entity they shaped.
Q_MERGE_DECISIONS = (
    "UNWIND $rows AS row MATCH (e:Entity {id: row.entity}) "
    "MERGE (d:MergeDecision {id: row.id}) SET d += row.props MERGE (d)-[:DECIDED]->(e)"
)
#: Decisions about a build's documents that its current resolution no longer makes (one row).
Q_STALE_DECISIONS = (
    "UNWIND $rows AS row MATCH (d:MergeDecision) WHERE any(x IN d.docs WHERE x IN row.docs) "
    "AND NOT d.id IN row.keep DETACH DELETE d"
)
Q_STATEMENT_LINKS = (
    "UNWIND $rows AS row MATCH (st:Statement {id: row.statement}) MATCH (e:Entity {id: row.entity}) "
    "MERGE (st)-[r:{type}]->(e) SET r += row.props"
)

# The CREATE path for documents this transaction created (see the module docstring): the same writes as the
# MERGE queries above, without looking for what cannot exist yet.
Q_SENTENCES_NEW = (
    "UNWIND $rows AS row MATCH (d:Document {id: row.doc}) "
    "CREATE (s:Sentence {id: row.id})-[:IN]->(d) SET s += row.props"
)
Q_MENTIONED_IN_NEW = (
    "UNWIND $rows AS row MATCH (e:Entity {id: row.entity}) MATCH (s:Sentence {id: row.sentence}) "
    "CREATE (e)-[m:MENTIONED_IN {start: row.start, end: row.end}]->(s) SET m.text = row.text"
)
Q_RELATIONS_NEW = (
    "UNWIND $rows AS row MATCH (a:Entity {id: row.subject}) MATCH (b:Entity {id: row.object}) "
    "CREATE (a)-[r:{type} {id: row.id}]->(b) SET r += row.props"
)
Q_STATEMENTS_NEW = (
    "UNWIND $rows AS row MATCH (s:Sentence {id: row.sentence}) "
    "CREATE (st:Statement {id: row.id})-[e:EVIDENCED_BY]->(s) SET st += row.props, e.start = row.start, "
    "e.end = row.end"
)
Q_STATEMENT_LINKS_NEW = (
    "UNWIND $rows AS row MATCH (st:Statement {id: row.statement}) MATCH (e:Entity {id: row.entity}) "
    "CREATE (st)-[r:{type}]->(e) SET r += row.props"
)


@dataclass
class Neo4jRows:
    """Parameter rows for the write queries, grouped by query.

    Rows from several extractions are merged with :meth:`extend` so that one
    ``UNWIND`` carries many documents.
    """

    documents: list[dict[str, Any]] = field(default_factory=list)
    sentences: list[dict[str, Any]] = field(default_factory=list)
    entities: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    mentions: list[dict[str, Any]] = field(default_factory=list)
    relations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    statements: list[dict[str, Any]] = field(default_factory=list)
    links: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def extend(self, other: "Neo4jRows") -> None:
        self.documents += other.documents
        self.sentences += other.sentences
        self.mentions += other.mentions
        self.statements += other.statements
        for mine, theirs in ((self.entities, other.entities), (self.relations, other.relations),
                             (self.links, other.links)):
            for k, v in theirs.items():
                mine.setdefault(k, []).extend(v)

    def __len__(self) -> int:
        return (len(self.documents) + len(self.sentences) + len(self.mentions) + len(self.statements)
                + sum(map(len, self.entities.values())) + sum(map(len, self.relations.values()))
                + sum(map(len, self.links.values())))

    def entity_queries(self) -> Iterator[tuple[str, str, list[dict[str, Any]]]]:
        """(name, cypher, rows) that MERGE the entities, which documents share."""
        for label in sorted(self.entities):
            yield f"entities:{label}", Q_ENTITIES.replace("{label}", LABELS[label]), self.entities[label]

    def document_queries(self, fresh: bool) -> Iterator[tuple[str, str, list[dict[str, Any]]]]:
        """(name, cypher, rows) for what belongs to the documents, in dependency order.

        Nodes come before the edges that MATCH them. ``fresh``: the documents
        were created in this transaction, so everything of theirs is created
        without looking for it first.
        """
        yield "sentences", Q_SENTENCES_NEW if fresh else Q_SENTENCES, self.sentences
        yield "mentions", Q_MENTIONED_IN_NEW if fresh else Q_MENTIONED_IN, self.mentions
        q_rel = Q_RELATIONS_NEW if fresh else Q_RELATIONS
        for typ in sorted(self.relations):
            yield f"relations:{typ}", q_rel.replace("{type}", _checked_type(typ)), self.relations[typ]
        yield "statements", Q_STATEMENTS_NEW if fresh else Q_STATEMENTS, self.statements
        q_link = Q_STATEMENT_LINKS_NEW if fresh else Q_STATEMENT_LINKS
        for typ in sorted(self.links):
            yield f"links:{typ}", q_link.replace("{type}", _checked_type(typ)), self.links[typ]


# The one-query path for documents this transaction created: one row per document carrying its sentences,
# mentions, facts and statements as lists (see :func:`to_tree_row`). The document, its entities and its
# sentences are looked up or created once per document and then referred to by position, instead of one
# unique-index seek per fact and end node; the server's profile showed those seeks (and the garbage each one
# makes) as the largest cost of a load. Property maps are spelled out (no ``SET x += map``), which keeps
# ``Eager`` buffering out of the per-fact steps.

#: Property keys a tree row may carry, per element; a document with any other key takes the flat path.
SENTENCE_KEYS = ("doc", "index", "start", "end", "text")
RELATION_KEYS = ("id", "predicate", "confidence", "extractor", "doc", "sentence", "start", "end",
                 "subject_start", "subject_end", "object_start", "object_end", "location", "date", "modality", "role")
STATEMENT_KEYS = ("kind", "cue", "cue_start", "cue_end", "content", "content_start", "content_end",
                  "content_spans", "speaker_text", "speaker_start", "speaker_end", "caption", "quantities",
                  "quantity_of", "quantity_spans", "confidence", "extractor", "doc", "sentence")
LINK_KEYS = ("start", "end", "text")
_SENTENCE_KEYS, _RELATION_KEYS, _STATEMENT_KEYS, _LINK_KEYS = map(
    frozenset, (SENTENCE_KEYS, RELATION_KEYS, STATEMENT_KEYS, LINK_KEYS))


def _props_map(var: str, keys: tuple[str, ...], first: str = "") -> str:
    """``{first, k: var.k, …}`` for constant keys (a null value leaves the property unset, as ``_clean`` does)."""
    return "{" + ", ".join([first] * bool(first) + [f"{k}: {var}.{k}" for k in keys]) + "}"


def _tree_query() -> str:
    """The nested write query for fresh documents, built from the whitelists only."""
    rels = "".join(
        f"CALL (doc, ents) {{ UNWIND doc.rel_{typ} AS r WITH ents[r.a] AS a, ents[r.b] AS b, r "
        f"CREATE (a)-[:{typ} {_props_map('r.p', RELATION_KEYS)}]->(b) }} "
        for typ in sorted(REL_TYPES.values()))
    links = "".join(
        f"CALL (x, st, ents) {{ UNWIND st.{typ} AS l WITH ents[l.e] AS e, l "
        f"CREATE (x)-[:{typ} {_props_map('l.p', LINK_KEYS)}]->(e) }} "
        for typ in sorted(STATEMENT_LINKS.values()))
    return (
        "UNWIND $docs AS doc MATCH (d:Document {id: doc.id}) "
        # positions matter below: ORDER BY before collect() keeps the input order
        "CALL (doc) { UNWIND range(0, size(doc.entities) - 1) AS i MATCH (e:Entity {id: doc.entities[i]}) "
        "WITH i, e ORDER BY i RETURN collect(e) AS ents } "
        "CALL (d, doc) { UNWIND range(0, size(doc.sentences) - 1) AS i WITH i, doc.sentences[i] AS s "
        f"CREATE (x:Sentence {_props_map('s.props', SENTENCE_KEYS, 'id: s.id')})-[:IN]->(d) "
        "WITH i, x ORDER BY i RETURN collect(x) AS sents } "
        "CALL (doc, ents, sents) { UNWIND doc.mentions AS m WITH ents[m.e] AS e, sents[m.s] AS s, m "
        "CREATE (e)-[:MENTIONED_IN {start: m.start, end: m.end, text: m.text}]->(s) } "
        + rels +
        "CALL (doc, ents, sents) { UNWIND doc.statements AS st WITH sents[st.s] AS s, st "
        f"CREATE (x:Statement {_props_map('st.p', STATEMENT_KEYS, 'id: st.id')})"
        "-[:EVIDENCED_BY {start: st.start, end: st.end}]->(s) "
        "WITH x, st " + links + "} "
        "RETURN doc.id AS id, size(ents) AS entities, size(sents) AS sentences"
    )


Q_DOCUMENT_TREES = _tree_query()


def to_tree_row(rows: Neo4jRows) -> dict[str, Any] | None:
    """One document's rows as a single nested row for :data:`Q_DOCUMENT_TREES`.

    Entities and sentences are listed once and referred to by position. None
    when the document does not fit the tree's fixed property keys or refers
    to a sentence of another document; it then takes the flat path, which
    writes the same graph.
    """
    if len(rows.documents) != 1:
        return None
    ents: dict[str, int] = {}
    sents = {s["id"]: i for i, s in enumerate(rows.sentences)}
    if any(not s["props"].keys() <= _SENTENCE_KEYS for s in rows.sentences):
        return None
    try:
        mentions = [{"e": ents.setdefault(m["entity"], len(ents)), "s": sents[m["sentence"]], "start": m["start"],
                     "end": m["end"], "text": m["text"]} for m in rows.mentions]
        tree: dict[str, Any] = {"id": rows.documents[0]["id"], "sentences": rows.sentences, "mentions": mentions}
        for typ, rs in rows.relations.items():
            if any(not r["props"].keys() <= _RELATION_KEYS for r in rs):
                return None
            tree["rel_" + _checked_type(typ)] = [
                {"a": ents.setdefault(r["subject"], len(ents)), "b": ents.setdefault(r["object"], len(ents)),
                 "p": r["props"]} for r in rs]
        statements = {st["id"]: {"s": sents[st["sentence"]], "start": st["start"], "end": st["end"], "id": st["id"],
                                 "p": st["props"]} for st in rows.statements}
        if any(not st["props"].keys() <= _STATEMENT_KEYS for st in rows.statements):
            return None
        for typ, rs in rows.links.items():
            if any(not ln["props"].keys() <= _LINK_KEYS for ln in rs):
                return None
            _checked_type(typ)
            for ln in rs:
                statements[ln["statement"]].setdefault(typ, []).append(
                    {"e": ents.setdefault(ln["entity"], len(ents)), "p": ln["props"]})
    except KeyError:  # a sentence of another document, or a link to a statement the record lacks
        return None
    tree["statements"] = list(statements.values())
    tree["entities"] = list(ents)
    return tree


def _checked_type(typ: str) -> str:
    if typ not in REL_TYPES.values() and typ not in STATEMENT_LINKS.values():
        raise SinkError(f"relationship type {typ!r} is not in the whitelist; this is a bug in kg.sinks.neo4j_sink")
    return typ


def _clean(props: dict[str, Any]) -> dict[str, Any]:
    """Drop None (Neo4j stores no nulls; ``SET +=`` would remove the key)."""
    return {k: v for k, v in props.items() if v is not None}


def _scalar(v: Any) -> Any:
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    return json.dumps(v, ensure_ascii=False, sort_keys=True)


def _slice(ex: Extraction, sent_index: int, span: tuple[int, int] | None) -> str | None:
    """The text of a document span, cut from its sentence (records carry no full text)."""
    if span is None:
        return None
    for s in ex.sentences:
        if s.index == sent_index and s.start <= span[0] <= span[1] <= s.end:
            return s.text[span[0] - s.start: span[1] - s.start]
    return None


def to_neo4j_rows(ex: Extraction) -> Neo4jRows:
    """Convert one extraction record into parameter rows (pure; no I/O).

    Raises:
        SinkError: an entity type or predicate outside the vocabulary, or a
            fact that refers to an entity the record does not contain.
    """
    rows = Neo4jRows()
    rows.documents.append({"id": ex.id, "props": _clean({
        "title": ex.doc.title, "date": ex.doc.date, "author": ex.doc.author, "url": ex.doc.url,
        "source": ex.doc.source, "text_length": ex.text_length})})
    for s in ex.sentences:
        rows.sentences.append({"id": sentence_id(ex.id, s.index), "doc": ex.id, "props": {
            "doc": ex.id, "index": s.index, "start": s.start, "end": s.end, "text": s.text}})
    known: set[str] = set()
    for e in ex.entities:
        if e.type not in LABELS:
            raise SinkError(f"record {ex.id}: entity {e.id!r} has type {e.type!r}, not one of {sorted(LABELS)}; "
                            "fix the extractor output")
        known.add(e.id)
        rows.entities.setdefault(e.type, []).append({"id": e.id, "name": e.name, "aliases": list(e.aliases)})
        for m in e.mentions:
            rows.mentions.append({"entity": e.id, "sentence": sentence_id(ex.id, m.sentence),
                                  "start": m.start, "end": m.end, "text": m.text})

    def need(ref: str, what: str) -> str:
        if ref not in known:
            raise SinkError(f"record {ex.id}: {what} refers to entity {ref!r}, which is not among the record's "
                            "entities; fix the extractor output")
        return ref

    for r in ex.relations:
        typ = REL_TYPES.get(r.predicate)
        if typ is None:
            raise SinkError(f"record {ex.id}: relation {r.id!r} has predicate {r.predicate!r}, not one of "
                            f"{sorted(REL_TYPES)}; add it to the ontology and to REL_TYPES first")
        ev = r.evidence
        props: dict[str, Any] = {}
        for k, v in r.qualifiers.items():
            key = k if _KEY.match(k) and k not in RESERVED else "qualifier_" + re.sub(r"\W", "_", k)
            props[key] = _scalar(v)
        props.update({
            "id": r.id, "predicate": r.predicate, "confidence": r.confidence, "extractor": ev.extractor,
            "doc": ev.doc, "sentence": sentence_id(ev.doc, ev.sentence), "start": ev.start, "end": ev.end,
        })
        if ev.subject_span:
            props["subject_start"], props["subject_end"] = ev.subject_span
        if ev.object_span:
            props["object_start"], props["object_end"] = ev.object_span
        rows.relations.setdefault(typ, []).append({
            "id": r.id, "subject": need(r.subject, f"relation {r.id!r}"),
            "object": need(r.object, f"relation {r.id!r}"), "props": _clean(props)})

    for st in ex.statements:
        ev = st.evidence
        speaker_text = _slice(ex, ev.sentence, st.speaker_span)
        content = st.content.text
        short = content if len(content) <= 60 else content[:57] + "…"
        rows.statements.append({
            "id": st.id, "sentence": sentence_id(ev.doc, ev.sentence), "start": ev.start, "end": ev.end,
            "props": _clean({
                "kind": st.kind, "cue": st.cue.text, "cue_start": st.cue.start, "cue_end": st.cue.end,
                "content": content, "content_start": st.content.start, "content_end": st.content.end,
                "content_spans": [x for span in st.content.spans for x in span],
                "speaker_text": speaker_text,
                "speaker_start": st.speaker_span[0] if st.speaker_span else None,
                "speaker_end": st.speaker_span[1] if st.speaker_span else None,
                "caption": f"{speaker_text or '?'} {st.cue.text}: {short}",
                "quantities": [q.text for q in st.quantities],
                "quantity_of": [q.of or "" for q in st.quantities],
                "quantity_spans": [x for q in st.quantities for x in (q.start, q.end)],
                "confidence": st.confidence, "extractor": ev.extractor, "doc": ev.doc,
                "sentence": sentence_id(ev.doc, ev.sentence)}),
        })
        where = f"statement {st.id!r}"
        if st.speaker:
            props = _clean({"start": st.speaker_span[0] if st.speaker_span else None,
                            "end": st.speaker_span[1] if st.speaker_span else None, "text": speaker_text})
            rows.links.setdefault("SAID_BY", []).append(
                {"statement": st.id, "entity": need(st.speaker, where), "props": props})
        if st.on_behalf_of:
            rows.links.setdefault("ON_BEHALF_OF", []).append(
                {"statement": st.id, "entity": need(st.on_behalf_of, where), "props": {}})
        if st.addressee:
            rows.links.setdefault("ADDRESSED_TO", []).append(
                {"statement": st.id, "entity": need(st.addressee, where), "props": {}})
        for m in dict.fromkeys(st.mentions):
            rows.links.setdefault("MENTIONS", []).append(
                {"statement": st.id, "entity": need(m, where), "props": {}})
    # One row per graph element, as MERGE would leave it (the last row wins), so that the CREATE path writes
    # the same graph even for a record that repeats a fact.
    rows.sentences = _unique(rows.sentences, ("id",))
    rows.mentions = _unique(rows.mentions, ("entity", "sentence", "start", "end"))
    rows.statements = _unique(rows.statements, ("id",))
    for typ, rs in rows.relations.items():
        rows.relations[typ] = _unique(rs, ("id",))
    for typ, rs in rows.links.items():
        rows.links[typ] = _unique(rs, ("statement", "entity"))
    return rows


def _unique(rows: list[dict[str, Any]], key: tuple[str, ...]) -> list[dict[str, Any]]:
    """``rows`` without repeats of ``key``; a later row replaces an earlier one in its place."""
    seen: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        seen[tuple(row[k] for k in key)] = row
    return rows if len(seen) == len(rows) else list(seen.values())


# ---------------------------------------------------------------- writer


@dataclass
class LoadStats:
    documents: int = 0
    relations: int = 0
    statements: int = 0
    nodes_created: int = 0
    relationships_created: int = 0
    properties_set: int = 0
    transactions: int = 0


def connect(uri: str, user: str, password: str, database: str | None = None, *,
            retry_time: float = 30.0, connection_timeout: float = 10.0):
    """Open a driver and check that we can reach, log in to and use ``database``.

    Raises:
        ServiceError: with one line naming the URI/database and the fix.
    """
    from neo4j import GraphDatabase
    from neo4j.exceptions import AuthError, ClientError, ConfigurationError, Neo4jError, ServiceUnavailable

    try:
        driver = GraphDatabase.driver(uri, auth=(user, password), max_transaction_retry_time=retry_time,
                                      connection_timeout=connection_timeout)
    except (ConfigurationError, ValueError) as e:
        raise ServiceError(f"bad Neo4j URI {uri!r}: {e}; use e.g. bolt://127.0.0.1:7687 or neo4j+s://host") from e
    try:
        with driver.session(database=database) as s:
            s.run("RETURN 1").consume()
    except AuthError as e:
        driver.close()
        raise ServiceError(f"Neo4j at {uri} rejected user {user!r}: wrong user or password; "
                           "pass --user/--password or set NEO4J_USER/NEO4J_PASSWORD") from e
    except ServiceUnavailable as e:
        driver.close()
        raise ServiceError(f"cannot reach Neo4j at {uri} ({_one_line(e)}); start it with 'kg neo4j start' "
                           "or pass --uri/NEO4J_URI") from e
    except ClientError as e:
        driver.close()
        if e.code and "DatabaseNotFound" in e.code:
            raise ServiceError(f"Neo4j at {uri} has no database {database!r}; pass an existing one with "
                               "--database/NEO4J_DATABASE (Community has only 'neo4j')") from e
        raise ServiceError(f"Neo4j at {uri} refused the connection check: {_one_line(e)}") from e
    except (Neo4jError, OSError) as e:
        driver.close()
        raise ServiceError(f"Neo4j at {uri} failed the connection check: {_one_line(e)}") from e
    return driver


def _one_line(e: BaseException) -> str:
    msg = getattr(e, "message", None) or str(e) or type(e).__name__
    return " ".join(str(msg).split())[:300]


class Neo4jSink:
    """Writer: buffers rows from :meth:`write` and flushes them in ``UNWIND`` batches.

    Full batches are written by ``writers`` background threads, each in its
    own transaction, while :meth:`write` goes on converting the next records:
    the loader's Python work overlaps the server's, and with two writers the
    server works on two transactions at once (a single one runs on one of its
    cores). At most ``writers`` batches are in flight. A batch's error is
    raised in the caller's thread by a later :meth:`write` (once it waits for
    that batch), :meth:`flush` or :meth:`close`.

    Each batch first merges its entities in a short transaction of its own,
    one writer at a time (so our writers never deadlock on them, and an
    unchanged entity is only read, see :data:`Q_ENTITIES`); then its
    documents, with everything that belongs to them, in one transaction. The
    document transactions of two writers share no node they write except the
    entities their facts link to, whose locks Neo4j takes at commit.

    A document that comes again while its earlier copy is still pending or in
    flight waits for that copy to be committed, so the later copy is written
    last, as with one writer.

    Args:
        driver: a ``neo4j.Driver`` (see :func:`connect`); the sink closes it.
        database: target database (None: the server default).
        batch_rows: rows buffered before a flush; also the rows per transaction.
        writers: batches written at once (1 writes them strictly in order).
    """

    def __init__(self, driver, database: str | None = None, *, batch_rows: int = 20000, uri: str = "neo4j",
                 writers: int = 2):
        if writers < 1:
            raise SinkError(f"writers must be at least 1, got {writers}")
        self.driver = driver
        self.database = database
        self.batch_rows = batch_rows
        self.uri = uri
        self.writers = writers
        self.stats = LoadStats()
        self.where = ""  # set by the caller (file:line) for error messages
        self._pending: dict[str, Neo4jRows] = {}  # document id → its rows, in input order
        self._pending_rows = 0
        self._writer = ThreadPoolExecutor(max_workers=writers, thread_name_prefix="kg-neo4j-writer")
        self._in_flight: collections.deque[tuple[Future, frozenset[str]]] = collections.deque()
        self._entity_lock = threading.Lock()
        self._stats_lock = threading.Lock()
        self._ensure_constraints()

    # -- protocol -------------------------------------------------------
    def write(self, extraction: Extraction) -> None:
        rows = to_neo4j_rows(extraction)
        if extraction.id in self._pending:
            self._submit()  # the same document twice in a batch: its second copy must find the first one
        if any(extraction.id in ids for _, ids in self._in_flight):
            self._wait()  # … and be written after it
        self.stats.documents += 1
        self.stats.relations += sum(map(len, rows.relations.values()))
        self.stats.statements += len(rows.statements)
        self._pending[extraction.id] = rows
        self._pending_rows += len(rows)
        if self._pending_rows >= self.batch_rows:
            self._submit()

    def flush(self) -> None:
        """Write every pending document now, and wait until the server has committed them."""
        self._submit()
        self._wait()

    def _submit(self) -> None:
        """Hand the pending documents to a writer thread, once fewer than ``writers`` batches are in flight."""
        while len(self._in_flight) >= self.writers:
            self._wait_oldest()
        if not self._pending:
            return
        pending, self._pending, self._pending_rows = self._pending, {}, 0
        self._in_flight.append((self._writer.submit(self._write_batch, pending, self.where), frozenset(pending)))

    def _wait_oldest(self) -> None:
        done, _ids = self._in_flight.popleft()
        done.result()  # its error, raised here, in the caller's thread

    def _wait(self) -> None:
        """Wait for every batch in flight; raise the first error here, in the caller's thread."""
        while self._in_flight:
            self._wait_oldest()

    def _write_batch(self, pending: dict[str, "Neo4jRows"], where: str) -> None:
        """Write ``pending``: its entities, then its documents in one transaction (each retried on transient errors)."""
        documents = sorted((r for rows in pending.values() for r in rows.documents), key=_row_key)
        entities = Neo4jRows()
        for rows in pending.values():
            for label, rs in rows.entities.items():
                entities.entities.setdefault(label, []).extend(rs)

        def entity_work(tx):
            done = []
            for _name, cypher, rows in entities.entity_queries():
                rows.sort(key=_row_key)  # same lock order in concurrent loaders: fewer deadlocks
                done.append(tx.run(KEEP_PLAN + cypher, rows=rows).consume().counters)
            return done

        def work(tx):  # may run again after a transient error: it only reads `pending`
            result = tx.run(KEEP_PLAN + Q_DOCUMENTS, rows=documents)
            fresh = {rec["id"] for rec in result if rec["fresh"]}
            done = [result.consume().counters]
            groups = {True: Neo4jRows(), False: Neo4jRows()}
            trees = []
            for doc_id, rows in pending.items():
                tree = to_tree_row(rows) if doc_id in fresh else None
                if tree is None:
                    groups[doc_id in fresh].extend(rows)
                else:
                    trees.append(tree)
            if trees:
                result = tx.run(KEEP_PLAN + Q_DOCUMENT_TREES, docs=trees)
                got = {rec["id"]: (rec["entities"], rec["sentences"]) for rec in result}
                for t in trees:
                    if got.get(t["id"]) != (len(t["entities"]), len(t["sentences"])):
                        raise SinkError(f"document {t['id']!r}: the tree query found {got.get(t['id'])} "
                                        f"(entities, sentences), expected {len(t['entities'])}, "
                                        f"{len(t['sentences'])}; this is a bug in kg.sinks.neo4j_sink")
                done.append(result.consume().counters)
            steps = [*groups[True].document_queries(fresh=True), *groups[False].document_queries(fresh=False)]
            for _name, cypher, rows in steps:
                if rows:
                    rows.sort(key=_row_key)  # same lock order in concurrent loaders: fewer deadlocks
                    done.append(tx.run(KEEP_PLAN + cypher, rows=rows).consume().counters)
            return done, len(fresh)

        t0 = time.perf_counter()
        with self._entity_lock:
            counters = self._call(lambda s: s.execute_write(entity_work), "the entities of a batch", where)
        more, n_fresh = self._call(lambda s: s.execute_write(work), "a batch of documents", where)
        log.debug("batch of %d documents (%d new to the database) in %.3fs", len(documents), n_fresh,
                  time.perf_counter() - t0)
        with self._stats_lock:
            self.stats.transactions += 2
            for c in counters + more:
                self._count(c)

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self.abort()

    def abort(self) -> None:
        """Stop without writing what is still pending; wait for the batch in flight, then close the driver."""
        self._pending, self._pending_rows = {}, 0
        try:
            for done, _ids in self._in_flight:
                done.exception()  # its error, if any, was or will be reported by the caller's path
            self._in_flight.clear()
        finally:
            self._writer.shutdown(wait=True)
            self.driver.close()

    # -- internals ------------------------------------------------------
    def _session(self):
        return self.driver.session(database=self.database)

    def write_resolution(self, resolution) -> None:
        """Keep each merge decision as a ``(:MergeDecision)-[:DECIDED]->(:Entity)`` node.

        The entity node itself already carries the resolved id, name and
        ``aliases``; the decision nodes say why (names, score, reasons, source).
        """
        self._write_decisions(resolution)

    def replace_resolution(self, resolution, docs: list[str]) -> None:
        """:meth:`write_resolution`, then drop the decisions about ``docs`` that ``resolution`` no longer makes.

        For incremental builds (:func:`kg.sinks.neo4j_retract.sync_neo4j`): a decision
        whose documents include one of ``docs`` (the build's) and that is not
        among the current ones is out of date. Decisions about other
        documents only are left alone.
        """
        keep = self._write_decisions(resolution)
        self._run("stale merge decisions", Q_STALE_DECISIONS, [{"docs": docs, "keep": keep}])

    def _write_decisions(self, resolution) -> list[str]:
        from kg import ids

        rows = []
        for cluster in resolution.clusters:
            for d in resolution.decisions_for(cluster):
                rows.append({
                    "entity": cluster.id,
                    "id": "decision/" + ids.digest(cluster.id, d.a, d.b, d.verdict, *d.docs),
                    "props": {"verdict": d.verdict, "a": d.a, "b": d.b, "score": d.score,
                              "reasons": list(d.reasons), "source": d.source, "docs": list(d.docs)},
                })
        for start in range(0, len(rows), self.batch_rows):
            self._run("merge decisions", Q_MERGE_DECISIONS, rows[start:start + self.batch_rows])
        return [r["id"] for r in rows]

    def _ensure_constraints(self) -> None:
        from neo4j.exceptions import ClientError

        existing = set(self._call(
            lambda s: [r["name"] for r in s.run("SHOW CONSTRAINTS YIELD name RETURN name")], "constraints"))
        for stmt in constraint_statements():
            if stmt.split()[2] in existing:  # CREATE CONSTRAINT <name> …
                continue
            try:
                self._call(lambda s, q=stmt: s.run(q).consume(), "constraints")
            except ServiceError as e:
                cause = e.__cause__
                # Two loaders racing on CREATE … IF NOT EXISTS: the other one won.
                if isinstance(cause, ClientError) and cause.code and (
                        "EquivalentSchemaRuleAlreadyExists" in cause.code or "AlreadyExists" in cause.code):
                    continue
                raise

    def _run(self, name: str, cypher: str, rows: list[dict[str, Any]]) -> None:
        def work(tx):
            return tx.run(cypher, rows=rows).consume().counters

        self._wait()  # after the documents' batches
        t0 = time.perf_counter()
        counters = self._call(lambda s: s.execute_write(work), name)
        log.debug("%s: %d rows in %.3fs", name, len(rows), time.perf_counter() - t0)
        self.stats.transactions += 1
        self._count(counters)

    def _count(self, counters) -> None:
        self.stats.nodes_created += counters.nodes_created
        self.stats.relationships_created += counters.relationships_created
        self.stats.properties_set += counters.properties_set

    def _call(self, fn: Callable[[Any], Any], what: str, where: str | None = None) -> Any:
        from neo4j.exceptions import Neo4jError, DriverError

        try:
            with self._session() as s:
                return fn(s)
        except (Neo4jError, DriverError, OSError) as e:
            where = self.where if where is None else where
            at = f" at {where}" if where else ""
            raise ServiceError(
                f"Neo4j at {self.uri} failed while writing {what}{at}: {_one_line(e)}. Batches are transactions "
                "and loading is idempotent: once Neo4j is back, re-run the same load"
            ) from e


def _row_key(row: dict[str, Any]) -> tuple:
    return tuple(str(row.get(k, "")) for k in ("id", "statement", "entity", "subject", "object", "start"))


# ---------------------------------------------------------------- input


def resolve_input(path: Path) -> Path:
    """``out/`` → ``out/extractions.jsonl``; a file is used as it is."""
    if path.is_dir():
        cand = path / "extractions.jsonl"
        if not cand.exists():
            raise InputError(str(path), "no extractions.jsonl in this directory; run 'kg build … --out DIR' "
                                        "or pass the JSONL file")
        return cand
    if not path.exists():
        raise InputError(str(path), "no such file or directory")
    return path


def iter_records(path: Path) -> Iterator[tuple[int, Extraction]]:
    """Stream ``(line number, Extraction)`` from a JSON Lines file; memory stays flat."""
    with path.open("r", encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield lineno, Extraction.from_dict(json.loads(line))
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
                raise InputError(f"{path}:{lineno}", f"not an extraction record ({_one_line(e)}); "
                                                     "produce it with 'kg extract' or 'kg build'") from e


def load_file(path: Path, driver, database: str | None = None, *, batch_rows: int = 20000,
              uri: str = "neo4j", progress: Callable[[int], None] | None = None, writers: int = 2) -> LoadStats:
    """Stream an extraction file (or ``out/`` dir) into Neo4j; returns what was written.

    ``progress`` is called with the line number reached; ``writers``
    is the number of batches written at once (see :class:`Neo4jSink`).
    """
    from kg.resolve import apply
    from kg.resolve.report import resolution_for

    # A build directory: load what its graph files hold, entities resolved across documents.
    resolution = resolution_for(path) if path.is_dir() else None
    path = resolve_input(path)
    sink = Neo4jSink(driver, database, batch_rows=batch_rows, uri=uri, writers=writers)
    t0 = time.perf_counter()
    try:
        for lineno, ex in iter_records(path):
            if resolution is not None:
                ex = apply(ex, resolution)
            sink.where = f"{path}:{lineno}"
            try:
                sink.write(ex)
            except SinkError as e:
                raise SinkError(f"{path}:{lineno}: {e}") from e
            if progress is not None:
                progress(lineno)
        sink.where = f"{path} (last batch)"
        sink.flush()
        if resolution is not None:
            sink.where = f"{path.parent / 'resolution.json'}"
            sink.write_resolution(resolution)
    finally:
        sink.abort()  # after a failure: no second attempt at the pending rows
    log.info("loaded %s in %.1fs", path, time.perf_counter() - t0)
    return sink.stats
