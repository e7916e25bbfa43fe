"""The rule/gazetteer mention stage on real Arabic news text."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from marsad.document import Document
from marsad.pipeline.mentions import MentionStage

FIX = Path(__file__).parent / "fixtures" / "sample_entities_gold.json"
SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "samples" / "seeds"


@pytest.fixture(scope="module")
def stage() -> MentionStage:
    return MentionStage()


def run(stage: MentionStage, text: str) -> Document:
    return stage(Document("t", text))


def find(doc: Document, text: str, typ: str | None = None):
    return [m for m in doc.mentions if m.text == text and (typ is None or m.type == typ)]


def test_offsets_point_into_text(stage):
    doc = run(stage, "وتتعاون الجزائر وتونس ومصر على تحليل معلومات أمنية بشكل يومي.")
    for m in doc.mentions:
        assert doc.text[m.start:m.end] == m.text
    assert [(m.text, m.entity_id) for m in doc.mentions if m.type == "GPE"] == [
        ("الجزائر", "country:DZA"), ("تونس", "country:TUN"), ("مصر", "country:EGY")]


def test_clitics_are_outside_the_span(stage):
    text = "سافر الوفد بالجزائر ثم والجزائر للجزائر بليبيا"
    doc = run(stage, text)
    got = [(m.text, m.start, m.entity_id) for m in doc.mentions]
    assert got == [
        ("الجزائر", text.index("بالجزائر") + 1, "country:DZA"),
        ("الجزائر", text.index("والجزائر") + 1, "country:DZA"),
        ("جزائر", text.index("للجزائر") + 2, "country:DZA"),  # ل + ال fused: span on the stem
        ("ليبيا", text.index("بليبيا") + 1, "country:LBY"),
    ]


def test_multiword_country_and_short_forms(stage):
    doc = run(stage, "تبادل المعلومات مع الإمارات العربية المتحدة والكويت وسلطنة عمان والولايات المتحدة وسورية")
    ids = [(m.text, m.entity_id) for m in doc.mentions]
    assert ("الإمارات العربية المتحدة", "country:ARE") in ids
    assert ("الكويت", "country:KWT") in ids
    assert ("سلطنة عمان", "country:OMN") in ids
    assert ("الولايات المتحدة", "country:USA") in ids
    assert ("سورية", "country:SYR") in ids


def test_common_words_are_not_places(stage):
    doc = run(stage, "أشار المصدر إلى إطار للتعاون حول هوية الجهاديين في مدينة درنة ومعسكر التدريب والدعم المالي")
    assert [m.text for m in doc.mentions if m.type in ("GPE", "LOC")] == ["درنة"]
    assert find(doc, "درنة")[0].entity_id == "place:87205"  # Derna, Libya (GeoNames)


def test_ambiguous_tripoli_prefers_libya(stage):
    doc = run(stage, "معارك طرابلس تتواصل")
    (m,) = find(doc, "طرابلس")
    assert m.country == "LBY" and m.type == "GPE"


def test_title_person(stage):
    doc = run(stage, "حمّل المجلس الرئاسي اللواء المتقاعد خليفة حفتر مسؤولية عودة التنظيم")
    (p,) = find(doc, "خليفة حفتر", "PER")
    assert p.title == "اللواء المتقاعد"
    assert doc.text[p.title_start:p.title_end] == "اللواء المتقاعد"
    assert p.method == "rule" and 0.6 <= p.confidence <= 0.8


def test_title_with_complement_and_appositive(stage):
    doc = run(stage, "وقال عميد بلدية سبها، حامد الخيالي، وفقا للأناضول، إن بين الفارين عناصر")
    (p,) = find(doc, "حامد الخيالي", "PER")
    assert p.title == "عميد بلدية سبها"
    assert find(doc, "سبها", "GPE")


def test_unknown_name_after_rank(stage):
    doc = run(stage, "قال اللواء كنتوش، آمر المنطقة الغربية في الجيش الليبي، إن مجموعة")
    assert find(doc, "كنتوش", "PER")[0].title == "اللواء"
    org = find(doc, "الجيش الليبي", "ORG")[0]
    assert org.sector == "MIL" and org.country == "LBY"


def test_name_part_persons_and_later_surname(stage):
    doc = run(stage, "وأبرز الجزائريين هو مختار بلمختار. وكشف نعمان بن عثمان عن رد فعل. ونشر ابن عثمان مقطعا لحفتر "
                     "بعد لقاء خليفة حفتر.")
    assert find(doc, "مختار بلمختار", "PER")
    assert find(doc, "نعمان بن عثمان", "PER")
    assert find(doc, "ابن عثمان", "PER")
    # لحفتر → حفتر, resolved after the full name appears in the document
    assert [m.start for m in find(doc, "حفتر", "PER")] == [doc.text.index("لحفتر") + 1]


def test_verbs_and_function_words_do_not_make_persons(stage):
    doc = run(stage, "وتشير تقارير أمنية بأن الغالبية من هؤلاء من الشباب")
    assert not [m for m in doc.mentions if m.type == "PER"]


def test_organisations(stage):
    doc = run(stage, 'اتهمت قناة "النهار" الجزائرية و صحيفة «الخبر» ووكالة الأناضول حركة التوحيد والجهاد '
                     "وتنظيم القاعدة في بلاد المغرب الإسلامي ووزارة الخارجية الجزائرية")
    got = {m.text: m for m in doc.mentions if m.type == "ORG"}
    assert got['قناة "النهار"'].sector == "MED"
    assert got["صحيفة «الخبر»"].sector == "MED"
    assert "وكالة الأناضول" in got
    assert got["حركة التوحيد والجهاد"].sector == "INS"
    assert "تنظيم القاعدة في بلاد المغرب الإسلامي" in got
    w = got["وزارة الخارجية الجزائرية"]
    assert w.sector == "GOV" and w.country == "DZA"


def test_org_name_stops_at_preposition_and_verb(stage):
    doc = run(stage, "نجحت حكومة الوفاق الوطني في القضاء عليه وقال مجلس شورى مجاهدي درنة إنه")
    orgs = [m.text for m in doc.mentions if m.type == "ORG"]
    assert orgs == ["حكومة الوفاق الوطني", "مجلس شورى مجاهدي درنة"]


def test_direction_plus_country_is_loc(stage):
    doc = run(stage, "هجوم على سجن بمدينة سبها جنوب ليبيا")
    (m,) = find(doc, "جنوب ليبيا")
    assert m.type == "LOC" and m.country == "LBY"


def test_nisba_is_norp_with_country(stage):
    doc = run(stage, "باشرت الجهات الأمنية الجزائرية اتصالات")
    (m,) = find(doc, "الجزائرية")
    assert m.type == "NORP" and m.country == "DZA"


def _prf(stage):
    gold = json.loads(FIX.read_text(encoding="utf-8"))["files"]
    tp = fp = fn = 0
    for name, ents in gold.items():
        doc = run(stage, (SEEDS / name).read_text(encoding="utf-8"))
        g = {(e["start"], e["end"], e["type"]) for e in ents}
        for e in ents:
            assert doc.text[e["start"]:e["end"]] == e["text"]
        p = {(m.start, m.end, m.type) for m in doc.mentions if m.type != "NORP"}
        tp, fp, fn = tp + len(g & p), fp + len(p - g), fn + len(g - p)
    return tp / (tp + fp), tp / (tp + fn)


def test_precision_recall_on_hand_gold(stage):
    p, r = _prf(stage)
    # measured 0.992 / 0.985 (132 tp, 1 fp, 2 fn); keep a little slack for rule changes
    assert p >= 0.95 and r >= 0.95, (p, r)


def test_uses_doc_tokens_when_present(stage):
    from marsad.text.tokens import tokenize

    text = "زار الرئيس الجزائر"
    doc = Document("t", text)
    doc.tokens = tokenize(text)
    stage(doc)
    assert [(m.text, m.type) for m in doc.mentions] == [("الجزائر", "GPE")]
