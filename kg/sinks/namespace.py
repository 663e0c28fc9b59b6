"""The closed RDF vocabulary and the one function that mints IRIs.

Every IRI the sinks write comes from :func:`mint_iri`, which turns a stable id
from :mod:`kg.ids` into an IRI. Same id, same IRI: entities merge across
documents, and a second run over the same input gives the same graph.

The ontology terms live in :class:`KG`, an rdflib ``DefinedNamespace``: a typo
such as ``KG.workFor`` raises instead of silently minting a new term. The NIF
terms we use get the same treatment (:class:`NIF`).

>>> str(mint_iri("entity", "person/antony-blinken"))
'https://kg.example.org/id/person/antony-blinken'
>>> str(mint_iri("sentence", "seed 1/sent/4"))
'https://kg.example.org/doc/seed%201/sent/4'
>>> str(mint_iri("document", "a/b"))
'https://kg.example.org/doc/a%2Fb'
>>> str(KG.metWith)
'https://kg.example.org/ontology#metWith'
"""

from __future__ import annotations

from urllib.parse import quote

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SDO, SKOS, XSD, DefinedNamespace

from kg.errors import ConfigError

#: Where our IRIs live. ``example.org`` is reserved for examples: the project
#: owns no domain, and we do not squat one. Change it here and only here.
BASE = "https://kg.example.org/"
#: The ontology document's IRI; also the TriG graph name holding the ontology.
ONTOLOGY_IRI = URIRef(BASE + "ontology")
#: Data IRIs (entities) live under this prefix.
DATA = Namespace(BASE + "id/")


class KG(DefinedNamespace):
    """The kg ontology (``ontology/kg.ttl``); closed: unknown names raise."""

    _NS = Namespace(BASE + "ontology#")
    _fail = True

    # classes
    Entity: URIRef
    Person: URIRef
    Organization: URIRef
    Location: URIRef
    Document: URIRef
    Span: URIRef
    Assertion: URIRef
    Qualifier: URIRef
    Statement: URIRef
    Quantity: URIRef
    # relations (the closed predicate vocabulary, kg.model.PREDICATES)
    relatedTo: URIRef
    metWith: URIRef
    worksFor: URIRef
    memberOf: URIRef
    locatedIn: URIRef
    basedIn: URIRef
    livesIn: URIRef
    killed: URIRef
    # sentences, assertions
    sentenceIndex: URIRef
    confidence: URIRef
    extractor: URIRef
    subjectSpan: URIRef
    objectSpan: URIRef
    location: URIRef
    locationEntity: URIRef
    date: URIRef
    modality: URIRef
    role: URIRef
    qualifier: URIRef
    qualifierName: URIRef
    qualifierValue: URIRef
    # statements
    speaker: URIRef
    speakerSpan: URIRef
    onBehalfOf: URIRef
    cue: URIRef
    cueText: URIRef
    contentSpan: URIRef
    contentText: URIRef
    kind: URIRef
    addressee: URIRef
    mentions: URIRef
    quantity: URIRef
    quantityOf: URIRef


class NIF(DefinedNamespace):
    """The NIF 2.0 core terms we use for documents, sentences and spans."""

    _NS = Namespace("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#")
    _fail = True

    Context: URIRef
    Sentence: URIRef
    String: URIRef
    OffsetBasedString: URIRef
    beginIndex: URIRef
    endIndex: URIRef
    anchorOf: URIRef
    referenceContext: URIRef
    sentence: URIRef


class ITSRDF(DefinedNamespace):
    """ITS 2.0 RDF: ``taIdentRef`` links a mention span to its entity (NIF practice)."""

    _NS = Namespace("http://www.w3.org/2005/11/its/rdf#")
    _fail = True

    taIdentRef: URIRef


#: Prefixes bound in every serialisation (and used as the JSON-LD context).
PREFIXES: dict[str, str] = {
    "kg": str(KG._NS),
    "person": str(DATA) + "person/",
    "organization": str(DATA) + "organization/",
    "location": str(DATA) + "location/",
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "schema": str(SDO),
    "foaf": str(FOAF),
    "org": str(ORG),
    "prov": str(PROV),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "nif": str(NIF._NS),
    "itsrdf": str(ITSRDF._NS),
}

#: Entity type name (kg.model.ENTITY_TYPES) → class.
ENTITY_CLASSES: dict[str, URIRef] = {"Person": KG.Person, "Organization": KG.Organization, "Location": KG.Location}

#: Predicate name (kg.model.PREDICATES) → property.
PREDICATE_PROPERTIES: dict[str, URIRef] = {
    name: KG[name] for name in ("metWith", "worksFor", "memberOf", "locatedIn", "basedIn", "livesIn", "killed")
}

# Ids of these kinds are "<doc id>/<infix>/<local>" (kg.ids); the document part is
# percent-encoded as one path segment so that the IRI nests under its document.
_DOC_CHILD = {"sentence": "/sent/", "relation": "/rel/", "statement": "/stmt/", "span": "/span/"}
_SEGMENT_SAFE = "-._~"
_PATH_SAFE = "/-._~"

#: The kinds :func:`mint_iri` knows.
KINDS = ("entity", "document", "graph", *_DOC_CHILD, "qualifier")


def mint_iri(kind: str, id_: str) -> URIRef:
    """Turn a stable id from :mod:`kg.ids` into its IRI; the only place IRIs are made.

    Args:
        kind: ``entity`` (``person/antony-blinken``), ``document`` (the document
            id), ``graph`` (the document id; names the document's TriG graph),
            ``sentence``/``relation``/``statement``/``span`` (ids of the form
            ``<doc>/sent/<i>``, ``<doc>/rel/<h>``, ``<doc>/stmt/<s>-<e>``,
            ``<doc>/span/<s>-<e>``) or ``qualifier`` (``<relation id>#<name>``).
        id_: the id.

    Document ids are free text, so they are percent-encoded as a single path
    segment: the mapping is injective and every IRI is valid in Turtle and
    SPARQL. Ids from other tools that lack the expected infix still get a
    unique IRI under the document-less ``<kind>/`` prefix.

    Raises:
        ConfigError: for an unknown kind or an empty id.

    >>> str(mint_iri("graph", "seed"))
    'https://kg.example.org/graph/seed'
    >>> str(mint_iri("span", "seed/span/0-7"))
    'https://kg.example.org/doc/seed/span/0-7'
    """
    if not id_:
        raise ConfigError(f"cannot mint an IRI for an empty {kind} id; every record needs a non-empty id")
    if kind == "entity":
        return URIRef(BASE + "id/" + quote(id_, safe=_PATH_SAFE))
    if kind == "document":
        return URIRef(BASE + "doc/" + quote(id_, safe=_SEGMENT_SAFE))
    if kind == "graph":
        return URIRef(BASE + "graph/" + quote(id_, safe=_SEGMENT_SAFE))
    if kind == "qualifier":
        rel, _, name = id_.rpartition("#")
        return URIRef(mint_iri("relation", rel) + "#" + quote(name, safe=_SEGMENT_SAFE))
    infix = _DOC_CHILD.get(kind)
    if infix is None:
        raise ConfigError(f"unknown IRI kind {kind!r}; use one of {', '.join(KINDS)}")
    doc, sep, local = id_.rpartition(infix)
    if not sep or not doc:
        return URIRef(BASE + kind + "/" + quote(id_, safe=_SEGMENT_SAFE))
    return URIRef(BASE + "doc/" + quote(doc, safe=_SEGMENT_SAFE) + infix + quote(local, safe=_SEGMENT_SAFE))
