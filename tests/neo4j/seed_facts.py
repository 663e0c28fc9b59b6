"""The seed article's facts as an extraction record, built by hand.

Used to test the Neo4j loader and the Cypher cookbook independently of the NLP
stage (which produces the same record shape). Every span is located in the
real seed text, so ``text[start:end]`` holds for each of them.
"""

from __future__ import annotations

from kg.ids import entity_id, relation_id, statement_id
from kg.model import (Content, DocMeta, Entity, Evidence, Extraction, Mention, Quantity, Relation, Sentence,
                      Statement, TextSpan)

DOC_ID = "blinken-rutte-2024-11-13"

#: The sentences of the seed that carry facts, as they appear in the text.
SENTENCES = (
    "US Secretary of State Antony Blinken assured NATO on Wednesday, 13 November, that the administration of "
    "current President Joe Biden will strengthen support for Ukraine in the coming months and will aim to "
    "reinforce the alliance during this time.",
    "During a meeting with Rutte in Brussels, Blinken warned that any deployment of North Korean troops to assist "
    "Russia in its war against Ukraine would trigger a \"firm response\".",
    "He also highlighted that, after their discussion at NATO headquarters, they focused on the steps the Alliance "
    "must take to bolster its defence industry.",
    "Blinken reaffirmed that the outgoing Biden administration would \"continue to shore up everything we are "
    "doing for Ukraine\".",
    "Quote: \"President Biden fully intends to drive through the tape and use every day to continue to do what "
    "we’ve done over the last four years, which is strengthening this alliance,\" Blinken said.",
    "Later, Blinken is scheduled to meet with Ukraine's Foreign Minister Andrii Sybiha, according to the US "
    "Department of State's schedule.",
    "Earlier, Pentagon spokesperson Pat Ryder reported that the US has delivered 83% of the promised munitions, "
    "67% of the pledged air defence systems, and 60% of the firepower since Congress approved additional funding "
    "for Ukraine in April 2024.",
    "In addition, Pentagon spokeswoman Sabrina Singh reaffirmed the US's commitment to continuing military support "
    "for Ukraine through the end of President Joe Biden's current term.",
    "Source: European Pravda, citing Blinken during a meeting with NATO Secretary General Mark Rutte",
)

ENTITIES = (
    ("Person", "Antony Blinken"), ("Person", "Mark Rutte"), ("Person", "Joe Biden"), ("Person", "Pat Ryder"),
    ("Person", "Sabrina Singh"), ("Person", "Andrii Sybiha"), ("Organization", "NATO"),
    ("Organization", "Pentagon"), ("Organization", "US Department of State"), ("Location", "Brussels"),
    ("Location", "Ukraine"), ("Location", "Russia"),
)
EXTRACTOR = "tests.seed/1"


