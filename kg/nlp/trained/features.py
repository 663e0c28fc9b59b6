"""Feature extraction for the trained components, from a parsed spaCy ``Doc``.

Both models are linear (CRFsuite): a linear-chain CRF over tokens for
attributions and a maximum-entropy classifier (a CRF over one-item sequences)
for entity pairs. Their features are the parser's own output (lemmas, tags,
dependency labels and paths, entity types) plus a few flags a reader of news
uses to spot reported speech (quotation marks, "according to"). Training and
inference call the same functions, so the two can never drift apart.
"""

from __future__ import annotations

import bisect
import functools
from pathlib import Path

from spacy import symbols
from spacy.attrs import DEP, ENT_TYPE, HEAD, IS_PUNCT, LEMMA, LOWER, ORTH, POS, SENT_START, SHAPE, TAG
from spacy.tokens import Doc, Span

from kg.errors import ModelError
from kg.nlp.doc_cache import per_entities

#: Quotation marks (straight, curly, and the PTB-style backquotes CoNLL04 and older news use).
QUOTES = frozenset({'"', "“", "”", "``", "''", "«", "»", "„"})

#: Dependency labels of the clauses that carry reported content.
CLAUSE_DEPS = frozenset({"ccomp", "xcomp", "parataxis", "advcl", "dobj", "conj"})


def quote_parity(doc: Doc) -> list[bool]:
    """Per token: is it inside a pair of quotation marks (reset at paragraph breaks)?"""
    inside = False
    out = []
    for text in token_texts(doc):
        if "\n\n" in text or (text.isspace() and text.count("\n") >= 2):
            inside = False
        if text in QUOTES:
            if text in ("“", "``", "«", "„"):
                inside = True
            elif text in ("”", "''", "»"):
                inside = False
            else:
                inside = not inside
            out.append(True)  # the mark itself belongs to the quote
            continue
        out.append(inside)
    return out


def token_texts(doc: Doc) -> list[str]:
    """``[t.text for t in doc]``, read as one array column instead of one ``Token`` object per token."""
    return strings_of(doc, doc.to_array(ORTH).tolist())


def strings_of(doc: Doc, hashes: list[int]) -> list[str]:
    """String-store hashes → strings, through a process-wide cache (the vocabulary of news is small)."""
    return cached(_STRING_CACHE, hashes, lambda h: doc.vocab.strings[h] if h else "")


def absolute_heads(column) -> list[int]:
    """A ``Doc.to_array`` HEAD column (offsets relative to each token, unsigned) as absolute token indices."""
    return [i + off for i, off in enumerate(column.astype("int64").tolist())]


_STRING_CACHE: dict[int, str] = {}
_CACHE_MAX = 500_000


def _governing_clauses(heads: list[int], deps: list[str], lemmas: list[str], limit: int = 12) -> list[tuple[str, str]]:
    """Per token: the first clause-like ancestor link above it, ``(dep, lemma of its head)``.

    ``("deep", "")`` when there is none up to the root (or within ``limit``
    links); the shipped model was trained with this encoding. Each token's
    walk stops at the first root or clause link; the step count at which it
    stops is the head's plus one, so each token is resolved once.
    """
    n = len(heads)
    steps: list[int] = [-1] * n
    found: list[tuple[str, str]] = [("deep", "")] * n
    for i in range(n):
        if steps[i] >= 0:
            continue
        chain = []
        cur = i
        while steps[cur] < 0:
            if heads[cur] == cur:
                steps[cur], found[cur] = 0, ("deep", "")
                break
            if deps[cur] in CLAUSE_DEPS:
                steps[cur], found[cur] = 0, (deps[cur], lemmas[heads[cur]])
                break
            chain.append(cur)
            steps[cur] = -2  # on the current walk (guards against a malformed cyclic parse)
            cur = heads[cur]
            if steps[cur] == -2:  # a cycle: no root, no clause link
                steps[cur], found[cur] = limit, ("deep", "")
                break
        for c in reversed(chain):
            h = heads[c]
            steps[c], found[c] = steps[h] + 1, found[h]
    return [f if k < limit else ("deep", "") for k, f in zip(steps, found)]


def _subject_of(i: int, heads: list[int], deps: list[str], lemmas: list[str]) -> str:
    """Lemma of the verb whose subject phrase holds token ``i`` ("" when none)."""
    cur = i
    for _ in range(8):
        if deps[cur] in ("nsubj", "nsubjpass"):
            return lemmas[heads[cur]]
        if heads[cur] == cur or deps[cur] in CLAUSE_DEPS:
            return ""
        cur = heads[cur]
    return ""


