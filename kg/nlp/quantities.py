"""Quantities inside statement content, with what they count.

"the US has delivered 83% of the promised munitions" gives the quantity
``83%`` counting ``the promised munitions``. Pure functions over a spaCy
``Doc``; results are character offsets plus the counted noun phrase's text.
"""

from __future__ import annotations

from spacy.tokens import Doc, Span, Token

#: NER labels that are numeric amounts. DATE/TIME/ORDINAL are left out: "2024"
#: and "first" are not quantities a statement reports.
QUANTITY_LABELS = frozenset({"PERCENT", "MONEY", "QUANTITY", "CARDINAL"})

#: Prepositions that link an amount to what it counts: "83% of the munitions",
#: "$5 million in aid", "a 10% rise in prices".
COUNTED_PREPS = frozenset({"of", "in"})

#: Dependency labels of a number modifying the noun it counts: "3,000 troops".
NUMBER_DEPS = frozenset({"nummod", "quantmod", "compound"})

Quantity = tuple[int, int, "str | None"]


def find_quantities(doc: Doc, spans: tuple[tuple[int, int], ...]) -> tuple[Quantity, ...]:
    """Numeric amounts inside the character ``spans`` of ``doc``.

    Returns:
        ``(start, end, of)`` triples in document order: the amount's offsets
        and the text of what it counts (``None`` when the sentence does not
        say).
    """
    out: list[Quantity] = []
    for ent in doc.ents:
        if ent.label_ not in QUANTITY_LABELS:
            continue
        if not any(s <= ent.start_char and ent.end_char <= e for s, e in spans):
            continue
        if ent.label_ == "CARDINAL" and _is_part_of_name_or_date(ent):
            continue
        out.append((ent.start_char, ent.end_char, _counted(ent)))
    return tuple(out)


def _is_part_of_name_or_date(ent: Span) -> bool:
    # "Section 230", "April 2024" split oddly, list numerals "1." are not amounts.
    root = ent.root
    return root.dep_ in ("appos",) and root.head.pos_ == "PROPN" or len(ent.text) == 4 and ent.text.isdigit()


def _counted(ent: Span) -> str | None:
    root = ent.root
    for child in root.children:
        if child.dep_ == "prep" and child.lower_ in COUNTED_PREPS:
            pobj = next((c for c in child.children if c.dep_ == "pobj"), None)
            if pobj is not None:
                return _np_text(pobj)
    # A number modifying its noun: "3,000 troops" → "troops".
    if root.dep_ in NUMBER_DEPS and root.head.pos_ in ("NOUN", "PROPN") and root.head.i > root.i:
        head = root.head
        left = [t for t in head.lefts if t.i > ent.end - 1 and t.dep_ in ("amod", "compound")]
        start = min([head.i] + [t.i for t in left])
        return ent.doc[start : head.i + 1].text
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
