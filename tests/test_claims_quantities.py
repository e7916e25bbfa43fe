"""Claims (back-references, a newspaper citing itself, sources before the verb, what is not a claim) and
quantities (definite numerals, bounds after the number, percentages, identifiers) on real Arabic sentences."""
from __future__ import annotations

import pytest

from marsad.document import Document
from marsad.pipeline.pipeline import default_pipeline


@pytest.fixture(scope="module")
def pipe():
    return default_pipeline()


def _claims(doc):
    return [(doc.text[c.cue_start:c.cue_end], c.source, c.source_kind, c.via, c.refers_to, c.source_ref)
            for c in doc.claims]


def test_back_references_carry_the_kind_of_the_source_they_continue(pipe) -> None:
    text = ("قال مصدر أمني مسؤول إن الجزائر تسعى لإيجاد إطار للتعاون. وأشار مصدرنا إلى أن الاتصالات بدأت قبل أسابيع. "
            "وقال مصدر عليم إن اللقاء انتهى بالاتفاق. وأضاف المصدر أن العمليات العسكرية تراجعت. "
            "وحسب المصدر ذاته، تتخوف الجزائر من انفلات الوضع.")
    got = _claims(pipe(Document(id="b", text=text)))
    assert got[0][1:3] == ("مصدر أمني مسؤول", "anonymous_official") and got[0][4] is None
    assert got[1][1:] == ("مصدرنا", "anonymous_official", None, 0, "مصدر أمني مسؤول")
    assert got[2][1:3] == ("مصدر عليم", "anonymous")
    # the latest source of the same family is the antecedent: not an official one any more
    assert got[3][1:] == ("المصدر", "anonymous", None, 2, "مصدر عليم")
    assert got[4][0] == "حسب" and got[4][1:3] == ("المصدر ذاته", "anonymous") and got[4][4] == 2


def test_a_back_reference_without_antecedent_keeps_its_own_kind(pipe) -> None:
    doc = pipe(Document(id="n", text="وقالت مصادرنا إن رئيس الجمهورية تردد منذ البداية في استقبال أسرة القذافي."))
    assert _claims(doc) == [("قالت", "مصادرنا", "anonymous", None, None, None)]


def test_the_newspaper_citing_itself_is_the_outlet(pipe) -> None:
    text = "وأكدت الصحيفة أن مسؤولي الأمن بدأوا في التحضير لاحتمال انتقال القتال إلى ليبيا."
    doc = pipe(Document(id="s", text=text, outlet="الخبر"))
    assert _claims(doc) == [("أكدت", "الصحيفة", "named_org", None, None, "الخبر")]
    doc = pipe(Document(id="s2", text=text))  # outlet unknown: still the organisation, unresolved
    assert _claims(doc) == [("أكدت", "الصحيفة", "named_org", None, None, None)]
    # named earlier in the text with that noun: that outlet, also when it conveys another source
    text = ("كشف مصدر أمني جزائري عن اجتماع مسؤولين من المخابرات. وقال لصحيفة «الخبر» الجزائرية، إن انتقال التنظيم "
            "بات مسألة وقت. وكشف مصدر أمني رفيع للصحيفة، أن مبعوثين زاروا الجزائر. وقالت الصحيفة، إن الزيارة تأتي "
            "لأسباب عدة.")
    got = _claims(pipe(Document(id="s3", text=text, outlet="الشرق الأوسط")))
    assert got[1] == ("قال", "مصدر أمني جزائري", "anonymous_official", "الخبر", 0, "مصدر أمني جزائري")
    assert got[2][1:4] == ("مصدر أمني رفيع", "anonymous_official", "الخبر")
    assert got[3][1:] == ("الصحيفة", "named_org", None, None, "الخبر")


def test_organisations_named_by_their_kind(pipe) -> None:
    text = ("وحمّل المجلس الرئاسي لحكومة الوفاق الوطني الليبي، اللواء المتقاعد خليفة حفتر، مسؤولية عودة التنظيم. "
            "وقال المجلس في معرض تعليقه على الهجوم المسلح، إنه حذر مرارا من أن المستفيد هو التنظيمات الإرهابية. "
            "وقال البيان، إن المجتمع الدولي مشارك في تمدد هذه الجماعات.")
    doc = pipe(Document(id="o", text=text))
    got = _claims(doc)
    assert [g[:3] for g in got] == [("حمّل", "المجلس الرئاسي لحكومة الوفاق الوطني الليبي", "named_org"),
                                    ("قال", "المجلس", "named_org"), ("حذر", "المجلس", "named_org"),
                                    ("قال", "البيان", "named_org")]
    # المجلس refers to the council named first; إنه حذر continues the claim it is part of, البيان the last
    # organisation that spoke (named as المجلس in claim 1)
    assert got[1][4:] == (0, "المجلس الرئاسي") and got[2][4:] == (1, "المجلس الرئاسي")
    assert got[3][4:] == (1, "المجلس الرئاسي")
    # the content of "قال المجلس في معرض تعليقه …، إنه" starts after إنه, not at في معرض
    c = doc.claims[1]
    assert doc.text[c.start:c.end].startswith("حذر مرارا")


