"""Quantities inside statement content, with what they count.

"the US has delivered 83% of the promised munitions" gives the quantity
``83%`` counting ``the promised munitions``. Pure functions over a spaCy
``Doc``; results are character offsets plus the counted noun phrase's text.
"""

from __future__ import annotations

from spacy.tokens import Doc, Span, Token

from kg.nlp.doc_cache import per_entities

#: NER labels that are numeric amounts. DATE/TIME/ORDINAL are left out: "2024"
#: and "first" are not quantities a statement reports.
QUANTITY_LABELS = frozenset({"PERCENT", "MONEY", "QUANTITY", "CARDINAL"})

#: Prepositions that link an amount to what it counts: "83% of the munitions",
#: "$5 million in aid", "a 10% rise in prices".
COUNTED_PREPS = frozenset({"of", "in"})

#: Dependency labels of a number modifying the noun it counts: "3,000 troops".
NUMBER_DEPS = frozenset({"nummod", "quantmod", "compound"})

Quantity = tuple[int, int, "str | None"]


#: Unit words that belong to the amount: "83 %", "12 percent", "$5 million".
UNIT_WORDS = frozenset({"%", "percent", "per", "cent", "percentage", "points", "million", "billion", "trillion"})


def find_quantities(doc: Doc, spans: tuple[tuple[int, int], ...]) -> tuple[Quantity, ...]:
    """Numeric amounts inside the character ``spans`` of ``doc``.

    Amounts are the NER's numeric entities, and any number followed by a
    percent sign or word the NER missed; a following unit ("%", "percent",
    "million") is kept with the number whatever the NER's boundary.

    Returns:
        ``(start, end, of)`` triples in document order: the amount's offsets
        and the text of what it counts (``None`` when the sentence does not
        say).
    """
    amounts = dict(per_entities(doc, "quantities", _numeric_entities))  # first token → (start, end) tokens
    # Only tokens inside the spans can start a kept amount (see the filter
    # below), so scan those rather than the whole document for each statement.
    for tok in _tokens_in(doc, spans):
        if tok.like_num and tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ in ("%", "percent"):
            if not any(s <= tok.i < e for s, e in amounts.values()):
                amounts[tok.i] = (tok.i, tok.i + 1)
    out: list[Quantity] = []
    for s, e in sorted(amounts.values()):
        while e < len(doc) and doc[e].lower_ in UNIT_WORDS and doc[e - 1].lower_ not in ("%",):
            e += 1
        cs, ce = doc[s].idx, doc[e - 1].idx + len(doc[e - 1].text)
        if not any(a <= cs and ce <= b for a, b in spans):
            continue
        out.append((cs, ce, _counted(doc[s:e])))
    return tuple(out)


def _numeric_entities(doc: Doc) -> dict[int, tuple[int, int]]:
    """The NER's amounts, first token → ``(start, end)`` tokens (the same for every statement of ``doc``)."""
    amounts: dict[int, tuple[int, int]] = {}
    for ent in doc.ents:
        if ent.label_ not in QUANTITY_LABELS:
            continue
        if ent.label_ == "CARDINAL" and _is_part_of_name_or_date(ent):
            continue
        amounts[ent.start] = (ent.start, ent.end)
    return amounts


def _tokens_in(doc: Doc, spans: tuple[tuple[int, int], ...]):
    """The tokens overlapping the character ``spans``, each once, in document order."""
    seen: set[int] = set()
    for a, b in sorted(spans):
        span = doc.char_span(a, b, alignment_mode="expand")
        if span is None:
            continue
        for tok in span:
            if tok.i not in seen:
                seen.add(tok.i)
                yield tok


def _is_part_of_name_or_date(ent: Span) -> bool:
    # "Section 230" (a number inside a name) and bare four-digit years are not amounts.
    root = ent.root
    return (root.dep_ == "appos" and root.head.pos_ == "PROPN") or (len(ent.text) == 4 and ent.text.isdigit())


def _counted(amount: Span) -> str | None:
    """What an amount counts: its "of"/"in" object, else the noun it modifies."""
    for root in (amount[-1], amount.root):
        for child in root.children:
            if child.dep_ == "prep" and child.lower_ in COUNTED_PREPS and child.i >= amount.end:
                pobj = next((c for c in child.children if c.dep_ == "pobj"), None)
                if pobj is not None:
                    return _np_text(pobj)
    # A number modifying its noun: "3,000 troops" → "troops".
    root = amount.root
    if root.dep_ in NUMBER_DEPS and root.head.pos_ in ("NOUN", "PROPN") and root.head.i >= amount.end:
        head = root.head
        start = min([head.i] + [t.i for t in head.lefts if t.i >= amount.end and t.dep_ in ("amod", "compound")])
        return amount.doc[start : head.i + 1].text
    return None


def _np_text(token: Token) -> str:
    """The noun phrase headed by ``token``: its left modifiers, plus an
    adjacent "of"/"for" phrase ("systems for air defence"), never a clause."""
    start = token.left_edge.i
    end = token.i
    for child in token.rights:
        if child.dep_ == "prep" and child.lower_ in ("of", "for") and child.i == end + 1:
            end = child.right_edge.i
        else:
            break
    return token.doc[start : end + 1].text
