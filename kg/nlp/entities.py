"""Entity rules: a small gazetteer for the NER and fixes for its known errors.

The small English model is fast but makes a handful of systematic mistakes on
news text. Each rule set below names the case it covers; the rules are pure
functions over a ``Doc`` and the spaCy components in
:mod:`kg.nlp.components` only apply them.
"""

from __future__ import annotations

from spacy.tokens import Doc, Span

#: spaCy label → graph entity type. NORP is handled by :func:`norp_is_body`;
#: TITLE is our own ruler label for job titles (never an entity).
LABEL_TYPES = {"PERSON": "Person", "ORG": "Organization", "GPE": "Location", "LOC": "Location", "FAC": "Location"}

#: Case: well-known countries and capitals that the small model mislabels in
#: headlines and short sentences ("support for Kyiv" → PERSON). Applied after
#: the NER (:func:`fix_entities`): an NER span with exactly this text becomes
#: GPE, and an unlabelled occurrence is added. Not a ruler before the NER: a
#: preset "US" would cut longer names such as "US Department of State".
PLACES = (
    "Kyiv", "Kiev", "Kharkiv", "Odesa", "Lviv", "Donbas", "Crimea", "Moscow", "Brussels", "Washington, D.C.",
    "Beijing", "Tokyo", "Seoul", "Pyongyang", "Paris", "Berlin", "London", "Warsaw", "Vilnius", "Riga", "Tallinn",
    "Helsinki", "Stockholm", "Oslo", "Copenhagen", "Ankara", "Tehran", "Jerusalem", "Tel Aviv", "Gaza", "Beirut",
    "Damascus", "Baghdad", "Kabul", "Minsk", "Budapest", "Bucharest", "Prague", "Bratislava", "Vienna", "Rome",
    "Madrid", "Lisbon", "Athens", "The Hague", "Amsterdam", "Geneva", "Ottawa", "Canberra", "New Delhi",
    "Ukraine", "Russia", "Belarus", "Poland", "Moldova", "Georgia", "North Korea", "South Korea", "China", "Japan",
    "Iran", "Israel", "Turkey", "Germany", "France", "United Kingdom", "UK", "U.K.", "US", "U.S.", "USA",
    "United States", "Lithuania", "Latvia", "Estonia", "Finland", "Sweden", "Norway", "Hungary", "Romania",
)

#: Case: well-known organisations the small model often misses or mislabels
#: ("U.N. Secretary-General ..."). Applied like :data:`PLACES`, after the NER.
ORGS = ("U.N.", "UN", "United Nations", "NATO", "EU", "European Union", "Pentagon", "FBI", "CIA", "IRS",
        "Interpol", "World Bank", "IMF", "OSCE", "Red Cross")

#: Case: ranks and titles the NER swallows into a preceding organisation
#: ("[Coast Guard Lt]. Steve Hardy", "[Madison County Judge] William"): cut off
#: the organisation's last word when a person follows.
TRAILING_TITLES = frozenset({"lt", "lt.", "sgt", "sgt.", "col", "col.", "gen", "gen.", "capt", "capt.", "adm",
                             "adm.", "cmdr", "cmdr.", "judge", "chairman", "chairwoman", "president",
                             "secretary", "spokesman", "spokeswoman", "spokesperson", "director", "commissioner",
                             "attorney", "officer", "sheriff", "mayor", "chief", "minister", "professor"})

#: Case: capitalised job titles. Without them the NER tags "State" in
#: "Secretary of State" as an ORG. TITLE spans are not entities; the role rules
#: in :mod:`kg.nlp.relations` read them.
TITLES = (
    "Secretary of State", "Secretary of Defense", "Secretary General", "Secretary-General", "Foreign Minister",
    "Defence Minister", "Defense Minister", "Prime Minister", "Deputy Prime Minister", "Press Secretary",
    "National Security Adviser", "National Security Advisor", "Attorney General", "Chief of Staff",
    "Deputy Secretary of State", "Under Secretary of State",
)

#: Case: section labels of scraped pages ("Background:", "Source:") that the
#: NER reads as names when they stand alone on a line.
SECTION_LABELS = frozenset(
    {"background", "source", "quote", "quotes", "update", "context", "note", "photo", "read more", "details",
     "reference", "related", "summary"}
)

