"""Realistic extraction records for the seed article, built by hand with real offsets.

The pipeline on ``main`` yields entities only while relations and statements
are built in parallel; the viz tests need the full record shape now. Every
span here is located in the real seed text with ``str.index``, so
``text[start:end]`` equals the quoted span, exactly as the pipeline promises.
"""

from __future__ import annotations

from pathlib import Path

from kg import ids
from kg.model import (
    Content,
    DocMeta,
    Entity,
    Evidence,
    Extraction,
    Mention,
    Quantity,
    Relation,
    Sentence,
    Statement,
    TextSpan,
)

ROOT = Path(__file__).resolve().parents[2]
SEED_NAME = "blinken-rutte-2024-11-13.txt"
EXTRACTOR = "tests.seed_records/1"


def find_shared() -> Path | None:
    """``../shared`` as the project sees it; from a nested worktree, the nearest ancestor's ``shared``."""
    for base in ROOT.parents:
        if (base / "shared" / "data").is_dir():
            return base / "shared"
    return None


def seed_text() -> str:
    for p in (ROOT / "seeds" / SEED_NAME, *(([find_shared() / "seeds" / SEED_NAME]) if find_shared() else [])):
        if p.is_file():
            return p.read_text(encoding="utf-8")
    raise FileNotFoundError(f"seed {SEED_NAME} not found in seeds/ or ../shared/seeds/")


def _sentences(text: str) -> list[Sentence]:
    """One sentence per non-empty line: the seed's paragraphs are single sentences."""
    out, pos = [], 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = pos + line.index(stripped)
            out.append(Sentence(len(out), start, start + len(stripped), stripped))
        pos += len(line) + 1
    return out


class _Seed:
    def __init__(self, text: str, doc_id: str):
        self.text, self.doc = text, doc_id
        self.sents = _sentences(text)

    def sent_of(self, start: int) -> Sentence:
        return next(s for s in self.sents if s.start <= start < s.end)

    def span(self, needle: str, after: int = 0) -> tuple[int, int]:
        i = self.text.index(needle, after)
        return i, i + len(needle)

    def evidence(self, start: int, subj=None, obj=None) -> Evidence:
        s = self.sent_of(start)
        return Evidence(self.doc, s.index, s.start, s.end, s.text, EXTRACTOR, subj, obj)


#: (type, canonical name, surface forms whose every occurrence is a mention)
ENTITIES = [
    ("Person", "Antony Blinken", ["Antony Blinken", "Blinken"]),
    ("Person", "Mark Rutte", ["Mark Rutte", "Rutte"]),
    ("Person", "Joe Biden", ["President Joe Biden", "Joe Biden", "President Biden"]),
    ("Person", "Pat Ryder", ["Pat Ryder"]),
    ("Person", "Sabrina Singh", ["Sabrina Singh"]),
    ("Person", "Andrii Sybiha", ["Andrii Sybiha"]),
    ("Organization", "NATO", ["NATO"]),
    ("Organization", "Pentagon", ["Pentagon"]),
    ("Organization", "US Department of State", ["US Department of State"]),
    ("Location", "Brussels", ["Brussels"]),
    ("Location", "Ukraine", ["Ukraine"]),
    ("Location", "Russia", ["Russia"]),
]


