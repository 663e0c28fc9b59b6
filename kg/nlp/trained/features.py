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


def _governing_clause(tok: Token) -> tuple[str, str]:
    """The first clause-like ancestor link above ``tok``: (dep, lemma of its head)."""
    cur = tok
    for _ in range(12):
        if cur.head is cur:
            return "ROOT", cur.lemma_.lower()
        if cur.dep_ in CLAUSE_DEPS:
            return cur.dep_, cur.head.lemma_.lower()
        cur = cur.head
    return "deep", ""


def _subject_of(tok: Token) -> str:
    """Lemma of the verb whose subject phrase holds ``tok`` ("" when none)."""
    cur = tok
    for _ in range(8):
        if cur.dep_ in ("nsubj", "nsubjpass"):
            return cur.head.lemma_.lower()
        if cur.head is cur or cur.dep_ in CLAUSE_DEPS:
            return ""
        cur = cur.head
    return ""


def _verb_ancestors(tok: Token, n: int = 3) -> list[str]:
    out = []
    for a in tok.ancestors:
        if a.pos_ in ("VERB", "AUX"):
            out.append(a.lemma_.lower())
            if len(out) >= n:
                break
    return out


def token_features(doc: Doc) -> list[list[str]]:
    """One feature list per token of ``doc`` (CRFsuite string features)."""
    quoted = quote_parity(doc)
    base: list[dict[str, str]] = []
    for tok in doc:
        base.append({
            "w": tok.lower_,
            "l": tok.lemma_.lower(),
            "p": tok.tag_,
            "d": tok.dep_,
            "e": tok.ent_type_ or "-",
        })
    n = len(doc)
    sent_start = [tok.is_sent_start for tok in doc]
    out: list[list[str]] = []
    for i, tok in enumerate(doc):
        b = base[i]
        f = [
            "bias",
            f"w={b['w']}",
            f"l={b['l']}",
            f"p={b['p']}",
            f"d={b['d']}",
            f"e={b['e']}",
            f"pd={b['p']}|{b['d']}",
            f"hl={tok.head.lemma_.lower()}",
            f"hp={tok.head.tag_}",
            f"dhl={b['d']}|{tok.head.lemma_.lower()}",
            f"q={quoted[i]}",
            f"shape={tok.shape_[:4]}",
            f"ss={bool(sent_start[i])}",
        ]
        if tok.is_punct:
            f.append("punct")
        dep, lemma = _governing_clause(tok)
        f.append(f"gc={dep}|{lemma}")
        f.append(f"gcl={lemma}")
        subj = _subject_of(tok)
        if subj:
            f.append(f"subjof={subj}")
        for k, v in enumerate(_verb_ancestors(tok)):
            f.append(f"va{k}={v}")
            f.append(f"va={v}")
        kids = {c.dep_ for c in tok.children}
        if "ccomp" in kids:
            f.append("has_ccomp")
        if "nsubj" in kids:
            f.append("has_nsubj")
        for c in tok.children:
            if c.dep_ == "ccomp":
                f.append(f"ccomp_l={tok.lemma_.lower()}")
        for off in (-2, -1, 1, 2):
            j = i + off
            if 0 <= j < n:
                f.append(f"{off}w={base[j]['w']}")
                f.append(f"{off}p={base[j]['p']}")
                f.append(f"{off}q={quoted[j]}")
            else:
                f.append(f"{off}BOUND")
        if i + 1 < n:
            f.append(f"bg+={b['w']}|{base[i + 1]['w']}")
        if i > 0:
            f.append(f"bg-={base[i - 1]['w']}|{b['w']}")
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
