"""Turn a :class:`~kg.model.Document` into an :class:`~kg.model.Extraction`.

This is the NLP stage's public function. It runs the spaCy pipeline (with the
kg components from :mod:`kg.nlp.components`), then the pure rule functions
(:mod:`kg.nlp.canon`, :mod:`kg.nlp.coref`, :mod:`kg.nlp.relations`,
:mod:`kg.nlp.statements`), and assembles character offsets into the frozen
record types. Ranges in ``Document.skip`` yield no entities and no facts.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import replace
from typing import Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc, Span

from kg import __version__, ids
from kg.model import (
    Content, Document, Entity, Evidence, Extraction, Mention, Quantity, Relation, Sentence, Statement, TextSpan,
    content_text,
)
from kg.nlp import (
    canon, coref, gemm_ops, relations, sentences as sentence_rules, statements as statement_rules, trained,
)
from kg.nlp.entities import LABEL_TYPES, entity_type  # noqa: F401  (LABEL_TYPES re-exported for callers)

#: Name and version written into every fact's ``evidence.extractor``.
EXTRACTOR = f"kg.rules/{__version__}"


def extract(document: Document, nlp: Language) -> Extraction:
    """Extract entities, relations and statements from one document (parsed under :func:`kg.nlp.gemm_ops.parsing`)."""
    with gemm_ops.parsing(nlp):
        sdoc = nlp(document.text)
    return from_doc(document, sdoc)


#: Most characters of text spaCy parses in one batch (besides at most ``batch_size`` documents). A batch's
#: memory (token arrays, tensors, parses) grows with its text, so without this cap the peak RSS of a build
#: is set by the longest articles that happen to meet in one batch; with it, by the model and this budget
#: (a longer document is a batch of its own). Measured on PolNeAR train: 16 consecutive articles hold a
#: median of 71,000 characters and at most 122,000; peak RSS of a 1-process build (``--format jsonl``) was
#: 568 MB for 200 articles and 633 MB for 400 without the cap, 471 and 480 MB with it, and the CPU time of
#: ``nlp.pipe`` did not change (docs/scale.md).
BATCH_CHARS = 80_000


def extract_many(
    documents: Iterable[Document], nlp: Language, *, batch_size: int = 16, batch_chars: int = BATCH_CHARS,
) -> Iterator[Extraction]:
    """Stream extractions; spaCy parses them in batches of at most ``batch_size`` documents and ``batch_chars``.

    A batch is parsed under :func:`kg.nlp.gemm_ops.parsing` (one BLAS thread:
    kg uses more cores with more processes, not with threads).
    """
    for batch in char_batches(documents, batch_size, batch_chars):
        with gemm_ops.parsing(nlp):
            sdocs = list(nlp.pipe((d.text for d in batch), batch_size=len(batch)))
        for sdoc, document in zip(sdocs, batch):
            yield from_doc(document, sdoc)


def char_batches(documents: Iterable[Document], size: int, chars: int) -> Iterator[list[Document]]:
    """Consecutive batches of at most ``size`` documents and ``chars`` characters (a longer document alone).

    >>> docs = [Document(str(n), "x" * n) for n in (10, 20, 30, 5, 50)]
    >>> [[d.id for d in b] for b in char_batches(docs, 3, 40)]
    [['10', '20'], ['30', '5'], ['50']]
    """
    batch: list[Document] = []
    total = 0
    for document in documents:
        n = len(document.text)
        if batch and (len(batch) >= size or total + n > chars):
            yield batch
            batch, total = [], 0
        batch.append(document)
        total += n
    if batch:
        yield batch


class Linker:
    """Per-document state: sentences, canonical entities, and lookups from spans to entities.

    Built once per parsed Doc; the relation and statement assembly use it to
    turn token/char spans into entity ids and sentence evidence.
    """

    def __init__(self, document: Document, doc: Doc):
        self.document = document
        self.doc = doc
        self.text = doc.text  # ``Doc.text`` rebuilds the string from every token on each access
        self.skip = sorted(document.skip)
        self._build_sentences()
        self._build_entities()

    # -- skip ranges -----------------------------------------------------------
    def skipped(self, start: int, end: int) -> bool:
        return any(s < end and start < e for s, e in self.skip)

    # -- sentences -------------------------------------------------------------
    def _build_sentences(self) -> None:
        text = self.text
        ranges: list[list[int]] = []  # [start, end] per record
        self.sent_of_tok: list[int] = [0] * len(self.doc)
        for span in self.doc.sents:
            rng = sentence_rules.trimmed(span)
            if rng is not None:
                prev = ranges[-1] if ranges else None
                if prev is not None and sentence_rules.is_fragment(text[prev[0]:prev[1]]) \
                        and "\n" not in text[prev[1]:rng[0]]:
                    prev[1] = rng[1]  # the parser split a line's first word off: rejoin
                else:
                    ranges.append([rng[0], rng[1]])
            for t in span:
                self.sent_of_tok[t.i] = max(len(ranges) - 1, 0)
        self.sentences = tuple(Sentence(i, s, e, text[s:e]) for i, (s, e) in enumerate(ranges))
        self._sent_starts = [s.start for s in self.sentences]

    def sentence_at(self, char: int) -> Sentence:
        """The sentence holding character ``char`` (the nearest one before it)."""
        i = max(bisect_right(self._sent_starts, char) - 1, 0)
        return self.sentences[i]

    def evidence(self, start: int, end: int, subj=None, obj=None) -> Evidence:
        sent = self.sentence_at(start)
        lo, hi = min(sent.start, start), max(sent.end, end)
        if (lo, hi) != (sent.start, sent.end):  # a fact spanning sentences quotes all of them
            return Evidence(self.document.id, sent.index, lo, hi, self.text[lo:hi], EXTRACTOR, subj, obj)
        return Evidence(self.document.id, sent.index, sent.start, sent.end, sent.text, EXTRACTOR, subj, obj)

    # -- entities -------------------------------------------------------------
    def _build_entities(self) -> None:
        spans = [e for e in self.doc.ents
                 if entity_type(e) and not self.skipped(e.start_char, e.end_char) and self.sentences]
        self.spans: list[Span] = spans
        groups = canon.canonicalise([(entity_type(s), s.text) for s in spans])
        merged: dict[str, tuple[str, str, list[Mention], set[str]]] = {}
        self.entity_of: dict[tuple[int, int], str] = {}  # token range → entity id
        for g in groups:
            eid = ids.entity_id(g.type, g.name)
            slot = merged.setdefault(eid, (g.type, g.name, [], set()))
            slot[3].update(g.aliases)
            for i in g.members:
                s = spans[i]
                slot[2].append(Mention(s.start_char, s.end_char, s.text, self.sentence_at(s.start_char).index))
                self.entity_of[(s.start, s.end)] = eid
        self.entities = tuple(
            Entity(id=eid, type=t, name=name, mentions=tuple(sorted(ms, key=lambda m: m.start)),
                   aliases=tuple(sorted(al - {name})))
            for eid, (t, name, ms, al) in sorted(merged.items())
        )
        self.types = {e.id: e.type for e in self.entities}
        persons = [coref.PersonMention(s.start, s.end, self.sent_of_tok[s.start], self.entity_of[(s.start, s.end)])
                   for s in spans if entity_type(s) == "Person"]
        self.resolver = coref.Resolver(self.doc, persons, self.sent_of_tok)

    def resolve_token(self, tok) -> Span | None:
        """Span of the person a pronoun token refers to (for relation subjects)."""
        m = self.resolver.resolve(tok.i)
        return self.doc[m.start:m.end] if m is not None else None

    def entity_in(self, start: int, end: int, prefer: tuple[str, ...] = ("Person", "Organization", "Location")):
        """Entity named inside char range [start, end): the rightmost person, else organisation, else place."""
        found: dict[str, list[tuple[int, str, int, int]]] = {}
        for s in self.spans:
            if start <= s.start_char and s.end_char <= end:
                eid = self.entity_of[(s.start, s.end)]
                found.setdefault(self.types[eid], []).append((s.start_char, eid, s.start, s.end))
        for t in prefer:
            if t in found:
                return max(found[t])[1]
        return None

    def pronoun_entity(self, start: int, end: int) -> str | None:
        """Resolve a pronoun speaker span (one token) to an entity id through coreference."""
        span = self.doc.char_span(start, end, alignment_mode="expand")
        if span is None:
            return None
        for tok in span:
            if tok.lower_ in coref.PRONOUN_GENDER:
                m = self.resolver.resolve(tok.i)
                return m.entity if m is not None else None
        return None


    def description_entity(self, start: int, end: int, rels: tuple[Relation, ...]) -> str | None:
        """Resolve a role description ("the spokesman", "the minister") to the person holding that role.

        The antecedent is the person with a ``worksFor`` role containing the
        description's head word whose latest mention before ``start`` is nearest.
        Descriptions that name an entity themselves are linked by :meth:`entity_in`.
        """
        words = self.text[start:end].lower().split()
        if not words or words[0] not in ("the", "a", "an", "this", "that") or len(words) > 4:
            return None
        head = words[-1]
        if head not in relations.ROLE_HEADS:
            return None
        best: tuple[int, str] | None = None
        for r in rels:
            if r.predicate != "worksFor" or head not in r.qualifiers.get("role", "").lower().split():
                continue
            before = [m.start for e in self.entities if e.id == r.subject for m in e.mentions if m.end <= start]
            if before and (best is None or max(before) > best[0]):
                best = (max(before), r.subject)
        return best[1] if best else None


def _extracted_by(ev: Evidence, cand) -> Evidence:
    """Name a trained model's extractor on its facts (:mod:`kg.nlp.trained`); rules keep :data:`EXTRACTOR`."""
    name = getattr(cand, "extractor", None)
    return replace(ev, extractor=name) if name else ev


