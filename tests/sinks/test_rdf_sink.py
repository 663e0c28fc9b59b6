"""The RDF sink: plain triples + reified assertions, statements, NIF offsets, stable IRIs, files, SHACL."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyoxigraph as ox
import pytest
from pyshacl import validate
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic, to_isomorphic
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SDO, SKOS, XSD

from kg import ids
from kg.errors import ConfigError, SinkError
from kg.model import Evidence
from kg.sinks.namespace import DATA, ITSRDF, KG, NIF, ONTOLOGY_IRI, mint_iri
from kg.sinks.rdf_sink import FORMATS, RDFWriter, serialize_quads, to_ox_quads, to_rdf_graph
from tests.sinks._records import DISCONTINUOUS_TEXT, SEED, discontinuous_extraction, seed_extraction

ROOT = Path(__file__).resolve().parents[2]
SHAPES = ROOT / "ontology" / "shapes.ttl"

BLINKEN = DATA["person/antony-blinken"]
RUTTE = DATA["person/mark-rutte"]
SYBIHA = DATA["person/andrii-sybiha"]
RYDER = DATA["person/pat-ryder"]
PENTAGON = DATA["organization/pentagon"]
NATO = DATA["organization/nato"]
UKRAINE = DATA["location/ukraine"]
BRUSSELS = DATA["location/brussels"]


@pytest.fixture(scope="module")
def records():
    return [seed_extraction(), discontinuous_extraction()]


@pytest.fixture(scope="module")
def dataset(records) -> Dataset:
    return to_rdf_graph(records)


@pytest.fixture(scope="module")
def union(dataset) -> Graph:
    g = Graph()
    g.addN((s, p, o, g) for s, p, o, _ in dataset.quads((None, None, None, None)))
    return g


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(SHAPES)


def texts() -> dict[URIRef, str]:
    return {
        mint_iri("document", "seed-blinken-rutte"): SEED.read_text(encoding="utf-8"),
        mint_iri("document", "doc-quote-2"): DISCONTINUOUS_TEXT,
    }


def conforms(data: Graph, shapes: Graph) -> tuple[bool, str]:
    ok, _, report = validate(data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=False)
    return ok, report


# ---------------------------------------------------------------- facts


def test_each_relation_is_a_plain_triple(union):
    assert (BLINKEN, KG.metWith, RUTTE) in union
    assert (RUTTE, KG.worksFor, NATO) in union
    assert (RYDER, KG.worksFor, PENTAGON) in union
    assert (BLINKEN, KG.metWith, SYBIHA) in union


def test_each_relation_is_also_an_assertion_derived_from_its_sentence(union, records):
    assertions = set(union.subjects(RDF.type, KG.Assertion))
    assert len(assertions) == sum(len(r.relations) for r in records)
    for a in assertions:
        s, p, o = union.value(a, RDF.subject), union.value(a, RDF.predicate), union.value(a, RDF.object)
        assert (s, p, o) in union
        sentence = union.value(a, PROV.wasDerivedFrom)
        assert (sentence, RDF.type, NIF.Sentence) in union
    met = next(a for a in assertions if union.value(a, RDF.subject) == BLINKEN
               and union.value(a, RDF.object) == RUTTE)
    sentence = union.value(met, PROV.wasDerivedFrom)
    assert str(union.value(sentence, NIF.anchorOf)).startswith("During a meeting with Rutte in Brussels, Blinken warned")
    assert union.value(met, KG.location) == Literal("Brussels")
    assert union.value(met, KG.locationEntity) == BRUSSELS
    assert union.value(met, KG.confidence) == Literal("0.8", datatype=XSD.decimal)
    assert union.value(met, KG.extractor) == Literal("kg.test/0.1")
    assert str(union.value(union.value(met, KG.subjectSpan), NIF.anchorOf)) == "Blinken"
    assert str(union.value(union.value(met, KG.objectSpan), NIF.anchorOf)) == "Rutte"


def test_qualifiers_role_modality_date_and_unknown_ones(union):
    def assertion(s, p, o):
        return next(a for a in union.subjects(RDF.subject, s)
                    if union.value(a, RDF.predicate) == p and union.value(a, RDF.object) == o)

    assert union.value(assertion(RUTTE, KG.worksFor, NATO), KG.role) == Literal("Secretary General")
    assert union.value(assertion(BLINKEN, KG.metWith, SYBIHA), KG.modality) == Literal("scheduled")
    zelensky = DATA["person/volodymyr-zelensky"]
    met = assertion(zelensky, KG.metWith, BLINKEN)
    assert union.value(met, KG.date) == Literal("2024-11-12", datatype=XSD.date)
    # the NLP stage may give a location qualifier as an entity id: linked, and labelled by name
    assert union.value(met, KG.locationEntity) == DATA["location/kyiv"]
    assert union.value(met, KG.location) == Literal("Kyiv")
    # a qualifier outside the vocabulary is kept, not dropped
    q = union.value(assertion(RUTTE, KG.worksFor, NATO), KG.qualifier)
    assert (q, KG.qualifierName, Literal("reported_by")) in union
    assert (q, KG.qualifierValue, Literal("European Pravda")) in union


def test_works_for_a_country_points_to_the_location_not_an_invented_organisation(union):
    assert (SYBIHA, KG.worksFor, UKRAINE) in union
    assert (UKRAINE, RDF.type, KG.Location) in union
    assert (UKRAINE, RDF.type, KG.Organization) not in union


# ---------------------------------------------------------------- statements


def statement_by_cue(union, cue: str) -> URIRef:
    return next(s for s in union.subjects(RDF.type, KG.Statement) if str(union.value(s, KG.cueText)) == cue)


def test_statement_nodes_carry_speaker_cue_content_kind_and_sentence(union):
    st = statement_by_cue(union, "reported")
    assert union.value(st, KG.speaker) == RYDER
    assert union.value(st, KG.onBehalfOf) == PENTAGON
    assert union.value(st, KG.kind) == Literal("indirect")
    assert str(union.value(union.value(st, KG.speakerSpan), NIF.anchorOf)) == "Pat Ryder"
    content = str(union.value(st, KG.contentText))
    assert all(n in content for n in ("83%", "67%", "60%"))
    (span,) = union.objects(st, KG.contentSpan)
    assert union.value(span, NIF.anchorOf) == Literal(content)
    assert (st, KG.mentions, UKRAINE) in union
    quantities = {str(union.value(q, NIF.anchorOf)): str(union.value(q, KG.quantityOf))
                  for q in union.objects(st, KG.quantity)}
    assert quantities == {"83%": "the promised munitions", "67%": "the pledged air defence systems",
                          "60%": "the firepower"}
    sentence = union.value(st, PROV.wasDerivedFrom)
    assert "Pentagon spokesperson Pat Ryder reported" in str(union.value(sentence, NIF.anchorOf))


def test_pronoun_speaker_direct_quote_and_addressee(union):
    he = statement_by_cue(union, "highlighted")
    assert union.value(he, KG.speaker) == BLINKEN
    assert str(union.value(union.value(he, KG.speakerSpan), NIF.anchorOf)) == "He"
    quote = next(s for s in union.subjects(KG.kind, Literal("direct"))
                 if str(union.value(s, KG.contentText)).startswith("President Biden fully intends"))
    assert union.value(quote, KG.speaker) == BLINKEN
    warned = statement_by_cue(union, "warned")
    assert union.value(warned, KG.addressee) == RUTTE


def test_discontinuous_content_has_one_span_per_piece(union):
    st = next(s for s in union.subjects(RDF.type, KG.Statement)
              if union.value(s, PROV.wasDerivedFrom) == mint_iri("sentence", ids.sentence_id("doc-quote-2", 0)))
    pieces = sorted(str(union.value(s, NIF.anchorOf)) for s in union.objects(st, KG.contentSpan))
    assert pieces == ["We will act,", "and we will act fast."]
    assert str(union.value(st, KG.contentText)) == "We will act, … and we will act fast."


# ---------------------------------------------------------------- grounding


def test_every_quoted_text_is_the_document_text_at_its_offsets(union):
    docs = texts()
    checked = 0
    for node, anchor in union.subject_objects(NIF.anchorOf):
        text = docs[union.value(node, NIF.referenceContext)]
        begin, end = union.value(node, NIF.beginIndex).toPython(), union.value(node, NIF.endIndex).toPython()
        assert text[begin:end] == str(anchor), node
        checked += 1
    assert checked > 60


def test_mentions_link_spans_to_entities_and_sentences(union):
    spans = list(union.subjects(ITSRDF.taIdentRef, BLINKEN))
    assert {str(union.value(s, NIF.anchorOf)) for s in spans} == {"Antony Blinken", "Blinken"}
    for s in spans:
        assert (union.value(s, NIF.sentence), RDF.type, NIF.Sentence) in union
    assert len(to_rdf_graph([seed_extraction()], include_mentions=False)) < len(to_rdf_graph([seed_extraction()]))


def test_documents_carry_metadata(union):
    doc = mint_iri("document", "seed-blinken-rutte")
    assert (doc, RDF.type, KG.Document) in union
    assert union.value(doc, DCTERMS.date) == Literal("2024-11-13", datatype=XSD.date)
    assert union.value(doc, SDO.author) == Literal("Ulyana Krychkovska")
    assert str(union.value(doc, DCTERMS.title)).startswith("US Secretary of State assures NATO")
    assert union.value(mint_iri("document", "doc-quote-2"), SDO.url) == Literal(
        "https://example.org/a?b=1&c=2", datatype=XSD.anyURI)


# ---------------------------------------------------------------- identity


def test_entities_merge_across_documents_with_labels_and_aliases(dataset, union):
    in_graphs = {g for _, _, _, g in dataset.quads((BLINKEN, RDF.type, KG.Person, None))}
    assert in_graphs == {mint_iri("graph", "seed-blinken-rutte"), mint_iri("graph", "doc-quote-2")}
    assert set(union.objects(BLINKEN, RDFS.label)) == {Literal("Antony Blinken")}
    assert Literal("Blinken") in set(union.objects(BLINKEN, SKOS.altLabel))


def test_a_second_run_gives_an_isomorphic_graph_without_blank_nodes(records, dataset):
    again = to_rdf_graph([seed_extraction(), discontinuous_extraction()])
    for name in {g for *_, g in dataset.quads((None, None, None, None))}:
        assert to_isomorphic(dataset.graph(name)) == to_isomorphic(again.graph(name)), name
    data = [q for q in dataset.quads((None, None, None, None)) if q[3] != ONTOLOGY_IRI]
    assert data and not any(isinstance(t, BNode) for q in data for t in q[:3])


def test_one_named_graph_per_document_and_the_ontology_apart(dataset):
    graphs = {g for *_, g in dataset.quads((None, None, None, None))}
    assert graphs == {ONTOLOGY_IRI, mint_iri("graph", "seed-blinken-rutte"), mint_iri("graph", "doc-quote-2")}
    axiom = (KG.Person, RDFS.subClassOf, SDO.Person)
    assert {g for *_, g in dataset.quads((*axiom, None))} == {ONTOLOGY_IRI}


def test_rdflib_and_pyoxigraph_paths_give_the_same_quads(records, dataset, tmp_path):
    via_ox = serialize_quads(to_ox_quads(records), "nq", tmp_path / "a.nq")
    store = ox.Store()
    store.load(path=str(via_ox), format=ox.RdfFormat.N_QUADS)
    assert len(store) == sum(1 for _ in dataset.quads((None, None, None, None)))
    back = Dataset().parse(via_ox, format="nquads")
    for name in (mint_iri("graph", "seed-blinken-rutte"), mint_iri("graph", "doc-quote-2"), ONTOLOGY_IRI):
        assert isomorphic(back.graph(name), dataset.graph(name)), name


def test_mint_iri_is_injective_on_document_ids_and_rejects_unknown_kinds():
    assert mint_iri("document", "a/b") != mint_iri("document", "a%2Fb")
    assert mint_iri("sentence", ids.sentence_id("a/sent/1", 2)) != mint_iri("sentence", ids.sentence_id("a", 1))
    assert mint_iri("document", "x y") == URIRef("https://kg.example.org/doc/x%20y")
    with pytest.raises(ConfigError, match="unknown IRI kind"):
        mint_iri("person", "x")
    with pytest.raises(ConfigError, match="empty"):
        mint_iri("entity", "")
    with pytest.raises(AttributeError):
        KG.workFor  # noqa: B018  (closed vocabulary: a typo raises)


# ---------------------------------------------------------------- files


def test_writer_writes_every_format_and_each_reads_back(records, dataset, tmp_path):
    with RDFWriter(tmp_path / "out") as w:
        for r in records:
            w.write(r)
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["graph.jsonld", "graph.nt", "graph.trig", "graph.ttl"]
    trig = Dataset().parse(out / "graph.trig", format="trig")
    jsonld = Dataset().parse(out / "graph.jsonld", format="json-ld")
    for name in (mint_iri("graph", "seed-blinken-rutte"), mint_iri("graph", "doc-quote-2"), ONTOLOGY_IRI):
        assert isomorphic(trig.graph(name), dataset.graph(name)), name
        assert isomorphic(jsonld.graph(name), dataset.graph(name)), name
    ttl, nt = Graph().parse(out / "graph.ttl"), Graph().parse(out / "graph.nt")
    assert isomorphic(ttl, nt)
    assert (BLINKEN, KG.metWith, RUTTE) in ttl
    assert "\nperson:antony-blinken a kg:Person ;" in (out / "graph.ttl").read_text(encoding="utf-8")  # readable CURIEs


def test_writer_output_is_byte_identical_across_runs_and_replaces_atomically(records, tmp_path):
    for run in ("a", "b"):
        with RDFWriter(tmp_path / run, formats=["ttl", "trig", "nt", "nq", "jsonld"]) as w:
            for r in records:
                w.write(r)
    for name in ("graph.ttl", "graph.trig", "graph.nt", "graph.nq", "graph.jsonld"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    # a re-run into the same directory replaces the files and leaves no temporary file
    with RDFWriter(tmp_path / "a", formats=["ttl"]) as w:
        w.write(records[1])
    assert not Graph().parse(tmp_path / "a" / "graph.ttl").value(RUTTE, RDFS.label)
    assert [p.name for p in (tmp_path / "a").iterdir() if p.name.startswith(".")] == []


def test_writer_rejects_unknown_formats_and_writes_after_close(tmp_path):
    with pytest.raises(SinkError, match="unknown RDF format"):
        RDFWriter(tmp_path, formats=["rdfxml"])
    w = RDFWriter(tmp_path, formats=["nt"])
    w.close()
    with pytest.raises(SinkError, match="after close"):
        w.write(seed_extraction())
    assert set(FORMATS) >= {"ttl", "trig", "jsonld", "nt"}


# ---------------------------------------------------------------- inconsistent records


def test_inconsistent_records_raise_a_sink_error_naming_the_problem():
    ex = seed_extraction()
    r = ex.relations[0]
    unknown = dataclasses.replace(ex, relations=(dataclasses.replace(r, object="person/nobody"),))
    with pytest.raises(SinkError, match="person/nobody"):
        to_rdf_graph([unknown])
    bad_pred = dataclasses.replace(ex, relations=(dataclasses.replace(r, predicate="likes"),))
    with pytest.raises(SinkError, match="unknown predicate 'likes'"):
        to_rdf_graph([bad_pred])
    st = ex.statements[0]
    shifted = dataclasses.replace(st.cue, start=st.cue.start + 1, end=st.cue.end + 1)
    bad_span = dataclasses.replace(ex, statements=(dataclasses.replace(st, cue=shifted),))
    with pytest.raises(SinkError, match="offsets must index the document text exactly"):
        to_rdf_graph([bad_span])
    bad_conf = dataclasses.replace(ex, relations=(dataclasses.replace(r, confidence=1.5),))
    with pytest.raises(SinkError, match="outside"):
        to_rdf_graph([bad_conf])


# ---------------------------------------------------------------- SHACL


def test_output_conforms_to_the_shapes(union, dataset, shapes):
    ok, report = conforms(union, shapes)
    assert ok, report
    for name in (mint_iri("graph", "seed-blinken-rutte"), mint_iri("graph", "doc-quote-2")):
        ok, report = conforms(dataset.graph(name), shapes)  # each document graph stands alone
        assert ok, report


def test_the_shapes_catch_broken_graphs(dataset, shapes):
    small = dataset.graph(mint_iri("graph", "doc-quote-2"))  # small, so four validations stay quick
    zelensky, kyiv = DATA["person/volodymyr-zelensky"], DATA["location/kyiv"]
    assert conforms(small, shapes)[0]

    missing_triple = Graph() + small
    missing_triple.remove((zelensky, KG.metWith, BLINKEN))
    ok, report = conforms(missing_triple, shapes)
    assert not ok and "missing as a plain triple" in report

    wrong_length = Graph() + small
    wrong_length.set((mint_iri("sentence", ids.sentence_id("doc-quote-2", 1)), NIF.endIndex, Literal(500)))
    ok, report = conforms(wrong_length, shapes)
    assert not ok and "nif:anchorOf has" in report

    wrong_domain = Graph() + small
    wrong_domain.add((kyiv, KG.livesIn, kyiv))  # only a Person lives somewhere
    ok, report = conforms(wrong_domain, shapes)
    assert not ok and "livesIn" in report.replace("LivesIn", "livesIn")

    bad_kind = Graph() + small
    bad_kind.set((statement_by_cue(small, "said"), KG.kind, Literal("rumour")))
    ok, report = conforms(bad_kind, shapes)
    assert not ok and "rumour" in report


def test_real_pipeline_output_on_the_seed_converts_and_conforms(nlp, seed_path, shapes):
    from kg.ingest import read_documents
    from kg.nlp import extract

    (doc,) = list(read_documents([str(seed_path)]))
    ex = extract(doc, nlp)
    ds = to_rdf_graph([ex])
    g = Graph()
    g.addN((s, p, o, g) for s, p, o, _ in ds.quads((None, None, None, None)))
    ok, report = conforms(g, shapes)
    assert ok, report
    assert len(set(g.subjects(RDF.type, KG.Assertion))) == len(ex.relations)
    assert len(set(g.subjects(RDF.type, KG.Statement))) == len(ex.statements)
    text = seed_path.read_text(encoding="utf-8")
    for node, anchor in g.subject_objects(NIF.anchorOf):
        b, e = g.value(node, NIF.beginIndex).toPython(), g.value(node, NIF.endIndex).toPython()
        assert text[b:e] == str(anchor)


def test_evidence_for_a_sentence_missing_from_the_record_adds_that_sentence():
    ex = discontinuous_extraction()
    r = ex.relations[0]
    s1 = ex.sentences[1]
    ex2 = dataclasses.replace(ex, sentences=ex.sentences[:1], relations=(dataclasses.replace(
        r, evidence=Evidence(ex.id, 1, s1.start, s1.end, s1.text, "x/1", r.evidence.subject_span,
                             r.evidence.object_span)),))
    g = to_rdf_graph([ex2], include_ontology=False)
    sent = mint_iri("sentence", ids.sentence_id(ex.id, 1))
    graph = g.graph(mint_iri("graph", ex.id))
    assert (sent, NIF.anchorOf, Literal(s1.text)) in graph
    assert (mint_iri("relation", r.id), PROV.wasDerivedFrom, sent) in graph


# ---------------------------------------------------------------- the documented SPARQL queries


@pytest.fixture(scope="module")
def store(records) -> ox.Store:
    s = ox.Store()
    s.extend(to_ox_quads(records))
    return s


def run(store: ox.Store, query: str) -> list[dict[str, str]]:
    res = store.query(query, use_default_graph_as_union=True)
    names = [v.value for v in res.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in res]


def test_every_query_in_the_rdf_model_doc_runs_and_finds_the_seed_facts(store):
    import re

    doc = (ROOT / "docs" / "rdf-model.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sparql\n(.*?)```", doc, re.S)
    prefixes, queries = blocks[0], blocks[1:]
    assert len(queries) == 5
    met, said, ukraine, roles, prov = (run(store, prefixes + q) for q in queries)
    assert {"person": "Antony Blinken", "other": "Mark Rutte", "location": "Brussels"}.items() <= next(
        r for r in met if r["other"] == "Mark Rutte").items()
    assert sorted(r["cue"] for r in said) == ["highlighted", "said", "said", "warned"]  # both documents
    assert ukraine[0]["date"] == "2024-11-13" and any("83%" in r["content"] for r in ukraine)
    assert {(r["organisation"], r["person"], r.get("role")) for r in roles} >= {
        ("NATO", "Mark Rutte", "Secretary General"), ("Pentagon", "Pat Ryder", "spokesperson"),
        ("Ukraine", "Andrii Sybiha", "Foreign Minister")}
    (p,) = prov
    text = SEED.read_text(encoding="utf-8")
    assert text[int(p["start"]):int(p["end"])] == p["sentence"]
    assert text[int(p["subjectStart"]):int(p["subjectEnd"])] == p["subjectText"] == "Blinken"
    assert p["confidence"] == "0.8" and p["extractor"] == "kg.test/0.1"


def test_the_endpoint_queries_run_on_our_graph(store):
    from kg.serve.queries import ABOUT_TOPIC, MET_WITH, PROVENANCE, ROLES, SAID_BY, bind

    assert any(r["other"] == "Mark Rutte" and r.get("location") == "Brussels" for r in run(store, MET_WITH))
    ryder = run(store, bind(SAID_BY, name="Pat Ryder"))
    assert len(ryder) == 1 and "83%" in ryder[0]["content"]
    assert any("83%" in r["content"] for r in run(store, bind(ABOUT_TOPIC, topic="Ukraine")))
    assert ("Ukraine", "Andrii Sybiha", "Foreign Minister") in {
        (r["organisation"], r["person"], r.get("role")) for r in run(store, ROLES)}
    assert run(store, PROVENANCE)[0]["subjectText"] == "Blinken"


def test_streamed_files_hold_each_union_triple_once_and_every_graph_whole(records, dataset, tmp_path):
    # the two records share entities (Blinken, Rutte …): their triples must appear once in the union files
    with RDFWriter(tmp_path, formats=["nt", "nq", "ttl"]) as w:
        for r in records:
            w.write(r)
    ox_union = {q.triple for q in to_ox_quads(records)}
    lines = [line for line in (tmp_path / "graph.nt").read_text(encoding="utf-8").splitlines() if line]
    assert len(lines) == len(set(lines)) == len(ox_union)
    blank = lambda t: any(isinstance(x, ox.BlankNode) for x in (t.subject, t.object))  # noqa: E731
    parsed = {q.triple for q in ox.parse(path=str(tmp_path / "graph.nt"), format=ox.RdfFormat.N_TRIPLES)}
    assert {t for t in parsed if not blank(t)} == {t for t in ox_union if not blank(t)}
    assert len(list(ox.parse(path=str(tmp_path / "graph.ttl"), format=ox.RdfFormat.TURTLE))) == len(ox_union)
    quads = list(ox.parse(path=str(tmp_path / "graph.nq"), format=ox.RdfFormat.N_QUADS))
    assert len(quads) == len(set(quads)) == sum(1 for _ in dataset.quads((None, None, None, None)))


def test_writer_streams_each_document_to_disk_as_it_comes(records, tmp_path):
    w = RDFWriter(tmp_path, formats=["nt", "trig"])
    w.write(records[0])
    tmp = (tmp_path / ".graph.nt.tmp").read_text(encoding="utf-8")
    assert f"<{mint_iri('document', records[0].id)}>" in tmp  # written before close
    assert not (tmp_path / "graph.nt").exists()
    with pytest.raises(SinkError, match="written twice"):
        w.write(records[0])
    w.abort()  # a failed build: no half-written file is published, no temporary file remains
    assert list(tmp_path.iterdir()) == []
