"""Feature extraction for the trained components, from a parsed spaCy ``Doc``.

Both models are linear (CRFsuite): a linear-chain CRF over tokens for
attributions and a maximum-entropy classifier (a CRF over one-item sequences)
for entity pairs. Their features are the parser's own output (lemmas, tags,
dependency labels and paths, entity types) plus a few flags a reader of news
uses to spot reported speech (quotation marks, "according to"). Training and
inference call the same functions, so the two can never drift apart.
"""

from __future__ import annotations

from spacy.tokens import Doc, Span, Token

#: Quotation marks (straight, curly, and the PTB-style backquotes CoNLL04 and older news use).
QUOTES = frozenset({'"', "“", "”", "``", "''", "«", "»", "„"})

#: Dependency labels of the clauses that carry reported content.
CLAUSE_DEPS = frozenset({"ccomp", "xcomp", "parataxis", "advcl", "dobj", "conj"})


def quote_parity(doc: Doc) -> list[bool]:
    """Per token: is it inside a pair of quotation marks (reset at paragraph breaks)?"""
    inside = False
    out = []
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
            out.append(True)  # the mark itself belongs to the quote
            continue
        out.append(inside)
    return out


def _governing_clause(i: int, heads: list[int], deps: list[str], lemmas: list[str]) -> tuple[str, str]:
    """The first clause-like ancestor link above token ``i``: (dep, lemma of its head).

    ``("deep", "")`` when there is none up to the root (or within 12 links);
    the shipped model was trained with this encoding.
    """
    cur = i
    for _ in range(12):
        if heads[cur] == cur:
            return "deep", ""
        if deps[cur] in CLAUSE_DEPS:
            return deps[cur], lemmas[heads[cur]]
        cur = heads[cur]
    return "deep", ""


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


def token_features(doc: Doc, quoted: list[bool] | None = None) -> list[list[str]]:
    """One feature list per token of ``doc`` (CRFsuite string features); ``quoted`` as :func:`quote_parity`.

    Token attributes are read once into lists: walking spaCy ``Token``
    objects up the tree for every token dominated the run time.
    """
    if quoted is None:
        quoted = quote_parity(doc)
    n = len(doc)
    toks = list(doc)
    lower = [t.lower_ for t in toks]
    lemmas = [t.lemma_.lower() for t in toks]
    tags = [t.tag_ for t in toks]
    deps = [t.dep_ for t in toks]
    heads = [t.head.i for t in toks]
    verbal = [t.pos_ in ("VERB", "AUX") for t in toks]
    ents = [t.ent_type_ or "-" for t in toks]
    starts = {s.start for s in doc.sents}
    kids: list[list[str]] = [[] for _ in range(n)]
    for i in range(n):
        if heads[i] != i:
            kids[heads[i]].append(deps[i])
    out: list[list[str]] = []
    for i, tok in enumerate(toks):
        w, p, d = lower[i], tags[i], deps[i]
        h = heads[i]
        f = [
            "bias",
            f"w={w}",
            f"l={lemmas[i]}",
            f"p={p}",
            f"d={d}",
            f"e={ents[i]}",
            f"pd={p}|{d}",
            f"hl={lemmas[h]}",
            f"hp={tags[h]}",
            f"dhl={d}|{lemmas[h]}",
            f"q={quoted[i]}",
            f"shape={tok.shape_[:4]}",
            f"ss={i in starts}",
        ]
        if tok.is_punct:
            f.append("punct")
        dep, lemma = _governing_clause(i, heads, deps, lemmas)
        f.append(f"gc={dep}|{lemma}")
        f.append(f"gcl={lemma}")
        subj = _subject_of(i, heads, deps, lemmas)
        if subj:
            f.append(f"subjof={subj}")
        for k, v in enumerate(_verb_ancestors(i, heads, verbal, lemmas)):
            f.append(f"va{k}={v}")
            f.append(f"va={v}")
        if "ccomp" in kids[i]:
            f.append("has_ccomp")
        if "nsubj" in kids[i]:
            f.append("has_nsubj")
        for dk in kids[i]:
            if dk == "ccomp":
                f.append(f"ccomp_l={lemmas[i]}")
        for off in (-2, -1, 1, 2):
            j = i + off
            if 0 <= j < n:
                f.append(f"{off}w={lower[j]}")
                f.append(f"{off}p={tags[j]}")
                f.append(f"{off}q={quoted[j]}")
            else:
                f.append(f"{off}BOUND")
        if i + 1 < n:
            f.append(f"bg+={w}|{lower[i + 1]}")
        if i > 0:
            f.append(f"bg-={lower[i - 1]}|{w}")
        out.append(f)
    return out


