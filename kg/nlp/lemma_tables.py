"""The rule lemmatizer's word lists as sets: the same lemmas, without scanning 57,000-word lists.

spaCy's rule lemmatizer (``Lemmatizer.rule_lemmatize``) checks each candidate
form it derives with ``form in index``, where ``index`` is the model's list of
known words for the part of speech (up to 57,528 of them) as a Python *list* in
en_core_web_sm, so every check scans it: 0.96 s for the 53,300 tokens of 40
PolNeAR dev articles and CoNLL04 dev, 0.16 s with sets (nearly all of the
lemmatizer's time). Membership is all the rule lemmatizer asks of these lists, so
:func:`index_as_sets` turns them into frozensets once, when the model loads.

Only spaCy's own ``Lemmatizer`` and ``EnglishLemmatizer`` are changed: other
languages' lemmatizers read the lists in other ways.
"""

from __future__ import annotations

from spacy.lang.en.lemmatizer import EnglishLemmatizer
from spacy.language import Language
from spacy.pipeline import Lemmatizer

#: Lemmatizer classes whose rule mode only tests membership in the ``lemma_index`` lists.
MEMBERSHIP_ONLY = (Lemmatizer, EnglishLemmatizer)


def index_as_sets(nlp: Language, name: str = "lemmatizer") -> int:
    """Replace the word lists of the rule lemmatizer ``name`` by frozensets; return how many were replaced."""
    if name not in nlp.pipe_names:
        return 0
    lem = nlp.get_pipe(name)
    if type(lem) not in MEMBERSHIP_ONLY or lem.mode != "rule" or "lemma_index" not in lem.lookups.tables:
        return 0
    table = lem.lookups.get_table("lemma_index")
    lists = [key for key, words in table.items() if isinstance(words, list)]
    for key in lists:
        table[key] = frozenset(table[key])
    return len(lists)