def _verb_ancestors(i: int, heads: list[int], verbal: list[bool], lemmas: list[str], n: int = 3) -> list[str]:
    out = []
    cur = i
    while heads[cur] != cur:
        cur = heads[cur]
        if verbal[cur]:
            out.append(lemmas[cur])
            if len(out) >= n:
                break
    return out


_VERBAL = frozenset({symbols.VERB, symbols.AUX})
_COLUMNS = [LOWER, LEMMA, TAG, DEP, HEAD, POS, ENT_TYPE, SHAPE, IS_PUNCT, SENT_START]


def token_features(doc: Doc, quoted: list[bool] | None = None) -> list[list[str]]:
    """One feature list per token of ``doc`` (CRFsuite string features); ``quoted`` as :func:`quote_parity`.

    The token attributes come from one ``Doc.to_array`` call (no ``Token``
    objects), and the strings that depend on one word form or tag alone are
    built once per process (:func:`cached`). The feature strings, and their
    order, are exactly those the shipped model was trained with (the test
    suite compares them with a plain per-``Token`` implementation).
    """
    n = len(doc)
    if n == 0:
        return []
    if quoted is None:
        quoted = quote_parity(doc)
    arr = doc.to_array(_COLUMNS)
    cols = arr.T.tolist()
    lower = strings_of(doc, cols[0])
    lemmas = [x.lower() for x in strings_of(doc, cols[1])]
    tags = strings_of(doc, cols[2])
    deps = strings_of(doc, cols[3])
    heads = absolute_heads(arr[:, 4])
    verbal = [p in _VERBAL for p in cols[5]]
    ents = [e or "-" for e in strings_of(doc, cols[6])]
    shapes = strings_of(doc, cols[7])
    punct = cols[8]
    sstart = arr[:, 9].astype("int64").tolist()  # 1 starts a sentence, -1 does not, 0 unknown
    sstart[0] = 1  # the first token always starts a sentence (as in ``Doc.sents``)
    words = cached(_WORD_FEATURES, lower, lambda w: ("w=" + w, "-2w=" + w, "-1w=" + w, "1w=" + w, "2w=" + w))
    ptags = cached(_TAG_FEATURES, tags, lambda p: ("p=" + p, "-2p=" + p, "-1p=" + p, "1p=" + p, "2p=" + p, "hp=" + p))
    qwin = [(f"-2q={q}", f"-1q={q}", f"1q={q}", f"2q={q}") for q in (False, True)]
    kids: list[list[str]] = [[] for _ in range(n)]
    for i in range(n):
        if heads[i] != i:
            kids[heads[i]].append(deps[i])
    clauses = _governing_clauses(heads, deps, lemmas)
    out: list[list[str]] = []
    for i in range(n):
        w, p, d = lower[i], tags[i], deps[i]
        h = heads[i]
        hl = lemmas[h]
        f = [
            "bias",
            words[i][0],
            "l=" + lemmas[i],
            ptags[i][0],
            "d=" + d,
            "e=" + ents[i],
            f"pd={p}|{d}",
            "hl=" + hl,
            ptags[h][5],
            f"dhl={d}|{hl}",
            "q=True" if quoted[i] else "q=False",
            "shape=" + shapes[i][:4],
            "ss=True" if sstart[i] == 1 else "ss=False",
        ]
        if punct[i]:
            f.append("punct")
        dep, lemma = clauses[i]
        f.append(f"gc={dep}|{lemma}")
        f.append("gcl=" + lemma)
        subj = _subject_of(i, heads, deps, lemmas)
        if subj:
            f.append("subjof=" + subj)
        for k, v in enumerate(_verb_ancestors(i, heads, verbal, lemmas)):
            f.append(f"va{k}={v}")
            f.append("va=" + v)
        ks = kids[i]
        if ks:
            if "ccomp" in ks:
                f.append("has_ccomp")
            if "nsubj" in ks:
                f.append("has_nsubj")
            for dk in ks:
                if dk == "ccomp":
                    f.append("ccomp_l=" + lemmas[i])
        for k, off in enumerate((-2, -1, 1, 2)):
            j = i + off
            if 0 <= j < n:
                f.append(words[j][k + 1])
                f.append(ptags[j][k + 1])
                f.append(qwin[quoted[j]][k])
            else:
                f.append(f"{off}BOUND")
        if i + 1 < n:
            f.append(f"bg+={w}|{lower[i + 1]}")
        if i > 0:
            f.append(f"bg-={lower[i - 1]}|{w}")
        out.append(f)
    return out


