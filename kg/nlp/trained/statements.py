"""Trained attribution finder: a linear-chain CRF tags Source, Cue and Content tokens.

The tagger labels every token of a document ``B-``/``I-`` ``SRC``, ``CUE`` or
``CON`` (or ``O``), trained on PolNeAR (:mod:`kg.train.statements`). Tagging a
whole document at once lets content run across sentence boundaries
(multi-sentence quotes, a quote whose cue comes in the next sentence).

:func:`decode` groups the tagged segments into attributions anchored on cues:

- a content segment joins the cue of its own sentence that governs it in the
  parse, else the nearest cue of its sentence, else (multi-sentence quotes)
  the nearest cue up to :data:`CROSS_SENTENCES` sentences away;
- a source segment joins the nearest cue of its own sentence;
- a cue that gathers no content yields nothing (the record needs content).

The output has the fields of :class:`kg.nlp.statements.StatementCandidate`, so
the NLP stage links speakers to entities (coreference, canonical names) the
same way for rules and model.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc

from spacy.attrs import ENT_TYPE, IS_SPACE, LIKE_NUM

from kg.nlp.statements import StatementCandidate
from kg.nlp.quantities import QUANTITY_LABELS, find_quantities
from kg.nlp.trained.features import quote_parity, strings_of, token_features

#: Name and version written into ``evidence.extractor`` of the model's statements.
EXTRACTOR = "kg.statements-model/0.2"

#: How many sentences a content segment may be from its cue (multi-sentence quotes).
CROSS_SENTENCES = 2

LABELS = ("O", "B-SRC", "I-SRC", "B-CUE", "I-CUE", "B-CON", "I-CON")


@dataclass(frozen=True)
class ModelStatement(StatementCandidate):
    """A statement candidate from the model: a :class:`StatementCandidate` that names its extractor."""

    rule: str = "crf"
    extractor: str = EXTRACTOR


def segments(tags: list[str]) -> list[tuple[str, int, int]]:
    """BIO tags → ``(type, start, end)`` token segments (an orphan ``I-`` starts one).

    >>> segments(["O", "B-SRC", "I-SRC", "B-CUE", "I-CON", "I-CON", "B-CON"])
    [('SRC', 1, 3), ('CUE', 3, 4), ('CON', 4, 6), ('CON', 6, 7)]
    """
    out: list[tuple[str, int, int]] = []
    for i, t in enumerate(tags):
        if t == "O":
            continue
        bio, typ = t.split("-", 1)
        if bio == "I" and out and out[-1][0] == typ and out[-1][2] == i:
            out[-1] = (typ, out[-1][1], i + 1)
        else:
            out.append((typ, i, i + 1))
    return out


def _char(doc: Doc, start: int, end: int) -> tuple[int, int] | None:
    """Character range of tokens [start, end) without leading/trailing space and quote marks."""
    while start < end and (doc[start].is_space or doc[start].is_quote or doc[start].text in ("—", "-", ",")):
        start += 1
    while end > start and (doc[end - 1].is_space or doc[end - 1].is_quote or doc[end - 1].text in (",", "—", "-")):
        end -= 1
    if start >= end:
        return None
    return doc[start].idx, doc[end - 1].idx + len(doc[end - 1])


def decode(doc: Doc, tags: list[str], probs: list[float] | None = None,
           quoted: list[bool] | None = None) -> list[ModelStatement]:
    """Group a document's tags into statements (see the module docstring)."""
    sent_of = [0] * len(doc)
    for k, s in enumerate(doc.sents):
        for i in range(s.start, s.end):
            sent_of[i] = k
    segs = segments(tags)
    cues = [(s, e) for typ, s, e in segs if typ == "CUE"]
    if not cues:
        return []
    slots: dict[int, dict] = {k: {"src": [], "con": []} for k in range(len(cues))}

    def nearest(s: int, e: int, max_sents: int) -> int | None:
        best, key = None, None
        for k, (cs, ce) in enumerate(cues):
            ds = abs(sent_of[cs] - sent_of[s])
            if ds > max_sents:
                continue
            dist = cs - e if cs >= e else s - ce
            cand = (ds, abs(dist))
            if key is None or cand < key:
                best, key = k, cand
        return best

    for typ, s, e in segs:
        if typ == "CON":
            # the cue governing the content in the parse, if one is in the same sentence
            root = doc[s:e].root
            anc = {a.i for a in root.ancestors}
            gov = [k for k, (cs, ce) in enumerate(cues) if sent_of[cs] == sent_of[s] and any(i in anc for i in range(cs, ce))]
            k = gov[0] if len(gov) == 1 else nearest(s, e, 0)
            if k is None:
                k = nearest(s, e, CROSS_SENTENCES)
            if k is not None:
                slots[k]["con"].append((s, e))
        elif typ == "SRC":
            k = nearest(s, e, 0)
            if k is not None:
                slots[k]["src"].append((s, e))
    if quoted is None:
        quoted = quote_parity(doc)
    numeric, space = _numeric_and_space(doc)
    out = []
    for k, (cs, ce) in enumerate(cues):
        cons = [c for c in (_char(doc, s, e) for s, e in sorted(slots[k]["con"])) if c is not None]
        if not cons:
            continue
        srcs = sorted(slots[k]["src"], key=lambda se: abs(se[0] - cs))
        speaker = _char(doc, *srcs[0]) if srcs else None
        cue = _char(doc, cs, ce) or (doc[cs].idx, doc[ce - 1].idx + len(doc[ce - 1]))
        toks = [i for s, e in slots[k]["con"] for i in range(s, e) if not space[i]]
        kind = "direct" if toks and sum(quoted[i] for i in toks) * 2 > len(toks) else "indirect"
        conf = 0.5
        if probs is not None:
            conf = round(sum(probs[i] for i in range(cs, ce)) / (ce - cs), 3)
        content = tuple(cons)
        # an amount starts at a number or a numeric entity inside the content: skip the search when there is none
        has_number = any(numeric[i] for s, e in slots[k]["con"] for i in range(s, e))
        quantities = tuple(find_quantities(doc, content)) if has_number else ()
        out.append(ModelStatement(speaker, cue, content, kind, sent_of[cs], conf, quantities=quantities))
    return out


