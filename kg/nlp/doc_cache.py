"""Values derived from a Doc's entities, computed once per Doc and entity annotation.

spaCy's ``Doc.ents`` getter walks every token and builds a new ``Span`` per
entity on each access. Rules that run once per statement or per entity pair
(thousands of times on a long article) read values derived from it through
:func:`per_entities` instead, which recomputes only when the entity tags
changed (a fingerprint of the ENT_IOB/ENT_TYPE columns: one C call).

>>> import spacy
>>> nlp = spacy.blank("en")
>>> doc = nlp("Kyiv and Brussels")
>>> calls = []
>>> def count(d):
...     calls.append(1)
...     return len(d.ents)
>>> per_entities(doc, "n", count), per_entities(doc, "n", count), len(calls)
(0, 0, 1)
>>> doc.ents = [doc.char_span(0, 4, label="GPE")]
>>> per_entities(doc, "n", count), len(calls)
(1, 2)
"""

from __future__ import annotations

import weakref
from typing import Callable, TypeVar

from spacy.attrs import ENT_IOB, ENT_TYPE
from spacy.tokens import Doc

T = TypeVar("T")

#: Per Doc: name → (fingerprint of the entity annotation, value). Weak, so a Doc's values go with it.
_CACHE: "weakref.WeakKeyDictionary[Doc, dict[str, tuple[bytes, object]]]" = weakref.WeakKeyDictionary()


def per_entities(doc: Doc, name: str, compute: Callable[[Doc], T]) -> T:
    """``compute(doc)``, cached under ``name`` while ``doc``'s entity tags stay the same."""
    key = doc.to_array([ENT_IOB, ENT_TYPE]).tobytes()
    values = _CACHE.get(doc)
    if values is None:
        values = _CACHE[doc] = {}
    hit = values.get(name)
    if hit is None or hit[0] != key:
        hit = values[name] = (key, compute(doc))
    return hit[1]  # type: ignore[return-value]


def forget(doc: Doc) -> None:
    """Drop every value cached for ``doc`` (the next :func:`per_entities` computes afresh)."""
    _CACHE.pop(doc, None)
