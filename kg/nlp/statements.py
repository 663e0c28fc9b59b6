"""Statement (attribution) rules: who said what, with cue and content spans.

The rule logic is pure functions over a spaCy ``Doc`` that return character
offsets; :mod:`kg.nlp.extract` links the speaker span to an entity. Three rule
families run in priority order, and a later rule never reports a cue an
earlier one already used:

1. :func:`direct_quotes`: a quotation with an adjacent attribution,
   ``"…," X said.`` / ``X said: "…"`` / ``"…," said X.``, with the following
   unattributed quotes of the same paragraph joined as discontinuous content.
2. :func:`according_to`: ``according to X, …`` and ``…, according to X``.
3. :func:`clausal_complements`: a speech or cognition verb with a clausal
   complement, ``X warned (that) …``, ``X told reporters that …``,
   ``…, X said.``, with the speaker inherited along ``and added``/``, saying``.

Conventions follow PolNeAR (checked on its train split): content includes the
complementiser "that" and the quote marks of a quotation; the speaker is the
subject noun phrase, which may be a pronoun ("He"); the cue is the verb (plus
a particle: "pointed out").
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from kg.nlp import cues
from kg.nlp.quantities import find_quantities

RULE_DIRECT = "direct_quote"
RULE_ACCORDING = "according_to"
RULE_CLAUSAL = "clausal_complement"
RULE_NOMINAL = "nominal_object"
RULE_PARENTHETICAL = "parenthetical"
RULE_PREPOSITIONAL = "prepositional_object"
RULE_LINE_COLON = "line_colon"

#: The longest name a line-initial "Name: …" attribution may start with.
LINE_SOURCE_MAX = 6

#: How far (in tokens) a quote's attribution may sit from the quote:
#: ``"…," the senator from Ohio said`` fits, a full new clause does not.
ATTRIBUTION_WINDOW = 9

#: Punctuation that ends an attribution window after a quote.
WINDOW_BREAKS = frozenset({".", ",", ";", ":", "!", "?", "—", "–", "--"})

#: Punctuation a quotation ends with when it is a whole utterance
#: (``"We will win,"``), as opposed to a scare-quoted phrase (``a "firm response"``).
UTTERANCE_END = frozenset({",", ".", "?", "!", "…", "...", "—", "-", "--"})

#: Subjects that are not sources: the expletive in "it was reported that".
EXPLETIVES = frozenset({"it", "there"})

#: First and second person subjects: outside quotations these are mostly the
#: writer's own hedges ("I think", "you know"), which PolNeAR does not mark
#: as attributions (about 1 in 10 is, measured on train in aggregate).
INTERLOCUTORS = frozenset({"i", "we", "you", "me", "us"})


@dataclass(frozen=True)
class StatementCandidate:
    """An attribution found in the text, in character offsets.

    Attributes:
        speaker_span: the words naming the speaker in this sentence ("He",
            "Pentagon spokesperson Pat Ryder"), or None when unstated.
        cue: the cue span ("said", "warned", "according to").
        content: one or more content spans (discontinuous content).
        kind: "direct" (quoted) or "indirect".
        addressee_span: whom it was said to, where stated.
        sentence: index of the sentence holding the cue.
        confidence: the rule's confidence.
        rule: name of the rule that fired, for the extractor field.
        quantities: ``(start, end, of)`` numeric amounts in the content and
            the text of what they count: 83% of "the promised munitions".
    """

    speaker_span: tuple[int, int] | None
    cue: tuple[int, int]
    content: tuple[tuple[int, int], ...]
    kind: str
    sentence: int
    confidence: float
    rule: str
    addressee_span: tuple[int, int] | None = None
    quantities: tuple[tuple[int, int, str | None], ...] = ()


# ----------------------------------------------------------------- public API


def find_statements(doc: Doc) -> list[StatementCandidate]:
    """Find attributions in ``doc``, in document order of their cues.

    >>> import spacy
    >>> from kg.nlp import load_model
    >>> doc = load_model()("Blinken warned that Russia would pay.")
    >>> [(doc.text[slice(*c.speaker_span)], doc.text[slice(*c.cue)], c.kind) for c in find_statements(doc)]
    [('Blinken', 'warned', 'indirect')]
    """
    if not doc.has_annotation("DEP"):
        return []
    sent_of = _sentence_index(doc)
    quotes = quote_spans(doc)
    found: list[_Found] = []
    used_cues: set[int] = set()
    inside = _inside_quotes(doc, quotes)
    for rule in (direct_quotes, according_to, clausal_complements, parentheticals, nominal_objects, prepositional_objects, line_colons):
        for f in rule(doc, quotes):
            if f.cue_tokens[0] in used_cues:
                continue
            # A cue inside a quotation is the quoted speaker's own reporting
            # ("I think …", "as the polls show"), not an attribution of the text.
            if f.rule != RULE_DIRECT and inside[f.cue_tokens[0]]:
                continue
            if f.rule not in (RULE_DIRECT, RULE_ACCORDING) and f.speaker and _is_interlocutor(doc, f.speaker):
                continue
            if any(_same_content(f, g) for g in found):
                continue
            used_cues.update(f.cue_tokens)
            found.append(f)
    out = []
    for f in sorted(found, key=lambda f: f.cue_tokens[0]):
        content = tuple(_char_span(doc, s, e) for s, e in f.content)
        out.append(
            StatementCandidate(
                speaker_span=_char_span(doc, *f.speaker) if f.speaker else None,
                cue=_char_span(doc, f.cue_tokens[0], f.cue_tokens[-1] + 1),
                content=content,
                kind=f.kind,
                sentence=sent_of[f.cue_tokens[0]],
                confidence=f.confidence,
                rule=f.rule,
                addressee_span=_char_span(doc, *f.addressee) if f.addressee else None,
                quantities=find_quantities(doc, content),
            )
        )
    return out


STATEMENTS_ATTR = "kg_statements"


@Language.component("kg_statements", requires=["token.dep", "token.lemma"], assigns=[f"doc._.{STATEMENTS_ATTR}"])
def statements_component(doc: Doc) -> Doc:
    """Thin adapter: store :func:`find_statements` on ``doc._.kg_statements``."""
    doc._.set(STATEMENTS_ATTR, find_statements(doc))
    return doc


if not Doc.has_extension(STATEMENTS_ATTR):
    Doc.set_extension(STATEMENTS_ATTR, default=None)


# ----------------------------------------------------------------- internals


@dataclass
class _Found:
    """A rule's hit in token offsets (end-exclusive spans)."""

    rule: str
    cue_tokens: tuple[int, ...]
    content: list[tuple[int, int]]
    speaker: tuple[int, int] | None
    kind: str
    confidence: float
    addressee: tuple[int, int] | None = None


