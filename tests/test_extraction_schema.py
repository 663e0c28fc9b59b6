"""The JSON Schema of the extraction record agrees with Extraction.to_dict()."""

from __future__ import annotations

import copy
import re
import json

import jsonschema
import pytest

from kg import ids
from kg.errors import SinkError
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
from kg.sinks.jsonl_sink import load_schema, validate_record

TEXT = (
    "Blinken met Rutte in Brussels. "
    'Pentagon spokesperson Pat Ryder said the US had delivered 83% of the munitions. '
    '"We will stay," he said, "until the end."'
)


def span(needle: str, nth: int = 0) -> tuple[int, int]:
    i = -1
    for _ in range(nth + 1):
        i = TEXT.index(needle, i + 1)
    return i, i + len(needle)


def full_record() -> dict:
    """A record using every field: relation with qualifiers, statements with one and two content spans."""
    doc = "doc-1"
    s0, s1, s2 = (0, 30), (31, 110), (111, len(TEXT))
    sents = tuple(Sentence(i, s, e, TEXT[s:e]) for i, (s, e) in enumerate((s0, s1, s2)))

    def ev(i, subj=None, obj=None):
        s = sents[i]
        return Evidence(doc, i, s.start, s.end, s.text, "kg.rules/0.1.0", subj, obj)

    def ent(type_, name, *needles):
        ms = tuple(Mention(*span(n), n, next(s.index for s in sents if s.start <= span(n)[0] < s.end)) for n in needles)
        return Entity(ids.entity_id(type_, name), type_, name, ms, aliases=needles[1:])

    blinken, rutte = ent("Person", "Antony Blinken", "Blinken"), ent("Person", "Mark Rutte", "Rutte")
    brussels, ryder = ent("Location", "Brussels", "Brussels"), ent("Person", "Pat Ryder", "Pat Ryder")
    pentagon = ent("Organization", "Pentagon", "Pentagon")
    rel = Relation(
        ids.relation_id(doc, blinken.id, "metWith", rutte.id, *s0), blinken.id, "metWith", rutte.id, 0.8,
        ev(0, span("Blinken"), span("Rutte")), {"location": "Brussels"},
    )
    cue = TextSpan.of(TEXT, *span("said"))
    content = span("the US had delivered 83% of the munitions")
    st1 = Statement(
        ids.statement_id(doc, cue.start, cue.end), ryder.id, span("Pentagon spokesperson Pat Ryder"), cue,
        Content((content,), TEXT[slice(*content)]), "indirect", 0.7, ev(1), mentions=(),
        quantities=(Quantity(*span("83%"), "83%", "the munitions"),), on_behalf_of=pentagon.id,
    )
    cue2 = TextSpan.of(TEXT, *span("said", 1))
    parts = (span("We will stay,"), span("until the end."))
    st2 = Statement(
        ids.statement_id(doc, cue2.start, cue2.end), ryder.id, span("he"), cue2,
        Content(parts, " … ".join(TEXT[s:e] for s, e in parts)), "direct", 0.9, ev(2),
    )
    ex = Extraction(
        doc, DocMeta(title="T", date="2024-11-13"), len(TEXT), sents,
        (blinken, rutte, brussels, ryder, pentagon), (rel,), (st1, st2),
    )
    return json.loads(ex.to_json())


def test_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(load_schema())


def test_full_record_validates_and_round_trips():
    rec = full_record()
    validate_record(rec, TEXT)
    assert "spans" in rec["statements"][1]["content"]  # the discontinuous form is covered
    assert json.loads(Extraction.from_dict(rec).to_json()) == rec


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda r: r["relations"][0].update(predicate="likes"), "relations/0/predicate"),
        (lambda r: r["entities"][0].update(type="PERSON"), "entities/0/type"),
        (lambda r: r["relations"][0].pop("evidence"), "relations/0"),
        (lambda r: r["sentences"][0].update(start=-1), "sentences/0/start"),
        (lambda r: r["statements"][0].update(confidence=1.5), "statements/0/confidence"),
        (lambda r: r["statements"][0].update(kind="quoted"), "statements/0/kind"),
        (lambda r: r["doc"].update(publisher="x"), "doc"),
        (lambda r: r["relations"][0]["qualifiers"].update(location=3), "relations/0/qualifiers/location"),
        (lambda r: r.pop("text_length"), "(record)"),
    ],
)
def test_schema_rejects_records_that_break_the_contract(mutate, where):
    rec = copy.deepcopy(full_record())
    mutate(rec)
    with pytest.raises(SinkError, match=f"breaks the schema at {re.escape(where)}:"):
        validate_record(rec)


def test_offsets_that_do_not_quote_the_text_are_rejected():
    rec = full_record()
    rec["statements"][0]["cue"]["start"] += 1
    with pytest.raises(SinkError, match="cue of doc-1/stmt"):
        validate_record(rec, TEXT)
