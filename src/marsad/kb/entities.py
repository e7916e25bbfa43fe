"""The knowledge base's canonical entities and offices over time, read from the data files in kb/data.

One ``KBEntity`` per actor or place, whatever name a text uses for it: countries (``country:DZA``),
GeoNames cities (``place:GID``), Algerian wilayas/daïras/communes (``dz:…``), curated sites and regions
(``site:…``, ``region:…``), organisations (``org:…``) and persons (``per:…``). ``Role`` rows say who held
an office when ("رئيس الجمهورية" in an Algerian article of 2012 → Bouteflika).

Files (each row carries its source): countries.tsv, places.tsv, places_dz.tsv, sites.tsv, regions.tsv,
places_curated.tsv, orgs.tsv, persons.tsv (older hand lists without ids: merged into the actor files'
entities when a name matches, else given an id from their Arabic name), actors/orgs_*.tsv,
actors/persons_*.tsv, actors/roles_*.tsv, actors/epithets.tsv.
"""
from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from marsad.text.normalize import normalize_key

DATA = Path(__file__).parent / "data"
ACTORS = DATA / "actors"

# ACLED geo_precision: 1 town/site, 2 region/district/province, 3 country
PRECISION_TOWN, PRECISION_REGION, PRECISION_COUNTRY = 1, 2, 3


@dataclass
class KBEntity:
    id: str
    type: str  # PER, ORG, GPE, LOC, FAC
    name: str  # canonical Arabic name
    latin: str = ""
    country: str | None = None  # ISO 3166-1 alpha-3
    sector: str | None = None  # CAMEO-style: GOV MIL COP SPY JUD LEG INS REB OPP PTY MED IGO NGO BUS REL EDU
    kind: str | None = None  # places: country, city, wilaya, commune, region, mountain, oilfield …
    precision: int | None = None  # places: ACLED geo_precision
    lat: float | None = None
    lon: float | None = None
    population: int | None = None  # GeoNames places
    admin1: str | None = None
    parent: str | None = None
    wikidata: str | None = None
    description: str = ""
    aliases: list[str] = field(default_factory=list)
    source: str = ""
    nisba: tuple[str, ...] = ()  # countries: adjective stems (جزائري)
    countries: tuple[str, ...] = ()  # regions that span several countries (الساحل: MLI NER TCD MRT BFA)
    match: bool = True  # False: kept for linking/geocoding, not looked for in text (a commune named صور)

    def keys(self) -> list[tuple[str, ...]]:
        """Lookup keys (normalised word tuples) of the canonical name and every alias."""
        out, seen = [], set()
        for n in [self.name, *self.aliases]:
            k = tuple(normalize_key(n).split())
            if k and k not in seen:
                seen.add(k)
                out.append(k)
        return out

    @property
    def display_latin(self) -> str:
        return self.latin or romanize(self.name)


@dataclass(frozen=True)
class Role:
    role_id: str
    name: str  # the office in Arabic
    phrases: tuple[tuple[str, ...], ...]  # keys of the phrases that name the holder without naming them
    country: str | None
    org: str | None
    holder: str  # entity id
    start: str  # ISO date, possibly partial (YYYY or YYYY-MM)
    end: str  # "" = in office according to the source
    source: str

    def covers(self, day: dt.date) -> bool:
        return _bound(self.start, low=True) <= day <= _bound(self.end, low=False)


@dataclass(frozen=True)
class Epithet:
    """A phrase that names one person in a given country's news (العقيد الراحل → Qaddafi in Libya)."""
    phrase: tuple[str, ...]
    country: str | None
    entity_id: str
    source: str
    start: str = ""
    end: str = ""

    def usable(self, day: dt.date | None) -> bool:
        """On ``day`` (publication date); without one only an epithet with no end date (الراحل: true
        at any time after the death) is usable."""
        if day is None:
            return not self.end
        return _bound(self.start, low=True) <= day <= _bound(self.end, low=False)