def cached(cache: dict, keys: list, make) -> list:
    """``[make(k) for k in keys]``, each built once per process (bounded like :data:`_STRING_CACHE`)."""
    if len(cache) > _CACHE_MAX:
        cache.clear()
    out = []
    for k in keys:
        v = cache.get(k)
        if v is None:
            v = cache[k] = make(k)
        out.append(v)
    return out


#: Per word form and per tag: the feature strings that depend on it alone.
_WORD_FEATURES: dict[str, tuple[str, ...]] = {}
_TAG_FEATURES: dict[str, tuple[str, ...]] = {}


# ----------------------------------------------------------------- entity pairs


class PairColumns:
    """The token columns the pair templates read, taken from a Doc once (not per pair, not per ``Token``).

    A long article has thousands of candidate pairs, and each pair's templates
    read the words, lemmas, dependency labels and heads of a few dozen tokens.
    Reading them through ``Token`` objects built the same strings again for
    every pair; these lists are built with one ``Doc.to_array`` call. The
    entity columns are part of it, so a Doc whose entities change needs new
    columns (:func:`pair_columns` takes care of that).
    """

    __slots__ = ("n", "lower", "lemma", "dep", "head", "verbal", "text", "in_ent", "labels", "ent_starts", "ent_ends")

    def __init__(self, doc: Doc):
        arr = doc.to_array(_PAIR_COLUMNS)
        cols = arr.T.tolist()
        self.n = len(doc)
        self.lower = strings_of(doc, cols[0])
        self.lemma = cached(_LOWER_LEMMAS, strings_of(doc, cols[1]), str.lower)
        self.dep = strings_of(doc, cols[2])
        self.head = absolute_heads(arr[:, 3])
        self.verbal = [p in _VERBAL for p in cols[4]]
        self.text = strings_of(doc, cols[5])
        self.in_ent = [bool(e) for e in cols[6]]
        self.labels, ranges = _ent_ranges(doc)
        # Entities never overlap, so both their starts and their ends ascend (see ``entities_within``).
        self.ent_starts = [s for s, _ in ranges]
        self.ent_ends = [e for _, e in ranges]

    def entities_within(self, start: int, end: int) -> int:
        """How many of the Doc's entities lie inside the tokens ``[start, end)`` (two bisections)."""
        return max(0, bisect.bisect_right(self.ent_ends, end) - bisect.bisect_left(self.ent_starts, start))

    def path(self, a: int, b: int) -> tuple[list[int], list[int]]:
        """The dependency path from token ``a`` up to the lowest common ancestor and down to ``b``.

        As ``Token.ancestors``: a walk up the heads, at most ``n`` steps (a
        malformed cyclic parse cannot loop).
        """
        up_a, up_b = self._up(a), self._up(b)
        ids_b = {t: k for k, t in enumerate(up_b)}
        for k, t in enumerate(up_a):
            if t in ids_b:
                return up_a[: k + 1], up_b[: ids_b[t]]
        return up_a, up_b

    def _up(self, i: int) -> list[int]:
        out, head = [i], self.head
        while head[i] != i and len(out) <= self.n:
            i = head[i]
            out.append(i)
        return out


_PAIR_COLUMNS = [LOWER, LEMMA, DEP, HEAD, POS, ORTH, ENT_TYPE]
_LOWER_LEMMAS: dict[str, str] = {}


def pair_columns(doc: Doc) -> PairColumns:
    """:class:`PairColumns` of ``doc``, kept while its entity tags stay the same."""
    return per_entities(doc, "pair-columns", PairColumns)


def pair_features(doc: Doc, e1: Span, t1: str, e2: Span, t2: str, cols: PairColumns | None = None) -> list[str]:
    """Features of the ordered pair (``e1`` of type ``t1``, ``e2`` of type ``t2``).

    ``cols`` are ``doc``'s :func:`pair_columns`; a caller that classifies many
    pairs of one Doc passes them so they are looked up once.
    """
    c = cols or pair_columns(doc)
    lower, lemma, dep = c.lower, c.lemma, c.dep
    f = ["bias", f"types={t1}|{t2}", f"order={'12' if e1.start < e2.start else '21'}"]
    lo, hi = (e1, e2) if e1.start < e2.start else (e2, e1)
    between = range(lo.end, max(lo.end, hi.start))
    dist = len(between)
    f.append(f"dist={min(dist, 10) if dist < 10 else (15 if dist < 20 else 25)}")
    r1, r2 = e1.root.i, e2.root.i
    f.append(f"h1={lemma[r1]}")
    f.append(f"h2={lemma[r2]}")
    for t in between[:12]:
        f.append(f"bw={lemma[t]}")
    if dist == 0:
        f.append("adjacent")
    else:
        f.append(f"bfirst={lower[between[0]]}")
        f.append(f"blast={lower[between[-1]]}")
        if dist <= 4:
            f.append("bseq=" + "_".join(lower[t] for t in between))
    f.append(f"before={lower[lo.start - 1] if lo.start > 0 else '<s>'}")
    f.append(f"after={lower[hi.end] if hi.end < c.n else '</s>'}")
    if any(c.in_ent[t] for t in between):
        f.append("ent_between")
    up, down = c.path(r1, r2)
    f.append(f"plen={min(len(up) + len(down), 8)}")
    path = [f"{dep[t]}^" for t in up[:-1]] + [lemma[up[-1]]] + [f"{dep[t]}v" for t in reversed(down)]
    if len(path) <= 7:
        f.append("path=" + " ".join(path))
    f.append("pathd=" + " ".join(p for p in path if p.endswith(("^", "v"))))
    f.append(f"lca={lemma[up[-1]]}")
    f.append(f"lca_types={lemma[up[-1]]}|{t1}|{t2}")
    for t in up[1:-1] + down[1:]:
        f.append(f"pw={lemma[t]}")
    f.append(f"d1={dep[r1]}")
    f.append(f"d2={dep[r2]}")
    f.append(f"d12={dep[r1]}|{dep[r2]}")
    return f


