"""The textacy baseline's span conversion and its fallback for unclosed quotes."""

from __future__ import annotations

from kg.eval.baselines import plain_doc, textacy_quotes

QUOTE = '"The plan is dead," said Senator Smith.'


def test_direct_quote_becomes_character_spans(nlp):
    before = list(nlp.pipe_names)
    doc = plain_doc(nlp, QUOTE)
    assert nlp.pipe_names == before  # the shared pipeline is left as it was
    assert doc.has_annotation("DEP")
    (attr,) = textacy_quotes(doc)
    (content,) = attr.content
    assert "The plan is dead" in QUOTE[slice(*content)]
    assert [QUOTE[s:e] for s, e in attr.cue] == ["said"]
    assert attr.source is not None and "Smith" in " ".join(QUOTE[s:e] for s, e in attr.source)


def test_unclosed_quote_falls_back_to_paragraphs(nlp):
    text = 'He called it "a disaster.\n\n' + QUOTE
    stats: dict[str, int] = {}
    attrs = textacy_quotes(plain_doc(nlp, text), stats)
    assert stats["docs_split"] == 1 and stats["paragraphs_skipped"] == 1
    (attr,) = attrs
    offset = text.index(QUOTE)
    assert [text[s:e] for s, e in attr.cue] == ["said"]
    assert attr.content[0][0] >= offset  # offsets point into the whole text, not the paragraph
