"""Pronoun coreference for persons: a documented heuristic.

No maintained coreference library runs offline on spaCy 3.8 (``coreferee``
pins spaCy < 3.6 and needs its own model download), so personal pronouns are
resolved with a salience heuristic that is right for the common news pattern
"<Name> said … . He also said …":

1. Candidates are person mentions before the pronoun, in the same sentence or
   up to :data:`WINDOW` sentences back.
2. A candidate whose known gender conflicts with the pronoun is skipped.
   Gender comes from cues next to the mention (:data:`FEMALE_CUES`,
   :data:`MALE_CUES`: "spokeswoman", "Mrs.", "spokesman", "Mr.") and from
   pronouns already resolved to the entity.
3. Grammatical subjects win over other mentions; among equals the nearest wins.

The functions take plain data (mention tuples, sentence indices) plus the Doc
for grammatical roles, and return an index into the mention list.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc

#: Pronouns we resolve, with their gender. "they"/"it" are not resolved: they
#: usually refer to groups or institutions, and a wrong person is worse than none.
PRONOUN_GENDER = {"he": "m", "him": "m", "his": "m", "himself": "m",
                  "she": "f", "her": "f", "hers": "f", "herself": "f"}

#: Words before or inside a person mention that reveal gender.
FEMALE_CUES = frozenset({"spokeswoman", "mrs.", "mrs", "ms.", "ms", "miss", "madam", "queen", "princess",
                         "congresswoman", "chairwoman", "businesswoman", "actress", "lady", "dame", "wife",
                         "mother", "daughter", "sister", "grandmother", "widow"})
MALE_CUES = frozenset({"spokesman", "mr.", "mr", "king", "prince", "congressman", "chairman", "businessman",
                       "actor", "lord", "sir", "husband", "father", "son", "brother", "grandfather", "archduke"})

#: How many sentences back a pronoun may reach.
WINDOW = 3

#: Subject dependency labels (a subject mention is the most salient antecedent).
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})


@dataclass(frozen=True)
class PersonMention:
    """A person mention: token range, sentence index and its entity key."""

    start: int  # token index
    end: int
    sentence: int
    entity: str


def mention_gender(doc: Doc, start: int, end: int) -> str | None:
    """Gender cue in the mention or the three words before it, else None."""
    for tok in doc[max(0, start - 3):end]:
        low = tok.lower_
        if low in FEMALE_CUES:
            return "f"
        if low in MALE_CUES:
            return "m"
    return None


def is_subject(doc: Doc, start: int, end: int) -> bool:
    """True if the mention (or the noun phrase it heads into) is a clause subject."""
    span = doc[start:end]
    root = span.root
    while root.dep_ in ("compound", "flat", "appos") and root.head is not root:
        root = root.head
    return root.dep_ in SUBJECT_DEPS


class Resolver:
    """Resolve pronouns in one document; remembers genders it has learnt.

    Args:
        doc: the parsed document.
        mentions: person mentions, in document order.
        sent_of: token index → sentence index.
    """

    def __init__(self, doc: Doc, mentions: list[PersonMention], sent_of: list[int]):
        self.doc = doc
        self.mentions = sorted(mentions, key=lambda m: m.start)
        self.sent_of = sent_of
        self.gender: dict[str, str] = {}
        for m in self.mentions:
            g = mention_gender(doc, m.start, m.end)
            if g and m.entity not in self.gender:
                self.gender[m.entity] = g

    def resolve(self, token_i: int) -> PersonMention | None:
        """The antecedent of the pronoun at ``token_i``, or None."""
        tok = self.doc[token_i]
        want = PRONOUN_GENDER.get(tok.lower_)
        if want is None:
            return None
        sent = self.sent_of[token_i]
        cands = [
            m for m in self.mentions
            if m.end <= token_i and sent - WINDOW <= m.sentence <= sent
            and self.gender.get(m.entity, want) == want
        ]
        if not cands:
            return None
        subjects = [m for m in cands if is_subject(self.doc, m.start, m.end)]
        best = max(subjects or cands, key=lambda m: m.start)
        self.gender.setdefault(best.entity, want)
        return best