# ----------------------------------------------------------------- entity pairs


def _path(a: Token, b: Token) -> tuple[list[Token], list[Token]]:
    """The dependency path from ``a`` up to the lowest common ancestor and down to ``b``."""
    up_a = [a] + list(a.ancestors)
    up_b = [b] + list(b.ancestors)
    ids_b = {t.i: k for k, t in enumerate(up_b)}
    for k, t in enumerate(up_a):
        if t.i in ids_b:
            return up_a[: k + 1], up_b[: ids_b[t.i]]
    return up_a, up_b


def pair_features(doc: Doc, e1: Span, t1: str, e2: Span, t2: str) -> list[str]:
    """Features of the ordered pair (``e1`` of type ``t1``, ``e2`` of type ``t2``)."""
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
    up, down = _path(e1.root, e2.root)
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
    return f


# ----------------------------------------------------------------- entity pairs, model 0.2 templates


def extra_pair_features(doc: Doc, e1: Span, t1: str, e2: Span, t2: str) -> list[str]:
    """Templates added to :func:`pair_features` in relations model 0.2.

    spaCy's labels of the two spans (GPE/LOC/FAC/NORP…), their words,
    the words between tagged with the pair's order and types, the verbs
    between, the entities and commas between, a two-word window outside the
    pair, the dependency path tagged with the types, and whether one span
    governs the other.
    """
    order = "12" if e1.start < e2.start else "21"
    types = f"{t1}|{t2}"
    labels = {(e.start, e.end): e.label_ for e in doc.ents}  # gold spans (training) carry no label of their own
    lab1, lab2 = labels.get((e1.start, e1.end), "-"), labels.get((e2.start, e2.end), "-")
    f = [f"lab={lab1}|{lab2}", f"len={min(len(e1), 4)}|{min(len(e2), 4)}"]
    f += [f"w1={t.lower_}" for t in e1]
    f += [f"w2={t.lower_}" for t in e2]
    lo, hi = (e1, e2) if e1.start < e2.start else (e2, e1)
    between = doc[lo.end:hi.start]
    for t in between[:12]:
        f.append(f"bwo={order}|{t.lemma_.lower()}")
        if t.pos_ in ("VERB", "AUX"):
            f.append(f"bv={t.lemma_.lower()}")
    if len(between):
        f.append(f"blast_t={between[-1].lower_}|{types}|{order}")
        f.append(f"bfirst_t={between[0].lower_}|{types}|{order}")
    f.append(f"ncomma={min(sum(1 for t in between if t.text == ','), 3)}")
    ents_between = sum(1 for e in doc.ents if lo.end <= e.start and e.end <= hi.start)
    f.append(f"nent={min(ents_between, 3)}")
    for k in (1, 2):
        j = lo.start - k
        f.append(f"b{k}={doc[j].lower_ if j >= 0 else '<s>'}")
        j = hi.end + k - 1
        f.append(f"a{k}={doc[j].lower_ if j < len(doc) else '</s>'}")
    up, down = _path(e1.root, e2.root)
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


def pair_features_v2(doc: Doc, e1: Span, t1: str, e2: Span, t2: str) -> list[str]:
    """:func:`pair_features` plus :func:`extra_pair_features` (relations model 0.2)."""
    return pair_features(doc, e1, t1, e2, t2) + extra_pair_features(doc, e1, t1, e2, t2)
