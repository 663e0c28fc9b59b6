"""Pure parts of the trained statement component: BIO segments, gold tags, grouping."""

from __future__ import annotations

from kg.eval.polnear import Attribution
from kg.nlp.trained.statements import decode, gold_tags, segments


def test_segments_split_on_type_change_and_new_b():
    assert segments(["B-CON", "I-CON", "B-CON", "O", "I-SRC"]) == [("CON", 0, 2), ("CON", 2, 3), ("SRC", 4, 5)]


def test_gold_tags_roundtrip_through_decode(nlp):
    text = 'Officials said the plan would fail. "It is over," the mayor added.'
    doc = nlp(text)
    i = text.index
    gold = [
        Attribution(((0, 9),), ((10, 14),), ((i("the plan"), i(" would fail") + 11),)),
        Attribution(((i("the mayor"), i("the mayor") + 9),), ((i("added"), i("added") + 5),),
                    ((i("It is"), i("over") + 4),)),
    ]
    tags = gold_tags(doc, gold)
    assert tags[0] == "B-SRC" and tags[1] == "B-CUE"
    found = decode(doc, tags)
    got = [(text[slice(*s.speaker_span)], text[slice(*s.cue)], [text[a:b] for a, b in s.content], s.kind)
           for s in found]
    assert got == [
        ("Officials", "said", ["the plan would fail"], "indirect"),
        ("the mayor", "added", ["It is over"], "direct"),
    ]


def test_content_without_a_cue_yields_nothing(nlp):
    doc = nlp("The plan would fail.")
    assert decode(doc, ["B-CON"] + ["I-CON"] * (len(doc) - 1)) == []