#: Case: definite descriptions capitalised as names ("the Alliance" for NATO,
#: "the Administration"). They are anaphoric; linking them needs discourse
#: knowledge we do not have, so we drop them rather than mint a wrong entity.
ANAPHORIC_ORG_NOUNS = frozenset(
    {"alliance", "administration", "department", "ministry", "committee", "agency", "government", "company",
     "bloc", "union", "council", "court", "commission", "parliament", "senate", "house", "office", "bureau",
     "embassy", "army", "navy", "board", "party", "group", "coalition", "organization", "organisation"}
)

#: Case: honorifics that belong to a person's mention ("President Lincoln",
#: "Mrs. Rose"); CoNLL04 marks them as part of the name. The canonical name
#: drops them (:mod:`kg.nlp.canon`).
HONORIFICS = frozenset(
    {"President", "Mr.", "Mr", "Mrs.", "Mrs", "Ms.", "Ms", "Miss", "Dr.", "Dr", "Sen.", "Rep.", "Gov.", "Gen.",
     "Prince", "Princess", "King", "Queen", "Pope", "Sir", "Dame", "Lord", "Lady", "Judge", "Justice", "Officer",
     "Sgt.", "Col.", "Lt.", "Capt.", "Adm.", "Archduke", "Emperor", "Senator", "Governor", "Premier", "Chancellor"}
)

#: Honorifics that extend a person mention leftwards: those CoNLL04 train
#: includes in the name more often than not ("President Lincoln", "Mrs. Rose";
#: but "Sen." and "Judge" stay outside: "Judge [William O'Brien]").
MENTION_HONORIFICS = frozenset(
    {"President", "Mr.", "Mr", "Mrs.", "Mrs", "Ms.", "Ms", "Miss", "Gen.", "Prince", "Princess", "King", "Queen",
     "Pope", "Sir", "Dame", "Lord", "Lady", "Archduke", "Emperor", "Officer", "Sgt."}
)

#: Determiners and possessive markers trimmed from entity edges
#: ("the US Department of State's" → "US Department of State").
EDGE_DETERMINERS = frozenset({"the", "a", "an", "The", "A", "An"})
POSSESSIVES = frozenset({"'s", "'", "’s", "’"})


def ruler_patterns() -> list[dict]:
    """Patterns for the gazetteer entity ruler (token-exact, case-sensitive)."""
    return [{"label": "TITLE", "pattern": t} for t in TITLES]


def _line_start(doc: Doc, i: int) -> bool:
    return i == 0 or (doc[i - 1].is_space and "\n" in doc[i - 1].text)


def is_section_label(span: Span) -> bool:
    """True for a heading label: a line opening with the span, then a colon."""
    doc = span.doc
    if span.end >= len(doc) or doc[span.end].text != ":":
        return False
    if not _line_start(doc, span.start):
        return False
    return span.text.lower() in SECTION_LABELS or (
        len(span) == 1 and (span.end + 1 >= len(doc) or (doc[span.end + 1].is_space and "\n" in doc[span.end + 1].text))
    )


def is_dateline_place(span: Span) -> bool:
    """An upper-case place opening a news dateline: "DAYTON , Ohio ( AP )", "BLYTHE, Calif."."""
    doc = span.doc
    if span.start != span.sent.start and not _line_start(doc, span.start):
        return False
    if not all(t.is_upper or not t.is_alpha for t in span):
        return False
    nxt = span.end
    return nxt + 1 < len(doc) and doc[nxt].text == "," and doc[nxt + 1].ent_type_ in ("GPE", "LOC")


def norp_is_body(span: Span) -> bool:
    """NORP that names a body of people ("the Democrats", "Republicans"), not an adjective ("North Korean troops")."""
    root = span.root
    return root.tag_ in ("NNPS", "NNS") and root.dep_ not in ("amod", "compound")


def split_at_newlines(span: Span) -> list[tuple[int, int]]:
    """Token ranges of ``span`` split at line-break tokens (names never cross lines)."""
    parts, start = [], span.start
    for tok in span:
        if "\n" in tok.text or "\n" in tok.whitespace_:
            end = tok.i if tok.is_space else tok.i + 1
            if end > start:
                parts.append((start, end))
            start = tok.i + 1
    if span.end > start:
        parts.append((start, span.end))
    return parts


