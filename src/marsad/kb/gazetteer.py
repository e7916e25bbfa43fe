"""Loaders for the knowledge-base data files (kb/data) and the in-memory gazetteer used for matching.

Keys are ``normalize_key`` forms of whole names as written in the data ("الجزائر" keeps its article);
a multi-word name is a tuple of word keys. The mention stage strips clitics from the first word of a
candidate and looks the rest up as written.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from marsad.kb.build import region_rank
from marsad.text.normalize import normalize_key

DATA = Path(__file__).parent / "data"



@lru_cache(maxsize=1)
def load_rules() -> dict:
    """kb/data/mention_rules.json: named word lists (as sets of normalised keys) and ``thresholds``."""
    with open(DATA / "mention_rules.json", encoding="utf-8") as f:
        raw = json.load(f)
    out: dict = {}
    for name, value in raw.items():
        if name.startswith("_"):
            continue
        if isinstance(value, list):
            out[name] = frozenset(normalize_key(w) for w in value)
        else:
            out[name] = value
    return out


@dataclass(frozen=True)
class Entry:
    type: str  # GPE, LOC, ORG, NORP, PER (well-known persons)
    entity_id: str | None
    country: str | None
    sector: str | None
    confidence: float
    canonical: str
    rank: int = 0  # lower is preferred when one key names several entries


_HEADED = ("countries.tsv", "places.tsv", "person_names.tsv", "persons.tsv", "places_curated.tsv")


def _rows(name: str):
    with open(DATA / name, encoding="utf-8") as f:
        header = None
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            row = line.rstrip("\n").split("\t")
            if header is None and name in _HEADED:
                header = row
                continue
            yield row


def nisba_forms(stem: str) -> list[str]:
    """Inflected forms of a nisba stem (جزائري): جزائرية، جزائريون، جزائريين، جزائريان … with and without ال."""
    s = normalize_key(stem)
    forms = [s, s + "ه", s + "ون", s + "ين", s + "ان", s + "تان", s + "تين", s + "ات"]
    return forms + ["ال" + f for f in forms]


@dataclass
class Gazetteer:
    names: dict[tuple[str, ...], list[Entry]]
    max_len: int
    person_parts: dict[str, tuple[str, int, int]]  # key -> (latin, given count, surname count)
    nonnames: set[str]
    weak: set[str]
    titles: dict[tuple[str, ...], tuple[str, bool, str | None]]  # key -> (type, precedes, sector)
    heads: dict[tuple[str, ...], tuple[str | None, int]]  # key -> (sector, quoted: 1 may, 2 must)
    countries: dict[str, dict]
    rules: dict = field(default_factory=dict)  # mention_rules.json (load_rules)

    def lookup(self, key: tuple[str, ...]) -> Entry | None:
        entries = self.names.get(key)
        if not entries:
            return None
        return min(entries, key=lambda e: (e.rank, -e.confidence))


def _add(names: dict, name: str, entry: Entry) -> None:
    key = tuple(normalize_key(name).split())
    if key:
        names.setdefault(key, []).append(entry)


# gazetteer entries for knowledge-base entities that the older lists above do not name: (type -> rank, confidence)
_KB_ENTRY = {"ORG": (0, 0.9), "PER": (0, 0.85), "FAC": (2, 0.8), "LOC": (2, 0.8)}


def _link_entries(names: dict[tuple[str, ...], list[Entry]]) -> None:
    """Gives every entry the id of its knowledge-base entity (kb/entities.py) and adds the names of
    entities that only the KB's newer files list (organisations, persons, Algerian wilayas and
    communes, sites), so that matching and linking share one set of ids."""
    from marsad.kb.entities import family, load as load_kb

    kb = load_kb()
    for key, entries in names.items():
        for i, e in enumerate(entries):
            if e.entity_id is not None:
                continue
            eid = kb.legacy.get((e.type, key))  # the entity the KB made of this hand-list row
            if eid is None:
                eid = next((x for x in kb.by_key.get(key, ()) if family(kb.entities[x].type) == family(e.type)), None)
            if eid is not None:
                entries[i] = replace(e, entity_id=eid, canonical=kb.entities[eid].name)
    for ent in kb.entities.values():
        if not ent.match or ent.id.startswith(("country:", "place:")):
            continue
        if ent.type in _KB_ENTRY:
            rank, conf = _KB_ENTRY[ent.type]
        elif ent.id.startswith("dz:"):  # wilayas before communes; after countries and GeoNames cities
            rank, conf = (4, 0.8) if ent.kind == "wilaya" else (12, 0.7)
        else:
            rank, conf = 6, 0.75
        for key in ent.keys():
            have = names.get(key, [])
            if any(x.entity_id == ent.id for x in have):
                continue
            c = conf if ent.type != "PER" or len(key) >= 2 else 0.75
            names.setdefault(key, []).append(Entry(ent.type, ent.id, ent.country, ent.sector, c, ent.name, rank))


@lru_cache(maxsize=1)
def load() -> Gazetteer:
    rules = load_rules()
    ambiguous = rules["ambiguous_places"]
    names: dict[tuple[str, ...], list[Entry]] = {}
    nonnames: set[str] = set()
    weak: set[str] = set()
    with open(DATA / "nonnames.txt", encoding="utf-8") as f:
        for line in f:
            for w in line.split("#", 1)[0].split():
                if w.startswith("~"):
                    weak.add(normalize_key(w[1:]))
                else:
                    nonnames.add(normalize_key(w))

    countries: dict[str, dict] = {}
    for a3, a2, name, aliases, nisba, capital, lat, lon, source, *_rest in _rows("countries.tsv"):
        countries[a3] = {"alpha2": a2, "name": name, "capital": capital, "lat": lat, "lon": lon, "source": source}
        eid = f"country:{a3}"
        for n in [name] + [a for a in aliases.split("|") if a]:
            k = normalize_key(n)
            conf = 0.6 if k in ambiguous else 0.95
            _add(names, n, Entry("GPE", eid, a3, None, conf, name, 0))
        for stem in [s for s in nisba.split("|") if s]:
            for form in nisba_forms(stem):
                _add(names, form, Entry("NORP", eid, a3, None, 0.85, name, 1))

    for gid, ar_names, latin, a3, lat, lon, pop, typ, source in _rows("places.tsv"):
        p = int(pop or 0)
        cc2 = countries.get(a3, {}).get("alpha2", "")
        rank = 10 + region_rank(cc2) * 10 - min(9, len(str(p)))
        for n in ar_names.split("|"):
            k = normalize_key(n)
            bare = k[2:] if k.startswith("ال") else k
            conf = 0.8 if typ == "GPE" else 0.8
            if len(bare) <= 3:
                conf = 0.6
            _add(names, n, Entry(typ, f"place:{gid}", a3 or None, None, conf, n, rank))

    for name, aliases, a3, typ, *_rest in _rows("places_curated.tsv"):
        for n in [name] + [a for a in aliases.split("|") if a]:
            _add(names, n, Entry(typ or "GPE", None, a3 or None, None, 0.8, name, 5))

    for row in _rows("regions.tsv"):
        name, aliases, ccs = (row + ["", ""])[:3]
        cs = [c for c in ccs.split("|") if c]
        for n in [name] + [a for a in aliases.split("|") if a]:
            _add(names, n, Entry("LOC", None, cs[0] if len(cs) == 1 else None, None, 0.8, name, -1))

    for row in _rows("orgs.tsv"):
        name, typ, sector, country, aliases = (row + [""] * 5)[:5]
        for n in [name] + [a for a in aliases.split("|") if a]:
            _add(names, n, Entry(typ or "ORG", None, country or None, sector or None, 0.9, name, 0))

    # well-known persons: full names, and short forms (surname/nisba alone) with a lower confidence
    for name, aliases, country in _rows("persons.tsv"):
        for n in [name] + [a for a in aliases.split("|") if a]:
            conf = 0.85 if len(n.split()) >= 2 else 0.75
            _add(names, n, Entry("PER", None, country or None, None, conf, name, 0))

    _link_entries(names)

    titles: dict[tuple[str, ...], tuple[str, bool, str | None]] = {}
    for row in _rows("titles.tsv"):
        t, typ, precedes, sector = (row + [""] * 4)[:4]
        titles[tuple(normalize_key(t).split())] = (typ, precedes == "1", sector or None)
    heads: dict[tuple[str, ...], tuple[str | None, bool]] = {}
    for row in _rows("org_heads.tsv"):
        h, sector, quoted = (row + [""] * 3)[:3]
        heads[tuple(normalize_key(h).split())] = (sector or None, int(quoted or 0))

    person_parts: dict[str, tuple[str, int, int]] = {}
    for k, latin, given, surname, unknown, source in _rows("person_names.tsv"):
        person_parts[k] = (latin, int(given), int(surname) + int(unknown))

    max_len = max(len(k) for k in names)
    return Gazetteer(names, max_len, person_parts, nonnames, weak, titles, heads, countries, rules)
