"""A small reader for brat standoff annotations (``.ann`` files).

Only what PolNeAR uses: ``T`` lines (text-bound spans, possibly
discontinuous: ``T7<TAB>Content 209 236;91 186<TAB>text``) and ``E`` lines
(events tying spans together: ``E1<TAB>Attribution:T4 Content:T3 Cue:T2 Source:T1``).
Notes (``#``), attributes and relations are read past.

A span's text may contain line breaks, so a line that does not start a new
annotation continues the previous ``T`` line's text.

brat joins the fragments of a discontinuous span with one space, in the order
the offsets are written; :func:`check_offsets` verifies exactly that against
the article text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kg.errors import InputError

_ANNOTATION_START = re.compile(r"^[TERAMN#*]\d*\t")
_OFFSETS = re.compile(r"^\d+ \d+(;\d+ \d+)*$")


@dataclass(frozen=True)
class BratSpan:
    """A ``T`` annotation: a type and one or more character ranges, in file order."""

    id: str
    type: str
    spans: tuple[tuple[int, int], ...]
    text: str
    line: int


@dataclass(frozen=True)
class BratEvent:
    """An ``E`` annotation: its trigger type and (role, annotation id) arguments.

    The trigger is the first argument, e.g. ``("Attribution", "T4")``.
    """

    id: str
    type: str
    args: tuple[tuple[str, str], ...]
    line: int


@dataclass(frozen=True)
class BratDoc:
    source: str
    spans: dict[str, BratSpan]
    events: tuple[BratEvent, ...]


def parse_ann(content: str, source: str = "<ann>") -> BratDoc:
    """Parse the text of an ``.ann`` file.

    Raises:
        InputError: a ``T`` or ``E`` line is malformed (names ``source:line``).

    >>> d = parse_ann("T1\\tCue 4 8\\tsaid\\nT2\\tContent 9 11;0 3\\tno He\\nE1\\tAttribution:T1 Content:T2\\n")
    >>> d.spans["T2"].spans, d.events[0].args
    (((9, 11), (0, 3)), (('Attribution', 'T1'), ('Content', 'T2')))
    """
    spans: dict[str, BratSpan] = {}
    events: list[BratEvent] = []
    last_t: str | None = None
    for lineno, line in enumerate(content.split("\n"), start=1):
        if not _ANNOTATION_START.match(line):
            if last_t is not None and (line or lineno < content.count("\n") + 1):
                t = spans[last_t]
                spans[last_t] = BratSpan(t.id, t.type, t.spans, t.text + "\n" + line, t.line)
            continue
        last_t = None
        ident, _, rest = line.partition("\t")
        where = f"{source}:{lineno}"
        if ident.startswith("T"):
            head, sep, text = rest.partition("\t")
            type_, _, offsets = head.partition(" ")
            if not sep or not _OFFSETS.match(offsets):
                raise InputError(where, f"malformed T line {line[:80]!r}: expected 'T<n>\\t<Type> <start> <end>[;<start> <end>...]\\t<text>'")
            pieces = tuple(tuple(int(x) for x in piece.split(" ")) for piece in offsets.split(";"))
            if any(e < s for s, e in pieces):
                raise InputError(where, f"span end before start in {offsets!r}")
            spans[ident] = BratSpan(ident, type_, pieces, text, lineno)  # type: ignore[arg-type]
            last_t = ident
        elif ident.startswith("E"):
            args = []
            for item in rest.split():
                role, sep, target = item.partition(":")
                if not sep or not target:
                    raise InputError(where, f"malformed E argument {item!r}: expected Role:Tn")
                args.append((role, target))
            if not args:
                raise InputError(where, f"E line without a trigger: {line[:80]!r}")
            events.append(BratEvent(ident, args[0][0], tuple(args), lineno))
    for ev in events:
        for role, target in ev.args:
            if target not in spans:
                raise InputError(f"{source}:{ev.line}", f"event {ev.id} argument {role}:{target} names no T annotation")
    return BratDoc(source, spans, tuple(events))


def read_ann(path: Path) -> BratDoc:
    """Read and parse one ``.ann`` file (UTF-8, line endings kept as written)."""
    try:
        with open(path, encoding="utf-8", newline="") as f:
            content = f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(str(path), f"cannot read annotation file: {e}") from e
    return parse_ann(content, str(path))


def span_text(text: str, span: BratSpan) -> str:
    """The annotation's text as brat writes it: fragments joined by one space."""
    return " ".join(text[s:e] for s, e in span.spans)


def check_offsets(text: str, doc: BratDoc) -> list[str]:
    """Return one message per ``T`` span whose offsets do not reproduce its text."""
    bad = []
    for t in doc.spans.values():
        if any(e > len(text) for _, e in t.spans):
            bad.append(f"{doc.source}:{t.line}: {t.id} offsets {t.spans} beyond the text ({len(text)} chars)")
        elif span_text(text, t) != t.text:
            bad.append(f"{doc.source}:{t.line}: {t.id} text {t.text[:40]!r} != {span_text(text, t)[:40]!r}")
    return bad