def test_sources_before_the_verb(pipe) -> None:
    got = _claims(pipe(Document(id="v", text=(
        "وكان خبراء أمنيون حذروا من أن تنظيم الدولة يمكن أن يزيد قوته في ليبيا. "
        "واجتمع مسؤولون لدراسة تقارير أمنية غربية، حذّرت من انتقال تنظيم الدولة إلى ليبيا. "
        "وقال مصدرنا إن تقارير استخبارية حصلت عليها القيادة السياسية حذرت من عمليات عسكرية وشيكة."))))
    assert ("حذروا", "خبراء أمنيون", "anonymous") == got[0][:3]  # experts are not officials
    assert ("حذّرت", "تقارير أمنية غربية", "anonymous_official") == got[1][:3]
    assert ("حذرت", "تقارير استخبارية", "anonymous_official") == got[3][:3]
    got = _claims(pipe(Document(id="r", text=(
        "وأشارت تقارير الأمن إلى أن اهتمام «داعش» التي أعلنت تحولها إلى دولة خلافة يتجه إلى ليبيا."))))
    assert got[0][1:3] == ("تقارير الأمن", "anonymous_official")
    assert got[1][:3] == ("أعلنت", "داعش", "named_org")


def test_participles_and_apposed_names(pipe) -> None:
    text = ("ومن جانبه، أكد المجلس الأعلى للدولة في ليبيا، أن طمع حفتر تسبب في إفشال المحاولات، مؤكدا أن الذي فاقم "
            "الأمر هو عدوانه على طرابلس.")
    got = _claims(pipe(Document(id="p", text=text)))
    assert got[1][0] == "مؤكدا" and got[1][1:3] == got[0][1:3] and got[1][4] == 0
    text = ("كشف الباحث الليبي في الحركات الإسلامية المقيم في بريطانيا، ورئيس جمعية كوليام لمحاربة التطرف، "
            "نعمان بن عثمان، عن رد فعل مختصين أمنيين أوروبيين.")
    got = _claims(pipe(Document(id="a", text=text)))
    assert got[0][1:3] == ("نعمان بن عثمان", "named_person")


def test_what_is_not_a_claim(pipe) -> None:
    for text in ("ذكر المصدر أن رئيس أركان الجيش حمل معه الملف قبل أيام إلى الإمارات.",  # حمل without مسؤولية
                 "وقال المصدر إن القاهرة أبلغت الجزائر وتونس بقرارها قبل انطلاق العمليات.",  # أبلغ without أن
                 "وقام الوزير بزيارة إلى المدينة. يذكر أن المعرض يستمر لمدة خمسة أيام."):  # the writer's aside
        doc = pipe(Document(id="x", text=text))
        assert [doc.text[c.cue_start:c.cue_end] for c in doc.claims] in ([], ["ذكر"], ["قال"]), text
    doc = pipe(Document(id="y", text="ويدفع المرشح المقابل المالي للترخيص وفقا لما ورد بالمادة السادسة من اللائحة."))
    assert doc.claims == []
    doc = pipe(Document(id="z", text="وأضاف البيان، وفقاً لما نقلته وكالة الأنباء البحرينية، أن الجريمة لا تمت بصلة لأي دين."))
    assert [(c.source, c.via) for c in doc.claims] == [("البيان", "وكالة الأنباء البحرينية")]


def test_quantities_definite_numerals_bounds_after_and_percentages(pipe) -> None:
    text = ("انتهى لقاء وزراء خارجية الدول الثلاث، وينشط الجهاديون في صفوف الجماعات السلفية الجهادية الثلاثة، "
            "ومن بينهم جزائريان اثنان على الأقل، وقتل 13 شخصا على الأقل، ونما الاقتصاد 3.1 في المائة و4.7%، "
            "وقتل خمسة عشر شخصا، وشارك عشرات الآلاف في المظاهرات، خلال الأيام العشرة الأولى من الشهر.")
    doc = pipe(Document(id="q", text=text))
    q = {x.text: (x.value, x.low, x.high, x.unit) for x in doc.quantities}
    assert q["الثلاث"] == (3, None, None, "الدول")
    assert q["الثلاثة"] == (3, None, None, "الجماعات")  # the head noun, not the adjectives between
    assert q["جزائريان اثنان على الأقل"] == (None, 2, None, "جزائريان")
    assert q["13 شخصا على الأقل"] == (None, 13, None, "شخصا")
    assert q["3.1 في المائة"] == (3.1, None, None, "%") and q["4.7%"] == (4.7, None, None, "%")
    assert q["خمسة عشر شخصا"] == (15, None, None, "شخصا")
    assert q["عشرات الآلاف"][:3] == (None, 20000, 90000)
    assert "العشرة" not in q  # a period, not a count


def test_quantities_leave_identifiers_and_vague_plurals(pipe) -> None:
    doc = pipe(Document(id="i", text="2015-11-1422-52-01.730527-Lybia---DR-555x318\n\nقال مصدر أمني إن عددهم بات بالآلاف."))
    assert [(x.text, x.low, x.high) for x in doc.quantities] == [("بالآلاف", 2000, 9000)]


def test_samples_against_the_independent_gold() -> None:
    """tests/fixtures/sample_events_gold.json (made without seeing the code): measured claims P 1.00 R 0.96,
    quantities P 1.00 R 1.00 — the thresholds keep a margin. The rules were refined while looking at
    these samples, so this is a regression check, not an independent benchmark any more."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from events_samples import score

    res = score()
    assert res["claims"]["P"] >= 0.95 and res["claims"]["R"] >= 0.9
    assert res["claims"]["kind"] >= 0.9 * res["claims"]["found"]
    assert res["quantities"]["P"] >= 0.9 and res["quantities"]["R"] >= 0.9