def _inside_quotes(doc: Doc, quotes: list[tuple[int, int]]) -> list[bool]:
    out = [False] * len(doc)
    for o, c in quotes:
        for t in range(o + 1, c):
            out[t] = True
    return out


def _is_interlocutor(doc: Doc, span: tuple[int, int]) -> bool:
    return span[1] - span[0] == 1 and doc[span[0]].lower_ in INTERLOCUTORS


def _sentence_index(doc: Doc) -> list[int]:
    out = [0] * len(doc)
    for i, sent in enumerate(doc.sents):
        for t in range(sent.start, sent.end):
            out[t] = i
    return out


def _char_span(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """Token span [start, end) → character offsets (no trailing whitespace)."""
    return doc[start].idx, doc[end - 1].idx + len(doc[end - 1].text)


def _same_content(a: _Found, b: _Found) -> bool:
    """Two hits report the same quotation (its verb already used)."""
    if a.kind != "direct" and b.kind != "direct":
        return False
    sa = {t for s, e in a.content for t in range(s, e)}
    sb = {t for s, e in b.content for t in range(s, e)}
    return bool(sa) and len(sa & sb) >= 0.8 * min(len(sa), len(sb)) and _near(a, b)


def _near(a: _Found, b: _Found) -> bool:
    return abs(a.cue_tokens[0] - b.cue_tokens[0]) <= ATTRIBUTION_WINDOW


def _is_paragraph_break(tok: Token) -> bool:
    return tok.is_space and "\n" in tok.text


# -- quotations ----------------------------------------------------------


def quote_spans(doc: Doc) -> list[tuple[int, int]]:
    """Pair quote marks into quotations: ``(open, close)`` token indices, inclusive.

    Curly quotes pair unambiguously; straight ``"`` and NYT-style ``''``
    alternate. A quotation left open at a paragraph break (multi-paragraph
    quotes open each paragraph without closing) runs to the paragraph's last
    word.
    """
    out: list[tuple[int, int]] = []
    open_at: int | None = None
    last_word: int | None = None
    for tok in doc:
        text = tok.text
        if _is_paragraph_break(tok):
            if open_at is not None and last_word is not None and last_word > open_at + 1:
                out.append((open_at, last_word))
            open_at = None
            continue
        if text in cues.OPEN_QUOTES or (text in cues.AMBIGUOUS_QUOTES and open_at is None):
            open_at = tok.i
        elif text in cues.CLOSE_QUOTES or text in cues.AMBIGUOUS_QUOTES:
            if open_at is not None and tok.i > open_at + 1:
                out.append((open_at, tok.i))
            open_at = None
        if not tok.is_space:
            last_word = tok.i
    if open_at is not None and last_word is not None and last_word > open_at + 1:
        out.append((open_at, last_word))
    return out


def _is_utterance(doc: Doc, open_: int, close: int) -> bool:
    """A quotation that is a whole utterance, not a scare-quoted phrase."""
    inner_last = doc[close - 1] if doc[close].text in cues.QUOTE_MARKS else doc[close]
    after = doc[close + 1] if close + 1 < len(doc) else None
    if inner_last.text in UTTERANCE_END or (after is not None and after.text == ","):
        return True
    return close - open_ > 12  # a long quote is someone's words even without punctuation


def direct_quotes(doc: Doc, quotes: list[tuple[int, int]]) -> list[_Found]:
    """Quotations attributed by an adjacent cue.

    Covers ``"…," X said.``, ``"…," said X.``, ``X said: "…"``,
    ``X added, "…"``, and the headline style ``Trump: "…"``. The unattributed
    quotations that follow in the same paragraph (``"…," he said. "…"``) are
    joined to the statement as further content spans.
    """
    out: list[_Found] = []
    attributed: dict[int, _Found] = {}
    for qi, (o, c) in enumerate(quotes):
        hit = _attribution_after(doc, o, c) or _attribution_before(doc, o, c)
        if hit is None:
            continue
        # '"…," he said, "…"': the second half hangs on the same cue.
        same = next((h for h in out if h.cue_tokens == hit.cue_tokens), None)
        if same is not None:
            same.content.append((o, c + 1))
            attributed[qi] = same
            continue
        attributed[qi] = hit
        out.append(hit)
    # Continuations: a following quotation in the same paragraph with no cue of its own.
    for qi, hit in list(attributed.items()):
        nxt = qi + 1
        while nxt < len(quotes) and nxt not in attributed:
            o2, c2 = quotes[nxt]
            prev_end = hit.content[-1][1]
            gap = doc[prev_end:o2]
            breaks = [t for t in gap if _is_paragraph_break(t)]
            if len(breaks) > 1 or not _gap_is_attribution_tail(gap, hit):
                break
            if breaks and not (breaks[0].i == o2 - 1 and _paragraph_is_quote(doc, o2, c2)):
                break  # the next paragraph continues the quote only when it is the quote
            hit.content.append((o2, c2 + 1))
            attributed[nxt] = hit
            nxt += 1
    return out


def _paragraph_is_quote(doc: Doc, o: int, c: int) -> bool:
    """The paragraph opening at ``o`` holds nothing but the quotation."""
    rest = [t for t in doc[c + 1 :]]
    for t in rest:
        if _is_paragraph_break(t):
            return True
        if not (t.is_punct or t.is_space):
            return False
    return True


def _gap_is_attribution_tail(gap: Span, hit: _Found) -> bool:
    """Between two quotes only the attribution and sentence punctuation."""
    words = [t for t in gap if not t.is_punct and not t.is_space]
    cue_and_speaker = set(hit.cue_tokens)
    if hit.speaker:
        cue_and_speaker.update(range(*hit.speaker))
    return len(words) <= ATTRIBUTION_WINDOW and all(t.i in cue_and_speaker or t.dep_ in ("advmod", "aux", "prep", "pobj", "det", "npadvmod", "appos", "compound", "amod") for t in words)


def _attribution_after(doc: Doc, o: int, c: int) -> _Found | None:
    """``"…," X said`` / ``"…," said X`` right after the closing quote."""
    if not _is_utterance(doc, o, c):
        return None
    start = c + 1
    if start < len(doc) and doc[start].text == ",":
        start += 1
    window: list[Token] = []
    for tok in doc[start : start + ATTRIBUTION_WINDOW]:
        if tok.text in cues.QUOTE_MARKS or _is_paragraph_break(tok) or tok.text in WINDOW_BREAKS:
            break
        window.append(tok)
    for v in window:
        if v.pos_ == "VERB" and v.lemma_ in cues.SPEECH_VERBS:
            speaker = _subject_span(v, lo=c + 1)
            if speaker is None:
                speaker = _following_np(doc, v, window)
            if speaker is None:
                return None
            return _Found(
                RULE_DIRECT, _cue_tokens(v), [(o, c + 1)], speaker, "direct",
                0.85 if not _is_pronoun(doc, speaker) else 0.8, _addressee(v),
            )
    return None


def _attribution_before(doc: Doc, o: int, c: int) -> _Found | None:
    """``X said: "…"`` / ``X added, "…"`` / ``Trump: "…"`` right before the quote."""
    p = o - 1
    while p >= 0 and doc[p].is_space and not _is_paragraph_break(doc[p]):
        p -= 1
    if p >= 1 and _is_paragraph_break(doc[p]) and doc[p - 1].text == ":":
        p -= 1  # 'Trump boomed:' at the end of one paragraph, the quotation in the next
    if p < 0 or _is_paragraph_break(doc[p]):
        return None
    punct = doc[p] if doc[p].text in (":", ",") else None
    scan_end = p if punct is not None else p + 1
    for v in reversed(doc[max(0, scan_end - ATTRIBUTION_WINDOW) : scan_end]):
        if _is_paragraph_break(v) or v.text in cues.QUOTE_MARKS or (v.i < scan_end - 1 and v.text in WINDOW_BREAKS):
            break
        if v.pos_ == "VERB" and v.lemma_ in cues.SPEECH_VERBS:
            if punct is None and v.i != p:
                return None  # 'he said the "firm response" …' is not a quotation
            speaker = _subject_span(v, hi=o)
            return _Found(RULE_DIRECT, _cue_tokens(v), [(o, c + 1)], speaker, "direct",
                          0.8 if speaker else 0.6, _addressee(v))
    if punct is not None and punct.text == ":" and p >= 1:
        head = doc[p - 1]
        if head.ent_type_ in cues.SOURCE_LABELS:
            ent = next(e for e in doc.ents if e.start <= head.i < e.end)
            return _Found(RULE_DIRECT, (p,), [(o, c + 1)], (ent.start, ent.end), "direct", 0.6)
    return None


def _following_np(doc: Doc, v: Token, window: list[Token]) -> tuple[int, int] | None:
    """The speaker after an inverted cue: ``said Smith``, ``said the senator``."""
    after = [t for t in window if t.i > v.i]
    if not after or after[0].pos_ not in ("PROPN", "NOUN", "PRON", "DET", "ADJ"):
        return None
    end = after[0].i
    for t in after:
        if t.pos_ in ("PROPN", "NOUN", "PRON", "DET", "ADJ", "NUM") or t.dep_ == "compound":
            end = t.i
        else:
            break
    return after[0].i, end + 1


# -- according to --------------------------------------------------------


def according_to(doc: Doc, quotes: list[tuple[int, int]]) -> list[_Found]:
    """``According to X, …`` and ``…, according to X``: the rest of the
    sentence is the content, split around the according-phrase."""
    out = []
    for tok in doc:
        if tok.lower_ != "according" or tok.i + 1 >= len(doc) or doc[tok.i + 1].lower_ != "to":
            continue
        to = doc[tok.i + 1]
        pobj = next((c for c in to.children if c.dep_ == "pobj"), None)
        if pobj is None:
            pobj = next((c for c in tok.children if c.dep_ == "pobj"), None)
        if pobj is None:
            continue
        speaker = _trim(doc, pobj.left_edge.i, pobj.right_edge.i + 1)
        phrase_start, phrase_end = tok.i, max(speaker[1], to.i + 1)
        sent = tok.sent
        spans = []
        for s, e in ((sent.start, phrase_start), (phrase_end, sent.end)):
            span = _trim(doc, s, e)
            if span[1] - span[0] >= 2:
                spans.append(span)
        if not spans:
            continue
        out.append(_Found(RULE_ACCORDING, (tok.i, to.i), spans, speaker, "indirect", 0.75))
    return out


# -- clausal complements -------------------------------------------------


def clausal_complements(doc: Doc, quotes: list[tuple[int, int]]) -> list[_Found]:
    """A speech or cognition verb with a clausal complement.

    ``X warned that …``, ``X told reporters …``, ``…, X said``,
    ``X also highlighted that, after …, they …``. Several ``ccomp`` children on
    one side (a common misparse of long complements) are merged.
    """
    out = []
    for v in doc:
        if v.pos_ not in ("VERB", "AUX") or not (cues.is_cue_lemma(v.lemma_) or v.lemma_ in cues.INFINITIVE_SPEECH_VERBS):
            continue
        comps = [c for c in v.children if c.dep_ in cues.CONTENT_DEPS]
        if not comps and v.lemma_ in cues.INFINITIVE_SPEECH_VERBS:
            comps = [c for c in v.children if c.dep_ == "xcomp" and any(a.lower_ == "to" for a in c.lefts)]
        if not comps:
            continue
        after = [c for c in comps if c.i > v.i]
        side = after or comps
        start = min(c.left_edge.i for c in side)
        end = max(c.right_edge.i for c in side) + 1
        if after and start <= v.i:
            start = v.i + 1
        if not after and end > v.i:
            end = v.i
        content = _trim(doc, start, end, keep_quotes=True)
        if content[1] - content[0] < 2:
            continue
        speaker = _subject_span(v, lo=None if after else content[1], hi=content[0] if after else None)
        if speaker is None and not after:
            continue  # "…, it said" with no speaker is noise more often than not
        kind = "direct" if doc[content[0]].text in cues.QUOTE_MARKS and doc[content[1] - 1].text in cues.QUOTE_MARKS else "indirect"
        speech = v.lemma_ in cues.SPEECH_VERBS
        confidence = (0.8 if speech else 0.6) - (0.1 if speaker is None or _is_pronoun(doc, speaker) else 0.0)
        out.append(_Found(RULE_CLAUSAL, _cue_tokens(v), [content], speaker, kind, round(confidence, 2), _addressee(v)))
    return out


def nominal_objects(doc: Doc, quotes: list[tuple[int, int]]) -> list[_Found]:
    """A speech-act verb whose direct object is the content:
    ``Singh reaffirmed the US's commitment to …``, ``X denied the report``.

    Only with a stated subject (an unstated one is usually a passive or an
    imperative), and only for the curated :data:`cues.NOMINAL_CONTENT_VERBS`.
    """
    out = []
    for v in doc:
        if v.pos_ != "VERB" or v.lemma_ not in cues.NOMINAL_CONTENT_VERBS:
            continue
        if any(c.dep_ in cues.CONTENT_DEPS for c in v.children):
            continue
        obj = next((c for c in v.children if c.dep_ == "dobj" and c.i > v.i), None)
        if obj is None:
            continue
        content = _trim(doc, obj.left_edge.i, obj.right_edge.i + 1, keep_quotes=True)
        if content[1] - content[0] < 2:
            continue
        speaker = _subject_span(v, hi=v.i)
        if speaker is None:
            continue
        confidence = 0.55 - (0.1 if _is_pronoun(doc, speaker) else 0.0)
        out.append(_Found(RULE_NOMINAL, _cue_tokens(v), [content], speaker, "indirect", round(confidence, 2)))
    return out


def parentheticals(doc: Doc, quotes: list[tuple[int, int]]) -> list[_Found]:
    """A parenthetical attribution inside the content: ``This campaign, he
    says, is different.`` The content is the host clause around it, in two
    spans."""
    out = []
    for v in doc:
        if v.dep_ != "parataxis" or v.pos_ != "VERB" or v.lemma_ not in cues.SPEECH_VERBS:
            continue
        speaker = _subject_span(v)
        if speaker is None:
            continue
        host = v.head
        lo, hi = host.left_edge.i, host.right_edge.i + 1
        inner_lo, inner_hi = v.left_edge.i, v.right_edge.i + 1
        spans = [sp for sp in (_trim(doc, lo, inner_lo, True), _trim(doc, inner_hi, hi, True)) if sp[1] - sp[0] >= 1]
        if sum(e - s for s, e in spans) < 3:
            continue
        out.append(_Found(RULE_PARENTHETICAL, _cue_tokens(v), spans, speaker, "indirect", 0.7))
    return out


def prepositional_objects(doc: Doc, quotes: list[tuple[int, int]]) -> list[_Found]:
    """A speech verb whose content is its prepositional object:
    ``He referred to the attack as a tragedy``, ``She talked about her plans``."""
    out = []
    for v in doc:
        if v.pos_ != "VERB":
            continue
        for prep in v.children:
            if prep.dep_ != "prep" or (v.lemma_, prep.lower_) not in cues.PREPOSITIONAL_CONTENT or prep.i < v.i:
                continue
            pobj = next((c for c in prep.children if c.dep_ == "pobj"), None)
            if pobj is None:
                continue
            end = max([prep.right_edge.i] + [c.right_edge.i for c in v.children if c.i > prep.i and c.dep_ == "prep"]) + 1
            content = _trim(doc, pobj.left_edge.i, end, keep_quotes=True)
            speaker = _subject_span(v, hi=v.i)
            if speaker is None or content[1] - content[0] < 1:
                continue
            out.append(_Found(RULE_PREPOSITIONAL, (*_cue_tokens(v), prep.i) if prep.i == v.i + 1 else _cue_tokens(v),
                              [content], speaker, "indirect", 0.5))
            break
    return out


def line_colons(doc: Doc, quotes: list[tuple[int, int]]) -> list[_Found]:
    """A line that opens with a short proper name and a colon: headlines
    (``Lynch: No outside influence on FBI probe``) and transcripts
    (``TAPPER: Do you think …``). The rest of the line is the content; labels
    such as "Source:" or "Quote:" are common nouns and do not qualify."""
    out = []
    for tok in doc:
        if tok.text != ":" or tok.i == 0:
            continue
        start = tok.i
        while start > 0 and not _is_paragraph_break(doc[start - 1]):
            start -= 1
        name = doc[start : tok.i]
        if not (1 <= len(name) <= LINE_SOURCE_MAX) or any(t.pos_ in ("VERB", "AUX") or t.is_punct for t in name):
            continue
        if not any(t.pos_ == "PROPN" for t in name) or name[-1].pos_ != "PROPN":
            continue
        end = tok.i + 1
        while end < len(doc) and not _is_paragraph_break(doc[end]):
            end += 1
        content = _trim(doc, tok.i + 1, end, keep_quotes=True)
        if content[1] - content[0] < 3:
            continue
        kind = "direct" if doc[content[0]].text in cues.QUOTE_MARKS else "indirect"
        out.append(_Found(RULE_LINE_COLON, (tok.i,), [content], (name.start, name.end), kind, 0.5))
    return out


# -- shared helpers ------------------------------------------------------


def _cue_tokens(v: Token) -> tuple[int, ...]:
    """The cue verb, plus its particle when adjacent ("pointed out")."""
    prt = [c.i for c in v.children if c.dep_ == "prt" and c.lower_ in cues.CUE_PARTICLES and c.i == v.i + 1]
    return (v.i, *prt)


def _subject_span(v: Token, lo: int | None = None, hi: int | None = None) -> tuple[int, int] | None:
    """The speaker: the verb's subject, inherited through ``and added`` /
    ``, saying`` (conj, advcl, xcomp) when the verb has none; the agent of a
    passive (``was told by X``); None for an expletive ``it``."""
    tok: Token | None = v
    for _ in range(3):
        if tok is None:
            break
        subj = _nearest_subject(tok, lo, hi)
        if subj is not None:
            if subj.dep_ == "nsubjpass" or subj.lower_ in EXPLETIVES:
                agent = next((c for c in tok.children if c.dep_ == "agent"), None)
                pobj = next((c for c in agent.children if c.dep_ == "pobj"), None) if agent is not None else None
                if pobj is None:
                    return None
                subj = pobj
            s, e = subj.left_edge.i, subj.right_edge.i + 1
            if lo is not None:
                s = max(s, lo)
            if hi is not None:
                e = min(e, hi)
            # never swallow the cue itself
            if s <= v.i < e:
                e = v.i if subj.i < v.i else e
                s = v.i + 1 if subj.i > v.i else s
            span = _trim(v.doc, s, e)
            return span if span[1] > span[0] else None
        if tok.dep_ in ("conj", "advcl", "xcomp") and tok.head is not tok:
            tok = tok.head
        else:
            break
    return None


def _nearest_subject(v: Token, lo: int | None, hi: int | None) -> Token | None:
    """The subject child nearest the verb, inside [lo, hi) and in the verb's
    paragraph: a misparse can give a verb two subjects ("Background: • Pat
    Ryder reported"), the true one is the closer."""
    best = None
    for c in v.children:
        if c.dep_ not in cues.SUBJECT_DEPS:
            continue
        if (lo is not None and c.i < lo) or (hi is not None and c.i >= hi):
            continue
        a, b = sorted((c.i, v.i))
        if any(_is_paragraph_break(t) for t in v.doc[a:b]):
            continue
        if best is None or abs(c.i - v.i) < abs(best.i - v.i):
            best = c
    return best


def _addressee(v: Token) -> tuple[int, int] | None:
    """Whom the words were addressed to: ``told reporters``, ``assured NATO``,
    ``said to reporters``."""
    if v.lemma_ in cues.ADDRESSEE_VERBS:
        obj = next((c for c in v.children if c.dep_ in ("dobj", "dative") and c.pos_ in ("PROPN", "NOUN", "PRON")), None)
        if obj is not None:
            return obj.left_edge.i, obj.right_edge.i + 1
    for prep in v.children:
        if prep.dep_ in ("prep", "dative") and prep.lower_ == "to":
            pobj = next((c for c in prep.children if c.dep_ == "pobj"), None)
            if pobj is not None and pobj.pos_ in ("PROPN", "NOUN", "PRON"):
                return pobj.left_edge.i, pobj.right_edge.i + 1
    return None


def _is_pronoun(doc: Doc, span: tuple[int, int]) -> bool:
    return span[1] - span[0] == 1 and doc[span[0]].pos_ == "PRON"


def _trim(doc: Doc, start: int, end: int, keep_quotes: bool = False) -> tuple[int, int]:
    """Drop punctuation and whitespace at both ends of [start, end).

    With ``keep_quotes``, a quote mark stays when the span holds its partner
    (so a quoted complement keeps both marks, as PolNeAR marks content).
    """

    def droppable(t: Token) -> bool:
        if t.is_space:
            return True
        if not t.is_punct:
            return False
        return not (keep_quotes and t.text in cues.QUOTE_MARKS)

    while start < end and droppable(doc[start]):
        start += 1
    while end > start and droppable(doc[end - 1]):
        end -= 1
    if keep_quotes:
        marks = [t.i for t in doc[start:end] if t.text in cues.QUOTE_MARKS]
        if len(marks) % 2 == 1:
            if end < len(doc) and doc[end].text in cues.QUOTE_MARKS and doc[end].text not in cues.OPEN_QUOTES:
                end += 1  # the closing mark hung off the cue verb
            elif marks[-1] == end - 1 and doc[end - 1].text not in cues.OPEN_QUOTES:
                end -= 1
            elif marks[0] == start:
                start += 1
            while start < end and (doc[start].is_space or (doc[start].is_punct and doc[start].text not in cues.QUOTE_MARKS)):
                start += 1
            while end > start and (doc[end - 1].is_space or (doc[end - 1].is_punct and doc[end - 1].text not in cues.QUOTE_MARKS)):
                end -= 1
    return start, end
