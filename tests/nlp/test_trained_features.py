"""Pure parts of the entity/relation models' newer feature templates and decisions (issue 6)."""

from __future__ import annotations

from kg.eval.conll04 import Sentence
from kg.nlp.trained.entities import build_gazetteer, gazetteer_features
from kg.nlp.trained.relations import NONE, proposals


def test_gazetteer_marks_longest_match_and_neighbours(nlp):
    doc = nlp("He flew from New York City to Paris .")
    gaz = build_gazetteer([(("new", "york"), "LOC"), (("new", "york", "city"), "LOC"), (("paris",), "ORG"),
                           (("paris",), "LOC")])
    f = gazetteer_features(doc, gaz)
    words = [t.text for t in doc]
    i = words.index("New")
    assert "gz=B-LOC" in f[i] and "gz=I-LOC" in f[i + 1] and "gz=I-LOC" in f[i + 2]
    assert "-1gz=B-LOC" in f[i + 1]
    p = words.index("Paris")
    assert {"gz=B-LOC", "gz=B-ORG", "gz=ambiguous"} <= set(f[p])
    assert not any(x.startswith("gz=") for x in f[words.index("flew")])


def test_proposals_below_half_pick_the_best_predicate_over_none():
    scores = {((0, 1), (3, 4)): {NONE: 0.55, "worksFor": 0.35, "livesIn": 0.10},
              ((0, 1), (5, 6)): {NONE: 0.80, "livesIn": 0.20}}
    types = {(0, 1): "Person", (3, 4): "Organization", (5, 6): "Location"}
    low = proposals(scores, types, 0.3)
    assert [(m.object, m.predicate, m.confidence) for m in low] == [((3, 4), "worksFor", 0.35)]
    assert proposals(scores, types, 0.5) == []


def test_conll04_spans_snap_to_whole_tokens_only():
    s = Sentence("x", "Tampa , Fla. said Dallas.", (), ())
    assert s.snap((8, 11)) == (8, 12)  # "Fla" inside the token "Fla."
    assert s.snap((18, 24)) == (18, 25)
    assert s.snap((0, 5)) == (0, 5)  # never across a space
    assert s.snap(None) is None



def test_pair_templates_read_the_entities_once_with_the_same_features(nlp):
    """extra_pair_features caches doc.ents per Doc; its features equal those computed from doc.ents directly,
    and a change of the Doc's entities is seen."""
    from spacy.tokens import Span

    from kg.nlp import doc_cache
    from kg.nlp.trained import features as F

    def reference(doc, e1, t1, e2, t2):
        doc_cache.forget(doc)  # nothing cached: doc.ents read afresh
        return F.extra_pair_features(doc, e1, t1, e2, t2)

    doc = nlp("Antony Blinken met Mark Rutte of NATO in Brussels on Wednesday, the State Department said.")
    ents = list(doc.ents)
    assert len(ents) >= 4
    pairs = [(a, b) for a in ents for b in ents if a.start != b.start]
    fast = [F.extra_pair_features(doc, a, "Person", b, "Location") for a, b in pairs]
    assert fast == [reference(doc, a, "Person", b, "Location") for a, b in pairs]
    before = F.extra_pair_features(doc, ents[0], "Person", ents[-1], "Organization")
    doc.ents = [Span(doc, e.start, e.end, label="ORG") for e in ents]  # relabel every entity
    after = F.extra_pair_features(doc, ents[0], "Person", ents[-1], "Organization")
    assert after != before and after == reference(doc, ents[0], "Person", ents[-1], "Organization")


def test_cached_parse_gets_the_pipelines_token_vectors_back(nlp):
    """A DocBin drops doc.tensor; add_tensors restores exactly the vectors the pipeline gave (dense features)."""
    import numpy as np
    from spacy.tokens import DocBin

    from kg.train import add_tensors

    texts = ["Antony Blinken met Mark Rutte of NATO in Brussels .", "The Fed , based in Washington , said so ."]
    fresh = list(nlp.pipe(texts))
    back = list(DocBin().from_bytes(DocBin(docs=fresh).to_bytes()).get_docs(nlp.vocab))
    assert all(d.tensor.size == 0 for d in back)
    add_tensors(nlp, back)
    for a, b in zip(fresh, back):
        assert a.tensor.shape == (len(a), 96)
        assert np.array_equal(a.tensor, b.tensor)