def trim(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """Drop determiners, possessives and punctuation at the edges of a token range."""
    while start < end and (doc[start].text in EDGE_DETERMINERS or doc[start].is_punct or doc[start].is_space):
        start += 1
    while end > start and (doc[end - 1].text in POSSESSIVES or doc[end - 1].is_space
                           or (doc[end - 1].is_punct and not _closes_bracket(doc, start, end))):
        end -= 1
    return start, end


def _closes_bracket(doc: Doc, start: int, end: int) -> bool:
    """A final ")" that closes a bracket opened inside the range stays ("Initiative (USAI)")."""
    return doc[end - 1].text == ")" and any(doc[k].text == "(" for k in range(start, end - 1))


def _person_names(spans: list[Span]) -> set[str]:
    names = set()
    for s in spans:
        if s.label_ == "PERSON":
            names.add(s.text)
            words = [t.text for t in s if t.text not in HONORIFICS]
            if len(words) > 1:
                names.add(words[-1])
    return names


def fix_entities(doc: Doc, places: list[tuple[int, int, str]] = ()) -> list[Span]:
    """Return corrected entity spans for ``doc`` (the NER's output plus rules).

    In order: split at line breaks; trim determiners and possessives; cut an
    unclosed bracket and a rank swallowed before a person; drop section labels
    and anaphoric definite descriptions; add unlabelled gazetteer matches;
    relabel a name the document elsewhere uses for a person as PERSON
    ("Blinken" tagged GPE), gazetteer names and upper-case dateline places;
    extend persons over a preceding honorific.

    Args:
        doc: the Doc with the NER's entities.
        places: ``(start, end, label)`` token ranges of :data:`PLACES` (GPE) and
            :data:`ORGS` (ORG) matches (a PhraseMatcher's output).
    """
    spans: list[Span] = []
    for ent in doc.ents:
        for s, e in split_at_newlines(ent):
            s, e = trim(doc, s, e)
            if e <= s:
                continue
            opened = [k for k in range(s, e) if doc[k].text == "("]
            if opened and not any(doc[k].text == ")" for k in range(opened[0], e)):
                e = opened[0]  # "Conference on ... in Europe ( CSCE": cut at the unclosed bracket
                s, e = trim(doc, s, e)
                if e <= s:
                    continue
            while ent.label_ == "ORG" and e - s > 1 and doc[e - 1].lower_ in TRAILING_TITLES \
                    and e < len(doc) and (doc[e].ent_type_ == "PERSON" or doc[e].text == "."):
                e -= 1
            span = Span(doc, s, e, label=ent.label_)
            if is_section_label(span):
                continue
            if (span.label_ == "ORG" and len(span) == 1 and span[0].text.lower() in ANAPHORIC_ORG_NOUNS
                    and s > 0 and doc[s - 1].lower_ == "the"):
                continue
            if not any(ch.isalpha() for ch in span.text):  # "Fla." and "U.S." are names; "--" is not
                if span.label_ in LABEL_TYPES or span.label_ == "NORP":
                    continue
            spans.append(span)
    covered = {i for sp in spans for i in range(sp.start, sp.end)}
    for s, e, label in places:
        if not covered.intersection(range(s, e)):
            spans.append(Span(doc, s, e, label=label))
            covered.update(range(s, e))
    persons = _person_names(spans)
    out: list[Span] = []
    taken: set[int] = set()
    for span in spans:
        taken.update(range(span.start, span.end))
    for span in spans:
        label = span.label_
        if label in ("GPE", "LOC", "ORG", "NORP", "FAC") and span.text in persons and span.text not in PLACES:
            label = "PERSON"
        elif label != "GPE" and span.text in PLACES:
            label = "GPE"
        elif label != "ORG" and span.text in ORGS:
            label = "ORG"
        elif label == "ORG" and is_dateline_place(span):
            label = "GPE"
        start = span.start
        if label == "PERSON":
            while start > 0 and doc[start - 1].text in MENTION_HONORIFICS and (start - 1) not in taken:
                start -= 1
        out.append(Span(doc, start, span.end, label=label))
    return filter_overlaps(out)


def filter_overlaps(spans: list[Span]) -> list[Span]:
    """Keep the longest of overlapping spans, in document order."""
    from spacy.util import filter_spans

    return sorted(filter_spans(spans), key=lambda s: s.start)


def entity_type(span: Span) -> str | None:
    """Graph type of an entity span, or None if it is not a graph entity."""
    if span.label_ == "NORP":
        return "Organization" if norp_is_body(span) else None
    return LABEL_TYPES.get(span.label_)
