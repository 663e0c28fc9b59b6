"""The shipped trained models: they load, name themselves, and beat the rules on a fixed dev slice.

The slices are the first articles/sentences of the dev splits (a fixed prefix,
not chosen case by case); the full dev numbers are in docs/quality.md.
"""

from __future__ import annotations

import pytest

from kg.nlp import extract_many, trained
from kg.nlp.trained import relations as trained_relations, statements as trained_statements

#: Fixed dev slices: the first N in file order.
POLNEAR_SLICE = 6
CONLL04_SLICE = 100


def test_shipped_models_load_once_and_are_small():
    for name in (trained.STATEMENTS, trained.RELATIONS):
        m = trained.models(name)
        assert m is trained.models(name)  # cached: loaded once per process
        assert m.meta["name"] == name
        size = (trained.MODEL_DIR / f"{name}.crfsuite").stat().st_size
        assert 1_000 < size < 50_000_000
    assert trained.models(trained.STATEMENTS).meta["extractor"] == trained_statements.EXTRACTOR
    assert trained.models(trained.RELATIONS).meta["extractor"] == trained_relations.EXTRACTOR


def test_missing_model_is_a_clear_error(tmp_path):
    from kg.errors import ModelError

    with pytest.raises(ModelError, match="kg train statements"):
        trained.load("statements", tmp_path)


def test_model_finds_indirect_and_according_to(nlp):
    doc = nlp("The minister warned that the talks could collapse by Friday. "
              "According to two officials, the deal is off.")
    m = trained.models(trained.STATEMENTS)
    found = trained_statements.predict(m.tagger, doc)
    cues = {doc.text[slice(*s.cue)] for s in found}
    assert "warned" in cues
    contents = [doc.text[slice(*c)] for s in found for c in s.content]
    assert any("talks could collapse" in c for c in contents)
    for s in found:
        for a, b in s.content:
            assert doc.text[a:b].strip() == doc.text[a:b]


def _extract(documents, nlp, monkeypatch, on: bool):
    monkeypatch.setenv("KG_TRAINED", "1" if on else "0")
    return list(extract_many(documents, nlp))


def test_statements_model_beats_rules_on_polnear_dev_slice(shared_dir, nlp, monkeypatch):
    from kg.eval import polnear

    articles = polnear.load(shared_dir / "data", "dev", limit=POLNEAR_SLICE)
    docs = [a.document() for a in articles]
    rules = polnear.score_extractions(articles, _extract(docs, nlp, monkeypatch, False)).counts
    model_x = _extract(docs, nlp, monkeypatch, True)
    model = polnear.score_extractions(articles, model_x).counts
    assert model.attribution.f1 > rules.attribution.f1
    assert model.content_tokens.f1 > rules.content_tokens.f1
    extractors = {s.evidence.extractor for x in model_x for s in x.statements}
    assert trained_statements.EXTRACTOR in extractors
    for x, d in zip(model_x, docs):
        for s in x.statements:
            assert d.text[s.cue.start:s.cue.end] == s.cue.text
            assert d.text[s.evidence.start:s.evidence.end] == s.evidence.text


def test_relations_model_beats_rules_on_conll04_dev_slice(shared_dir, nlp, monkeypatch):
    from kg.eval import conll04

    sentences = conll04.load(shared_dir / "data", "dev", limit=CONLL04_SLICE)
    docs = [s.document() for s in sentences]
    rules = conll04.score(sentences, _extract(docs, nlp, monkeypatch, False)).micro("strict")
    model_x = _extract(docs, nlp, monkeypatch, True)
    model = conll04.score(sentences, model_x).micro("strict")
    assert model.f1 > rules.f1
    assert model.tp > rules.tp
    extractors = {r.evidence.extractor for x in model_x for r in x.relations}
    assert trained_relations.EXTRACTOR in extractors
    for x in model_x:
        for r in x.relations:
            if r.evidence.extractor == trained_relations.EXTRACTOR:
                types = {e.id: e.type for e in x.entities}
                assert (types[r.subject], types[r.object]) == trained_relations.SIGNATURES[r.predicate]


