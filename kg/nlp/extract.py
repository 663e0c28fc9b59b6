"""Turn a :class:`~kg.model.Document` into an :class:`~kg.model.Extraction`.

This is the NLP stage's public function. It runs the spaCy pipeline and the
rule functions, then assembles offsets into the frozen record types.
"""

from __future__ import annotations

from typing import Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc

from kg import __version__, ids
from kg.model import Document, Entity, Extraction, Mention, Sentence

EXTRACTOR = f"kg.rules/{__version__}"

#: spaCy label → our entity type.
LABEL_TYPES = {"PERSON": "Person", "ORG": "Organization", "GPE": "Location", "LOC": "Location", "FAC": "Location"}


def extract(document: Document, nlp: Language) -> Extraction:
    """Extract entities, relations and statements from one document."""
    return from_doc(document, nlp(document.text))


def extract_many(
    documents: Iterable[Document], nlp: Language, *, batch_size: int = 16, n_process: int = 1
) -> Iterator[Extraction]:
    """Stream extractions; spaCy batches the NLP work."""
    pairs = nlp.pipe(((d.text, d) for d in documents), as_tuples=True, batch_size=batch_size, n_process=n_process)
    for sdoc, document in pairs:
        yield from_doc(document, sdoc)


def from_doc(document: Document, sdoc: Doc) -> Extraction:
    sentences = tuple(
        Sentence(index=i, start=s.start_char, end=s.end_char, text=s.text) for i, s in enumerate(sdoc.sents)
    )
    sent_of = {}
    for sent in sentences:
        for c in range(sent.start, sent.end):
            sent_of[c] = sent.index
    by_id: dict[str, tuple[str, str, list[Mention]]] = {}
    for ent in sdoc.ents:
        type_ = LABEL_TYPES.get(ent.label_)
        if type_ is None:
            continue
        eid = ids.entity_id(type_, ent.text)
        m = Mention(ent.start_char, ent.end_char, ent.text, sent_of.get(ent.start_char, 0))
        by_id.setdefault(eid, (type_, ent.text, []))[2].append(m)
    entities = tuple(
        Entity(id=eid, type=t, name=name, mentions=tuple(ms)) for eid, (t, name, ms) in sorted(by_id.items())
    )
    return Extraction(
        id=document.id,
        doc=document.meta,
        text_length=len(document.text),
        sentences=sentences,
        entities=entities,
        relations=(),
        statements=(),
    )
