"""Paragraph breaks as sentence boundaries, set before the parser runs.

News text puts headlines, datelines, bullets and paragraphs on separate lines.
en_core_web_sm's parser otherwise attaches a headline to the next paragraph's
verb ("Stock photo: Getty Images\\n\\nBlinken assured NATO …" parses "assured"
as a relative clause of "Images"), which breaks the subject/complement
structure the statement rules read. The parser respects preset sentence
starts, so a line break in whitespace starts a new sentence.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

COMPONENT = "kg_paragraphs"


@Language.component(COMPONENT, assigns=["token.is_sent_start"])
def paragraph_boundaries(doc: Doc) -> Doc:
    """Start a sentence after every whitespace token holding a newline."""
    for tok in doc[:-1]:
        if tok.is_space and "\n" in tok.text:
            doc[tok.i + 1].is_sent_start = True
    return doc


def add_paragraph_boundaries(nlp: Language) -> None:
    """Insert :func:`paragraph_boundaries` before the parser (idempotent)."""
    if COMPONENT in nlp.pipe_names:
        return
    if "parser" in nlp.pipe_names:
        nlp.add_pipe(COMPONENT, before="parser")
    else:
        nlp.add_pipe(COMPONENT, first=True)