def test_rules_only_switch_leaves_no_model_facts(seed_document, nlp, monkeypatch):
    from kg.nlp import extract

    monkeypatch.setenv("KG_TRAINED", "0")
    x = extract(seed_document, nlp)
    names = {s.evidence.extractor for s in x.statements} | {r.evidence.extractor for r in x.relations}
    assert names and all(n.startswith("kg.rules/") for n in names)


# ------------------------------------------------ fast feature path = reference path
#
# The shipped CRFs were trained on the features below, read from spaCy
# ``Token`` objects one attribute at a time. The package builds the same
# strings from ``Doc.to_array`` columns (much cheaper); these reference
# implementations pin that the strings, and their order, stay exactly the same.


def _reference_quote_parity(doc):
    from kg.nlp.trained.features import QUOTES

    inside, out = False, []
    for tok in doc:
        if "\n\n" in tok.text or (tok.is_space and tok.text.count("\n") >= 2):
            inside = False
        if tok.text in QUOTES:
            if tok.text in ("“", "``", "«", "„"):
                inside = True
            elif tok.text in ("”", "''", "»"):
                inside = False
            else:
                inside = not inside
            out.append(True)
            continue
        out.append(inside)
    return out


def _reference_statement_features(doc, quoted):
    from kg.nlp.trained.features import CLAUSE_DEPS

    def lem(t):
        return t.lemma_.lower()

    starts = {s.start for s in doc.sents}
    out = []
    for tok in doc:
        i, h = tok.i, tok.head
        f = ["bias", f"w={tok.lower_}", f"l={lem(tok)}", f"p={tok.tag_}", f"d={tok.dep_}", f"e={tok.ent_type_ or '-'}",
             f"pd={tok.tag_}|{tok.dep_}", f"hl={lem(h)}", f"hp={h.tag_}", f"dhl={tok.dep_}|{lem(h)}", f"q={quoted[i]}",
             f"shape={tok.shape_[:4]}", f"ss={i in starts}"]
        if tok.is_punct:
            f.append("punct")
        gc, cur = ("deep", ""), tok
        for _ in range(12):
            if cur.head.i == cur.i:
                break
            if cur.dep_ in CLAUSE_DEPS:
                gc = (cur.dep_, lem(cur.head))
                break
            cur = cur.head
        f += [f"gc={gc[0]}|{gc[1]}", f"gcl={gc[1]}"]
        cur = tok
        for _ in range(8):
            if cur.dep_ in ("nsubj", "nsubjpass"):
                f.append(f"subjof={lem(cur.head)}")
                break
            if cur.head.i == cur.i or cur.dep_ in CLAUSE_DEPS:
                break
            cur = cur.head
        verbs = [lem(a) for a in tok.ancestors if a.pos_ in ("VERB", "AUX")][:3]
        for k, v in enumerate(verbs):
            f += [f"va{k}={v}", f"va={v}"]
        kids = [c.dep_ for c in tok.children]
        if "ccomp" in kids:
            f.append("has_ccomp")
        if "nsubj" in kids:
            f.append("has_nsubj")
        f += [f"ccomp_l={lem(tok)}" for d in kids if d == "ccomp"]
        for off in (-2, -1, 1, 2):
            j = i + off
            if 0 <= j < len(doc):
                f += [f"{off}w={doc[j].lower_}", f"{off}p={doc[j].tag_}", f"{off}q={quoted[j]}"]
            else:
                f.append(f"{off}BOUND")
        if i + 1 < len(doc):
            f.append(f"bg+={tok.lower_}|{doc[i + 1].lower_}")
        if i > 0:
            f.append(f"bg-={doc[i - 1].lower_}|{tok.lower_}")
        out.append(f)
    return out


def _reference_entity_features(doc):
    from kg.nlp.trained.entities import _ent_tags

    ent, n = _ent_tags(doc), len(doc)
    out = []
    for tok in doc:
        i = tok.i
        f = ["bias", "w=" + tok.lower_, "sh=" + tok.shape_, "p=" + tok.tag_, "ent=" + ent[i], "d=" + tok.dep_,
             f"title={tok.is_title}", "suf=" + tok.lower_[-3:], "hl=" + tok.head.lower_]
        for o in (-2, -1, 1, 2):
            j = i + o
            if 0 <= j < n:
                f += [f"{o}w=" + doc[j].lower_, f"{o}ent=" + ent[j], f"{o}sh=" + doc[j].shape_, f"{o}p=" + doc[j].tag_]
            else:
                f.append(f"{o}B")
        out.append(f)
    return out


