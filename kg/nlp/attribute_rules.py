"""The model's attribute ruler, run as a table lookup: the same annotations, a seventh of the time.

A trained pipeline such as en_core_web_sm maps its fine-grained tags to POS,
morphology and some lemmas with an ``AttributeRuler``: 179 token patterns run
through spaCy's ``Matcher``. Nearly every token matches one, and spaCy builds
a ``Span`` per match and evaluates the ``IN``/``REGEX`` predicates in Python,
so the ruler costs about a tenth of en_core_web_sm's whole time on news text
(2.0 of 20 s on 100 PolNeAR articles), more than the tagger and the
lemmatizer together.

Its patterns look at a token's own attributes only (``TAG``, ``LOWER``,
``DEP``, ``IS_SPACE``), plus a few fixed-length multi-token ones ("gon na",
"let 's"). So which rules hit a token is a function of those attribute values,
and :func:`compile_ruler` turns the patterns into predicates whose results are
memoised per distinct combination. :func:`apply_rules` then reads the
attributes with one ``Doc.to_array`` call, looks each token up, and assigns
what the matched rules say with spaCy's own ``set_token_attrs``, in the
ruler's order (a later rule wins), exactly as ``AttributeRuler`` does.

A ruler with anything else (operators, extension attributes, comparisons,
rules that set a lexical attribute) is not compiled:
:func:`compile_ruler` returns ``None`` and the pipeline keeps spaCy's ruler.
The tests check token-for-token equality with spaCy's ruler on real text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from spacy.attrs import IDS
from spacy.language import Language
from spacy.pipeline import AttributeRuler
from spacy.tokens import Doc
from spacy.tokens._retokenize import set_token_attrs

#: String attributes a compiled pattern may test (the matcher compares their string ids: the same thing).
STRING_ATTRS = frozenset({"ORTH", "LOWER", "NORM", "TAG", "POS", "DEP", "LEMMA", "SHAPE", "ENT_TYPE"})
#: Boolean lexical flags a compiled pattern may test (``{"IS_SPACE": True}``).
FLAG_ATTRS = frozenset({"IS_ALPHA", "IS_ASCII", "IS_DIGIT", "IS_LOWER", "IS_UPPER", "IS_TITLE", "IS_PUNCT",
                        "IS_SPACE", "IS_STOP", "LIKE_NUM"})
#: Attributes a rule may set: token annotations that no lexeme shares (``set_token_attrs`` also writes
#: lexical attributes onto the shared lexeme, which would change what later tokens match).
SETTABLE = frozenset(IDS[n] for n in ("POS", "TAG", "DEP", "MORPH", "LEMMA"))

#: A test of one attribute's value: ``("in", values)``, ``("not_in", values)``, ``("regex", pattern)`` or
#: ``("flag", bool)``. Equality is ``("in", {value})``.
Test = tuple[str, object]


def _test(attr: str, spec) -> Test | None:
    """The test ``"LOWER": {"IN": [...]}`` makes of a value, or ``None`` if it is not supported."""
    if attr in FLAG_ATTRS:
        return ("flag", spec) if isinstance(spec, bool) else None
    if attr not in STRING_ATTRS:
        return None
    if isinstance(spec, str):
        return ("in", frozenset([spec]))
    if not isinstance(spec, dict) or len(spec) != 1:
        return None
    (op, arg), = spec.items()
    if op in ("IN", "NOT_IN") and isinstance(arg, list) and all(isinstance(v, str) for v in arg):
        return (op.lower(), frozenset(arg))
    if op == "REGEX" and isinstance(arg, str):
        return ("regex", re.compile(arg))
    return None


class _Column:
    """One attribute's tests, evaluated together on a value.

    Membership tests (equality, ``IN``) are answered by one dict lookup per
    value, so a new word costs a lookup and the few regular expressions, not
    one call per test.
    """

    def __init__(self, tests: list[Test]):
        self.size = len(tests)
        self.members: dict[object, list[int]] = {}
        self.others: list[tuple[int, Test]] = []
        for i, (kind, arg) in enumerate(tests):
            if kind == "in":
                for v in arg:
                    self.members.setdefault(v, []).append(i)
            else:
                self.others.append((i, (kind, arg)))

    def results(self, v) -> tuple[bool, ...]:
        out = [False] * self.size
        for i in self.members.get(v, ()):
            out[i] = True
        for i, (kind, arg) in self.others:
            if kind == "not_in":
                out[i] = v not in arg
            elif kind == "regex":
                out[i] = arg.search(v) is not None
            else:  # a flag
                out[i] = bool(v) == arg
        return tuple(out)


@dataclass(frozen=True)
class CompiledRules:
    """An attribute ruler's patterns as tests of attribute values (:func:`compile_ruler`).

    A token's *signature* is, per column, the results of that column's tests
    on its value; which rules hit a token depends on nothing else.

    Attributes:
        columns: attribute ids read with ``Doc.to_array``.
        flags: per column, whether it is a boolean flag (else its value is a string id).
        tests: per column, the distinct tests made of its value (:class:`_Column`).
        singles: ``(rule id, ((column, test), ...))`` of the one-token patterns, in rule order.
        multis: ``(rule id, index, (((column, test), ...) per token))`` of the longer ones.
        attrs: rule id → the normalised attributes it sets (the ruler's own dicts).
    """

    columns: tuple[int, ...]
    flags: tuple[bool, ...]
    tests: tuple[_Column, ...]
    singles: tuple[tuple[int, tuple[tuple[int, int], ...]], ...]
    multis: tuple[tuple[int, int, tuple[tuple[tuple[int, int], ...], ...]], ...]
    attrs: tuple[dict, ...]


def compile_ruler(ruler: AttributeRuler) -> CompiledRules | None:
    """Compile ``ruler``'s patterns, or return ``None`` when one is beyond what this module handles."""
    names: list[str] = []  # column attribute names, in order of first use
    tests: list[list[Test]] = []
    seen: list[dict[str, int]] = []  # per column: repr(spec) → test index

    def ref(key: str, spec) -> tuple[int, int] | None:
        attr = "ORTH" if key == "TEXT" else key
        if attr not in names:
            names.append(attr)
            tests.append([])
            seen.append({})
        col = names.index(attr)
        label = repr(spec)
        if label not in seen[col]:
            test = _test(attr, spec)
            if test is None:
                return None
            seen[col][label] = len(tests[col])
            tests[col].append(test)
        return col, seen[col][label]

    singles, multis = [], []
    for rule_id in range(len(ruler.attrs)):
        if any(a not in SETTABLE for a in ruler.attrs[rule_id]):
            return None
        index = ruler.indices[rule_id]
        for pattern in ruler.matcher.get(str(rule_id))[1]:
            if not pattern or not -len(pattern) <= index < len(pattern):
                return None
            tokens = []
            for spec in pattern:
                if not isinstance(spec, dict) or not all(isinstance(k, str) for k in spec):
                    return None
                refs = tuple(ref(k.upper(), v) for k, v in spec.items())
                if None in refs:
                    return None
                tokens.append(refs)
            if len(tokens) == 1:
                singles.append((rule_id, tokens[0]))
            else:
                multis.append((rule_id, index % len(tokens), tuple(tokens)))
    return CompiledRules(
        columns=tuple(IDS[n] for n in names),
        flags=tuple(n in FLAG_ATTRS for n in names),
        tests=tuple(_Column(t) for t in tests),
        singles=tuple(singles),
        multis=tuple(multis),
        attrs=tuple(ruler.attrs),
    )


class FastAttributeRuler:
    """Apply :class:`CompiledRules` to docs, memoising per value and per signature.

    Three memos: a token's row of attribute values → its entry (most tokens
    repeat a row seen before); per column, value → the results of its tests
    (the ``LOWER`` column sees the vocabulary, but only a handful of regular
    expressions run per new word); and signature → the entry: what the
    one-token rules set (merged in rule order), the rules that hit, and which
    tokens of the multi-token patterns it satisfies (a few hundred tag and
    word-class combinations).
    """

    #: Most values a column memo keeps (each entry ~100 bytes: the results tuples are shared, see
    #: :meth:`value_results`); news text has about 30,000 distinct words per 800 articles.
    VALUES_SIZE = 200_000
    #: Most rows the row memo keeps (~200 bytes each). The first rows seen are the frequent ones
    #: (function words, punctuation); later ones take the per-column path, which is nearly as fast.
    ROWS_SIZE = 20_000

    def __init__(self, rules: CompiledRules):
        self.use(rules)

    def use(self, rules: CompiledRules) -> None:
        """Apply ``rules`` from now on (the memos start empty)."""
        self.rules = rules
        self._values: list[dict] = [{} for _ in rules.columns]
        self._results: dict[tuple, tuple] = {}  # one copy of each distinct results tuple
        self._signatures: dict[tuple, tuple[dict | None, tuple[int, ...], tuple[bool, ...]]] = {}
        self._rows: dict[tuple, tuple] = {}  # a token's attribute values → its signature's entry

    def value_results(self, col: int, value: int, strings) -> tuple[bool, ...]:
        """The results of column ``col``'s tests on ``value`` (a flag, or a string id).

        Results tuples are interned: most words pass none of the ``LOWER``
        tests, and 30,000 copies of a 108-item tuple would cost 27 MB.
        """
        memo = self._values[col]
        results = memo.get(value)
        if results is None:
            v = value if self.rules.flags[col] else strings[value]
            computed = self.rules.tests[col].results(v)
            results = self._results.setdefault(computed, computed)
            if len(memo) < self.VALUES_SIZE:
                memo[value] = results
        return results

    def signature_entry(self, sig: tuple) -> tuple[dict | None, tuple[int, ...], tuple[bool, ...]]:
        """What the rules make of a token with signature ``sig`` (memoised)."""
        entry = self._signatures.get(sig)
        if entry is None:
            rules = self.rules
            hit = tuple(rid for rid, refs in rules.singles if all(sig[c][t] for c, t in refs))
            merged: dict | None = None
            if hit:
                merged = {}
                for rid in hit:
                    merged.update(rules.attrs[rid])
            flags = tuple(all(sig[c][t] for c, t in refs) for _, _, seq in rules.multis for refs in seq)
            entry = (merged, hit, flags if any(flags) else ())
            self._signatures[sig] = entry
        return entry

    def __call__(self, doc: Doc) -> Doc:
        return apply_rules(doc, self)


def apply_rules(doc: Doc, ruler: FastAttributeRuler) -> Doc:
    """Set the attributes ``ruler``'s rules give each token of ``doc``, as ``AttributeRuler`` would.

    Every token is matched before any attribute is set (a rule may set
    ``TAG`` or ``DEP``, which others read). One-token rules are looked up
    per signature; multi-token patterns are matched where their tokens'
    flags line up, and a token that one of them hits gets every rule that hit
    it applied again in rule order (a later rule wins).
    """
    rules = ruler.rules
    if not len(doc) or not rules.columns:
        return doc
    strings, values, entry_for = doc.vocab.strings, ruler._values, ruler.signature_entry
    columns = range(len(rules.columns))
    rows = ruler._rows
    entries, partial = [], []  # partial: tokens that satisfy some token of a multi-token pattern
    for row in map(tuple, doc.to_array(list(rules.columns)).tolist()):  # all rules match before any sets
        entry = rows.get(row)
        if entry is None:
            sig = []
            for c in columns:
                results = values[c].get(row[c])
                sig.append(results if results is not None else ruler.value_results(c, row[c], strings))
            entry = entry_for(tuple(sig))
            if len(rows) < ruler.ROWS_SIZE:
                rows[row] = entry
        if entry[2]:
            partial.append(len(entries))
        entries.append(entry)
    extra: dict[int, list[int]] = {}
    flag = 0
    for rid, index, seq in rules.multis:
        width = len(seq)
        for start in partial:
            if start + width <= len(doc) and all(
                entries[start + k][2] and entries[start + k][2][flag + k] for k in range(width)
            ):
                extra.setdefault(start + index, []).append(rid)
        flag += width
    for i, (merged, hit, _) in enumerate(entries):
        if i in extra:
            attrs: dict = {}
            for rid in sorted({*hit, *extra[i]}):
                attrs.update(rules.attrs[rid])
            set_token_attrs(doc[i], attrs)
        elif merged is not None:
            set_token_attrs(doc[i], merged)
    return doc


@Language.factory(
    "kg_attribute_ruler",
    requires=["token.tag", "token.dep"],
    assigns=["token.pos", "token.morph", "token.lemma"],
)
def make_attribute_ruler(nlp: Language, name: str) -> FastAttributeRuler:
    """An empty ruler; :func:`swap_in` gives it the compiled rules of the model's own."""
    return FastAttributeRuler(CompiledRules((), (), (), (), (), ()))


def swap_in(nlp: Language, name: str = "attribute_ruler") -> bool:
    """Replace the pipeline's ``AttributeRuler`` named ``name`` with its compiled form, if it compiles.

    Returns whether it was replaced (it is not when the pipeline has no such
    ruler or its patterns use something :func:`compile_ruler` does not handle).
    """
    if name not in nlp.pipe_names:
        return False
    ruler = nlp.get_pipe(name)
    if not isinstance(ruler, AttributeRuler):
        return False
    rules = compile_ruler(ruler)
    if rules is None:
        return False
    nlp.replace_pipe(name, "kg_attribute_ruler").use(rules)
    return True