# ----------------------------------------------------------------- entity pairs, model 0.2 templates


def _ent_ranges(doc: Doc) -> tuple[dict[tuple[int, int], str], list[tuple[int, int]]]:
    """``doc.ents`` as token ranges with their labels."""
    ents = list(doc.ents)
    return {(e.start, e.end): e.label_ for e in ents}, [(e.start, e.end) for e in ents]


def extra_pair_features(doc: Doc, e1: Span, t1: str, e2: Span, t2: str, cols: PairColumns | None = None) -> list[str]:
    """Templates added to :func:`pair_features` in relations model 0.2.

    spaCy's labels of the two spans (GPE/LOC/FAC/NORP…), their words,
    the words between tagged with the pair's order and types, the verbs
    between, the entities and commas between, a two-word window outside the
    pair, the dependency path tagged with the types, and whether one span
    governs the other. ``cols`` as in :func:`pair_features`.
    """
    c = cols or pair_columns(doc)
    lower, lemma, verbal = c.lower, c.lemma, c.verbal
    order = "12" if e1.start < e2.start else "21"
    types = f"{t1}|{t2}"
    labels = c.labels  # gold spans (training) carry no label of their own
    lab1, lab2 = labels.get((e1.start, e1.end), "-"), labels.get((e2.start, e2.end), "-")
    f = [f"lab={lab1}|{lab2}", f"len={min(len(e1), 4)}|{min(len(e2), 4)}"]
    f += [f"w1={lower[t]}" for t in range(e1.start, e1.end)]
    f += [f"w2={lower[t]}" for t in range(e2.start, e2.end)]
    lo, hi = (e1, e2) if e1.start < e2.start else (e2, e1)
    between = range(lo.end, max(lo.end, hi.start))
    for t in between[:12]:
        f.append(f"bwo={order}|{lemma[t]}")
        if verbal[t]:
            f.append(f"bv={lemma[t]}")
    if len(between):
        f.append(f"blast_t={lower[between[-1]]}|{types}|{order}")
        f.append(f"bfirst_t={lower[between[0]]}|{types}|{order}")
    f.append(f"ncomma={min(sum(1 for t in between if c.text[t] == ','), 3)}")
    f.append(f"nent={min(c.entities_within(lo.end, hi.start), 3)}")
    for k in (1, 2):
        j = lo.start - k
        f.append(f"b{k}={lower[j] if j >= 0 else '<s>'}")
        j = hi.end + k - 1
        f.append(f"a{k}={lower[j] if j < c.n else '</s>'}")
    up, down = c.path(e1.root.i, e2.root.i)
    deps = [f"{c.dep[t]}^" for t in up[:-1]] + [f"{c.dep[t]}v" for t in reversed(down)]
    f.append("pathd_t=" + " ".join(deps) + "|" + types)
    for t in up[1:] + down[1:]:
        if verbal[t]:
            f.append(f"pv={lemma[t]}|{types}")
    if len(down) == 0:
        f.append("e2_governs_e1")
    elif len(up) == 1:
        f.append("e1_governs_e2")
    return f


def pair_features_v2(doc: Doc, e1: Span, t1: str, e2: Span, t2: str, cols: PairColumns | None = None) -> list[str]:
    """:func:`pair_features` plus :func:`extra_pair_features` (relations model 0.2)."""
    c = cols or pair_columns(doc)
    return pair_features(doc, e1, t1, e2, t2, c) + extra_pair_features(doc, e1, t1, e2, t2, c)


