"""The ontology: in sync with the closed namespace, aligned with schema.org/FOAF/ORG/PROV, honest about countries."""

from __future__ import annotations

from pathlib import Path

import owlrl
import pytest
from rdflib import Graph, Literal
from rdflib.namespace import FOAF, ORG, OWL, PROV, RDF, RDFS, SDO, SH

from kg.model import ENTITY_TYPES, PREDICATES
from kg.sinks.namespace import DATA, KG, NIF
from kg.sinks.rdf_sink import to_rdf_graph
from tests.sinks._records import seed_extraction

ROOT = Path(__file__).resolve().parents[1]
KG_NS = str(KG._NS)


@pytest.fixture(scope="module")
def onto() -> Graph:
    return Graph().parse(ROOT / "ontology" / "kg.ttl")


def declared(onto: Graph) -> set[str]:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    return {str(s)[len(KG_NS):] for k in kinds for s in onto.subjects(RDF.type, k) if str(s).startswith(KG_NS)}


def test_the_closed_namespace_and_the_ontology_declare_the_same_terms(onto):
    in_code = {name for name in KG.__annotations__ if not name.startswith("_")}
    assert declared(onto) == in_code
    for term in declared(onto):
        assert onto.value(KG[term], RDFS.label) is not None or onto.value(KG[term], RDFS.domain) is not None, term


def test_every_predicate_and_entity_type_of_the_record_is_in_the_ontology(onto):
    for p in PREDICATES:
        assert (KG[p], RDF.type, OWL.ObjectProperty) in onto
        assert (KG[p], RDFS.subPropertyOf, KG.relatedTo) in onto
    for t in ENTITY_TYPES:
        assert (KG[t], RDF.type, OWL.Class) in onto


@pytest.mark.parametrize(
    "sub, rel, sup",
    [
        (KG.Person, RDFS.subClassOf, SDO.Person),
        (KG.Person, RDFS.subClassOf, FOAF.Person),
        (KG.Organization, RDFS.subClassOf, ORG.Organization),
        (KG.Organization, RDFS.subClassOf, SDO.Organization),
        (KG.Location, RDFS.subClassOf, SDO.Place),
        (KG.Statement, RDFS.subClassOf, PROV.Entity),
        (KG.Assertion, RDFS.subClassOf, RDF.Statement),
        (KG.Document, RDFS.subClassOf, NIF.Context),
        (KG.worksFor, RDFS.subPropertyOf, SDO.worksFor),
        (KG.memberOf, RDFS.subPropertyOf, ORG.memberOf),
        (KG.speaker, RDFS.subPropertyOf, PROV.wasAttributedTo),
        (KG.mentions, RDFS.subPropertyOf, SDO.mentions),
    ],
)
def test_alignment_with_standard_vocabularies(onto, sub, rel, sup):
    assert (sub, rel, sup) in onto


def test_rdfs_reasoning_lets_standard_vocabulary_queries_find_our_data(onto):
    g = Graph()
    g += onto
    ds = to_rdf_graph([seed_extraction()], include_ontology=False)
    g.addN((s, p, o, g) for s, p, o, _ in ds.quads((None, None, None, None)))
    owlrl.DeductiveClosure(owlrl.RDFS_Semantics).expand(g)
    blinken, nato, ukraine = DATA["person/antony-blinken"], DATA["organization/nato"], DATA["location/ukraine"]
    rutte, sybiha = DATA["person/mark-rutte"], DATA["person/andrii-sybiha"]
    assert (blinken, RDF.type, SDO.Person) in g and (blinken, RDF.type, FOAF.Person) in g
    assert (nato, RDF.type, ORG.Organization) in g
    assert (rutte, SDO.worksFor, nato) in g
    # "Ukraine's Foreign Minister": the country stands for its government, and nothing makes it an organisation
    assert (sybiha, SDO.worksFor, ukraine) in g
    assert (ukraine, RDF.type, SDO.Place) in g
    assert (ukraine, RDF.type, ORG.Organization) not in g
    assert (ukraine, RDF.type, SDO.Organization) not in g


def test_the_shapes_parse_and_target_classes_the_ontologies_define(onto):
    shapes = Graph().parse(ROOT / "ontology" / "shapes.ttl")
    targets = set(shapes.objects(None, SH.targetClass))
    assert targets
    for cls in targets:
        assert str(cls).startswith((KG_NS, str(NIF._NS))), cls
        if str(cls).startswith(KG_NS):
            assert (cls, RDF.type, OWL.Class) in onto, cls
    assert (None, SH.message, None) in shapes
    assert onto.value(predicate=RDF.type, object=OWL.Ontology) is not None
    assert Literal("0.1.0") in set(onto.objects(None, OWL.versionInfo))
