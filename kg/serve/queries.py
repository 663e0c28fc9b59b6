"""Example SPARQL queries: the README queries, shown on the query page.

They are written against the vocabulary of ``ontology/kg.ttl`` (see
``docs/rdf-model.md``) and run unchanged on our endpoint and on Fuseki (the
default graph is the union of the document graphs on both, see
``docs/sparql.md``). ``SELECT DISTINCT`` because a fact found in two
documents sits in two named graphs.

Values such as the person's name are bound with ``VALUES`` at the top of the
query, so a client changes one line (or sends its own ``VALUES``) instead of
splicing data into the query text.
"""

from __future__ import annotations

PREFIXES = """\
PREFIX kg: <https://kg.example.org/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""

#: Name → query text. Filled with the README queries once the RDF model is merged.
README_QUERIES: dict[str, str] = {}

#: A small query that works on any store.
GRAPHS = """\
SELECT ?graph (COUNT(*) AS ?triples)
WHERE { GRAPH ?graph { ?s ?p ?o } }
GROUP BY ?graph
ORDER BY DESC(?triples)
LIMIT 100
"""

#: What the query page offers, in order: {"name", "query"}.
EXAMPLES: list[dict[str, str]] = [
    *({"name": name, "query": text} for name, text in README_QUERIES.items()),
    {"name": "Graphs and their sizes", "query": GRAPHS},
]