# -------------------------------------------------- entity pairs, dense features (set "v3"; tried, not shipped)


#: Width of the token vectors the dense templates read (``doc.tensor`` of en_core_web_sm's tok2vec).
DENSE_WIDTH = 96

#: The dense templates (see :func:`dense_pair_features`), in attribute order.
DENSE_TEMPLATES = ("a1", "a2", "h1", "h2", "lca", "ax", "ab")

#: Per dense template, its CRFsuite attribute names (``a1:0`` … ``a1:95``), built once.
_DENSE_KEYS = {name: tuple(f"{name}:{k}" for k in range(DENSE_WIDTH)) for name in DENSE_TEMPLATES}


def has_tensor(doc: Doc) -> bool:
    """Does ``doc`` carry one ``DENSE_WIDTH``-wide tok2vec row per token (``doc.tensor``)?"""
    t = doc.tensor
    return getattr(t, "ndim", 0) == 2 and t.shape[0] == len(doc) and t.shape[1] == DENSE_WIDTH


def dense_pair_features(doc: Doc, e1: Span, e2: Span, scale: float = 1.0,
                        templates: tuple[str, ...] = DENSE_TEMPLATES) -> dict[str, float]:
    """Weighted CRFsuite attributes from the pipeline's own token vectors (``doc.tensor``).

    The tok2vec layer that feeds spaCy's tagger and parser gives every token a
    96-dimensional vector of its word and its ±4-token context. The templates
    are the mean vector of each argument (``a1``, ``a2``), the vector of each
    argument's syntactic head token (``h1``, ``h2``), the vector of their
    lowest common ancestor in the parse (``lca``: often the verb or
    preposition that relates them), half the elementwise product of the two
    argument means (``ax``, a diagonal bilinear term: a linear model cannot
    otherwise let one argument's vector change the weight of the other's) and
    the mean of the tokens between the two (``ab``, absent when they touch).
    ``templates`` picks which; every value is multiplied by ``scale``. A doc
    without a fitting tensor (a pipeline without tok2vec) gets no dense
    attributes.
    """
    if not has_tensor(doc):
        return {}
    import numpy as np

    t = doc.tensor
    v1 = t[e1.start:e1.end].mean(axis=0)
    v2 = t[e2.start:e2.end].mean(axis=0)
    lo, hi = (e1, e2) if e1.start < e2.start else (e2, e1)
    rows = []
    for name in templates:
        if name == "a1":
            rows.append((name, v1))
        elif name == "a2":
            rows.append((name, v2))
        elif name == "h1":
            rows.append((name, t[e1.root.i]))
        elif name == "h2":
            rows.append((name, t[e2.root.i]))
        elif name == "lca":
            up, _down = pair_columns(doc).path(e1.root.i, e2.root.i)
            rows.append((name, t[up[-1]]))
        elif name == "ax":
            rows.append((name, v1 * v2 * 0.5))
        elif name == "ab" and hi.start > lo.end:
            rows.append((name, t[lo.end:hi.start].mean(axis=0)))
    if not rows:
        return {}
    mat = np.stack([v for _, v in rows]) * scale
    out: dict[str, float] = {}
    for (name, _), vals in zip(rows, mat.tolist()):
        out.update(zip(_DENSE_KEYS[name], vals))
    return out


def pair_features_v3(doc: Doc, e1: Span, t1: str, e2: Span, t2: str, cols: PairColumns | None = None,
                     scale: float = 1.0, templates: tuple[str, ...] = DENSE_TEMPLATES) -> dict[str, float]:
    """:func:`pair_features_v2` (as weight-1 attributes, repeats summed) plus :func:`dense_pair_features`."""
    out: dict[str, float] = {}
    for f in pair_features_v2(doc, e1, t1, e2, t2, cols):
        out[f] = out.get(f, 0.0) + 1.0
    out.update(dense_pair_features(doc, e1, e2, scale, templates))
    return out


# ------------------------------------------- entity pairs, the other entities of the sentence (set "v4")

#: spaCy entity label → graph type, for the competitor templates of :func:`competitor_pair_features`.
_LABEL_GRAPH_TYPES = {"PERSON": "Person", "ORG": "Organization", "GPE": "Location", "LOC": "Location",
                      "FAC": "Location"}