def test_dense_pair_features_are_scaled_span_means_of_the_token_vectors(nlp):
    import numpy as np

    from kg.nlp.trained import features as F

    doc = nlp("John Smith , president of Acme Corp. , lives in Dallas .")
    words = [t.text for t in doc]
    e1, e2 = doc[0:2], doc[words.index("Dallas"):words.index("Dallas") + 1]
    d = F.dense_pair_features(doc, e1, e2, scale=0.5)
    assert {k.split(":")[0] for k in d} == set(F.DENSE_TEMPLATES)
    assert len(d) == 96 * len(F.DENSE_TEMPLATES)
    mean1 = doc.tensor[0:2].mean(axis=0) * 0.5
    assert np.allclose([d[f"a1:{k}"] for k in range(96)], mean1, atol=1e-6)
    between = doc.tensor[2:e2.start].mean(axis=0) * 0.5
    assert np.allclose([d[f"ab:{k}"] for k in range(96)], between, atol=1e-6)
    # adjacent arguments have nothing between them; a subset of templates gives only those
    assert not any(k.startswith("ab:") for k in F.dense_pair_features(doc, doc[0:1], doc[1:2]))
    assert {k.split(":")[0] for k in F.dense_pair_features(doc, e1, e2, templates=("lca",))} == {"lca"}
    # v3 = v2's sparse attributes (repeats summed) + the dense ones
    v3 = F.pair_features_v3(doc, e1, "Person", e2, "Location", scale=0.5)
    sparse = F.pair_features_v2(doc, e1, "Person", e2, "Location")
    assert {k: v for k, v in v3.items() if ":" not in k or "=" in k} == {f: float(sparse.count(f)) for f in sparse}
    # a doc without token vectors (a pipeline without tok2vec) gets no dense attributes
    bare = nlp.make_doc("John Smith lives in Dallas .")
    assert F.dense_pair_features(bare, bare[0:2], bare[4:5]) == {}


def test_dense_token_features_read_the_token_and_its_window(nlp):
    import numpy as np

    from kg.nlp.trained.entities import dense_token_features, features_of

    doc = nlp("Mark Rutte visited Kyiv .")
    one = dense_token_features(doc, scale=2.0)
    assert len(one) == len(doc) and all(len(f) == 96 for f in one)
    assert np.allclose([one[1][f"v:{k}"] for k in range(96)], doc.tensor[1] * 2.0, atol=1e-6)
    win = dense_token_features(doc, window=1)
    assert len(win[0]) == 2 * 96 and len(win[1]) == 3 * 96  # the first token has no left neighbour
    assert np.allclose([win[1][f"v-1:{k}"] for k in range(96)], doc.tensor[0], atol=1e-6)
    feats = features_of({"features": "v4", "dense_scale": 1.0, "dense_window": 0})(doc)
    assert feats[1]["v:0"] == float(doc.tensor[1][0]) and feats[1]["bias"] == 1.0


def test_place_features_mark_known_places_by_kind_on_capitalised_tokens_only(nlp):
    """Entities set "v5": the GeoNames gazetteer (kg/data/places.tsv) marks the longest place name starting at a
    capitalised token, upper-case datelines included, with its kind; a lower-case word is never a place."""
    from kg.nlp.trained.entities import place_features, world_places

    assert world_places()["texas"] == "state" and world_places()["france"] == "country"
    doc = nlp("MEMPHIS , Tenn. -- Officials from Salt Lake City met in Texas , not in the reading room .")
    f = place_features(doc)
    words = [t.text for t in doc]
    assert "geo=B-bigcity" in f[words.index("MEMPHIS")]
    s = words.index("Salt")
    assert "geo=B-bigcity" in f[s] and "geo=I-bigcity" in f[s + 1] and "geo=I-bigcity" in f[s + 2]
    assert "geo=B-state" in f[words.index("Texas")] and "-1geo=B-state" in f[words.index("Texas") + 1]
    assert not any(x.startswith("geo=") for x in f[words.index("reading")])  # Reading, Berkshire is a city


def test_per_predicate_thresholds_override_the_global_one():
    scores = {((0, 1), (3, 4)): {NONE: 0.45, "worksFor": 0.55},
              ((0, 1), (5, 6)): {NONE: 0.70, "livesIn": 0.30}}
    types = {(0, 1): "Person", (3, 4): "Organization", (5, 6): "Location"}
    got = proposals(scores, types, 0.3, {"worksFor": 0.6})
    assert [(m.object, m.predicate) for m in got] == [((5, 6), "livesIn")]
    assert len(proposals(scores, types, 0.3)) == 2


