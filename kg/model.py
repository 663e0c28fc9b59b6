"""The data that flows between stages: frozen dataclasses, nothing from spaCy.

Stages are plain functions over these types (ingest → nlp → resolve → sinks).
The JSON form of :class:`Extraction` is the public *extraction record*; its
JSON Schema ships in ``kg/schema/extraction.schema.json`` and is documented in
``docs/extraction-record.md``.

All offsets are Python string indices into :attr:`Document.text` exactly as it
was given, so ``text[start:end]`` always equals the quoted span.

>>> doc = Document(id="d1", text="Blinken met Rutte.")
>>> span = TextSpan.of(doc.text, 12, 17)
>>> span.text
'Rutte'
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable

#: Entity types the graph knows. Dates and quantities stay literals.
ENTITY_TYPES = ("Person", "Organization", "Location")

#: The closed predicate vocabulary (local names in ``ontology/kg.ttl``).
PREDICATES = ("metWith", "worksFor", "memberOf", "locatedIn", "basedIn", "livesIn", "killed")

STATEMENT_KINDS = ("direct", "indirect")


@dataclass(frozen=True)
class DocMeta:
    """Document metadata; every field is optional."""

    title: str | None = None
    date: str | None = None
    author: str | None = None
    url: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Document:
    """One input document.

    Attributes:
        id: stable id: the given one, otherwise derived from the content.
        text: the text exactly as given; every offset points into it.
        meta: title, date, author, url, source.
        origin: where it came from (file path, ``path:line`` for JSONL), for errors.
        skip: character ranges that produce no facts (scraped headers,
            photo credits); they stay in ``text`` so offsets do not move.
    """

    id: str
    text: str
    meta: DocMeta = field(default_factory=DocMeta)
    origin: str = ""
    skip: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class TextSpan:
    """A contiguous span of the document text."""

    start: int
    end: int
    text: str

    @classmethod
    def of(cls, text: str, start: int, end: int) -> "TextSpan":
        return cls(start, end, text[start:end])


@dataclass(frozen=True)
class Sentence:
    index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    text: str
    sentence: int


@dataclass(frozen=True)
class Entity:
    """A canonical entity within one document.

    ``id`` is derived from type and canonical name, so the same entity in two
    documents gets the same id (cross-document merging by name and type).
    """

    id: str
    type: str
    name: str
    mentions: tuple[Mention, ...] = ()
    aliases: tuple[str, ...] = ()
    wikidata: str | None = None  # set by cross-document resolution (kg.resolve)


@dataclass(frozen=True)
class Evidence:
    """Where a fact comes from: the sentence, its offsets and the extractor."""

    doc: str
    sentence: int
    start: int
    end: int
    text: str
    extractor: str
    subject_span: tuple[int, int] | None = None
    object_span: tuple[int, int] | None = None


@dataclass(frozen=True)
class Relation:
    id: str
    subject: str
    predicate: str
    object: str
    confidence: float
    evidence: Evidence
    qualifiers: dict[str, str] = field(default_factory=dict)

    def __hash__(self) -> int:  # qualifiers is a dict; id is unique anyway
        return hash(self.id)


@dataclass(frozen=True)
class Content:
    """Statement content: one or more spans (discontinuous content)."""

    spans: tuple[tuple[int, int], ...]
    text: str

    @property
    def start(self) -> int:
        return min(s for s, _ in self.spans)

    @property
    def end(self) -> int:
        return max(e for _, e in self.spans)


@dataclass(frozen=True)
class Quantity:
    """A number in a statement with what it counts: 83% of "the promised munitions"."""

    start: int
    end: int
    text: str
    of: str | None = None


@dataclass(frozen=True)
class Statement:
    id: str
    speaker: str | None
    speaker_span: tuple[int, int] | None
    cue: TextSpan
    content: Content
    kind: str
    confidence: float
    evidence: Evidence
    addressee: str | None = None
    mentions: tuple[str, ...] = ()
    quantities: tuple[Quantity, ...] = ()
    on_behalf_of: str | None = None  # the institution a spokesperson speaks for


@dataclass(frozen=True)
class Extraction:
    """Everything extracted from one document: the extraction record."""

    id: str
    doc: DocMeta
    text_length: int
    sentences: tuple[Sentence, ...]
    entities: tuple[Entity, ...]
    relations: tuple[Relation, ...]
    statements: tuple[Statement, ...]

    # -- JSON -----------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "doc": asdict(self.doc),
            "text_length": self.text_length,
            "sentences": [asdict(s) for s in self.sentences],
            "entities": [
                {
                    "id": e.id,
                    "type": e.type,
                    "name": e.name,
                    "aliases": list(e.aliases),
                    "mentions": [asdict(m) for m in e.mentions],
                    **({"wikidata": e.wikidata} if e.wikidata else {}),
                }
                for e in self.entities
            ],
            "relations": [_relation_dict(r) for r in self.relations],
            "statements": [_statement_dict(s) for s in self.statements],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=False)

    def record(self) -> "Record":
        """This extraction as its JSON line and counts (:class:`Record`)."""
        return Record(self.id, self.to_json(), len(self.sentences), len(self.entities), len(self.relations),
                      len(self.statements))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Extraction":
        return cls(
            id=d["id"],
            doc=DocMeta(**d.get("doc", {})),
            text_length=d.get("text_length", 0),
            sentences=tuple(Sentence(**s) for s in d["sentences"]),
            entities=tuple(
                Entity(
                    id=e["id"],
                    type=e["type"],
                    name=e["name"],
                    aliases=tuple(e.get("aliases", ())),
                    mentions=tuple(Mention(**m) for m in e.get("mentions", ())),
                    wikidata=e.get("wikidata"),
                )
                for e in d["entities"]
            ),
            relations=tuple(_relation_from(r, d["id"]) for r in d["relations"]),
            statements=tuple(_statement_from(s, d["id"]) for s in d["statements"]),
        )


def _evidence_dict(ev: Evidence) -> dict[str, Any]:
    out: dict[str, Any] = {
        "doc": ev.doc,
        "sentence": ev.sentence,
        "start": ev.start,
        "end": ev.end,
        "text": ev.text,
        "extractor": ev.extractor,
    }
    if ev.subject_span is not None:
        out["subject_span"] = list(ev.subject_span)
    if ev.object_span is not None:
        out["object_span"] = list(ev.object_span)
    return out


def _evidence_from(d: dict[str, Any], doc_id: str) -> Evidence:
    return Evidence(
        doc=d.get("doc", doc_id),
        sentence=d["sentence"],
        start=d["start"],
        end=d["end"],
        text=d["text"],
        extractor=d["extractor"],
        subject_span=tuple(d["subject_span"]) if d.get("subject_span") else None,
        object_span=tuple(d["object_span"]) if d.get("object_span") else None,
    )


def _relation_dict(r: Relation) -> dict[str, Any]:
    return {
        "id": r.id,
        "subject": r.subject,
        "predicate": r.predicate,
        "object": r.object,
        "qualifiers": dict(r.qualifiers),
        "confidence": r.confidence,
        "evidence": _evidence_dict(r.evidence),
    }


def _relation_from(d: dict[str, Any], doc_id: str) -> Relation:
    return Relation(
        id=d["id"],
        subject=d["subject"],
        predicate=d["predicate"],
        object=d["object"],
        qualifiers=dict(d.get("qualifiers", {})),
        confidence=d["confidence"],
        evidence=_evidence_from(d["evidence"], doc_id),
    )


def _statement_dict(s: Statement) -> dict[str, Any]:
    content: dict[str, Any]
    if len(s.content.spans) == 1:
        (cs, ce), = s.content.spans
        content = {"start": cs, "end": ce, "text": s.content.text}
    else:
        content = {"spans": [list(x) for x in s.content.spans], "text": s.content.text}
    return {
        "id": s.id,
        "speaker": s.speaker,
        "speaker_span": list(s.speaker_span) if s.speaker_span else None,
        "on_behalf_of": s.on_behalf_of,
        "cue": asdict(s.cue),
        "content": content,
        "kind": s.kind,
        "addressee": s.addressee,
        "mentions": list(s.mentions),
        "quantities": [asdict(q) for q in s.quantities],
        "confidence": s.confidence,
        "evidence": _evidence_dict(s.evidence),
    }


def _statement_from(d: dict[str, Any], doc_id: str) -> Statement:
    c = d["content"]
    spans = tuple(tuple(x) for x in c["spans"]) if "spans" in c else ((c["start"], c["end"]),)
    return Statement(
        id=d["id"],
        speaker=d.get("speaker"),
        speaker_span=tuple(d["speaker_span"]) if d.get("speaker_span") else None,
        on_behalf_of=d.get("on_behalf_of"),
        cue=TextSpan(**d["cue"]),
        content=Content(spans=spans, text=c["text"]),
        kind=d["kind"],
        addressee=d.get("addressee"),
        mentions=tuple(d.get("mentions", ())),
        quantities=tuple(Quantity(**q) for q in d.get("quantities", ())),
        confidence=d["confidence"],
        evidence=_evidence_from(d["evidence"], doc_id),
    )


def content_text(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """Join discontinuous content spans with ' … ' in document order.

    >>> content_text("abc def ghi", [(8, 11), (0, 3)])
    'abc … ghi'
    """
    return " … ".join(text[s:e] for s, e in sorted(spans))


@dataclass(frozen=True)
class Record:
    """One document's extraction record, serialised: its JSON line and what it holds.

    What a build keeps of an extraction: the line goes to ``extractions.jsonl``
    as it is, the counts to the manifest and the summary. NLP workers send
    these back instead of :class:`Extraction` objects, so the process that
    writes the records neither unpickles nor serialises them: the JSON is made
    where the extraction was, in parallel.

    >>> r = Extraction("d1", DocMeta(), 0, (), (), (), ()).record()
    >>> (r.id, r.counts["sentences"], r.line.startswith('{"id": "d1"'))
    ('d1', 0, True)
    """

    id: str
    line: str
    sentences: int
    entities: int
    relations: int
    statements: int

    @property
    def counts(self) -> dict[str, int]:
        return {"sentences": self.sentences, "entities": self.entities, "relations": self.relations,
                "statements": self.statements}
