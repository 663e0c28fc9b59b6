"""Curated cue lexicons for attribution (who said what).

Each constant is one linguistic case. Lemmas are spaCy lemmas of the cue verb.
The lists were curated from reporting-verb inventories used in news
attribution work (PolNeAR's annotation guidelines, the PARC corpus) and checked
against the *train* split's cue frequencies in aggregate, never against dev
cases.
"""

from __future__ import annotations

#: Verbs of saying that introduce reported or quoted speech with a clausal
#: complement: "X said (that) …", "… ," X added.
SPEECH_VERBS = frozenset(
    """
    say tell add note report warn highlight reaffirm reiterate stress emphasize emphasise
    state declare announce explain write tweet post claim argue contend insist maintain
    assert allege acknowledge admit concede confirm deny reveal disclose indicate
    suggest hint imply predict promise pledge vow assure reassure caution
    complain lament boast joke quip muse observe remark comment recall recount
    answer reply respond retort counter testify conclude estimate
    mention point underline underscore stress signal urge demand propose recommend
    speculate guess agree disagree protest object charge accuse
    inform notify brief advise remind ask wonder question
    continue
    """.split()
)

#: Verbs of cognition and belief that also attribute a proposition to a source
#: ("X believes that …", "polls show that …"); PolNeAR annotates them as
#: attributions, at a lower confidence than speech verbs.
COGNITION_VERBS = frozenset(
    """
    believe think feel know expect hope fear worry doubt suspect consider
    find show reckon understand learn hear realize realise recognize recognise
    """.split()
)

#: Verbs whose direct object is the addressee: "told reporters that …",
#: "assured NATO that …", "warned Moscow that …".
ADDRESSEE_VERBS = frozenset(
    """
    tell assure reassure warn inform notify brief remind advise caution promise
    ask urge convince persuade
    """.split()
)

#: Verbs whose infinitival complement is the attributed content:
#: "X promised to …", "X vowed to …", "X urged Congress to …".
INFINITIVE_SPEECH_VERBS = frozenset(
    """
    promise pledge vow threaten urge refuse decline offer propose demand
    seek decide plan ask call
    """.split()
)

#: Speech-act verbs whose direct object is the reported content:
#: "Singh reaffirmed the US's commitment to …", "X denied the allegations",
#: "X announced a new aid package". PolNeAR annotates these as attributions.
NOMINAL_CONTENT_VERBS = frozenset(
    """
    reaffirm reiterate announce deny confirm acknowledge admit predict promise pledge
    propose reject condemn criticize criticise praise endorse welcome express voice
    dismiss defend demand question dispute blame accuse recommend unveil outline
    describe cite disclose reveal stress emphasize emphasise highlight
    discuss mention denounce note address
    """.split()
)

#: Speech verbs whose content is a prepositional object: "X referred to
#: the attack", "X talked about her plans", "X pointed to the polls".
PREPOSITIONAL_CONTENT = frozenset(
    {
        ("refer", "to"), ("talk", "about"), ("speak", "about"), ("speak", "of"), ("point", "to"),
        ("comment", "on"), ("complain", "about"), ("warn", "about"), ("warn", "of"), ("ask", "about"),
        ("write", "about"), ("boast", "about"), ("joke", "about"), ("call", "for"), ("argue", "for"),
        ("testify", "about"), ("reflect", "on"), ("weigh", "in"),
    }
)

#: Particles that are part of a phrasal cue: "pointed out", "spelled out".
CUE_PARTICLES = frozenset({"out", "up"})

#: Quote marks spaCy emits as separate tokens. ASCII '"' and NYT-style "''"
#: are ambiguous (open or close); the curly ones are not.
OPEN_QUOTES = frozenset({"“", "``", "«", "‘‘"})
CLOSE_QUOTES = frozenset({"”", "»", "’’"})
AMBIGUOUS_QUOTES = frozenset({'"', "''"})
QUOTE_MARKS = OPEN_QUOTES | CLOSE_QUOTES | AMBIGUOUS_QUOTES

#: Dependency labels that name the speaker of a cue verb.
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})

#: Dependency labels of clausal complements that carry reported content.
CONTENT_DEPS = frozenset({"ccomp"})

#: Entity labels that can stand alone as a source before a colon
#: ("Trump: ' …'" in headlines).
SOURCE_LABELS = frozenset({"PERSON", "ORG", "NORP", "GPE"})


def is_cue_lemma(lemma: str) -> bool:
    """True when ``lemma`` is a speech or cognition cue.

    >>> is_cue_lemma("warn"), is_cue_lemma("eat")
    (True, False)
    """
    return lemma in SPEECH_VERBS or lemma in COGNITION_VERBS