def _numeric_and_space(doc: Doc) -> tuple[list[bool], list[int]]:
    """Per token: can an amount of :func:`~kg.nlp.quantities.find_quantities` start here? Is it white space?

    Amounts start at a number or at a numeric entity, so a content without
    such a token has no quantities and the search can be skipped.
    """
    num, ent, space = doc.to_array([LIKE_NUM, ENT_TYPE, IS_SPACE]).T.tolist()
    return [bool(x) or e in QUANTITY_LABELS for x, e in zip(num, strings_of(doc, ent))], space


def predict(tagger, doc: Doc) -> list[ModelStatement]:
    """Tag ``doc`` with a loaded ``pycrfsuite.Tagger`` and decode the statements."""
    if len(doc) == 0 or not doc.has_annotation("DEP"):
        return []
    quoted = quote_parity(doc)
    tags = tagger.tag(token_features(doc, quoted))
    probs = [tagger.marginal(t, i) if t.endswith("CUE") else 0.0 for i, t in enumerate(tags)]
    return decode(doc, tags, probs, quoted)


def gold_tags(doc: Doc, attributions) -> list[str]:
    """BIO tags of ``doc`` from gold attributions (objects with source/cue/content char spans).

    A token takes the role of the first span it overlaps, cues before sources
    before contents, so a nested attribution's cue and source win over the
    enclosing content.
    """
    n = len(doc)
    owner: list[tuple[str, int] | None] = [None] * n
    starts = [t.idx for t in doc]
    ends = [t.idx + len(t) for t in doc]
    span_no = 0
    for role, field in (("CUE", "cue"), ("SRC", "source"), ("CON", "content")):
        for a in attributions:
            for s, e in getattr(a, field) or ():
                span_no += 1
                for i in range(n):
                    if owner[i] is None and starts[i] < e and s < ends[i] and not doc[i].is_space:
                        owner[i] = (role, span_no)
    # a space token inside one span (a paragraph break in a quote) stays in it
    for i in range(1, n - 1):
        if owner[i] is None and doc[i].is_space and owner[i - 1] is not None and owner[i - 1] == owner[i + 1]:
            owner[i] = owner[i - 1]
    tags = []
    prev = None
    for i in range(n):
        o = owner[i]
        if o is None:
            tags.append("O")
        else:
            tags.append(("I-" if prev == o else "B-") + o[0])
        prev = o
    return tags
