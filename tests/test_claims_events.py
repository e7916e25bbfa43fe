"""Claims (attribution), quantities and PLOVER events on real Arabic sentences."""
from __future__ import annotations

import datetime as dt

import pytest

from marsad.document import Document
from marsad.pipeline.pipeline import default_pipeline


@pytest.fixture(scope="module")
def pipe():
    return default_pipeline()


def _claims(doc):
    return [(c.cue, c.source, c.source_kind, c.via, doc.text[c.start:c.end]) for c in doc.claims]


def test_anonymous_source_conveyed_by_an_outlet(pipe) -> None:
    for text in ("قالت مصادر موثوقة ل''الخبر''، إن عدة دول عربية رفضت استقبال أقارب القذافي.",
                 "قالت مصادر موثوقة لـ«الخبر»، إن عدة دول عربية رفضت استقبال أقارب القذافي."):
        doc = pipe(Document(id="a", text=text))
        assert _claims(doc) == [("قالت", "مصادر موثوقة", "anonymous", "الخبر",
                                 "عدة دول عربية رفضت استقبال أقارب القذافي.")]
        c = doc.claims[0]
        assert text[c.source_start:c.source_end] == "مصادر موثوقة" and text[c.cue_start:c.cue_end] == "قالت"


def test_named_person_reported_by_an_agency(pipe) -> None:
    text = "قال عميد بلدية سبها، حامد الخيالي، وفقا للأناضول، إن مسلحين هاجموا المدينة أمس."
    doc = pipe(Document(id="b", text=text))
    assert _claims(doc) == [("قال", "عميد بلدية سبها، حامد الخيالي", "named_person", "الأناضول",
                             "مسلحين هاجموا المدينة أمس.")]


def test_official_sources_implicit_continuation_and_prepositions(pipe) -> None:
    doc = pipe(Document(id="c", text="وقال مصدر أمني جزائري إن الجيش قتل 3 إرهابيين. وأضاف أن العملية مستمرة. "
                                     "وقتل خمسة أشخاص في هجوم آخر، بحسب وكالة رويترز."))
    got = _claims(doc)
    assert got[0][1:3] == ("مصدر أمني جزائري", "anonymous_official")
    assert got[1][:3] == ("وأضاف", "مصدر أمني جزائري", "anonymous_official")  # the same source, still named
    assert got[2][:3] == ("حسب", "وكالة رويترز", "named_org") and got[2][4].startswith("وقتل خمسة أشخاص")


def test_quantities(pipe) -> None:
    doc = pipe(Document(id="q", text="أعلنت السلطات فرار 200 سجين، وقتل نحو 300 شخص وأصيب أكثر من 50 آخرين، وتراوح عدد "
                                     "المسلحين ما بين 70 و75 جهاديا، واعتقل عشرات المحتجين، كما قتل جزائريان اثنان في عام 2012."))
    q = {x.text: (x.value, x.low, x.high, x.unit) for x in doc.quantities}
    assert q["200 سجين"] == (200, None, None, "سجين")
    assert q["نحو 300 شخص"] == (300, None, None, "شخص")
    assert q["أكثر من 50 آخرين"] == (None, 50, None, "آخرين")
    assert q["ما بين 70 و75 جهاديا"] == (None, 70, 75, "جهاديا")
    assert q["عشرات المحتجين"][1:] == (20, 90, "المحتجين")
    assert q["جزائريان اثنان"] == (2, None, None, "جزائريان")
    assert not any("2012" in t for t in q)  # a year is a date, not a count


def test_events_with_actors_magnitude_and_claim(pipe) -> None:
    text = "وقال مصدر أمني جزائري إن الجيش قتل 3 إرهابيين في ولاية إليزي أمس."
    doc = pipe(Document(id="e", text=text, published=dt.date(2013, 1, 20)))
    # PLOVER: a state's army killing members of an armed group is FIGHT, not ASSAULT (typing rule in
    # pipeline/events.py, word lists in event_lexicon.json's fight_retype); was ASSAULT before issue 5
    assert "ASSAULT" not in [e.type for e in doc.events]
    ev = [e for e in doc.events if e.type == "FIGHT"]
    assert len(ev) == 1
    e = ev[0]
    assert e.trigger == "قتل" and [a["text"] for a in e.source] == ["الجيش"]
    assert [a["text"] for a in e.target] == ["إرهابيين"] and e.dead == 3
    assert e.claim == 0 and doc.claims[0].source_kind == "anonymous_official"  # a claim, not a fact
    assert e.location["entity_id"] == "dz:w:33" and e.date["value"] == "2013-01-19"
    rec = doc.to_record()["events"][0]
    assert rec["trigger"] == {"text": "قتل", "start": e.trigger_start, "end": e.trigger_end}
    assert rec["source"][0] == {"text": "الجيش", "start": text.index("الجيش"), "end": text.index("الجيش") + 5,
                                "entity_id": None, "country": None, "sector": None}


def test_refusal_negation_and_plans(pipe) -> None:
    doc = pipe(Document(id="r", text="رفضت الجزائر المشاركة في عملية عسكرية في ليبيا."))
    assert [e.type for e in doc.events] == ["REJECT"]  # not FIGHT
    doc = pipe(Document(id="n", text="ونفى المتحدث أن تكون القوات قد هاجمت القرية، فيما لم يقتل أي مدني."))
    assert {e.mode for e in doc.events if e.type == "ASSAULT"} == {"negated"}
    doc = pipe(Document(id="i", text="وتعتزم الحكومة فتح تحقيق في الحادث الأسبوع المقبل."))
    assert [(e.type, e.mode) for e in doc.events] == [("INVESTIGATE", "intended")]


def test_samples_against_the_independent_gold() -> None:
    """tests/fixtures/sample_events_gold.json was made by an annotator who saw neither the code nor its
    output; measured: claims P 0.96 R 0.74, quantities P 0.92 R 0.56, events P 0.68 R 0.51 — the
    thresholds keep a margin below that."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from events_samples import score

    res = score()
    assert res["claims"]["P"] >= 0.9 and res["claims"]["R"] >= 0.7
    assert res["quantities"]["P"] >= 0.85 and res["quantities"]["R"] >= 0.5
    assert res["events"]["P"] >= 0.6 and res["events"]["R"] >= 0.45
