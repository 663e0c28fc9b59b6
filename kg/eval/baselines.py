"""Baselines measured exactly like the pipeline.

``textacy``: :func:`textacy.extract.triples.direct_quotations` finds quoted
speech with a speaker and a reporting verb. Each ``DQTriple``'s speaker and cue
token lists become character spans (consecutive tokens merged into one span),
its content span becomes the content.

textacy is an optional dependency (it is in the ``test`` extra); a clear
:class:`~kg.errors.ConfigError` says how to install it when missing.
"""

from __future__ import annotations

import re
from typing import Iterable, Iterator, Sequence

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from kg.errors import ConfigError
from kg.eval.polnear import Article, Attribution

BASELINES = ("textacy",)

#: kg's own pipeline components are named with this prefix (see kg.nlp.components).
KG_COMPONENT_PREFIX = "kg_"

_PARAGRAPH = re.compile(r"[^\n]+")


def token_spans(tokens: Sequence[Token], offset: int = 0) -> tuple[tuple[int, int], ...]:
    """Character spans of a token list, consecutive tokens merged, in text order."""
    out: list[list[int]] = []
    last_i = None
    for t in sorted(tokens, key=lambda t: t.i):
        start, end = offset + t.idx, offset + t.idx + len(t.text)
        if out and last_i is not None and t.i == last_i + 1:
            out[-1][1] = end
        else:
            out.append([start, end])
        last_i = t.i
    return tuple((s, e) for s, e in out)


def _paragraphs(doc: Doc) -> Iterator[Span]:
    """Non-empty paragraphs (text between line breaks) as token spans."""
    for m in _PARAGRAPH.finditer(doc.text):
        span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
        if span is not None and len(span):
            yield span


def textacy_quotes(doc: Doc, stats: dict[str, int] | None = None) -> list[Attribution]:
    """textacy's direct quotations of ``doc`` as attributions (character spans).

    textacy refuses a whole document with an odd number of quotation marks
    (``ValueError``: "unclosed quotation"). We then run it paragraph by
    paragraph and skip only the paragraphs it still refuses; ``stats`` counts
    both cases (``docs_split``, ``paragraphs_skipped``).
    """
    from textacy.extract.triples import direct_quotations

    def convert(d: Doc, offset: int) -> list[Attribution]:
        out = []
        for triple in direct_quotations(d):
            speaker = token_spans(triple.speaker, offset)
            content = ((offset + triple.content.start_char, offset + triple.content.end_char),)
            out.append(Attribution(speaker or None, token_spans(triple.cue, offset), content))
        return out

    try:
        return convert(doc, 0)
    except ValueError:
        if stats is not None:
            stats["docs_split"] = stats.get("docs_split", 0) + 1
    preds: list[Attribution] = []
    for para in _paragraphs(doc):
        try:
            preds.extend(convert(para.as_doc(), para.start_char))
        except ValueError:
            if stats is not None:
                stats["paragraphs_skipped"] = stats.get("paragraphs_skipped", 0) + 1
    return preds


def textacy_predictions(
    articles: Iterable[Article],
    nlp: Language,
    *,
    stats: dict[str, int] | None = None,
) -> Iterator[tuple[str, list[Attribution]]]:
    """Run textacy's direct-quotation extractor; yield (article id, attributions).

    Args:
        stats: if given, counts documents textacy refused whole and paragraphs
            it refused (see :func:`textacy_quotes`).
    """
    try:
        import textacy.extract.triples  # noqa: F401
    except ImportError as e:
        raise ConfigError(f"the textacy baseline needs textacy ({e}); install it with `pip install textacy`") from e
    for article in articles:
        yield article.id, textacy_quotes(plain_doc(nlp, article.text), stats)


def plain_doc(nlp: Language, text: str) -> Doc:
    """Run only the spaCy model's own components, not kg's (``kg_*``).

    The baseline is textacy on the stock pipeline, so its numbers do not move
    when kg's rules (sentence splitting, entity fixes) change. Running the
    components by hand leaves the shared, cached pipeline untouched.
    """
    doc = nlp.make_doc(text)
    for name, proc in nlp.pipeline:
        if not name.startswith(KG_COMPONENT_PREFIX):
            doc = proc(doc)
    return doc
