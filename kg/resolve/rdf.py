"""Resolution in RDF: ``owl:sameAs`` from each merged name's IRI to the canonical IRI.

The graph outputs already use one IRI per resolved entity, with its other
names as ``skos:altLabel``. These links keep the IRIs a document-level record
would have minted ("person/tony-blinken") resolvable to the canonical one, and
tie entities to Wikidata where a user's offline table linked them.

A name is linked only when *every* document's use of it resolved to the same
entity: "Clinton" attached to Hillary in one article and Bill in another must
not make ``owl:sameAs`` (which is transitive) equate the two.
"""

from __future__ import annotations

from collections import defaultdict

import rdflib
from rdflib import Namespace, URIRef
from rdflib.namespace import OWL

from kg.resolve.resolver import Resolution
from kg.sinks.namespace import BASE, mint_iri

#: The named graph holding the resolution links (outside ``graph/``, so no document id can collide).
RESOLUTION_GRAPH = URIRef(BASE + "resolution")
WIKIDATA_ENTITY = Namespace("http://www.wikidata.org/entity/")


def resolution_triples(res: Resolution) -> list[tuple[URIRef, URIRef, URIRef]]:
    """The sameAs links of a resolution, sorted (deterministic output)."""
    targets: dict[str, set[str]] = defaultdict(set)
    for c in res.clusters:
        for member in c.members:
            targets[member.split("::", 1)[1]].add(c.id)
    triples = set()
    for name_id, clusters in targets.items():
        if len(clusters) == 1:
            (cid,) = clusters
            if cid != name_id and "~" not in cid:  # "~": an ambiguous name kept per document
                triples.add((mint_iri("entity", name_id), OWL.sameAs, mint_iri("entity", cid)))
    for c in res.clusters:
        if c.wikidata:
            triples.add((mint_iri("entity", c.id), OWL.sameAs, WIKIDATA_ENTITY[c.wikidata]))
    return sorted(triples)


def to_rdf_graph(res: Resolution) -> rdflib.Dataset:
    """A dataset with the links in the :data:`RESOLUTION_GRAPH` named graph."""
    ds = rdflib.Dataset()
    g = ds.graph(RESOLUTION_GRAPH)
    for t in resolution_triples(res):
        g.add(t)
    return ds
