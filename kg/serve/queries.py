"""Example SPARQL queries: the README queries, also offered on the query page.

They use the vocabulary of ``ontology/kg.ttl`` (``docs/rdf-model.md``):
every fact is a plain triple (``?p kg:metWith ?o``) *and* a ``kg:Assertion``
node (``rdf:subject/predicate/object``) that is ``prov:wasDerivedFrom`` a NIF
sentence with its text, offsets and document; statements are ``kg:Statement``
nodes. They run unchanged on ``kg serve`` and on Fuseki, because both treat
the default graph as the union of the document graphs (``docs/sparql.md``).
``SELECT DISTINCT`` because a fact found in two documents sits in two graphs.

The values a user changes (a person's name, a topic) sit in one ``VALUES``
line at the top; :func:`bind` replaces that line with properly escaped RDF
terms, so data is never spliced into query text by hand.

>>> print(bind(SAID_BY, name='Pat "P" Ryder').splitlines()[8])
  VALUES ?name { "Pat \\"P\\" Ryder" }
"""

from __future__ import annotations

import re

import pyoxigraph as ox

PREFIXES = """\
PREFIX kg: <https://kg.example.org/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""

#: Who met whom, with the evidence sentence and its document.
MET_WITH = PREFIXES + """\
SELECT DISTINCT ?person ?other ?location ?sentence ?document ?title
WHERE {
  ?p kg:metWith ?o .
  ?fact rdf:subject ?p ; rdf:predicate kg:metWith ; rdf:object ?o ;
        prov:wasDerivedFrom ?s .
  ?p rdfs:label ?person .
  ?o rdfs:label ?other .
  ?s nif:anchorOf ?sentence ; nif:referenceContext ?document .
  OPTIONAL { ?fact kg:location ?location }
  OPTIONAL { ?document dcterms:title ?title }
}
ORDER BY ?person ?other ?document ?sentence
"""

#: Everything a given person said: content, cue, sentence and document date.
SAID_BY = PREFIXES + """\
SELECT DISTINCT ?content ?cue ?kind ?sentence ?date ?document
WHERE {
  VALUES ?name { "Antony Blinken" }
  ?speaker rdfs:label ?name .
  ?statement a kg:Statement ; kg:speaker ?speaker ;
             kg:contentText ?content ; kg:cueText ?cue ; kg:kind ?kind ;
             prov:wasDerivedFrom ?s .
  ?s nif:anchorOf ?sentence ; nif:referenceContext ?document ; kg:sentenceIndex ?i .
  OPTIONAL { ?document dcterms:date ?date }
}
ORDER BY ?date ?document ?i ?content
"""

#: Statements whose content mentions Ukraine (by entity or by text), newest first.
ABOUT_TOPIC = PREFIXES + """\
SELECT DISTINCT ?date ?speaker ?cue ?content ?document
WHERE {
  VALUES ?topic { "Ukraine" }
  ?statement a kg:Statement ; kg:contentText ?content ; kg:cueText ?cue ;
             prov:wasDerivedFrom ?s .
  ?s nif:referenceContext ?document .
  FILTER (CONTAINS(LCASE(?content), LCASE(?topic))
          || EXISTS { ?statement kg:mentions/rdfs:label ?topic })
  OPTIONAL { ?statement kg:speaker/rdfs:label ?speaker }
  OPTIONAL { ?document dcterms:date ?date }
}
ORDER BY DESC(?date) ?document ?content
"""

#: People with their roles, per organisation.
ROLES = PREFIXES + """\
SELECT DISTINCT ?organisation ?person ?role
WHERE {
  ?p a kg:Person ; kg:worksFor ?o ; rdfs:label ?person .
  ?o rdfs:label ?organisation .
  OPTIONAL {
    ?fact rdf:subject ?p ; rdf:predicate kg:worksFor ; rdf:object ?o ; kg:role ?role .
  }
}
ORDER BY ?organisation ?person ?role
"""

#: The provenance of asserted triples: sentence text, offsets, argument spans, document.
PROVENANCE = PREFIXES + """\
SELECT DISTINCT ?subject ?predicate ?object ?sentence ?start ?end
                ?subjectText ?subjectStart ?subjectEnd ?document ?confidence ?extractor
WHERE {
  VALUES (?subject ?predicate ?object) { ("Antony Blinken" kg:metWith "Mark Rutte") }
  ?s rdfs:label ?subject .
  ?o rdfs:label ?object .
  ?s ?predicate ?o .
  ?fact a kg:Assertion ; rdf:subject ?s ; rdf:predicate ?predicate ; rdf:object ?o ;
        prov:wasDerivedFrom ?sent ; kg:confidence ?confidence ; kg:extractor ?extractor .
  ?sent nif:anchorOf ?sentence ; nif:beginIndex ?start ; nif:endIndex ?end ;
        nif:referenceContext ?document .
  OPTIONAL {
    ?fact kg:subjectSpan ?span .
    ?span nif:beginIndex ?subjectStart ; nif:endIndex ?subjectEnd ; nif:anchorOf ?subjectText .
  }
}
ORDER BY ?document ?start
"""

#: Name → query: the five README queries, in README order.
README_QUERIES: dict[str, str] = {
    "Who met whom, with evidence": MET_WITH,
    "Everything a person said": SAID_BY,
    "Statements about Ukraine, newest first": ABOUT_TOPIC,
    "People and their roles per organisation": ROLES,
    "Provenance of an asserted triple": PROVENANCE,
}

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

_VALUES = re.compile(r"^(\s*VALUES\s+)(\(?[?$\w\s]+\)?)(\s*\{)[^\n]*\}\s*$", re.MULTILINE)


def _term(value) -> str:
    if isinstance(value, (ox.NamedNode, ox.Literal)):
        return str(value)
    if isinstance(value, str):
        return str(ox.Literal(value))
    raise TypeError(f"cannot bind {value!r}; pass a str, pyoxigraph NamedNode or Literal")


def bind(query: str, **values) -> str:
    """Replace the query's one-row ``VALUES`` line with escaped terms for ``values``.

    Strings become plain literals; pass ``pyoxigraph.NamedNode`` for IRIs.
    Every variable of the ``VALUES`` line must be given.

    Raises:
        ValueError: the query has no ``VALUES`` line, or a variable is missing.
    """
    match = _VALUES.search(query)
    if match is None:
        raise ValueError("the query has no one-line VALUES clause to bind")
    names = re.findall(r"[?$](\w+)", match.group(2))
    missing = [n for n in names if n not in values]
    extra = [n for n in values if n not in names]
    if missing or extra:
        raise ValueError(f"VALUES binds {names}; missing {missing}, unknown {extra}")
    row = " ".join(_term(values[n]) for n in names)
    body = f"{{ {row} }}" if len(names) == 1 and "(" not in match.group(2) else f"{{ ({row}) }}"
    line = f"{match.group(1)}{match.group(2).strip()} {body}"
    return query[: match.start()] + line + query[match.end():]
