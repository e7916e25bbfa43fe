"""The rule/gazetteer mention stage on real Arabic news text."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from marsad.document import Document
from marsad.pipeline.mentions import MentionStage

FIX = Path(__file__).parent / "fixtures" / "sample_entities_gold.json"
SAMPLES = Path(__file__).resolve().parents[1] / "src" / "marsad" / "samples"


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


def _prf_per_sample(stage) -> dict[str, tuple[float, float]]:
    """P/R of PER/ORG/GPE/LOC by exact span and type on each hand-annotated sample (segment + glued stages
    run first, as in the default pipeline)."""
    from marsad.pipeline.segment import GluedStage, SegmentStage

    gold = json.loads(FIX.read_text(encoding="utf-8"))["files"]
    out = {}
    for name, ents in gold.items():
        doc = Document("t", (SAMPLES / name).read_text(encoding="utf-8"))
        SegmentStage()(doc)
        GluedStage()(doc)
        stage(doc)
        g = {(e["start"], e["end"], e["type"]) for e in ents}
        for e in ents:
            assert doc.text[e["start"]:e["end"]] == e["text"]
        p = {(m.start, m.end, m.type) for m in doc.mentions if m.type != "NORP"}
        tp = len(g & p)
        out[name[:3]] = (tp / len(p), tp / len(g))
    return out


def test_gold_covers_all_samples():
    gold = json.loads(FIX.read_text(encoding="utf-8"))["files"]
    assert sorted(gold) == sorted(p.name for p in SAMPLES.glob("*.txt"))


# measured P/R per sample (hand gold, 275 entities): 000 1.00/0.95, 001 0.97/0.95, 002 1.00/0.98,
# 003 1.00/1.00, 004 1.00/0.97; thresholds keep a small margin for rule changes. 001: the KB names ISIS's
# Libyan branch (تنظيم الدولة في ليبيا → one ORG, linked to the branch), where the gold splits ORG + GPE.
_MIN = {"000": (0.95, 0.90), "001": (0.95, 0.92), "002": (0.95, 0.92), "003": (0.95, 0.95), "004": (0.95, 0.93)}


def test_precision_recall_on_hand_gold(stage):
    got = _prf_per_sample(stage)
    for sample, (p, r) in got.items():
        mp, mr = _MIN[sample]
        assert p >= mp and r >= mr, (sample, p, r)


def test_uses_doc_tokens_when_present(stage):
    from marsad.text.tokens import tokenize

    text = "زار الرئيس الجزائر"
    doc = Document("t", text)
    doc.tokens = tokenize(text)
    stage(doc)
    assert [(m.text, m.type) for m in doc.mentions] == [("الجزائر", "GPE")]


# ---------------------------------------------------------------- review fixes (real sentences)
def test_time_words_after_a_title_are_not_persons(stage):
    for text in ("وقال الوزير أمس، إن الحكومة لن تتراجع عن قرارها", "قال الرئيس أمس إن الوضع مستقر",
                 "وقال الرئيس اليوم إن الجيش سيبقى على الحدود", "أعلن الوزير الأسبوع الماضي عن خطة"):
        doc = run(stage, text)
        assert not [m for m in doc.mentions if m.type == "PER"], (text, doc.mentions)
    doc = run(stage, "وقال الرئيس بوتفليقة أمس إن")
    assert [(m.text, m.title) for m in doc.mentions if m.type == "PER"] == [("بوتفليقة", "الرئيس")]


def test_counterpart_after_title_is_not_a_person(stage):
    doc = run(stage, "التقى وزير الخارجية الجزائري نظيره التونسي في الجزائر")
    assert not [m for m in doc.mentions if m.type == "PER"]


def test_glued_words_are_matched_as_parts(stage):
    from marsad.pipeline.segment import GluedStage, SegmentStage

    text = "وبدأت الاتصالات بين طرابلسوالجزائر منذ يوم 20 أوت 2011"
    doc = Document("t", text)
    SegmentStage()(doc)
    GluedStage()(doc)
    assert doc.glued
    stage(doc)
    got = [(m.text, m.start, m.entity_id) for m in doc.mentions]
    assert ("طرابلس", text.index("طرابلس"), "place:2210247") in got
    assert ("الجزائر", text.index("طرابلس") + 7, "country:DZA") in got


def test_common_word_with_clitic_is_not_a_place(stage):
    doc = run(stage, "وأرسلت الحكومة وفدا من الجزائر إلى المنطقة")
    assert [m.text for m in doc.mentions if m.type in ("GPE", "LOC")] == ["الجزائر"]


def test_given_name_place_needs_place_context(stage):
    doc = run(stage, "واستقبل الأمير نايف بن عبد العزيز وزير الداخلية")
    assert not [m for m in doc.mentions if m.type == "GPE"]
    assert [m.type for m in doc.mentions if m.text.startswith("نايف")] == ["PER"]


def test_party_with_country_name_is_not_a_person(stage):
    doc = run(stage, "فاز حزب نداء تونس في الانتخابات التشريعية")
    assert not [m for m in doc.mentions if m.type == "PER"]
    assert [m.type for m in doc.mentions if "نداء تونس" in m.text] == ["ORG"]


def test_well_known_person_alone(stage):
    doc = run(stage, "رفضت دول عربية استقبال أقارب القذافي بعد سقوط نظام القذافي")
    assert [m.type for m in doc.mentions if m.text == "القذافي"] == ["PER", "PER"]


def test_article_name_without_fused_lam_keeps_the_article(stage):
    text = "الموالين لزعيم تنظيم القاعدة أيمن الظواهري، وعلى الولاء للظواهري"
    doc = run(stage, text)
    assert find(doc, "أيمن الظواهري", "PER")
    # ل + ال fused: the span starts on the stem (module convention)
    assert [m.start for m in find(doc, "ظواهري", "PER")] == [text.index("للظواهري") + 2]


def test_org_stops_before_a_lam_complement(stage):
    doc = run(stage, "زيارة رئيس أركان الجيش الوطني الشعبي للحدود الليبية 3 مرات")
    assert [m.text for m in doc.mentions if m.type == "ORG"] == ["الجيش الوطني الشعبي"]
    doc = run(stage, "أكد المجلس الأعلى للدولة في ليبيا")
    assert find(doc, "المجلس الأعلى للدولة", "ORG")


def test_state_word_with_country(stage):
    doc = run(stage, "وقد عرضت جمهورية مصر على الجزائر التعاون")
    assert find(doc, "جمهورية مصر", "GPE")[0].entity_id == "country:EGY"


def test_long_document_keeps_every_mention(stage):
    """A ~440k-character document: every repeated mention is kept, none merged or lost
    (the time this takes is measured by bench/ner_rules_eval.py --samples, not here)."""
    text = "وقال اللواء المتقاعد خليفة حفتر إن قوات حفتر دخلت الجزائر وتونس ومصر. " * 6000  # 5 mentions each
    doc = run(stage, text)
    assert len(doc.mentions) == 5 * 6000
    assert all(doc.text[m.start:m.end] == m.text for m in doc.mentions[-5:])