def seed_extraction(text: str | None = None, doc_id: str = "seed-blinken-rutte") -> Extraction:
    """The seed's facts: Blinken metWith Rutte in Brussels, Ryder worksFor Pentagon, statements by Blinken …"""
    text = text if text is not None else seed_text()
    sd = _Seed(text, doc_id)
    eid = {name: ids.entity_id(t, name) for t, name, _ in ENTITIES}
    entities = []
    for type_, name, forms in ENTITIES:
        taken: list[tuple[int, int]] = []
        for form in sorted(forms, key=len, reverse=True):
            i = text.find(form)
            while i >= 0:
                j = i + len(form)
                if not any(a <= i < b or a < j <= b for a, b in taken) and sd.sent_of(i).index > 4:
                    taken.append((i, j))
                i = text.find(form, j)
        mentions = tuple(Mention(a, b, text[a:b], sd.sent_of(a).index) for a, b in sorted(taken))
        entities.append(Entity(eid[name], type_, name, mentions, tuple(f for f in forms if f != name)))

    def rel(subj: str, pred: str, obj: str, s_text: str, o_text: str, anchor: str, **q: str) -> Relation:
        a0 = text.index(anchor)
        s = sd.span(s_text, a0)
        o = sd.span(o_text, a0)
        ev = sd.evidence(a0, s, o)
        return Relation(ids.relation_id(doc_id, eid[subj], pred, eid[obj], ev.start, ev.end),
                        eid[subj], pred, eid[obj], 0.8, ev, dict(q))

    relations = (
        rel("Antony Blinken", "metWith", "Mark Rutte", "Blinken", "Rutte", "During a meeting with Rutte",
            location="Brussels"),
        rel("Mark Rutte", "worksFor", "NATO", "Mark Rutte", "NATO", "citing Blinken during a meeting",
            role="Secretary General"),
        rel("Pat Ryder", "worksFor", "Pentagon", "Pat Ryder", "Pentagon", "Earlier, Pentagon spokesperson",
            role="spokesperson"),
        rel("Sabrina Singh", "worksFor", "Pentagon", "Sabrina Singh", "Pentagon", "In addition, Pentagon",
            role="spokeswoman"),
        rel("Andrii Sybiha", "worksFor", "Ukraine", "Andrii Sybiha", "Ukraine", "Later, Blinken is scheduled",
            role="Foreign Minister"),
        rel("Antony Blinken", "metWith", "Andrii Sybiha", "Blinken", "Andrii Sybiha", "Later, Blinken is scheduled",
            modality="scheduled"),
    )

    def stmt(speaker: str | None, speaker_text: str, cue: str, content: str, kind: str, anchor: str,
             mentions=(), on_behalf_of: str | None = None, quantities=()) -> Statement:
        a0 = text.index(anchor)
        sp = sd.span(speaker_text, a0)
        cs = sd.span(cue, a0)
        ct = sd.span(content, a0)
        qs = tuple(Quantity(*sd.span(q, a0), q, of) for q, of in quantities)
        ev = sd.evidence(a0, sp, None)
        return Statement(ids.statement_id(doc_id, *cs), eid[speaker] if speaker else None, sp,
                         TextSpan.of(text, *cs), Content((ct,), text[ct[0]:ct[1]]), kind, 0.7, ev,
                         mentions=tuple(eid[m] for m in mentions),
                         on_behalf_of=eid[on_behalf_of] if on_behalf_of else None, quantities=qs)

    statements = (
        stmt("Antony Blinken", "Blinken", "warned",
             "any deployment of North Korean troops to assist Russia in its war against Ukraine would trigger "
             "a \"firm response\"", "indirect", "During a meeting with Rutte", mentions=("Russia", "Ukraine")),
        stmt("Antony Blinken", "He", "highlighted",
             "after their discussion at NATO headquarters, they focused on the steps the Alliance must take to "
             "bolster its defence industry", "indirect", "He also highlighted", mentions=("NATO",)),
        stmt("Antony Blinken", "Blinken", "reaffirmed",
             "the outgoing Biden administration would \"continue to shore up everything we are doing for Ukraine\"",
             "indirect", "Blinken reaffirmed", mentions=("Joe Biden", "Ukraine")),
        stmt("Antony Blinken", "Blinken", "said",
             "President Biden fully intends to drive through the tape and use every day to continue to do what "
             "we’ve done over the last four years, which is strengthening this alliance",
             "direct", "Quote: \"President Biden", mentions=("Joe Biden",)),
        stmt("Pat Ryder", "Pentagon spokesperson Pat Ryder", "reported",
             "the US has delivered 83% of the promised munitions, 67% of the pledged air defence systems, and 60% "
             "of the firepower since Congress approved additional funding for Ukraine in April 2024",
             "indirect", "Earlier, Pentagon spokesperson", mentions=("Ukraine",), on_behalf_of="Pentagon",
             quantities=(("83%", "the promised munitions"), ("67%", "the pledged air defence systems"),
                         ("60%", "the firepower"))),
        stmt("Sabrina Singh", "She", "noted",
             "both presidential aid packages and the Ukraine Security Assistance Initiative (USAI) will remain "
             "active until the administration concludes its tenure", "indirect", "She noted",
             on_behalf_of="Pentagon"),
    )
    return Extraction(
        id=doc_id,
        doc=DocMeta(title="US Secretary of State assures NATO Secretary General of strengthened support for Kyiv "
                          "in coming months", date="2024-11-13", author="Ulyana Krychkovska",
                    source="Ukrainska Pravda"),
        text_length=len(text),
        sentences=tuple(sd.sents),
        entities=tuple(entities),
        relations=relations,
        statements=statements,
    )


def hostile_extraction() -> Extraction:
    """A document whose names try to break out of the page: quotes, ``</script>``, HTML, line separators."""
    name = "Evil </script><script>window.__pwned=1</script> \"Quote' & <b>Co</b>\u2028"
    text = f"{name} met Blinken."
    s = Sentence(0, 0, len(text), text)
    evil = Entity(ids.entity_id("Organization", name), "Organization", name, (Mention(0, len(name), name, 0),))
    blinken = Entity(ids.entity_id("Person", "Antony Blinken"), "Person", "Antony Blinken",
                     (Mention(len(name) + 5, len(name) + 12, "Blinken", 0),))
    ev = Evidence("hostile-doc", 0, 0, len(text), text, EXTRACTOR, (0, len(name)), (len(name) + 5, len(name) + 12))
    r = Relation(ids.relation_id("hostile-doc", evil.id, "metWith", blinken.id, 0, len(text)),
                 evil.id, "metWith", blinken.id, 0.5, ev, {"location": "</script>"})
    return Extraction("hostile-doc", DocMeta(title="</title><script>window.__pwned=2</script>", date="2024-12-01"),
                      len(text), (s,), (evil, blinken), (r,), ())