def _reference_context_features(doc):
    """Entities model 0.2's added templates (``context_features``) read from ``Token``s."""
    from kg.nlp.trained.entities import _short_shape

    toks = list(doc)
    n = len(toks)
    out = []
    for i, tok in enumerate(toks):
        w = tok.lower_
        h = tok.head
        f = ["pre2=" + w[:2], "pre3=" + w[:3], "suf2=" + w[-2:], "suf4=" + w[-4:], "ssh=" + _short_shape(tok.shape_),
             f"up={tok.is_upper}", f"len={min(len(w), 8)}", "hp=" + h.pos_, "dhp=" + tok.dep_ + "|" + h.tag_,
             "pos=" + tok.pos_, "lab=" + (tok.ent_type_ or "-") + "|" + (tok.ent_iob_ or "-")]
        for o in (-1, 1):
            j = i + o
            if 0 <= j < n:
                f += [f"{o}ssh=" + _short_shape(toks[j].shape_), f"{o}ti={toks[j].is_title}"]
                f.append(f"{o}bg=" + (toks[j].lower_ + "|" + w if o < 0 else w + "|" + toks[j].lower_))
        for o in (-3, 3):
            j = i + o
            if 0 <= j < n:
                f.append(f"{o}w=" + toks[j].lower_)
        out.append(f)
    return out


def _reference_path(a, b):
    up_a = [a] + list(a.ancestors)
    up_b = [b] + list(b.ancestors)
    ids_b = {t.i: k for k, t in enumerate(up_b)}
    for k, t in enumerate(up_a):
        if t.i in ids_b:
            return up_a[: k + 1], up_b[: ids_b[t.i]]
    return up_a, up_b


def _reference_pair_features(doc, e1, t1, e2, t2):
    """Relations model 0.2's templates (``pair_features`` + ``extra_pair_features``) read from ``Token``s."""
    f = ["bias", f"types={t1}|{t2}", f"order={'12' if e1.start < e2.start else '21'}"]
    lo, hi = (e1, e2) if e1.start < e2.start else (e2, e1)
    between = doc[lo.end:hi.start]
    dist = len(between)
    f.append(f"dist={min(dist, 10) if dist < 10 else (15 if dist < 20 else 25)}")
    f.append(f"h1={e1.root.lemma_.lower()}")
    f.append(f"h2={e2.root.lemma_.lower()}")
    for t in between[:12]:
        f.append(f"bw={t.lemma_.lower()}")
    if dist == 0:
        f.append("adjacent")
    else:
        f.append(f"bfirst={between[0].lower_}")
        f.append(f"blast={between[-1].lower_}")
        if dist <= 4:
            f.append("bseq=" + "_".join(t.lower_ for t in between))
    f.append(f"before={doc[lo.start - 1].lower_ if lo.start > 0 else '<s>'}")
    f.append(f"after={doc[hi.end].lower_ if hi.end < len(doc) else '</s>'}")
    if any(t.ent_type_ for t in between):
        f.append("ent_between")
    up, down = _reference_path(e1.root, e2.root)
    f.append(f"plen={min(len(up) + len(down), 8)}")
    path = [f"{t.dep_}^" for t in up[:-1]] + [up[-1].lemma_.lower()] + [f"{t.dep_}v" for t in reversed(down)]
    if len(path) <= 7:
        f.append("path=" + " ".join(path))
    f.append("pathd=" + " ".join(p for p in path if p.endswith(("^", "v"))))
    f.append(f"lca={up[-1].lemma_.lower()}")
    f.append(f"lca_types={up[-1].lemma_.lower()}|{t1}|{t2}")
    for t in up[1:-1] + down[1:]:
        f.append(f"pw={t.lemma_.lower()}")
    f.append(f"d1={e1.root.dep_}")
    f.append(f"d2={e2.root.dep_}")
    f.append(f"d12={e1.root.dep_}|{e2.root.dep_}")
    # extra_pair_features
    order = "12" if e1.start < e2.start else "21"
    types = f"{t1}|{t2}"
    ents = list(doc.ents)
    labels = {(e.start, e.end): e.label_ for e in ents}
    f += [f"lab={labels.get((e1.start, e1.end), '-')}|{labels.get((e2.start, e2.end), '-')}",
          f"len={min(len(e1), 4)}|{min(len(e2), 4)}"]
    f += [f"w1={t.lower_}" for t in e1]
    f += [f"w2={t.lower_}" for t in e2]
    for t in between[:12]:
        f.append(f"bwo={order}|{t.lemma_.lower()}")
        if t.pos_ in ("VERB", "AUX"):
            f.append(f"bv={t.lemma_.lower()}")
    if len(between):
        f.append(f"blast_t={between[-1].lower_}|{types}|{order}")
        f.append(f"bfirst_t={between[0].lower_}|{types}|{order}")
    f.append(f"ncomma={min(sum(1 for t in between if t.text == ','), 3)}")
    f.append(f"nent={min(sum(1 for e in ents if lo.end <= e.start and e.end <= hi.start), 3)}")
    for k in (1, 2):
        j = lo.start - k
        f.append(f"b{k}={doc[j].lower_ if j >= 0 else '<s>'}")
        j = hi.end + k - 1
        f.append(f"a{k}={doc[j].lower_ if j < len(doc) else '</s>'}")
    deps = [f"{t.dep_}^" for t in up[:-1]] + [f"{t.dep_}v" for t in reversed(down)]
    f.append("pathd_t=" + " ".join(deps) + "|" + types)
    for t in up[1:] + down[1:]:
        if t.pos_ in ("VERB", "AUX"):
            f.append(f"pv={t.lemma_.lower()}|{types}")
    if len(down) == 0:
        f.append("e2_governs_e1")
    elif len(up) == 1:
        f.append("e1_governs_e2")
    return f