def test_competitor_and_type_conjoined_pair_features(nlp):
    """Relations sets v4 (where the pair sits among the sentence's other entities) and v6 (v2, each feature also
    conjoined with the type pair)."""
    from kg.nlp.trained import features as F

    doc = nlp("John Smith of Dallas met Mary Jones of Austin , Texas on Monday .")
    ents = {e.text: e for e in doc.ents}
    assert {"John Smith", "Dallas", "Mary Jones", "Austin", "Texas"} <= set(ents)
    near = F.competitor_pair_features(doc, ents["John Smith"], "Person", ents["Dallas"], "Location")
    far = F.competitor_pair_features(doc, ents["John Smith"], "Person", ents["Austin"], "Location")
    assert "near2=True|Person|Location" in near and "near2=False|Person|Location" in far
    assert "nt1b=1|Person|Location" in far  # Mary Jones stands between
    city = F.competitor_pair_features(doc, ents["Mary Jones"], "Person", ents["Austin"], "Location")
    state = F.competitor_pair_features(doc, ents["Mary Jones"], "Person", ents["Texas"], "Location")
    assert "city2|Person|Location" in city and "state2|Person|Location" in state
    v2 = F.pair_features_v2(doc, ents["John Smith"], "Person", ents["Dallas"], "Location")
    v6 = F.pair_features_v6(doc, ents["John Smith"], "Person", ents["Dallas"], "Location")
    assert v6 == v2 + ["Person|Location|" + f for f in v2]
    v8 = F.pair_features_v8(doc, ents["Austin"], "Location", ents["Texas"], "Location")
    assert v8 == (F.pair_features_v2(doc, ents["Austin"], "Location", ents["Texas"], "Location")
                  + F.competitor_pair_features(doc, ents["Austin"], "Location", ents["Texas"], "Location")
                  + ["geo=in"])


def test_containment_features_read_the_world_gazetteer_with_news_spellings(nlp):
    """Relations set v7: for a pair of places, whether GeoNames puts one inside the other, AP state
    abbreviations and "U.S." included; other type pairs get nothing."""
    from kg.nlp.trained.features import containment_features as geo

    doc = nlp("Snow fell in Denver , Colorado , in Rochester , N.Y. , in Texas in the U.S. and in Paris .")
    e = {x.text: x for x in doc.ents}
    assert {"Denver", "Colorado", "Rochester", "N.Y.", "Texas", "U.S.", "Paris"} <= set(e)
    assert geo(doc, e["Denver"], "Location", e["Colorado"], "Location") == ["geo=in"]
    assert geo(doc, e["Colorado"], "Location", e["Denver"], "Location") == ["geo=contains"]
    assert geo(doc, e["Rochester"], "Location", e["N.Y."], "Location") == ["geo=in"]
    assert geo(doc, e["Texas"], "Location", e["U.S."], "Location") == ["geo=in"]
    assert geo(doc, e["Paris"], "Location", e["Colorado"], "Location") == ["geo=apart"]
    assert geo(doc, e["Denver"], "Person", e["Colorado"], "Location") == []


def test_word_cluster_features_read_the_shipped_table(nlp):
    """Entities set v6 and relations set v9: words as their clusters (kg/data/word_clusters.tsv, learned from
    unlabeled news), digits as 0, an unknown word as "-"; the relation set is v2 plus the cluster templates."""
    from kg.nlp.trained import features as F
    from kg.nlp.trained.entities import cluster_token_features

    assert F.cluster_key("Reagan's 1994") == "reagan's 0000"
    table = F.word_clusters()
    assert len(table["said"]) == 3 and table["texas"][1] == table["virginia"][1]
    assert F.clusters_of(["Texas", "qqqzzzxx"]) == [table["texas"], ("-", "-", "-")]
    doc = nlp("John Smith of Dallas met Mary Jones in Austin , Texas on Monday .")
    f = cluster_token_features(doc)
    i = [t.text for t in doc].index("Texas")
    assert f"cl2={table['texas'][1]}" in f[i] and f"1cl2={table['texas'][1]}" in f[i - 1]
    ents = {e.text: e for e in doc.ents}
    v9 = F.pair_features_v9(doc, ents["Mary Jones"], "Person", ents["Austin"], "Location")
    base = F.pair_features_v2(doc, ents["Mary Jones"], "Person", ents["Austin"], "Location")
    assert v9[:len(base)] == base and f"ch2={table['austin'][1]}" in v9
    assert f"cbw=12|{table['in'][1]}" in v9
    v10 = F.pair_features_v10(doc, ents["Mary Jones"], "Person", ents["Austin"], "Location")
    assert v10 == base + [x for x in v9[len(base):] if x.startswith(("ch1", "ch2", "clca"))]
    v11 = F.pair_features_v11(doc, ents["Austin"], "Location", ents["Texas"], "Location")
    assert v11[-1] == "geo=in" and v11[:-1] == F.pair_features_v10(doc, ents["Austin"], "Location", ents["Texas"],
                                                                   "Location")
    from kg.nlp.trained.entities import features_of, token_features_v2
    from kg.nlp.trained.relations import features_of as pair_features_of

    assert pair_features_of({"features": "v10"}) is F.pair_features_v10
    assert features_of({"features": "v6"})(doc) == [a + b for a, b in zip(token_features_v2(doc), f)]
