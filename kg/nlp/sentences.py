"""Sentence boundaries for scraped news text.

The stock parser segments prose well but ignores layout: a caption line, a
heading such as ``Background:`` and a bullet list run together into one
"sentence" and named entities leak across lines ("Getty Images\\n\\nUS"). In
scraped news a line break is a layout boundary, so we pre-set sentence starts
before the parser runs; the parser respects preset boundaries and still
splits inside lines.

>>> import spacy
>>> nlp = spacy.blank("en")
>>> doc = nlp("Title line\\n\\n  • First point. Second.")
>>> [doc[i].text for i in line_starts(doc)]
['•']
"""

from __future__ import annotations

from spacy.tokens import Doc, Span

#: Characters that open a bulleted line ("  • Earlier, ...", "- item", "* item").
#: The bullet belongs to the sentence it opens, never to the one before.
BULLETS = frozenset({"•", "◦", "▪", "‣", "–", "—", "-", "*", "·"})


def _is_break(token) -> bool:
    """A whitespace token holding a line break (spaCy keeps "\\n" as a token)."""
    return token.is_space and "\n" in token.text


#: Tokens that end a sentence; a line ending in one of them is never a wrapped line.
SENTENCE_FINAL = frozenset({".", "!", "?", ":", '"', "”", "’", "'", ")"})


def _wrapped(doc: Doc, i: int) -> bool:
    r"""A hard-wrapped continuation: one line break, the line before does not end a
    sentence and the new line starts lower-case ("… said the\nminister")."""
    brk = doc[i - 1]
    if brk.text.count("\n") != 1 or not doc[i].is_lower:
        return False
    k = i - 2
    while k >= 0 and doc[k].is_space:
        k -= 1
    return k >= 0 and doc[k].text not in SENTENCE_FINAL


def line_starts(doc: Doc) -> list[int]:
    r"""Indices of tokens that open a new line (after a newline token).

    A hard-wrapped continuation line (:func:`_wrapped`) does not count. The
    first token of the document is not listed: it always starts a sentence.

    >>> import spacy
    >>> doc = spacy.blank("en")("He said the\nminister left.\nNew line")
    >>> [doc[i].text for i in line_starts(doc)]
    ['New']
    """
    starts = []
    for i in range(1, len(doc)):
        prev = doc[i - 1]
        if _is_break(prev) and not doc[i].is_space and not _wrapped(doc, i):
            starts.append(i)
    return starts


def not_starts(doc: Doc, line_open: set[int] | None = None) -> list[int]:
    """Indices of tokens that must not open a sentence.

    Whitespace tokens (they stay with the sentence before them) and the word
    right after a line-opening bullet (the bullet opens the sentence).
    ``line_open`` is :func:`line_starts` if the caller already has it.
    """
    out = []
    if line_open is None:
        line_open = set(line_starts(doc))
    for i in range(1, len(doc)):
        tok = doc[i]
        if tok.is_space:
            out.append(i)
        elif (i - 1) in line_open and doc[i - 1].text in BULLETS:
            out.append(i)
    return out


def set_line_boundaries(doc: Doc) -> Doc:
    """Pre-set sentence starts at line breaks and bullets (parser-compatible)."""
    starts = line_starts(doc)
    for i in starts:
        doc[i].is_sent_start = True
    line_open = set(starts)  # computed once: it was recomputed per token (quadratic on long articles)
    for i in not_starts(doc, line_open):
        if i not in line_open:
            doc[i].is_sent_start = False
    return doc


def trimmed(sent: Span) -> tuple[int, int] | None:
    """Character range of ``sent`` without surrounding whitespace and bullets.

    Returns None for a sentence that holds only whitespace or a bullet.
    """
    toks = [t for t in sent if not t.is_space]
    while toks and toks[0].text in BULLETS:
        toks = toks[1:]
    if not toks:
        return None
    return toks[0].idx, toks[-1].idx + len(toks[-1].text)


def is_fragment(text: str) -> bool:
    """A "sentence" of at most one word that does not end a sentence ("US").

    The parser sometimes splits the first word of a line off after a preset
    line boundary; such fragments are rejoined with the rest of their line.

    >>> is_fragment("US"), is_fragment("Background:"), is_fragment("Antony Blinken.")
    (True, False, False)
    """
    words = text.split()
    return len(words) <= 1 and not text.rstrip().endswith((".", ":", "!", "?", '"'))