def assemble_relations(a: Linker) -> tuple[Relation, ...]:
    """Link the relation rules' candidates to entities and give each its evidence.

    A candidate whose argument is not a kept entity (e.g. inside a skip range) is dropped;
    a pronoun subject keeps its own span as ``subject_span`` and links through its antecedent.
    """
    doc = a.doc
    out: dict[str, Relation] = {}
    rule_cands = relations.find_relations(doc, a.spans, resolve=a.resolve_token)
    for cand in trained.relation_candidates(doc, a.spans, rule_cands):  # rules plus model proposals
        subj_ent = a.entity_of.get(cand.subject_ref or cand.subject)
        obj_ent = a.entity_of.get(cand.object)
        if subj_ent is None or obj_ent is None or subj_ent == obj_ent:
            continue
        s_span = doc[cand.subject[0]:cand.subject[1]]
        o_span = doc[cand.object[0]:cand.object[1]]
        subj_chars = (s_span.start_char, s_span.end_char)
        obj_chars = (o_span.start_char, o_span.end_char)
        lo, hi = min(subj_chars[0], obj_chars[0]), max(subj_chars[1], obj_chars[1])
        if a.skipped(lo, hi):
            continue
        ev = _extracted_by(a.evidence(lo, hi, subj_chars, obj_chars), cand)
        rid = ids.relation_id(a.document.id, subj_ent, cand.predicate, obj_ent, ev.start, ev.end)
        out.setdefault(rid, Relation(rid, subj_ent, cand.predicate, obj_ent, cand.confidence, ev,
                                     dict(sorted(cand.qualifiers.items()))))
    return tuple(sorted(out.values(), key=lambda r: (r.evidence.start, r.evidence.subject_span or (0, 0),
                                                      r.predicate, r.object)))