def _bound(value: str, *, low: bool) -> dt.date:
    """The first (low) or last day an ISO date of any precision covers; an empty end is open."""
    if not value:
        return dt.date.min if low else dt.date.max
    parts = [int(p) for p in value.split("-")[:3]]
    if len(parts) == 3:
        return dt.date(*parts)
    if len(parts) == 2:
        y, m = parts
        if low:
            return dt.date(y, m, 1)
        return dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)
    return dt.date(parts[0], 1, 1) if low else dt.date(parts[0], 12, 31)


_TASHKEEL = re.compile("[\u064b-\u0652\u0670\u0640]")


def _split(value: str) -> list[str]:
    """Names of a |-separated field, without diacritics (GeoNames spells some fully vowelled)."""
    return list(dict.fromkeys(_TASHKEEL.sub("", v).strip() for v in (value or "").split("|") if v.strip()))


def _float(value: str) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def read_table(path: Path) -> list[dict[str, str]]:
    """Rows of a TSV data file with a header row (comment lines starting with # skipped)."""
    with open(path, encoding="utf-8") as f:
        lines = [ln for ln in f if not ln.startswith("#") and ln.strip()]
    return [{k: (v or "").strip() for k, v in row.items() if k} for row in
            csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)]


def _legacy_rows(name: str, width: int) -> list[list[str]]:
    """Rows of the older hand lists (tab-separated, comment lines, sometimes a header row)."""
    out = []
    with open(DATA / name, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            row = (line.rstrip("\n").split("\t") + [""] * width)[:width]
            if row[0] in ("name_ar", "name"):
                continue
            out.append(row)
    return out


def _slug_key(name: str) -> str:
    return normalize_key(name).replace(" ", "_")


_TRANSLIT_FILE = Path(__file__).resolve().parents[1] / "text" / "data" / "translit.tsv"


@lru_cache(maxsize=1)
def _translit() -> dict[str, str]:
    out = {}
    for line in _TRANSLIT_FILE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            a, b = line.split("\t")
            out[a] = b
    return out


def _word_latin(word: str, parts: dict) -> str:
    table = _translit()
    word = _TASHKEEL.sub("", word)
    if word in table:  # a particle (بن، أبو، عبد …)
        return table[word]
    article = word.startswith("ال") and len(word) > 3
    stem = word[2:] if article else word
    key = normalize_key(stem)
    if key in parts:
        latin = parts[key][0]
    else:
        letters = []
        for i, ch in enumerate(stem):
            if ch in "وي" and 0 < i:  # inside a word و and ي are mostly long vowels
                letters.append("u" if ch == "و" else "i")
            else:
                letters.append(table.get(ch, ch))
        latin = "".join(letters)
    latin = latin[:1].upper() + latin[1:]
    return "al-" + latin if article else latin


@lru_cache(maxsize=65536)
def romanize(name: str) -> str:
    """A Latin display form for a name the KB has none for (provisional entities): attested Latin
    forms of known name parts (person_names.tsv, from Wikidata), else a letter-by-letter rendering
    (text/data/translit.tsv). Fast and offline; a display aid, not a standard transliteration."""
    from marsad.kb.gazetteer import load as load_gazetteer

    parts = load_gazetteer().person_parts
    out = []
    for w in name.split():
        if not any("\u0600" <= c <= "\u06ff" for c in w):
            out.append(w)
            continue
        out.append(_word_latin(w.strip("«»\"'“”()"), parts))
    s = " ".join(out)
    return s[:1].upper() + s[1:]


@dataclass
class KnowledgeBase:
    entities: dict[str, KBEntity]
    roles: list[Role]
    epithets: list[Epithet]
    by_key: dict[tuple[str, ...], list[str]]  # name key -> entity ids
    legacy: dict[tuple[str, tuple[str, ...]], str] = field(default_factory=dict)  # (type, key) of an old hand-list row -> id
    roles_by_phrase: dict[tuple[str, ...], list[Role]] = field(init=False)  # phrase key -> holdings

    def __post_init__(self) -> None:
        self.roles_by_phrase = {}
        for r in self.roles:
            for p in r.phrases:
                self.roles_by_phrase.setdefault(p, []).append(r)

    def get(self, entity_id: str | None) -> KBEntity | None:
        return self.entities.get(entity_id) if entity_id else None

    def candidates(self, key: tuple[str, ...]) -> list[KBEntity]:
        return [self.entities[i] for i in self.by_key.get(key, ())]

    def holder(self, role_key: tuple[str, ...], country: str | None, day: dt.date | None) -> tuple[Role, ...]:
        """Holdings of offices named by ``role_key`` in ``country`` that cover ``day`` (the day of the
        article); a phrase without a date or country resolves to nothing (unknown stays unknown)."""
        if day is None:
            return ()
        return tuple(r for r in self.roles_by_phrase.get(role_key, ())
                     if (r.country == country or (r.country is None and country is None)) and r.covers(day))


def _add(kb: dict[str, KBEntity], by_key: dict, e: KBEntity) -> KBEntity:
    e.name = _TASHKEEL.sub("", e.name)
    old = kb.get(e.id)
    if old is not None:  # the same id in two files: one entity, the aliases of both
        for a in [e.name, *e.aliases]:
            if a != old.name and a not in old.aliases:
                old.aliases.append(a)
        for attr in ("latin", "country", "sector", "lat", "lon", "wikidata", "description", "kind", "precision",
                     "countries"):
            if getattr(old, attr) in (None, "", ()) and getattr(e, attr) not in (None, "", ()):
                setattr(old, attr, getattr(e, attr))
        old.source = "|".join(dict.fromkeys([*old.source.split("|"), *e.source.split("|")]))
        e = old
    else:
        kb[e.id] = e
    for k in e.keys():
        ids = by_key.setdefault(k, [])
        if e.id not in ids:
            ids.append(e.id)
    return e


def family(typ: str) -> str:
    """Entity types that can name the same thing: GPE, LOC and FAC are all places."""
    return "place" if typ in ("GPE", "LOC", "FAC") else typ


def _merge_legacy(kb: dict[str, KBEntity], by_key: dict, legacy: dict, typ: str, prefix: str, name: str,
                  aliases: list[str], **attrs) -> None:
    """An older hand-list row: joins the entity of the same type that has one of its names, else
    becomes an entity of its own."""
    keys = [tuple(normalize_key(n).split()) for n in [name, *aliases]]
    # the curated entity (site, organisation, person) before a GeoNames city or a country of that name
    fam = family(typ)
    found = sorted((eid for k in keys for eid in by_key.get(k, ())
                    if family(kb[eid].type) == fam and not (prefix == "place" and eid.startswith("country:"))),
                   key=lambda eid: (eid.split(":")[0] in ("place", "country"), keys.index(
                       next(k for k in keys if eid in by_key.get(k, ())))))
    eid = found[0] if found else f"{prefix}:{_slug_key(name)}"
    e = _add(kb, by_key, KBEntity(eid, typ, name, aliases=aliases, source="marsad-curated", **attrs))
    if prefix == "place" and e.name != name:  # the curated spelling is the display name (عمان, not امان)
        e.aliases = [a for a in [e.name, *e.aliases] if a != name]
        e.name = name
    for k in keys:
        legacy[(typ, k)] = e.id


def load_kb(data: Path = DATA) -> KnowledgeBase:
    kb: dict[str, KBEntity] = {}
    by_key: dict[tuple[str, ...], list[str]] = {}
    legacy: dict[tuple[str, tuple[str, ...]], str] = {}
    actors = data / "actors"

    for r in read_table(data / "countries.tsv"):
        _add(kb, by_key, KBEntity(f"country:{r['alpha3']}", "GPE", r["name_ar"], latin=r.get("name_en", ""),
                                  country=r["alpha3"], kind="country", precision=PRECISION_COUNTRY,
                                  lat=_float(r["lat"]), lon=_float(r["lon"]), aliases=_split(r["aliases_ar"]),
                                  nisba=tuple(normalize_key(x) for x in _split(r["nisba_ar"])), source=r["source"]))
    for r in read_table(data / "places.tsv"):
        names = _split(r["names_ar"])
        _add(kb, by_key, KBEntity(f"place:{r['geonameid']}", r["type"] or "GPE", names[0], latin=r["name"],
                                  country=r["country"] or None, kind="city" if r["type"] == "GPE" else "place",
                                  precision=PRECISION_TOWN, lat=_float(r["lat"]), lon=_float(r["lon"]),
                                  population=int(r["population"] or 0) or None, aliases=names[1:],
                                  source=r["source"]))
    for fname in ("places_dz.tsv", "sites.tsv"):
        if not (data / fname).exists():
            continue
        for r in read_table(data / fname):
            typ = "GPE" if r["kind"] in ("wilaya", "daira", "commune", "city", "town") else "LOC"
            if r["kind"] in ("gas-facility", "oilfield", "oil-terminal", "border-crossing", "port", "airport",
                             "prison", "base"):
                typ = "FAC"
            _add(kb, by_key, KBEntity(r["id"], typ, r["name_ar"], latin=r["latin"], country=r["country"] or None,
                                      kind=r["kind"], precision=int(r["precision"] or PRECISION_REGION),
                                      lat=_float(r["lat"]), lon=_float(r["lon"]), admin1=r.get("admin1") or None,
                                      aliases=_split(r["aliases_ar"]), source=r["source"],
                                      match=r.get("match", "1") != "0"))
    for f in sorted(actors.glob("orgs_*.tsv")):
        for r in read_table(f):
            _add(kb, by_key, KBEntity(r["id"], "ORG", r["name_ar"], latin=r["latin"], country=r["country"] or None,
                                      sector=r["sector"] or None, parent=r.get("parent") or None,
                                      wikidata=r.get("wikidata") or None, aliases=_split(r["aliases_ar"]),
                                      source=r["source"]))
    for f in sorted(actors.glob("persons_*.tsv")):
        for r in read_table(f):
            _add(kb, by_key, KBEntity(r["id"], "PER", r["name_ar"], latin=r["latin"], country=r["country"] or None,
                                      description=r.get("description", ""), wikidata=r.get("wikidata") or None,
                                      aliases=_split(r["aliases_ar"]), source=r["source"]))

    # older hand lists (names only): regions, curated places, organisations, persons
    for name, aliases, ccs, latin in _legacy_rows("regions.tsv", 4):
        cs = _split(ccs)
        _merge_legacy(kb, by_key, legacy, "LOC", "region", name, _split(aliases), country=cs[0] if len(cs) == 1 else None,
                      kind="region", precision=PRECISION_REGION, latin=latin, countries=tuple(cs))
    for name, aliases, a3, typ, latin, _gid in _legacy_rows("places_curated.tsv", 6):
        _merge_legacy(kb, by_key, legacy, typ or "GPE", "place", name, _split(aliases), country=a3 or None,
                      precision=PRECISION_TOWN if (typ or "GPE") == "GPE" else PRECISION_REGION, latin=latin)
    for name, typ, sector, country, aliases in _legacy_rows("orgs.tsv", 5):
        _merge_legacy(kb, by_key, legacy, typ or "ORG", "org", name, _split(aliases), country=country or None,
                      sector=sector or None)
    for name, aliases, country in _legacy_rows("persons.tsv", 3):
        _merge_legacy(kb, by_key, legacy, "PER", "per", name, _split(aliases), country=country or None)

    roles: list[Role] = []
    for f in sorted(actors.glob("roles_*.tsv")):
        for r in read_table(f):
            if r["holder_id"] not in kb:
                continue  # a holder without a person row cannot be shown; the data check reports it
            phrases = tuple(dict.fromkeys(tuple(normalize_key(p).split()) for p in
                                          [r["role_ar"], *_split(r["role_aliases_ar"])] if p))
            roles.append(Role(r["role_id"], r["role_ar"], phrases, r["country"] or None, r.get("org") or None,
                              r["holder_id"], r["start"], r["end"], r["source"]))
    epithets: list[Epithet] = []
    if (actors / "epithets.tsv").exists():
        for r in read_table(actors / "epithets.tsv"):
            if r["entity_id"] in kb:
                epithets.append(Epithet(tuple(normalize_key(r["phrase_ar"]).split()), r["country"] or None,
                                        r["entity_id"], r["source"], r.get("start", ""), r.get("end", "")))
    return KnowledgeBase(kb, roles, epithets, by_key, legacy)


@lru_cache(maxsize=1)
def load() -> KnowledgeBase:
    return load_kb()
