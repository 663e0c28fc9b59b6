"""Cross-document entity resolution: block, score, cluster, and keep every decision.

Within one document the NLP stage already folds "Blinken" into "Antony
Blinken". Across documents, entities with the same type and canonical name
share an id by construction. This stage does the rest:

1. **Blocking.** Each name group gets a few keys (surname, first name of a
   bare token, folded name, acronym, known-alias group, Wikidata id); only
   groups that share a key are compared, so the work grows with block sizes,
   not with the square of the corpus.
2. **Scoring.** Name rules (:mod:`kg.resolve.names`), type, roles and the
   entities a name co-occurs with.
3. **Clustering.** Union-find over accepted pairs in descending score order,
   refusing any merge that would put two incompatible first names ("Joe" and
   "Hunter" Biden) or a user's ``different`` pair in one cluster.

Bare surnames ("Clinton" in an article that never names her in full) are
attached per document to the one full-name person they most likely denote, or
left alone when the corpus offers two plausible people and neither dominates.

Every merge and every refusal is a :class:`Decision`; ``kg explain`` prints
them. The result is deterministic: inputs are sorted and ties broken by key.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from typing import Iterable

from kg import ids
from kg.model import Entity, Extraction
from kg.resolve.aliases import Aliases, WikidataTable
from kg.resolve.names import (
    alias_group,
    acronym,
    canonical_first,
    first_names_compatible,
    fold,
    looks_like_acronym,
    person_parts,
)

#: Pairs scoring at least this are merged.
MERGE_THRESHOLD = 0.8
#: A bare surname joins the most-mentioned candidate only if that candidate has
#: at least this share of the candidates' mentions (and twice the runner-up's).
DOMINANT_SHARE = 0.6
#: A bare name is attached to a person named in *another* document only if that
#: person is this prominent (named in full in at least this many documents);
#: otherwise "Davis" in one article would join "Angela Davis" from another.
PROMINENT_DOCS = 3
#: How many mentions an explanation quotes per entity.
EVIDENCE_PER_ENTITY = 3


@dataclass(frozen=True)
class EntityRef:
    """One entity as it appears in one document: the unit resolution works on."""

    doc: str
    entity: str
    type: str
    name: str
    aliases: tuple[str, ...]
    mentions: int
    roles: tuple[str, ...]
    context: frozenset[str]
    evidence: tuple[tuple[int, int, int, str], ...]  # (sentence, start, end, text)

    @property
    def key(self) -> str:
        return f"{self.doc}::{self.entity}"


@dataclass(frozen=True)
class Decision:
    """One recorded resolution decision.

    Attributes:
        a, b: the two names (entity ids) compared.
        verdict: ``same`` (merged), ``different`` (kept apart) or ``ambiguous``.
        score: the pair score in [0, 1].
        reasons: human-readable reasons, e.g. ``"nickname: tony ~ antony"``.
        source: ``rules``, ``user`` or ``wikidata``.
        docs: the documents of a per-document decision (bare surnames).
    """

    a: str
    b: str
    verdict: str
    score: float
    reasons: tuple[str, ...]
    source: str = "rules"
    docs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cluster:
    """A canonical entity across the corpus."""

    id: str
    type: str
    name: str
    aliases: tuple[str, ...]
    members: tuple[str, ...]  # EntityRef keys (doc::entity)
    wikidata: str | None = None
    evidence: tuple[tuple[str, int, int, int, str], ...] = ()  # (doc, sentence, start, end, text)


@dataclass(frozen=True)
class Resolution:
    clusters: tuple[Cluster, ...]
    decisions: tuple[Decision, ...]
    pairs_compared: int = 0
    refs: int = 0
    _index: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    _by_id: dict[str, Cluster] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {m: c.id for c in self.clusters for m in c.members})
        object.__setattr__(self, "_by_id", {c.id: c for c in self.clusters})

    def canonical(self, doc: str, entity: str) -> str:
        """The cluster id for ``entity`` in ``doc`` (itself when unresolved)."""
        return self._index.get(f"{doc}::{entity}", entity)

    def cluster(self, cluster_id: str) -> Cluster | None:
        return self._by_id.get(cluster_id)

    def find(self, query: str) -> list[Cluster]:
        """Clusters whose id, name or an alias matches ``query`` (folded)."""
        q = fold(query)
        return [
            c
            for c in self.clusters
            if c.id == query or fold(c.name) == q or q in {fold(a) for a in c.aliases} or c.wikidata == query
        ]

    def decisions_for(self, cluster: Cluster) -> list[Decision]:
        names = {m.split("::", 1)[1] for m in cluster.members} | {cluster.id}
        return [d for d in self.decisions if d.a in names or d.b in names]


# ---------------------------------------------------------------- gathering


def entity_refs(extractions: Iterable[Extraction]) -> list[EntityRef]:
    """Collect one :class:`EntityRef` per entity per document, with its context."""
    refs: list[EntityRef] = []
    for ex in extractions:
        roles: dict[str, set[str]] = defaultdict(set)
        for r in ex.relations:
            if r.predicate == "worksFor" and r.qualifiers.get("role"):
                roles[r.subject].add(fold(r.qualifiers["role"]))
        all_ids = {e.id for e in ex.entities}
        for e in ex.entities:
            refs.append(
                EntityRef(
                    doc=ex.id,
                    entity=e.id,
                    type=e.type,
                    name=e.name,
                    aliases=tuple(sorted(set(e.aliases) | {m.text for m in e.mentions} | {e.name})),
                    mentions=len(e.mentions),
                    roles=tuple(sorted(roles.get(e.id, ()))),
                    context=frozenset(all_ids - {e.id}),
                    evidence=tuple(
                        (m.sentence, m.start, m.end, m.text) for m in e.mentions[:EVIDENCE_PER_ENTITY]
                    ),
                )
            )
    refs.sort(key=lambda r: (r.doc, r.entity))
    return refs


@dataclass
class _Group:
    """Refs that share an entity id (same type and canonical name)."""

    id: str
    type: str
    name: str
    refs: list[EntityRef]
    first: str | None = None
    surname: str | None = None

    @property
    def mentions(self) -> int:
        return sum(r.mentions for r in self.refs)

    @property
    def context(self) -> set[str]:
        return set().union(*(r.context for r in self.refs))

    @property
    def roles(self) -> set[str]:
        return set().union(*(r.roles for r in self.refs))

    @property
    def bare(self) -> bool:
        """A single-token person name: surname or first name, we cannot tell."""
        return self.type == "Person" and self.first is None


# ---------------------------------------------------------------- scoring


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def score_pair(a: _Group, b: _Group) -> tuple[float, tuple[str, ...], bool]:
    """Score two full-name groups of one type.

    Returns:
        (score, reasons, conflict): ``conflict`` marks a pair that must never
        share a cluster (same surname, incompatible first names).
    """
    if a.type != b.type:
        return 0.0, ("different types",), True
    if a.type == "Person":
        if a.surname != b.surname:
            return 0.0, (), False
        if a.first is None or b.first is None:  # bare names are attached per document instead
            return 0.0, (), False
        shared = sorted(a.roles & b.roles)
        role = (f"same role: {', '.join(shared)}",) if shared else ()
        if a.first == b.first:
            return 0.95 + 0.05 * bool(shared), (f"same first name and surname: {a.first} {a.surname}",) + role, False
        if first_names_compatible(a.first, b.first):
            kind = "initial" if min(len(a.first), len(b.first)) == 1 else "nickname"
            return 0.85 + 0.05 * bool(shared), (f"{kind}: {a.first} ~ {b.first}, same surname {a.surname}",) + role, False
        return 0.0, (f"same surname {a.surname} but different first names {a.first} / {b.first}",), True
    fa, fb = fold(a.name), fold(b.name)
    reasons: list[str] = []
    score = 0.0
    if fa == fb:
        score, reasons = 0.95, [f"same name after normalisation: {fa!r}"]
    elif (ga := alias_group(a.name)) is not None and ga == alias_group(b.name):
        score, reasons = 0.9, [f"alias table: {fa!r} ~ {fb!r}"]
    elif looks_like_acronym(a.name) and acronym(b.name) == a.name.replace(".", "").upper():
        score, reasons = 0.85, [f"acronym: {a.name} = {b.name}"]
    elif looks_like_acronym(b.name) and acronym(a.name) == b.name.replace(".", "").upper():
        score, reasons = 0.85, [f"acronym: {b.name} = {a.name}"]
    if score:
        overlap = _jaccard(a.context, b.context)
        if overlap:
            score = min(1.0, score + 0.05 * overlap)
            reasons.append(f"co-occurring entities overlap {overlap:.2f}")
    return score, tuple(reasons), False


def _bare_token(g: _Group) -> str | None:
    """The token of a bare single-word person name, or of a one-word
    organisation/place name that may be a mistyped surname ("Trump" as ORG)."""
    if g.bare:
        return g.surname
    if g.type != "Person" and len(g.name.split()) == 1 and not looks_like_acronym(g.name):
        return fold(g.name)
    return None


def _block_keys(g: _Group) -> set[str]:
    if g.type == "Person":
        return {f"s:{g.surname}"} if not g.bare else set()
    f = fold(g.name)
    keys = {f"n:{f}"}
    if looks_like_acronym(g.name):
        keys.add(f"a:{g.name.replace('.', '').upper()}")
    elif len(f.split()) > 1:
        keys.add(f"a:{acronym(g.name)}")
    grp = alias_group(g.name)
    if grp is not None:
        keys.add(f"g:{grp}")
    return keys


# ---------------------------------------------------------------- clustering


class _UnionFind:
    def __init__(self, items: Iterable[str]):
        self.parent = {i: i for i in items}

    def find(self, x: str) -> str:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def resolve(
    extractions: Iterable[Extraction],
    *,
    aliases: Aliases | None = None,
    wikidata: WikidataTable | None = None,
) -> Resolution:
    """Resolve entities across all documents of a build.

    Args:
        extractions: one record per document.
        aliases: user corrections (``same``/``different``/``canonical``/``wikidata``).
        wikidata: an offline table of Wikidata ids, labels and aliases.
    """
    aliases = aliases or Aliases()
    refs = entity_refs(extractions)
    groups: dict[str, _Group] = {}
    for r in refs:
        g = groups.get(r.entity)
        if g is None:
            g = groups[r.entity] = _Group(id=r.entity, type=r.type, name=r.name, refs=[])
            if r.type == "Person":
                g.first, g.surname = person_parts(r.name)
        g.refs.append(r)
    order = sorted(groups)
    decisions: list[Decision] = []
    uf = _UnionFind(order)
    firsts: dict[str, set[str]] = {
        gid: ({canonical_first(groups[gid].first)} if groups[gid].first else set()) for gid in order
    }
    cannot: set[frozenset[str]] = set()

    def user_ids(name: str) -> list[str]:
        f = fold(name)
        return [gid for gid in order if fold(groups[gid].name) == f or gid == name]

    for a, b in aliases.different:
        for ga in user_ids(a):
            for gb in user_ids(b):
                cannot.add(frozenset((ga, gb)))
                decisions.append(Decision(ga, gb, "different", 0.0, ("user: different",), source="user"))

    together: dict[str, set[str]] = {gid: {gid} for gid in order}  # root → its groups

    def can_merge(a: str, b: str, force: bool = False) -> tuple[bool, str]:
        ra, rb = uf.find(a), uf.find(b)
        if ra == rb:
            return False, "already together"
        ma, mb = together[ra], together[rb]
        if cannot and any(frozenset((x, y)) in cannot for x in ma for y in mb):
            return False, "a user said these are different"
        if not force:
            fa, fb = firsts[ra], firsts[rb]
            if any(not first_names_compatible(x, y) for x in fa for y in fb):
                return False, f"would join different first names {sorted(fa | fb)}"
        return True, ""

    def merge(a: str, b: str) -> None:
        ra, rb = uf.find(a), uf.find(b)
        uf.union(ra, rb)
        root = uf.find(ra)
        firsts[root] = firsts[ra] | firsts[rb]
        together[root] = together.pop(ra) | together.pop(rb)

    for a, b in aliases.same:
        for ga in user_ids(a):
            for gb in user_ids(b):
                ok, why = can_merge(ga, gb, force=True)
                if ok:
                    merge(ga, gb)
                    decisions.append(Decision(ga, gb, "same", 1.0, ("user: same",), source="user"))

    # Candidate pairs from blocks (full names and organisations/places only).
    blocks: dict[str, list[str]] = defaultdict(list)
    for gid in order:
        for k in sorted(_block_keys(groups[gid])):
            blocks[k].append(gid)
    seen: set[tuple[str, str]] = set()
    scored: list[tuple[float, str, str, tuple[str, ...]]] = []
    for k in sorted(blocks):
        for a, b in itertools.combinations(blocks[k], 2):
            if (a, b) in seen:
                continue
            seen.add((a, b))
            s, reasons, conflict = score_pair(groups[a], groups[b])
            if conflict and groups[a].type == groups[b].type:
                cannot.add(frozenset((a, b)))
                decisions.append(Decision(a, b, "different", s, reasons))
            elif s >= MERGE_THRESHOLD:
                scored.append((s, a, b, reasons))
    if wikidata is not None:
        by_qid: dict[str, list[str]] = defaultdict(list)
        for gid in order:
            qid = wikidata.lookup(groups[gid].name, groups[gid].type)
            if qid:
                by_qid[qid].append(gid)
        for qid, gids in sorted(by_qid.items()):
            for a, b in itertools.combinations(gids, 2):
                seen.add((a, b))
                scored.append((0.9, a, b, (f"same Wikidata id {qid}",)))
    scored.sort(key=lambda t: (-t[0], t[1], t[2]))
    for s, a, b, reasons in scored:
        ok, why = can_merge(a, b)
        if ok:
            merge(a, b)
            decisions.append(Decision(a, b, "same", round(s, 3), reasons))
        elif why != "already together":
            decisions.append(Decision(a, b, "different", round(s, 3), reasons + (f"refused: {why}",)))

    # Bare single-token person names, attached per document.
    per_doc: dict[str, str] = {}  # ref key → root it joins
    ambiguous: set[str] = set()
    full_roots: dict[tuple[str, str | None], set[str]] = defaultdict(set)  # ("s"|"f", token) → roots
    root_mentions: Counter[str] = Counter()
    root_docs: dict[str, set[str]] = defaultdict(set)
    root_roles: dict[str, set[str]] = defaultdict(set)
    for gid in order:
        g = groups[gid]
        if g.type == "Person" and not g.bare:
            root = uf.find(gid)
            root_roles[root] |= g.roles
            full_roots[("s", g.surname)].add(root)
            full_roots[("f", g.first)].add(root)
            root_mentions[root] += g.mentions
            root_docs[root] |= {r.doc for r in g.refs}
    for gid in order:
        g = groups[gid]
        token = _bare_token(g)
        if token is None:
            continue
        by_surname = sorted(full_roots.get(("s", token), ()))
        by_first = sorted(full_roots.get(("f", token), ()))
        cands, how = (by_surname, "surname") if by_surname else (by_first, "first name")
        if not cands or (how == "first name" and g.type != "Person"):
            continue
        retyped = "" if g.type == "Person" else f"; the {g.type.lower()} {g.name!r} is a person's surname"
        for r in g.refs:
            in_doc = [c for c in cands if r.doc in root_docs[c]]
            # A bare first name ("Hillary") only joins someone named in the same article.
            pool = in_doc or ([c for c in cands if len(root_docs[c]) >= PROMINENT_DOCS] if how == "surname" else [])
            if not pool:
                continue
            by_role = [c for c in pool if set(r.roles) & root_roles[c]]
            if len(by_role) == 1 and len(pool) > 1:  # "Secretary Clinton" is the one who held that role
                root = by_role[0]
                shared = ", ".join(sorted(set(r.roles) & root_roles[root]))
                per_doc[r.key] = root
                decisions.append(Decision(gid, root, "same", 0.85, (
                    f"{how} {token!r}: the only one of {len(pool)} candidates with the same role ({shared})"
                    + retyped,), docs=(r.doc,)))
                continue
            total = sum(root_mentions[c] for c in pool) or 1
            ranked = sorted(((root_mentions[c] / total, c) for c in pool), key=lambda t: (-t[0], t[1]))
            best, root = ranked[0]
            second, other = ranked[1] if len(ranked) > 1 else (0.0, None)
            where = "named in this document" if in_doc else "in the corpus"
            if len(ranked) == 1:
                why = f"only full-name person with {how} {token!r} {where}"
                ok = True
            else:
                why = (f"{how} {token!r}: {best:.0%} of mentions of the {len(pool)} people {where} "
                       f"(next: {other}, {second:.0%})")
                ok = best >= DOMINANT_SHARE and best >= 2 * second
            score = round((0.85 if how == "surname" else 0.8) * (1.0 if len(ranked) == 1 else best), 3)
            if ok:
                per_doc[r.key] = root
                decisions.append(Decision(gid, root, "same", score, (why + retyped,), docs=(r.doc,)))
            else:
                decisions.append(
                    Decision(gid, root, "ambiguous", score, (why + "; left unmerged",), docs=(r.doc,))
                )
                ambiguous.add(r.key)

    # Build clusters. An ambiguous bare name stays one entity per document, so
    # "Bush" in an article about Jeb is not joined to "Bush" in one about George W.
    members: dict[str, list[EntityRef]] = defaultdict(list)
    for gid in order:
        for r in groups[gid].refs:
            root = per_doc.get(r.key) or (r.key if r.key in ambiguous else uf.find(gid))
            members[root].append(r)
    clusters = []
    for root, rs in members.items():
        c = _make_cluster(rs, groups, aliases, wikidata)
        if root in ambiguous:  # its own entity in its own document: "Bush~3f2a…"
            c = replace(c, id=f"{c.id}~{ids.digest(rs[0].doc, n=8)}")
        clusters.append(c)
    # Two roots may pick the same canonical name; fold them into one cluster id.
    by_id: dict[str, list[Cluster]] = defaultdict(list)
    for c in clusters:
        by_id[c.id].append(c)
    final = []
    for cid in sorted(by_id):
        cs = by_id[cid]
        if len(cs) == 1:
            final.append(cs[0])
        else:
            final.append(_make_cluster([r for c in cs for r in _refs_of(c, groups)], groups, aliases, wikidata))
    return Resolution(
        clusters=tuple(final),
        decisions=tuple(sorted(decisions, key=lambda d: (d.a, d.b, d.verdict, d.docs))),
        pairs_compared=len(seen),
        refs=len(refs),
    )


def _refs_of(c: Cluster, groups: dict[str, _Group]) -> list[EntityRef]:
    keys = set(c.members)
    return [r for g in groups.values() for r in g.refs if r.key in keys]


def _make_cluster(
    rs: list[EntityRef], groups: dict[str, _Group], aliases: Aliases, wikidata: WikidataTable | None
) -> Cluster:
    rs = sorted(rs, key=lambda r: (r.doc, r.entity))
    types = Counter(r.type for r in rs)
    type_ = "Person" if "Person" in types and any(r.type == "Person" and len(r.name.split()) > 1 for r in rs) \
        else sorted(types, key=lambda t: (-types[t], t))[0]
    docs: dict[str, set[str]] = defaultdict(set)
    weight: Counter[str] = Counter()
    for r in rs:
        if r.type == type_:
            docs[r.name].add(r.doc)
            weight[r.name] += r.mentions
    names = sorted(
        weight, key=lambda n: (-(len(n.split()) > 1 or type_ != "Person"), -len(docs[n]), -weight[n], -len(n), n)
    )
    name = names[0]
    for n in names:
        if fold(n) in aliases.canonical:
            name = aliases.canonical[fold(n)]
            break
    qid = None
    for n in names:
        qid = aliases.wikidata.get(fold(n)) or (wikidata.lookup(n, type_) if wikidata else None)
        if qid:
            break
    all_aliases = sorted({a for r in rs for a in r.aliases} - {name})
    evidence = tuple((r.doc,) + ev for r in rs for ev in r.evidence)[: 3 * EVIDENCE_PER_ENTITY]
    return Cluster(
        id=ids.entity_id(type_, name),
        type=type_,
        name=name,
        aliases=tuple(all_aliases),
        members=tuple(r.key for r in rs),
        wikidata=qid,
        evidence=evidence,
    )


# ---------------------------------------------------------------- applying


def apply(extraction: Extraction, resolution: Resolution) -> Extraction:
    """Rewrite one extraction's entity ids to cluster ids, merging entities that now coincide."""
    mapping = {e.id: resolution.canonical(extraction.id, e.id) for e in extraction.entities}
    merged: dict[str, list[Entity]] = defaultdict(list)
    for e in extraction.entities:
        merged[mapping[e.id]].append(e)
    entities = []
    for cid in sorted(merged):
        es = merged[cid]
        c = resolution.cluster(cid)
        mentions = tuple(sorted((m for e in es for m in e.mentions), key=lambda m: (m.start, m.end)))
        names = {e.name for e in es} | {a for e in es for a in e.aliases}
        name = c.name if c else es[0].name
        entities.append(
            Entity(
                id=cid,
                type=c.type if c else es[0].type,
                name=name,
                mentions=mentions,
                aliases=tuple(sorted((names | set(c.aliases if c else ())) - {name})),
                wikidata=c.wikidata if c else None,
            )
        )
    m = lambda x: mapping.get(x, x) if x else x  # noqa: E731
    relations = tuple(replace(r, subject=m(r.subject), object=m(r.object)) for r in extraction.relations)
    relations = tuple(r for r in relations if r.subject != r.object)  # "Blinken met Antony Blinken"
    statements = tuple(
        replace(
            s,
            speaker=m(s.speaker),
            addressee=m(s.addressee),
            on_behalf_of=m(s.on_behalf_of),
            mentions=tuple(dict.fromkeys(m(x) for x in s.mentions)),
        )
        for s in extraction.statements
    )
    return replace(extraction, entities=tuple(entities), relations=relations, statements=statements)
