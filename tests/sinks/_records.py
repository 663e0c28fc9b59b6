"""Realistic extraction records built by hand from the seed article, offsets computed from its text.

The sink tests use these until (and besides) the NLP stage producing relations and
statements: every span below is found in the real seed text, so ``text[start:end]``
equals the quoted span by construction.
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

SEED = Path(__file__).resolve().parents[2] / "seeds" / "blinken-rutte-2024-11-13.txt"
EXTRACTOR = "kg.test/0.1"


class _Doc:
    """Offsets helper over one text split into line sentences."""

    def __init__(self, doc_id: str, text: str):
        self.id, self.text = doc_id, text
        self.sentences: list[Sentence] = []
        pos = 0
        for line in text.splitlines(keepends=True):
            stripped = line.strip()
            if stripped:
                start = pos + line.index(stripped)
                self.sentences.append(Sentence(len(self.sentences), start, start + len(stripped), stripped))
            pos += len(line)
        self.mentions: dict[str, list[Mention]] = {}

    def sent(self, needle: str) -> Sentence:
        return next(s for s in self.sentences if needle in s.text)

    def find(self, needle: str, in_sentence: str, nth: int = 0) -> tuple[int, int]:
        s = self.sent(in_sentence)
        i = -1
        for _ in range(nth + 1):
            i = s.text.index(needle, i + 1)
        return s.start + i, s.start + i + len(needle)

    def evidence(self, in_sentence: str, subj=None, obj=None) -> Evidence:
        s = self.sent(in_sentence)
        return Evidence(self.id, s.index, s.start, s.end, s.text, EXTRACTOR, subj, obj)

    def span(self, needle: str, in_sentence: str, nth: int = 0) -> TextSpan:
        return TextSpan.of(self.text, *self.find(needle, in_sentence, nth))

    def entity(self, type_: str, name: str, *surfaces: tuple[str, str], aliases: tuple[str, ...] = ()) -> Entity:
        ms = []
        for surface, in_sentence in surfaces:
            s, e = self.find(surface, in_sentence)
            ms.append(Mention(s, e, self.text[s:e], self.sent(in_sentence).index))
        return Entity(ids.entity_id(type_, name), type_, name, tuple(ms), aliases)


def seed_extraction(doc_id: str = "seed-blinken-rutte") -> Extraction:
    """The seed article with the facts issue 2 asks for, as the NLP stage should give them."""
    d = _Doc(doc_id, SEED.read_text(encoding="utf-8"))
    meet = "During a meeting with Rutte in Brussels"
    source = "Source: European Pravda"
    ryder = "Pentagon spokesperson Pat Ryder"
    quote = "Quote: "
    later = "Later, Blinken is scheduled"
    he = "He also highlighted"
    singh = "Pentagon spokeswoman Sabrina Singh"
    she = "She noted"
    blinken = d.entity(
        "Person", "Antony Blinken", ("Antony Blinken", "US Secretary of State Antony"), ("Blinken", meet),
        ("Blinken", quote), ("Blinken", later), aliases=("Blinken", "US Secretary of State Antony Blinken"),
    )
    rutte = d.entity("Person", "Mark Rutte", ("Mark Rutte", source), ("Rutte", meet), aliases=("Rutte",))
    nato = d.entity("Organization", "NATO", ("NATO", source))
    brussels = d.entity("Location", "Brussels", ("Brussels", meet))
    ukraine = d.entity("Location", "Ukraine", ("Ukraine", later), ("Ukraine", meet), ("Ukraine", ryder))
    sybiha = d.entity("Person", "Andrii Sybiha", ("Andrii Sybiha", later))
    pentagon = d.entity("Organization", "Pentagon", ("Pentagon", ryder), ("Pentagon", singh))
    pat = d.entity("Person", "Pat Ryder", ("Pat Ryder", ryder))
    sabrina = d.entity("Person", "Sabrina Singh", ("Sabrina Singh", singh))
    biden = d.entity("Person", "Joe Biden", ("Joe Biden", "current President Joe Biden"), ("Biden", quote),
                     aliases=("Biden", "President Biden"))
    russia = d.entity("Location", "Russia", ("Russia", meet))
    usai = d.entity("Organization", "Ukraine Security Assistance Initiative",
                    ("Ukraine Security Assistance Initiative", she), aliases=("USAI",))
    entities = (blinken, rutte, nato, brussels, ukraine, sybiha, pentagon, pat, sabrina, biden, russia, usai)

    def rel(subj: Entity, pred: str, obj: Entity, in_sentence: str, s_text: str, o_text: str, conf: float, **q) -> Relation:
        ss, os_ = d.find(s_text, in_sentence), d.find(o_text, in_sentence)
        ev = d.evidence(in_sentence, ss, os_)
        return Relation(ids.relation_id(doc_id, subj.id, pred, obj.id, *ss), subj.id, pred, obj.id, conf, ev, q)

    relations = (
        rel(blinken, "metWith", rutte, meet, "Blinken", "Rutte", 0.8, location="Brussels"),
        rel(rutte, "worksFor", nato, source, "Mark Rutte", "NATO", 0.9, role="Secretary General",
            reported_by="European Pravda"),
        rel(pat, "worksFor", pentagon, ryder, "Pat Ryder", "Pentagon", 0.9, role="spokesperson"),
        rel(sabrina, "worksFor", pentagon, singh, "Sabrina Singh", "Pentagon", 0.9, role="spokeswoman"),
        rel(sybiha, "worksFor", ukraine, later, "Andrii Sybiha", "Ukraine", 0.75, role="Foreign Minister"),
        rel(blinken, "metWith", sybiha, later, "Blinken", "Andrii Sybiha", 0.6, modality="scheduled"),
    )

    def stmt(speaker, speaker_span, cue, content_spans, kind, conf, in_sentence, **kw) -> Statement:
        cue_span = d.span(cue, in_sentence)
        spans = tuple(d.find(c, in_sentence) for c in content_spans)
        content = Content(spans, " … ".join(d.text[s:e] for s, e in sorted(spans)))
        return Statement(
            ids.statement_id(doc_id, cue_span.start, cue_span.end), speaker.id if speaker else None,
            d.find(speaker_span, in_sentence) if speaker_span else None, cue_span, content, kind, conf,
            d.evidence(in_sentence), **kw,
        )

    qtext = ("President Biden fully intends to drive through the tape and use every day to continue to do "
             "what we’ve done over the last four years, which is strengthening this alliance,")
    rtext = ("the US has delivered 83% of the promised munitions, 67% of the pledged air defence systems, and 60% "
             "of the firepower since Congress approved additional funding for Ukraine in April 2024")
    statements = (
        stmt(blinken, "Blinken", "said", [qtext], "direct", 0.9, quote, mentions=(biden.id,)),
        stmt(blinken, "He", "highlighted", ["they focused on the steps the Alliance must take to bolster its defence industry"],
             "indirect", 0.7, he),
        stmt(blinken, "Blinken", "warned", ["any deployment of North Korean troops to assist Russia in its war against "
                                             "Ukraine would trigger a \"firm response\""], "indirect", 0.8, meet,
             mentions=(russia.id, ukraine.id), addressee=rutte.id),
        stmt(pat, "Pat Ryder", "reported", [rtext], "indirect", 0.85, ryder, on_behalf_of=pentagon.id,
             mentions=(ukraine.id,),
             quantities=tuple(Quantity(*d.find(n, ryder), n, of) for n, of in
                              (("83%", "the promised munitions"), ("67%", "the pledged air defence systems"),
                               ("60%", "the firepower")))),
        stmt(sabrina, "She", "noted", ["both presidential aid packages and the Ukraine Security Assistance Initiative "
                                       "(USAI) will remain active until the administration concludes its tenure"],
             "indirect", 0.7, she, on_behalf_of=pentagon.id, mentions=(usai.id,)),
    )
    return Extraction(
        id=doc_id,
        doc=DocMeta(title="US Secretary of State assures NATO Secretary General of strengthened support for Kyiv in "
                    "coming months", date="2024-11-13", author="Ulyana Krychkovska"),
        text_length=len(d.text),
        sentences=tuple(d.sentences),
        entities=entities,
        relations=relations,
        statements=statements,
    )


DISCONTINUOUS_TEXT = '"We will act," Blinken said in Kyiv, "and we will act fast." Zelensky met Blinken on Tuesday.'


def discontinuous_extraction(doc_id: str = "doc-quote-2") -> Extraction:
    """A second document: discontinuous direct quote, the same Blinken entity, a date qualifier."""
    d = _Doc(doc_id, DISCONTINUOUS_TEXT)
    cut = DISCONTINUOUS_TEXT.index("Zelensky")
    d.sentences = [Sentence(0, 0, cut - 1, DISCONTINUOUS_TEXT[: cut - 1]),
                   Sentence(1, cut, len(DISCONTINUOUS_TEXT), DISCONTINUOUS_TEXT[cut:])]
    first, second = d.sentences[0].text, d.sentences[1].text
    blinken = d.entity("Person", "Antony Blinken", ("Blinken", first), ("Blinken", second), aliases=("Blinken",))
    kyiv = d.entity("Location", "Kyiv", ("Kyiv", first))
    zelensky = d.entity("Person", "Volodymyr Zelensky", ("Zelensky", second), aliases=("Zelensky",))
    cue = d.span("said", first)
    spans = (d.find("We will act,", first), d.find("and we will act fast.", first))
    st = Statement(
        ids.statement_id(doc_id, cue.start, cue.end), blinken.id, d.find("Blinken", first), cue,
        Content(spans, " … ".join(d.text[s:e] for s, e in spans)), "direct", 0.9, d.evidence(first),
    )
    ss, os_ = d.find("Zelensky", second), d.find("Blinken", second)
    r = Relation(ids.relation_id(doc_id, zelensky.id, "metWith", blinken.id, *ss), zelensky.id, "metWith", blinken.id,
                 0.8, d.evidence(second, ss, os_), {"date": "2024-11-12", "location": kyiv.id})
    return Extraction(doc_id, DocMeta(title="Quote", date="2024-11-12", url="https://example.org/a?b=1&c=2"),
                      len(d.text), tuple(d.sentences), (blinken, kyiv, zelensky), (r,), (st,))