def seed_extraction(text: str, doc_id: str = DOC_ID) -> Extraction:
    sents: list[Sentence] = []
    for i, s in enumerate(SENTENCES):
        start = text.index(s)
        sents.append(Sentence(i, start, start + len(s), s))

    def sp(i: int, needle: str, nth: int = 0) -> tuple[int, int]:
        s = sents[i]
        k = -1
        for _ in range(nth + 1):
            k = s.text.index(needle, k + 1)
        return s.start + k, s.start + k + len(needle)

    def ev(i: int, subj=None, obj=None) -> Evidence:
        s = sents[i]
        return Evidence(doc_id, s.index, s.start, s.end, s.text, EXTRACTOR, subj, obj)

    ids = {name: entity_id(t, name) for t, name in ENTITIES}
    mention_where = {
        "Antony Blinken": [(0, "Antony Blinken"), (1, "Blinken"), (3, "Blinken"), (4, "Blinken"), (5, "Blinken")],
        "Mark Rutte": [(1, "Rutte"), (8, "Mark Rutte")], "Joe Biden": [(0, "Joe Biden"), (4, "President Biden")],
        "Pat Ryder": [(6, "Pat Ryder")], "Sabrina Singh": [(7, "Sabrina Singh")],
        "Andrii Sybiha": [(5, "Andrii Sybiha")], "NATO": [(0, "NATO"), (8, "NATO")],
        "Pentagon": [(6, "Pentagon"), (7, "Pentagon")], "US Department of State": [(5, "US Department of State")],
        "Brussels": [(1, "Brussels")], "Ukraine": [(0, "Ukraine"), (1, "Ukraine"), (6, "Ukraine")],
        "Russia": [(1, "Russia")],
    }
    entities = []
    for t, name in ENTITIES:
        ms = tuple(Mention(*sp(i, n), n, i) for i, n in mention_where[name])
        entities.append(Entity(ids[name], t, name, ms))

    def rel(subj, pred, obj, i, s_text, o_text, **q):
        e = ev(i, sp(i, s_text), sp(i, o_text))
        return Relation(relation_id(doc_id, ids[subj], pred, ids[obj], e.start, e.end), ids[subj], pred,
                        ids[obj], 0.8, e, q)

    relations = (
        rel("Antony Blinken", "metWith", "Mark Rutte", 1, "Blinken", "Rutte", location="Brussels", date="2024-11-13"),
        rel("Antony Blinken", "metWith", "Andrii Sybiha", 5, "Blinken", "Andrii Sybiha", modality="scheduled"),
        rel("Mark Rutte", "worksFor", "NATO", 8, "Mark Rutte", "NATO", role="Secretary General"),
        rel("Pat Ryder", "worksFor", "Pentagon", 6, "Pat Ryder", "Pentagon", role="spokesperson"),
        rel("Sabrina Singh", "worksFor", "Pentagon", 7, "Sabrina Singh", "Pentagon", role="spokeswoman"),
        rel("Antony Blinken", "worksFor", "US Department of State", 0, "Antony Blinken", "US",
            role="Secretary of State"),
    )

    def stmt(i, speaker, spk_text, cue, content, kind, mentions=(), on_behalf_of=None, quantities=()):
        c = sp(i, cue)
        body = sp(i, content)
        return Statement(
            statement_id(doc_id, *c), ids[speaker], sp(i, spk_text), TextSpan(c[0], c[1], cue),
            Content((body,), content), kind, 0.7, ev(i), None, tuple(ids[m] for m in mentions),
            tuple(Quantity(*sp(i, q), q, of) for q, of in quantities),
            ids[on_behalf_of] if on_behalf_of else None,
        )

    statements = (
        stmt(1, "Antony Blinken", "Blinken", "warned",
             "any deployment of North Korean troops to assist Russia in its war against Ukraine would trigger a "
             "\"firm response\"", "indirect", ("Russia", "Ukraine")),
        stmt(2, "Antony Blinken", "He", "highlighted",
             "after their discussion at NATO headquarters, they focused on the steps the Alliance must take to "
             "bolster its defence industry", "indirect", ("NATO",)),
        stmt(3, "Antony Blinken", "Blinken", "reaffirmed",
             "continue to shore up everything we are doing for Ukraine", "direct", ("Joe Biden", "Ukraine")),
        stmt(4, "Antony Blinken", "Blinken", "said",
             "President Biden fully intends to drive through the tape and use every day to continue to do what "
             "we’ve done over the last four years, which is strengthening this alliance", "direct", ("Joe Biden",)),
        stmt(6, "Pat Ryder", "Pat Ryder", "reported",
             "the US has delivered 83% of the promised munitions, 67% of the pledged air defence systems, and 60% "
             "of the firepower since Congress approved additional funding for Ukraine in April 2024", "indirect",
             ("Ukraine",), "Pentagon",
             (("83%", "the promised munitions"), ("67%", "the pledged air defence systems"),
              ("60%", "the firepower"))),
        stmt(7, "Sabrina Singh", "Sabrina Singh", "reaffirmed",
             "the US's commitment to continuing military support for Ukraine through the end of President Joe "
             "Biden's current term", "indirect", ("Ukraine", "Joe Biden"), "Pentagon"),
    )
    return Extraction(doc_id, DocMeta(title="US Secretary of State assures NATO Secretary General of strengthened "
                                            "support for Kyiv in coming months", date="2024-11-13",
                                      author="Ulyana Krychkovska"),
                      len(text), tuple(sents), tuple(entities), relations, statements)