def competitor_pair_features(doc: Doc, e1: Span, t1: str, e2: Span, t2: str,
                             cols: PairColumns | None = None) -> list[str]:
    """Where the pair sits among the sentence's other entities (relations set ``v4``).

    A relation's argument is most often the *nearest* candidate of its type
    (attachment is local: "X, a lawyer from Dallas, and Y of Austin"), so the
    templates say whether ``e2`` is the entity of type ``t2`` closest to
    ``e1`` and the reverse, and how many entities of either argument's type
    stand between them. A place that is the first or second half of "City,
    State" ("Bay City , Mich.") is marked as such: a person's home is named
    by the city, the state qualifies it.
    """
    c = cols or pair_columns(doc)
    labels = c.labels
    ranges = list(zip(c.ent_starts, c.ent_ends))
    sent = e1.sent
    lo_s, hi_s = sent.start, sent.end
    typed = [(s, e, _LABEL_GRAPH_TYPES.get(labels[(s, e)])) for s, e in ranges if lo_s <= s and e <= hi_s]
    types = f"{t1}|{t2}"

    def gap(a: tuple[int, int], b: tuple[int, int]) -> int:
        return max(a[0], b[0]) - min(a[1], b[1])

    r1, r2 = (e1.start, e1.end), (e2.start, e2.end)
    d = gap(r1, r2)
    near2 = not any(t == t2 and (s, e) != r2 and (s, e) != r1 and gap(r1, (s, e)) < d for s, e, t in typed)
    near1 = not any(t == t1 and (s, e) != r1 and (s, e) != r2 and gap(r2, (s, e)) < d for s, e, t in typed)
    f = [f"near2={near2}|{types}", f"near1={near1}|{types}", f"near12={near1}|{near2}|{types}"]
    lo, hi = (r1, r2) if r1[0] < r2[0] else (r2, r1)
    between = [t for s, e, t in typed if lo[1] <= s and e <= hi[0]]
    f.append(f"nt1b={min(between.count(t1), 2)}|{types}")
    f.append(f"nt2b={min(between.count(t2), 2)}|{types}")
    starts = {s: t for s, e, t in typed}
    ends = {e: t for s, e, t in typed}
    for name, (s, e), t in (("1", r1, t1), ("2", r2, t2)):
        if t != "Location":
            continue
        if e + 1 < len(doc) and doc[e].text == "," and starts.get(e + 1) == "Location":
            f.append(f"city{name}|{types}")
        if s >= 2 and doc[s - 1].text == "," and ends.get(s - 1) == "Location":
            f.append(f"state{name}|{types}")
    return f


def _v2_plus(extra, doc: Doc, e1: Span, t1: str, e2: Span, t2: str, cols: PairColumns | None) -> list[str]:
    """:func:`pair_features_v2` plus ``extra``'s features, both read from the same array columns."""
    c = cols or pair_columns(doc)
    return pair_features_v2(doc, e1, t1, e2, t2, c) + extra(doc, e1, t1, e2, t2, c)


def pair_features_v4(doc: Doc, e1: Span, t1: str, e2: Span, t2: str, cols: PairColumns | None = None) -> list[str]:
    """:func:`pair_features_v2` plus :func:`competitor_pair_features`."""
    return _v2_plus(competitor_pair_features, doc, e1, t1, e2, t2, cols)


def pair_features_v6(doc: Doc, e1: Span, t1: str, e2: Span, t2: str, cols: PairColumns | None = None) -> list[str]:
    """:func:`pair_features_v2`, each feature also conjoined with the pair's types (relations set ``v6``).

    The classifier's ``NONE`` class is shared by every type pair, so a word
    such as "of" between the two gets one ``NONE`` weight whether it joins a
    person to an organisation ("president of Acme": a relation) or a person
    to a place ("the president of Acme in Dallas": often none). With every
    feature also given once per type pair (``Person|Location|bw=of``), each
    type pair can have weights of its own where the data support them, and
    shares the general ones where they do not (feature augmentation).
    """
    base = pair_features_v2(doc, e1, t1, e2, t2, cols)
    tag = f"{t1}|{t2}|"
    return base + [tag + x for x in base]


# ------------------------------------------- entity pairs, what contains what in the world (set "v7")

#: What contains what: GeoNames cities in their country (US cities in their state too), US states in the
#: United States, one ``name<TAB>container|container`` a line (``scripts/make_places.py``; GeoNames, CC BY 4.0).
PLACE_CONTAINERS_FILE = Path(__file__).resolve().parent.parent.parent / "data" / "place_containers.tsv"

