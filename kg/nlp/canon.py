"""Within-document canonicalisation: group mentions into entities.

News writes a full name once and the surname after it ("Antony Blinken" …
"Blinken"), adds titles ("President Biden") and spells country names several
ways ("US", "U.S."). Grouping works on plain strings so it is easy to test:

>>> groups = canonicalise([
...     ("Person", "US Secretary of State Antony Blinken"), ("Person", "Blinken"),
...     ("Person", "President Biden"), ("Person", "Joe Biden"), ("Location", "U.S."),
... ])
>>> [(g.type, g.name) for g in groups]
[('Person', 'Antony Blinken'), ('Person', 'Joe Biden'), ('Location', 'United States')]
>>> groups[0].members
[0, 1]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg.nlp.entities import HONORIFICS

#: Case: words that open a person mention but are not part of the name
#: (titles the NER sometimes includes, nationality/office prefixes).
TITLE_WORDS = frozenset(
    {w.rstrip(".").lower() for w in HONORIFICS}
    | {"secretary", "minister", "spokesperson", "spokesman", "spokeswoman", "general", "state", "of", "foreign",
       "defence", "defense", "prime", "deputy", "chief", "director", "chairman", "ceo", "ambassador", "envoy",
       "us", "u.s.", "former", "current", "late", "vice", "press", "adviser", "advisor", "professor", "prof"}
)

#: Case: well-known alternative names of countries and bodies. Without them a
#: document saying "US" and another saying "United States" would never merge.
ALIASES = {
    "us": "United States", "u.s.": "United States", "usa": "United States", "u.s.a.": "United States",
    "united states of america": "United States", "the united states": "United States",
    "uk": "United Kingdom", "u.k.": "United Kingdom", "britain": "United Kingdom",
    "great britain": "United Kingdom", "kiev": "Kyiv", "the pentagon": "Pentagon",
    "north atlantic treaty organization": "NATO", "european union": "EU", "e.u.": "EU",
    "united nations": "UN", "u.n.": "UN",
}

_SPACES = re.compile(r"\s+")


@dataclass
class Group:
    """One entity: its type, canonical name, member indices and aliases."""

    type: str
    name: str
    members: list[int] = field(default_factory=list)
    aliases: set[str] = field(default_factory=set)


def person_name(text: str) -> str:
    """A person's name without leading titles and honorifics.

    >>> person_name("NATO Secretary General Mark Rutte")
    'NATO Secretary General Mark Rutte'
    >>> person_name("Secretary General Mark Rutte")
    'Mark Rutte'
    >>> person_name("Mr. Smith")
    'Smith'
    """
    words = _SPACES.sub(" ", text).strip().split(" ")
    while len(words) > 1 and words[0].rstrip(".").lower() in TITLE_WORDS:
        words = words[1:]
    return " ".join(words)


def plain_name(type_: str, text: str) -> str:
    """Normalised surface name of a mention of type ``type_``."""
    text = _SPACES.sub(" ", text).strip()
    if type_ == "Person":
        return person_name(text)
    return ALIASES.get(text.lower(), text)


def _acronym(name: str) -> str:
    return "".join(w[0] for w in name.split() if w[:1].isupper())


def canonicalise(mentions: list[tuple[str, str]]) -> list[Group]:
    """Group ``(type, text)`` mentions into entities, in order of first mention.

    Rules:
      * Persons: a name whose words are a suffix of a longer person name in the
        document ("Blinken", "Harvey Oswald") joins that person when it is
        unique; otherwise it stands alone. The longest form is canonical.
      * Other types: same normalised name (case-insensitive, :data:`ALIASES`),
        and an acronym joins the long form it abbreviates ("USAI").
    """
    names = [plain_name(t, x) for t, x in mentions]
    groups: list[Group] = []
    by_key: dict[tuple[str, str], Group] = {}
    # Long person names first, so that short forms can attach to them.
    order = sorted(range(len(mentions)), key=lambda i: (-len(names[i].split()), i))
    person_full: list[tuple[list[str], Group]] = []
    for i in order:
        type_, text = mentions[i]
        name = names[i]
        key = (type_, name.lower())
        group = by_key.get(key)
        if group is None and type_ == "Person":
            words = name.split()
            hits = {id(g): g for full, g in person_full if len(full) > len(words) and full[-len(words):] == words}
            if len(hits) == 1:
                group = next(iter(hits.values()))
        if group is None and type_ != "Person" and name.isupper() and 2 <= len(name) <= 6:
            hits = {id(g): g for (t, _), g in by_key.items() if t == type_ and _acronym(g.name) == name}
            if len(hits) == 1:
                group = next(iter(hits.values()))
        if group is None:
            group = Group(type=type_, name=name)
            groups.append(group)
            if type_ == "Person":
                person_full.append((name.split(), group))
        by_key.setdefault(key, group)
        group.members.append(i)
        group.aliases.add(_SPACES.sub(" ", text).strip())
        group.aliases.add(name)
    for g in groups:
        g.members.sort()
        g.aliases.discard(g.name)
    groups.sort(key=lambda g: g.members[0])
    return groups
