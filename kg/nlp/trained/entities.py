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

from spacy.attrs import DEP, HEAD, IS_TITLE, LOWER, SHAPE, TAG
from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.nlp.entities import entity_type
from kg.nlp.trained.features import cached, strings_of

#: Name and version of the component (recorded in docs; entities carry no extractor field).
EXTRACTOR = "kg.entities-model/0.1"

#: CRF tag type → graph type, and the spaCy label given to a span the CRF adds.
TAG_TYPES = {"PER": "Person", "ORG": "Organization", "LOC": "Location"}
NEW_LABELS = {"PER": "PERSON", "ORG": "ORG", "LOC": "GPE"}
GRAPH_TAGS = {v: k for k, v in TAG_TYPES.items()}

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
    heads = [i + off for i, off in enumerate(arr[:, 4].astype("int64").tolist())]  # HEAD is relative
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


def retag(doc: Doc, tagger) -> Doc:
    """Merge the CRF's graph entities into ``doc.ents`` (see the module docstring).

    The CRF may change a graph entity's boundaries or type and may add one; it
    never removes one outright (a spaCy entity no CRF span overlaps stays), and
    it never swallows a non-graph entity such as a ``TITLE`` (the rules read
    roles from those): its span is cut back to the longest part outside.
    """
    if len(doc) == 0:
        return doc
    tags = tagger.tag(token_features(doc))
    old = {(e.start, e.end): e for e in doc.ents}
    blocked = {i for e in doc.ents if not entity_type(e) for i in range(e.start, e.end)}
    new: list[Span] = []
    for s, e, t in spans_from_tags(tags):
        cut = _without(s, e, blocked)
        if cut is None or not any(tok.is_alpha for tok in doc[cut[0]:cut[1]]):
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
        retag(doc, trained.models(trained.ENTITIES).tagger)
        if "kg_entity_fixes" in self.nlp.pipe_names:
            doc = self.nlp.get_pipe("kg_entity_fixes")(doc)
        return doc


@Language.factory("kg_trained_entities", requires=["doc.ents"], assigns=["doc.ents"])
def make_trained_entities(nlp: Language, name: str) -> TrainedEntities:
    return TrainedEntities(nlp)