#: Case: the names news uses for a place that GeoNames spells otherwise: the AP state abbreviations
#: ("Bay City , Mich."), the postal codes of some, and the common names of the United States and Britain.
PLACE_ALIASES = {
    "u.s": "united states", "us": "united states", "usa": "united states", "u.s.a": "united states",
    "america": "united states", "unitedstatesofamerica": "united states", "britain": "united kingdom",
    "greatbritain": "united kingdom", "u.k": "united kingdom", "uk": "united kingdom",
    "ala": "alabama", "ariz": "arizona", "ark": "arkansas", "calif": "california", "colo": "colorado",
    "conn": "connecticut", "del": "delaware", "fla": "florida", "ga": "georgia", "ill": "illinois",
    "ind": "indiana", "kan": "kansas", "kans": "kansas", "ky": "kentucky", "la": "louisiana", "md": "maryland",
    "mass": "massachusetts", "mich": "michigan", "minn": "minnesota", "miss": "mississippi", "mo": "missouri",
    "mont": "montana", "neb": "nebraska", "nev": "nevada", "n.h": "new hampshire", "n.j": "new jersey",
    "n.m": "new mexico", "n.y": "new york", "n.c": "north carolina", "n.d": "north dakota", "okla": "oklahoma",
    "ore": "oregon", "pa": "pennsylvania", "r.i": "rhode island", "s.c": "south carolina", "s.d": "south dakota",
    "tenn": "tennessee", "tex": "texas", "vt": "vermont", "va": "virginia", "wash": "washington",
    "w.va": "west virginia", "wis": "wisconsin", "wyo": "wyoming", "d.c": "washington",
}


def _place_key(text: str) -> str:
    """A place name as the gazetteer is keyed: lower case, no spaces, no final period ("N.Y ." → "n.y")."""
    key = text.lower().replace(" ", "").rstrip(".")
    alias = PLACE_ALIASES.get(key)
    return alias.replace(" ", "") if alias else key


@functools.lru_cache(maxsize=1)
def place_containers() -> dict[str, frozenset[str]]:
    """Place key → the keys of the places that contain it, from :data:`PLACE_CONTAINERS_FILE` (read once)."""
    try:
        text = PLACE_CONTAINERS_FILE.read_text(encoding="utf-8")
    except OSError as e:
        raise ModelError(f"place gazetteer {PLACE_CONTAINERS_FILE} is unreadable: {e}; reinstall kg "
                         f"(it ships in kg/data) or regenerate it with scripts/make_places.py") from e
    out: dict[str, frozenset[str]] = {}
    for line in text.splitlines():
        name, _, inside = line.partition("\t")
        out[_place_key(name)] = frozenset(_place_key(x) for x in inside.split("|") if x)
    return out


def containment_features(doc: Doc, e1: Span, t1: str, e2: Span, t2: str,
                         cols: PairColumns | None = None) -> list[str]:
    """Does the world say one place of the pair lies in the other (relations set ``v7``)?

    "Denver … Colorado", "Casablanca … Morocco": whether a city is in a
    state or country is world knowledge that 922 training sentences cannot
    teach. For a pair of places the feature says whether, by GeoNames,
    ``e1`` lies in ``e2`` (``geo=in``), the reverse (``geo=contains``), or
    neither although both are known (``geo=apart``); the classifier learns
    from the sentence whether the text states it.
    """
    if (t1, t2) != ("Location", "Location"):
        return []
    inside = place_containers()
    k1, k2 = _place_key(e1.text), _place_key(e2.text)
    c1, c2 = inside.get(k1), inside.get(k2)
    if c1 is not None and k2 in c1:
        return ["geo=in"]
    if c2 is not None and k1 in c2:
        return ["geo=contains"]
    if c1 is not None and c2 is not None:
        return ["geo=apart"]
    return []


def pair_features_v7(doc: Doc, e1: Span, t1: str, e2: Span, t2: str, cols: PairColumns | None = None) -> list[str]:
    """:func:`pair_features_v2` plus :func:`containment_features`."""
    return pair_features_v2(doc, e1, t1, e2, t2, cols) + containment_features(doc, e1, t1, e2, t2)


def pair_features_v8(doc: Doc, e1: Span, t1: str, e2: Span, t2: str, cols: PairColumns | None = None) -> list[str]:
    """:func:`pair_features_v2` plus :func:`competitor_pair_features` and :func:`containment_features`."""
    c = cols or pair_columns(doc)
    return (pair_features_v2(doc, e1, t1, e2, t2, c) + competitor_pair_features(doc, e1, t1, e2, t2, c)
            + containment_features(doc, e1, t1, e2, t2))


# ------------------------------------------- word clusters from unlabeled news (entities "v6", relations "v9")

#: Word clusters learned without labels from the PolNeAR train articles and the CoNLL04 train sentences
#: (``scripts/make_clusters.py``), one ``word<TAB>coarse<TAB>middle<TAB>fine`` a line, the word as
#: :func:`cluster_key` writes it.
CLUSTERS_FILE = Path(__file__).resolve().parent.parent.parent / "data" / "word_clusters.tsv"

