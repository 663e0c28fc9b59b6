"""Name normalisation and comparison for cross-document resolution.

Pure functions over strings; no model, no corpus. Each rule set is a named
constant with a comment on the case it covers, so a merge can be explained by
pointing at one.

>>> person_parts("Donald J. Trump")
('donald', 'trump')
>>> first_names_compatible("tony", "antony")
True
>>> acronym("Ukraine Security Assistance Initiative")
'USAI'
"""

from __future__ import annotations

import re
import unicodedata

#: Honorifics and titles that precede a person's name but are not part of it
#: ("President Biden", "Sen. Cruz", "Mrs. Clinton").
TITLES = frozenset(
    """mr mrs ms miss dr prof sir dame lord lady rev gen col lt capt sgt
    president vice secretary senator sen rep representative gov governor mayor
    minister chancellor judge justice chief pope king queen prince princess
    speaker ambassador general admiral""".split()
)

#: Generational suffixes that do not distinguish people in news text
#: ("Joseph R. Biden Jr." is Joe Biden).
SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})

#: Name particles that belong to the surname ("bin Laden", "de Blasio", "van Rompuy").
PARTICLES = frozenset({"bin", "de", "del", "della", "da", "di", "van", "von", "der", "la", "le", "al", "el", "ibn"})

#: Common English hypocoristics: the short form and the full forms it stands for.
#: "Tony Blinken" is "Antony Blinken"; "Bill Clinton" is never "Hillary Clinton".
NICKNAMES: dict[str, frozenset[str]] = {
    k: frozenset(v.split())
    for k, v in {
        "tony": "anthony antony antonio",
        "bill": "william",
        "will": "william",
        "billy": "william",
        "bob": "robert",
        "bobby": "robert",
        "rob": "robert",
        "joe": "joseph",
        "mike": "michael",
        "jim": "james",
        "jimmy": "james",
        "tom": "thomas",
        "dick": "richard",
        "rick": "richard",
        "dan": "daniel",
        "dave": "david",
        "chris": "christopher christine christina",
        "liz": "elizabeth",
        "beth": "elizabeth",
        "betsy": "elizabeth",
        "kate": "katherine catherine kathryn",
        "katie": "katherine catherine kathryn",
        "ted": "edward theodore",
        "ed": "edward",
        "al": "albert alan allen alfred",
        "alex": "alexander alexandra",
        "andy": "andrew",
        "ben": "benjamin",
        "chuck": "charles",
        "charlie": "charles",
        "steve": "steven stephen",
        "jeff": "jeffrey",
        "jerry": "gerald jerome",
        "larry": "lawrence laurence",
        "nick": "nicholas",
        "pat": "patrick patricia",
        "pete": "peter",
        "sam": "samuel samantha",
        "sue": "susan",
        "tim": "timothy",
        "hank": "henry",
        "harry": "henry harold",
        "jack": "john",
        "johnny": "john",
        "newt": "newton",
        "mitt": "willard",
        "bernie": "bernard",
        "hillary": "hillary",
    }.items()
}

#: Well-known institutional and place aliases in English news. A merge by this
#: table is reported as "alias table" so a user can override it.
KNOWN_ALIASES: tuple[frozenset[str], ...] = tuple(
    frozenset(group)
    for group in (
        {"us", "usa", "united states", "united states of america", "america"},
        {"uk", "britain", "great britain", "united kingdom"},
        {"un", "united nations"},
        {"eu", "european union"},
        {"pentagon", "us department of defense", "department of defense", "defense department", "dod"},
        {"state department", "us department of state", "department of state", "us state department"},
        {"white house"},
        {"nato", "north atlantic treaty organization", "alliance"},
        {"fbi", "federal bureau of investigation"},
        {"cia", "central intelligence agency"},
        {"gop", "republican party"},
        {"dnc", "democratic national committee"},
        {"rnc", "republican national committee"},
        {"imf", "international monetary fund"},
        {"kyiv", "kiev"},
    )
)

#: Words skipped when forming an acronym ("Department of State" → "DS", not "DOS").
ACRONYM_STOPWORDS = frozenset({"of", "the", "for", "and", "on", "in", "to", "a", "an", "&"})

_SPACE = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s'-]")


def fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form of a name.

    >>> fold("U.S.  Department of  State")
    'us department of state'
    """
    t = unicodedata.normalize("NFKD", text.replace("\u2019", "'")).encode("ascii", "ignore").decode()
    t = t.lower().replace(".", "")  # "U.S." → "us", "J." → "j"
    t = _SPACE.sub(" ", _PUNCT.sub(" ", t)).strip()
    t = re.sub(r"^the ", "", t)
    t = re.sub(r"'s$", "", t)
    return t


def person_parts(name: str) -> tuple[str | None, str]:
    """Split a person name into (first name, surname), dropping titles, initials and suffixes.

    A single-token name returns ``(None, token)``: we cannot tell a first name
    from a surname, so callers compare it with both.

    >>> person_parts("President Joe Biden")
    ('joe', 'biden')
    >>> person_parts("Osama bin Laden")
    ('osama', 'bin laden')
    >>> person_parts("Clinton")
    (None, 'clinton')
    """
    toks = [t for t in fold(name).split() if t]
    while toks and toks[0] in TITLES and len(toks) > 1:
        toks.pop(0)
    while toks and toks[-1] in SUFFIXES and len(toks) > 2:
        toks.pop()
    toks = [t for i, t in enumerate(toks) if not (len(t) == 1 and 0 < i < len(toks) - 1)]  # middle initials
    if not toks:
        return None, fold(name)
    if len(toks) == 1:
        return None, toks[0]
    i = len(toks) - 1
    while i > 1 and toks[i - 1] in PARTICLES:
        i -= 1
    return toks[0], " ".join(toks[i:])


def first_names_compatible(a: str, b: str) -> bool:
    """Whether two first names can denote the same person (equal, nickname, initial)."""
    if a == b:
        return True
    if len(a) == 1 or len(b) == 1:
        return a[0] == b[0]
    return b in NICKNAMES.get(a, ()) or a in NICKNAMES.get(b, ())


def canonical_first(a: str) -> str:
    """A first name's canonical form for conflict checks ("bill" → "william")."""
    full = NICKNAMES.get(a)
    return min(full) if full and len(full) == 1 else a


def acronym(name: str) -> str:
    """Initials of the capitalised content words of a name."""
    words = [w for w in re.split(r"[\s-]+", name) if w and w.lower() not in ACRONYM_STOPWORDS]
    return "".join(w[0] for w in words if w[0].isalpha()).upper()


def looks_like_acronym(name: str) -> bool:
    """'USAI', 'NATO', 'U.S.' (2–6 capitals, dots allowed)."""
    bare = name.replace(".", "").strip()
    return 2 <= len(bare) <= 6 and bare.isalpha() and bare.isupper()


def alias_group(name: str) -> int | None:
    """Index of the known-alias group holding this name, if any."""
    f = fold(name)
    for i, group in enumerate(KNOWN_ALIASES):
        if f in group:
            return i
    return None
