"""The Cypher cookbook: the queries ``docs/neo4j.md`` shows and the tests run.

One source for both, so the documentation cannot drift from what is tested
(``tests/neo4j/test_cookbook.py`` checks that each query appears verbatim in
the docs). Every value is a ``$parameter``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Recipe:
    title: str
    cypher: str
    params: dict[str, Any] = field(default_factory=dict)


COOKBOOK: dict[str, Recipe] = {
    "who-met-whom": Recipe(
        "Who met whom, where and when (with the sentence that says so)",
        """MATCH (a:Person)-[r:MET_WITH]->(b:Entity)
MATCH (s:Sentence {id: r.sentence})
RETURN a.name AS person, b.name AS met, r.location AS location, r.date AS date,
       r.modality AS modality, s.text AS evidence
ORDER BY person, met""",
    ),
    "who-met-whom-graph": Recipe(
        "Who met whom, as a graph (paste into Neo4j Browser)",
        """MATCH (a:Person)-[r:MET_WITH]->(b:Entity)
OPTIONAL MATCH (b)-[w:WORKS_FOR]->(o:Organization)
RETURN a, r, b, w, o""",
    ),
    "said-by": Recipe(
        "Everything X said, with the source sentence",
        """MATCH (st:Statement)-[:SAID_BY]->(:Person {name: $name})
MATCH (st)-[:EVIDENCED_BY]->(s:Sentence)-[:IN]->(d:Document)
RETURN st.kind AS kind, st.cue AS cue, st.content AS content, s.text AS sentence, d.id AS document
ORDER BY document, s.index""",
        {"name": "Antony Blinken"},
    ),
    "mentions": Recipe(
        "Statements that mention Ukraine",
        """MATCH (st:Statement)-[:MENTIONS]->(:Location {name: $place})
OPTIONAL MATCH (st)-[:SAID_BY]->(speaker:Entity)
OPTIONAL MATCH (st)-[:ON_BEHALF_OF]->(org:Organization)
RETURN coalesce(speaker.name, st.speaker_text) AS speaker, org.name AS on_behalf_of,
       st.cue AS cue, st.content AS content, st.quantities AS quantities
ORDER BY st.doc, st.cue_start""",
        {"place": "Ukraine"},
    ),
    "roles": Recipe(
        "People and their roles per organisation",
        """MATCH (p:Person)-[r:WORKS_FOR|MEMBER_OF]->(o:Entity)
RETURN o.name AS organization, p.name AS person, type(r) AS relation, r.role AS role
ORDER BY organization, person""",
    ),
    "edge-evidence": Recipe(
        "The evidence sentence for any edge",
        """MATCH (a:Entity)-[r]->(b:Entity)
MATCH (s:Sentence {id: r.sentence})-[:IN]->(d:Document)
RETURN a.name AS subject, type(r) AS relation, b.name AS object, d.id AS document,
       s.text AS sentence, r.start AS start, r.end AS end, r.extractor AS extractor,
       r.confidence AS confidence
ORDER BY document, start, relation""",
    ),
}