FEATURE_TEXT = ("“We will not back down,” the minister said on Tuesday.\n\nAccording to two officials, "
                "the $5 million deal, which covers 83% of the promised munitions, is off. "
                "Smith, who heads ACME Corp. in Boston, told reporters that he expected ``no delay''.")


def _assert_same_features(doc):
    from kg.nlp.trained import entities as trained_entities, features

    quoted = features.quote_parity(doc)
    assert quoted == _reference_quote_parity(doc)
    assert features.token_features(doc, quoted) == _reference_statement_features(doc, quoted)
    assert trained_entities.token_features(doc) == _reference_entity_features(doc)
    assert trained_entities.context_features(doc) == _reference_context_features(doc)
    _assert_same_pair_features(doc)


def _assert_same_pair_features(doc):
    """Every ordered pair of the Doc's entities (any types, overlapping or not), with and without the
    columns passed in, and a span that is not an entity (training reads gold spans)."""
    from kg.nlp.trained import features

    spans = list(doc.ents) + ([doc[1:3]] if len(doc) > 3 else [])
    cols = features.pair_columns(doc) if len(doc) else None
    for a in spans:
        for b in spans:
            if a is b:
                continue
            want = _reference_pair_features(doc, a, "Person", b, "Organization")
            assert features.pair_features_v2(doc, a, "Person", b, "Organization", cols) == want
            assert features.pair_features_v2(doc, a, "Person", b, "Organization") == want


def test_fast_features_equal_reference_features(nlp, seed_document):
    for text in (FEATURE_TEXT, seed_document.text, ""):
        _assert_same_features(nlp(text))


def test_fast_features_equal_reference_features_on_polnear_dev(shared_dir, nlp):
    from kg.eval import polnear

    for a in polnear.load(shared_dir / "data", "dev", limit=2):
        _assert_same_features(nlp(a.text))


def test_model_statement_quantities_are_those_of_their_content(nlp):
    from kg.nlp.quantities import find_quantities

    doc = nlp(FEATURE_TEXT + " The ministry said 3,000 troops had left, and that prices rose 12 percent.")
    found = trained_statements.predict(trained.models(trained.STATEMENTS).tagger, doc)
    assert found
    for s in found:
        assert s.quantities == tuple(find_quantities(doc, s.content))
    assert any(s.quantities for s in found)