#: The granularities of :data:`CLUSTERS_FILE`, coarse to fine (the feature names).
CLUSTER_LEVELS = ("cl1", "cl2", "cl3")

_DIGITS = str.maketrans("0123456789", "0000000000")


def cluster_key(word: str) -> str:
    """A word as the cluster table is keyed: lower case, every digit ``0`` ("1994" → "0000")."""
    return word.lower().translate(_DIGITS)


@functools.lru_cache(maxsize=1)
def word_clusters() -> dict[str, tuple[str, ...]]:
    """Cluster key → its clusters, coarse to fine, from :data:`CLUSTERS_FILE` (read once per process)."""
    try:
        text = CLUSTERS_FILE.read_text(encoding="utf-8")
    except OSError as e:
        raise ModelError(f"word clusters {CLUSTERS_FILE} are unreadable: {e}; reinstall kg "
                         f"(they ship in kg/data) or regenerate them with scripts/make_clusters.py") from e
    out: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        word, *ids = line.split("\t")
        out[word] = tuple(ids)
    return out


def clusters_of(words: list[str]) -> list[tuple[str, ...]]:
    """Per word: its clusters, coarse to fine (``("-", "-", "-")`` for a word the table lacks)."""
    table = word_clusters()
    none = ("-",) * len(CLUSTER_LEVELS)
    return [table.get(cluster_key(w), none) for w in words]


def cluster_pair_features(doc: Doc, e1: Span, t1: str, e2: Span, t2: str,
                          cols: PairColumns | None = None) -> list[str]:
    """The pair's words as their clusters (relations set ``v9``).

    A weight learned for "spokesman of" carries to "aide of" when the two
    nouns share a cluster: the head word of each argument, the words between
    (the middle clusters, tagged with the pair's order), the lowest common
    ancestor and the words on the dependency path, and the words just outside
    the pair.
    """
    c = cols or pair_columns(doc)
    cl = clusters_of(c.lower)
    order = "12" if e1.start < e2.start else "21"
    types = f"{t1}|{t2}"
    r1, r2 = e1.root.i, e2.root.i
    f = [f"ch1={cl[r1][1]}", f"ch2={cl[r2][1]}", f"ch1f={cl[r1][2]}", f"ch2f={cl[r2][2]}"]
    lo, hi = (e1, e2) if e1.start < e2.start else (e2, e1)
    between = range(lo.end, max(lo.end, hi.start))
    for t in between[:12]:
        f.append(f"cbw={order}|{cl[t][1]}")
    if len(between):
        f.append(f"cbfirst={cl[between[0]][2]}|{types}|{order}")
        f.append(f"cblast={cl[between[-1]][2]}|{types}|{order}")
    f.append(f"cbefore={cl[lo.start - 1][1] if lo.start > 0 else '<s>'}")
    f.append(f"cafter={cl[hi.end][1] if hi.end < c.n else '</s>'}")
    up, down = c.path(r1, r2)
    lca = up[-1]
    f.append(f"clca={cl[lca][1]}|{types}")
    f.append(f"clcaf={cl[lca][2]}|{types}")
    for t in up[1:-1] + down[1:]:
        f.append(f"cpw={cl[t][1]}")
    return f


def pair_features_v9(doc: Doc, e1: Span, t1: str, e2: Span, t2: str, cols: PairColumns | None = None) -> list[str]:
    """:func:`pair_features_v2` plus :func:`cluster_pair_features`."""
    return _v2_plus(cluster_pair_features, doc, e1, t1, e2, t2, cols)


def pair_features_v10(doc: Doc, e1: Span, t1: str, e2: Span, t2: str, cols: PairColumns | None = None) -> list[str]:
    """:func:`pair_features_v2` plus the argument heads' and their common ancestor's clusters only.

    The narrower cousin of ``v9``: the words between and on the path are
    many and their clusters coarse, so they may only add noise; the head
    words ("spokesman", "aide") and the word joining the two carry the
    relation.
    """
    c = cols or pair_columns(doc)
    keep = ("ch1", "ch2", "clca")
    return pair_features_v2(doc, e1, t1, e2, t2, c) + [x for x in cluster_pair_features(doc, e1, t1, e2, t2, c)
                                                        if x.startswith(keep)]


def pair_features_v11(doc: Doc, e1: Span, t1: str, e2: Span, t2: str, cols: PairColumns | None = None) -> list[str]:
    """:func:`pair_features_v10` plus :func:`containment_features`: two independent sources of world knowledge."""
    return pair_features_v10(doc, e1, t1, e2, t2, cols) + containment_features(doc, e1, t1, e2, t2)