#: Roles whose holder speaks for the organisation (statement ``on_behalf_of``).
SPOKES_ROLES = relations.SPOKES_ROLES


def _speaks_for(rels: tuple[Relation, ...]) -> dict[str, str]:
    """Person id → organisation id, for persons holding a spokes-role in this document."""
    out: dict[str, str] = {}
    for r in rels:
        role = r.qualifiers.get("role", "").lower()
        if r.predicate == "worksFor" and any(w in role for w in SPOKES_ROLES):
            out.setdefault(r.subject, r.object)
    return out


def _quantities(cand, text: str) -> tuple[Quantity, ...]:
    """Quantities a statement candidate carries (added by the statements rules)."""
    out = []
    for q in getattr(cand, "quantities", ()) or ():
        if isinstance(q, Quantity):
            out.append(q)
        elif isinstance(q, (tuple, list)) and len(q) >= 2:
            s, e = q[0], q[1]
            of = q[2] if len(q) > 2 else None
            if isinstance(of, (tuple, list)):
                of = text[of[0]:of[1]]
            out.append(Quantity(s, e, text[s:e], of))
    return tuple(out)


def assemble_statements(a: Linker, rels: tuple[Relation, ...]) -> tuple[Statement, ...]:
    """Turn :func:`kg.nlp.statements.find_statements` candidates into statements.

    The speaker span links to the entity it names, else through pronoun or
    role-description coreference; ``on_behalf_of`` is the organisation a
    spokes-role speaker works for (from ``rels``); ``mentions`` are the entities
    named inside the content.
    """
    text = a.text
    speaks_for = _speaks_for(rels)
    doc = a.doc
    ent_chars = [(doc[ts].idx, doc[te - 1].idx + len(doc[te - 1]), eid) for (ts, te), eid in a.entity_of.items()]
    out: dict[str, Statement] = {}
    for cand in trained.statement_candidates(a.doc, statement_rules.find_statements(a.doc)):
        cue_s, cue_e = cand.cue
        if a.skipped(cue_s, cue_e) or not cand.content:
            continue
        speaker = None
        if cand.speaker_span is not None:
            s, e = cand.speaker_span
            speaker = (a.entity_in(s, e, ("Person", "Organization")) or a.pronoun_entity(s, e)
                       or a.description_entity(s, e, rels))
        addressee = None
        if cand.addressee_span is not None:
            addressee = a.entity_in(*cand.addressee_span)
        spans = tuple(sorted(tuple(x) for x in cand.content))
        mentions = sorted({eid for es, ee, eid in ent_chars if any(cs <= es and ee <= ce for cs, ce in spans)}
                          - {speaker})
        lo = min([cue_s] + [s for s, _ in spans] + ([cand.speaker_span[0]] if cand.speaker_span else []))
        hi = max([cue_e] + [e for _, e in spans] + ([cand.speaker_span[1]] if cand.speaker_span else []))
        cue_sent = a.sentence_at(cue_s)
        ev = _extracted_by(a.evidence(min(lo, cue_sent.start), max(hi, cue_sent.end),
                                      tuple(cand.speaker_span) if cand.speaker_span else None, None), cand)
        sid = ids.statement_id(a.document.id, cue_s, cue_e)
        out.setdefault(sid, Statement(
            id=sid, speaker=speaker, speaker_span=tuple(cand.speaker_span) if cand.speaker_span else None,
            cue=TextSpan.of(text, cue_s, cue_e), content=Content(spans, content_text(text, spans)),
            kind=cand.kind, confidence=cand.confidence, evidence=ev, addressee=addressee,
            mentions=tuple(mentions), quantities=_quantities(cand, text),
            on_behalf_of=speaks_for.get(speaker) if speaker else None,
        ))
    return tuple(sorted(out.values(), key=lambda s: (s.cue.start, s.cue.end)))


def from_doc(document: Document, sdoc: Doc) -> Extraction:
    """Assemble the extraction record from a parsed Doc."""
    a = Linker(document, sdoc)
    rels = assemble_relations(a)
    return Extraction(
        id=document.id,
        doc=document.meta,
        text_length=len(document.text),
        sentences=a.sentences,
        entities=a.entities,
        relations=rels,
        statements=assemble_statements(a, rels),
    )
