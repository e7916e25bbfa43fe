"""Dates stage: spans, ISO values and resolution against the publication date."""
from __future__ import annotations

import datetime as dt
import importlib.util
import json
from pathlib import Path

import pytest

from marsad.document import Document
from marsad.pipeline.dates import DateStage, find_dates

FRI = dt.date(2015, 8, 14)  # a Friday
ROOT = Path(__file__).resolve().parents[1]
GOLD = json.loads((ROOT / "tests" / "fixtures" / "sample_dates_gold.json").read_text(encoding="utf-8"))


def one(text: str, pub: dt.date | None = None, surface: str | None = None):
    found = find_dates(text, pub)
    if surface is not None:
        found = [d for d in found if d.text == surface]
    assert len(found) == 1, [(d.text, d.value) for d in find_dates(text, pub)]
    d = found[0]
    assert text[d.start:d.end] == d.text
    return d


def test_stage_appends_to_document():
    doc = Document(id="x", text="وقالت مصادر إن الاتصالات بدأت أمس، في شهر ماي 2012.", published=FRI)
    out = DateStage()(doc)
    assert DateStage.name == "dates"
    assert [(d.text, d.value) for d in out.dates] == [("أمس", "2015-08-13"), ("شهر ماي 2012", "2012-05")]
    assert out.dates[0].anchor == "2015-08-14" and out.dates[1].anchor is None


# ------------------------------------------------------------------ absolute dates

@pytest.mark.parametrize("text,surface,value,gran", [
    ("رفضت استقبال أقارب القذافي في شهر ماي 2012، و إن مسؤولين", "شهر ماي 2012", "2012-05", "month"),
    ("بدأت الاتصالات منذ يوم 20 أوت 2011 لتوفير ملجأ", "يوم 20 أوت 2011", "2011-08-20", "day"),
    ("وقع الانفجار في 3 أغسطس 2014 قرب بنغازي", "3 أغسطس 2014", "2014-08-03", "day"),
    ("انعقد المؤتمر في 12 كانون الثاني 2014 في بيروت", "12 كانون الثاني 2014", "2014-01-12", "day"),
    ("وصل الوفد في تشرين الأول 2013 إلى بغداد", "تشرين الأول 2013", "2013-10", "month"),
    ("أعلن ذلك في 5 جويلية 1962 بالعاصمة", "5 جويلية 1962", "1962-07-05", "day"),
    ("تم التوقيع يوم 17 ديسمبر 2015م في الصخيرات", "يوم 17 ديسمبر 2015م", "2015-12-17", "day"),
    ("اجتمع المجلس يوم الأحد 12 أفريل 2015 بالجزائر", "يوم الأحد 12 أفريل 2015", "2015-04-12", "day"),
    ("جرى الاتفاق في آذار 2011 بين الطرفين", "آذار 2011", "2011-03", "month"),
])
def test_day_month_year_all_month_name_families(text, surface, value, gran):
    d = one(text, None, surface)
    assert (d.value, d.granularity, d.kind, d.anchor) == (value, gran, "absolute", None)


def test_end_of_month_modifier():
    text = "لم يكن أبدا متحمسا لاستضافة أسرة القذافي في الجزائر نهاية شهر أوت 2011، وبدأت الاتصالات"
    d = one(text, None, "نهاية شهر أوت 2011")
    assert (d.value, d.granularity, d.mod) == ("2011-08", "month", "END")
    d = one("وصل في أوائل يناير 2015 إلى تونس", None)
    assert (d.text, d.value, d.mod) == ("أوائل يناير 2015", "2015-01", "START")
    d = one("تأجلت الانتخابات إلى منتصف شهر جوان 2014", None)
    assert (d.text, d.value, d.mod) == ("منتصف شهر جوان 2014", "2014-06", "MID")


def test_stray_punctuation_before_year_and_day_part():
    text = "ثم اتخذ القرار في الساعات الأولى من يوم 29 أوت .2011 وقد جرت اتصالات ماراطونية"
    d = one(text)
    assert d.text == "الساعات الأولى من يوم 29 أوت .2011"
    assert (d.value, d.granularity, d.mod) == ("2011-08-29", "day", "START")
    d = one("اجتمعوا يوم 29 أوت .2011 في الجزائر")
    assert (d.text, d.value) == ("يوم 29 أوت .2011", "2011-08-29")


@pytest.mark.parametrize("text,surface", [
    ("صدر البيان بتاريخ 29/08/2011 عن وزارة الدفاع", "29/08/2011"),
    ("صدر البيان بتاريخ 2011-08-29 عن وزارة الدفاع", "2011-08-29"),
    ("صدر البيان بتاريخ 29.08.2011 عن وزارة الدفاع", "29.08.2011"),
])
def test_numeric_dates(text, surface):
    d = one(text)
    assert (d.text, d.value, d.granularity) == (surface, "2011-08-29", "day")


def test_numeric_date_glued_in_file_name_is_not_split():
    # page litter from sample 001: an image name, not a date in the prose
    assert find_dates("2015-11-1422-52-01.730527-Lybia---DR-555x318", None) == []
    assert find_dates("بتاريخ 31/02/2011", None) == []  # no such day


def test_season_with_year():
    text = "تورطت إحداهما في التخطيط لتفجير مقر الدرك الوطني في ورفلة في صيف عام 2012، كما عملت"
    d = one(text)
    assert (d.text, d.value, d.granularity, d.kind) == ("صيف عام 2012", "2012-SU", "season", "absolute")
    assert find_dates("انطلقت احتجاجات الربيع العربي في تونس", None) == []


def test_years_need_evidence():
    assert [(d.text, d.value) for d in find_dates("تفاقم في عام 2015 بسبب تضييق الخناق", None)] == [("عام 2015", "2015")]
    assert [(d.text, d.value) for d in find_dates("تأسس الحزب سنة 1954 في القاهرة", None)] == [("سنة 1954", "1954")]
    assert [(d.text, d.value) for d in find_dates("تغير الوضع كثيرا في 2015.", None)] == [("2015", "2015")]
    assert [(d.text, d.value) for d in find_dates("ولد الرئيس 1937م في وجدة", None)] == [("1937م", "1937")]
    assert [(d.text, d.value) for d in find_dates("تشهد ليبيا فوضى منذ 2011 حتى 2015", None)] == [
        ("2011", "2011"), ("2015", "2015")]


@pytest.mark.parametrize("text", [
    "الحدود المالية التي تمتد على مسافة 1300 كلم، وقد بدأت",
    "أسفر عن فرار 200 سجين وخلف عشرات القتلى",
    "ما لا يقل عن 120 جزائري ينشطون في صفوف الجماعات",
    "إن القاهرة أبلغت الجزائر وتونس بقرارها قبل انطلاق العمليات بـ10 ساعات.",
    "نشر الجيش 2000 جندي على الحدود",
    "وصل عدد اللاجئين في 2000 منزل إلى الضعف",
    "مارس الجيش ضغوطا كبيرة على المسلحين",
    "زيارة رئيس أركان الجيش للحدود الليبية 3 مرات",
])
def test_bare_numbers_and_ambiguous_words_are_not_dates(text):
    assert find_dates(text, FRI) == []


def test_clitics_are_kept_out_of_the_span():
    text = "تأسست الهيئة بعام 2015 وفي 2012 توسعت، وتعود الوثيقة لشهر ماي 2013"
    got = [(d.text, d.value) for d in find_dates(text, None)]
    assert got == [("عام 2015", "2015"), ("2012", "2012"), ("شهر ماي 2013", "2013-05")]
    d = one("والسبت الماضي، تعرض مركز تدريب وسجن بمدينة سبها", FRI)
    assert (d.text, d.value) == ("السبت الماضي", "2015-08-08")


@pytest.mark.parametrize("text", [
    "ارتفع عدد الوافدين إلى 1950 لاجئا في أسبوع",
    "نشرت القوات في 2000 موقع على الحدود",
    "أقيمت في 1999 نقطة تفتيش على الطرق",
    "تنتشر القوات في 2000 وحدة سكنية",
    "يعيش السكان هنا منذ 2000 عام",
    "سقط منذ 2014 12 قتيلا",
])
def test_bare_number_after_cue_before_indefinite_noun_is_a_count(text):
    assert find_dates(text, None) == [], [(d.text, d.value) for d in find_dates(text, None)]


@pytest.mark.parametrize("text,year", [
    ("في 2015، قال الوزير إن الوضع تحسن", "2015"),
    ("في 2015 قتل أكثر من مئة شخص", "2015"),
    ("منذ 2011 والبلاد تعيش فوضى", "2011"),
    ("منذ 2011 وقال المسؤولون إن", "2011"),
    ("وفي 2004 تعلن الولايات المتحدة عن مشروع", "2004"),
    ("اندلعت المعارك في 2014 بالعاصمة طرابلس", "2014"),
    ("تراجع الإنتاج في 2014 الذي شهد انهيار الأسعار", "2014"),
    ("بقي الوضع على حاله حتى 2015", "2015"),
    ("تغير كل شيء في 2013 حين سقط النظام", "2013"),
    ("بدأت الأزمة في 2012\nوتوسعت لاحقا", "2012"),
])
def test_bare_year_after_cue_kept_before_verb_punctuation_and_function_words(text, year):
    got = [(d.text, d.value, d.granularity) for d in find_dates(text, None)]
    assert got == [(year, year, "year")]


# ------------------------------------------------------------------ hijri

def _hijri_span(y, m=None):
    from hijridate import Hijri

    lo = Hijri(y, m or 1, 1)
    hi_m = m or 12
    hi = Hijri(y, hi_m, Hijri(y, hi_m, 1).month_length())
    return f"{lo.to_gregorian().isoformat()}/{hi.to_gregorian().isoformat()}"


def test_hijri_dates_converted():
    d = one("توفي الشيخ في 26 شوال 1436 هـ بمكة")
    assert (d.text, d.value, d.calendar, d.granularity) == ("26 شوال 1436 هـ", "2015-08-11", "hijri", "day")
    # a month without a day: the interval of that month (1 to 29 Ramadan 1436)
    d = one("بدأ صيام رمضان 1436 في الجزائر")
    assert (d.text, d.value, d.calendar, d.granularity) == ("رمضان 1436", "2015-06-18/2015-07-16", "hijri", "month")
    assert d.value == _hijri_span(1436, 9)
    assert find_dates("صام المسلمون شهر رمضان في الحر", None) == []


def test_hijri_year_is_an_interval_not_a_gregorian_year():
    d = one("صدر الكتاب سنة 1436 هـ في الرياض")
    assert (d.text, d.value, d.calendar, d.granularity, d.kind) == (
        "سنة 1436 هـ", "2014-10-25/2015-10-13", "hijri", "year", "absolute")
    assert d.value == _hijri_span(1436)
    d = one("توفي عام 1380 هجرية بالمدينة")
    assert d.value == _hijri_span(1380) and d.granularity == "year"


# ------------------------------------------------------------------ relative

RELATIVE = [
    ("كشف مصدر أمني جزائري، أمس، عن اجتماع مسؤولين", "أمس", "2015-08-13", "day"),
    ("وصل الوفد أول أمس إلى تونس", "أول أمس", "2015-08-12", "day"),
    ("يجتمع الوزراء اليوم في الجزائر", "اليوم", "2015-08-14", "day"),
    ("وعرضت القناة الليبية، اليوم الجمعة، صورا لحشود عسكرية", "اليوم الجمعة", "2015-08-14", "day"),
    ("يصل المبعوث غدا إلى طرابلس", "غدا", "2015-08-15", "day"),
    ("والسبت الماضي، تعرض مركز تدريب وسجن بمدينة سبها", "السبت الماضي", "2015-08-08", "day"),
    ("تعقد القمة الخميس المقبل في القاهرة", "الخميس المقبل", "2015-08-20", "day"),
    ("تعقد القمة الجمعة القادمة في القاهرة", "الجمعة القادمة", "2015-08-21", "day"),
    ("اجتماع مسؤولين من المخابرات، نهاية الأسبوع الماضي، لدراسة تقارير", "نهاية الأسبوع الماضي", "2015-W32", "week"),
    ("كنت في ورشة عمل الأسبوع الماضي مع بعض المختصين", "الأسبوع الماضي", "2015-W32", "week"),
    ("تنطلق المفاوضات الأسبوع المقبل في جنيف", "الأسبوع المقبل", "2015-W34", "week"),
    ("زاروا الجزائر قبل يومين في جولة لدول المغرب العربي", "قبل يومين", "2015-08-12", "day"),
    ("وقع الهجوم قبل ثلاثة أيام في سبها", "قبل ثلاثة أيام", "2015-08-11", "day"),
    ("وقع الهجوم منذ ثلاثة أيام في سبها", "منذ ثلاثة أيام", "2015-08-11", "day"),
    ("وقع الهجوم قبل أسبوع في سبها", "قبل أسبوع", "2015-W32", "week"),
    ("ارتفعت الأسعار الشهر الماضي بشكل كبير", "الشهر الماضي", "2015-07", "month"),
    ("تراجع الإنتاج العام الماضي بنسبة كبيرة", "العام الماضي", "2014", "year"),
    ("تراجع الإنتاج خلال العام المنصرم بنسبة كبيرة", "العام المنصرم", "2014", "year"),
    ("ستجرى الانتخابات السنة المقبلة", "السنة المقبلة", "2016", "year"),
    ("انخفضت الصادرات في شهر ماي الماضي", "شهر ماي الماضي", "2015-05", "month"),
    ("يزور الوزير الجزائر في سبتمبر المقبل", "سبتمبر المقبل", "2015-09", "month"),
    ("وقعت الحادثة مساء أمس في بنغازي", "مساء أمس", "2015-08-13TEV", "time"),
]


@pytest.mark.parametrize("text,surface,value,gran", RELATIVE)
def test_relative_resolved_on_publication_date(text, surface, value, gran):
    d = one(text, FRI, surface)
    assert (d.value, d.granularity, d.kind, d.anchor) == (value, gran, "relative", "2015-08-14")


@pytest.mark.parametrize("text,surface,value,gran", RELATIVE)
def test_relative_unresolved_without_publication_date(text, surface, value, gran):
    d = one(text, None, surface)
    assert (d.value, d.kind, d.anchor) == (None, "relative", None)


def test_modifier_words_on_relative():
    d = one("اجتماع مسؤولين من المخابرات، نهاية الأسبوع الماضي، لدراسة تقارير", FRI)
    assert d.mod == "END"
    d = one("إن اجتماعات تنسيقية بدأت قبل أقل من أسبوع بين مسؤولين", FRI)
    assert (d.text, d.value, d.mod) == ("قبل أقل من أسبوع", "2015-W32", "AFTER")


@pytest.mark.parametrize("text,surface", [
    ("حمل معه الملف قبل أيام إلى الإمارات العربية", "قبل أيام"),
    ("باشرت، قبل أسابيع عديدة، اتصالات مع الدول العربية", "قبل أسابيع عديدة"),
    ("وفي المواجهات التي تمت قبل أشهر قليلة في مدينة درنة", "قبل أشهر قليلة"),
    ("بتراجع زخم العمليات العسكرية في ليبيا في الأيام الأخيرة، وقال", "الأيام الأخيرة"),
    ("لقاء وزراء خارجية الدول الثلاث الذي تم في الجزائر مؤخرا، وتشير", "مؤخرا"),
    ("التي تعيش وضعا استثنائيا في الفترة الأخيرة.", "الفترة الأخيرة"),
])
def test_vague_relative_never_guessed(text, surface):
    for pub in (None, FRI):
        d = one(text, pub, surface)
        assert (d.value, d.kind) == (None, "relative")


def test_today_in_a_story_is_not_the_publication_day():
    assert find_dates("وفي اليوم التالي انسحبت القوات", FRI) == []
    assert find_dates("احتفلت الجزائر باليوم الوطني للشهيد", FRI) == []


# ------------------------------------------------------------------ durations

@pytest.mark.parametrize("text,surface,value", [
    ("زيارة رئيس أركان الجيش للحدود الليبية 3 مرات في غضون شهرين.", "في غضون شهرين", "P2M"),
    ("سيتم تشكيل الحكومة خلال شهرين على الأكثر", "خلال شهرين", "P2M"),
    ("استمر الحصار لمدة ثلاثة أيام كاملة", "لمدة ثلاثة أيام", "P3D"),
    ("دامت المعارك طيلة 10 سنوات في البلاد", "طيلة 10 سنوات", "P10Y"),
    ("قال إن الجزائر تسعى، منذ عدة أسابيع، لإيجاد إطار للتعاون", "منذ عدة أسابيع", "PXW"),
    ("يجب الرد خلال 48 ساعة فقط", "خلال 48 ساعة", "PT48H"),
])
def test_durations(text, surface, value):
    for pub in (None, FRI):
        d = one(text, pub, surface)
        assert (d.value, d.kind, d.granularity) == (value, "duration", "duration")


def test_decades_and_centuries():
    d = one("عاشت الجزائر أزمة دامية في التسعينيات", None)
    assert (d.text, d.value, d.granularity) == ("التسعينيات", "199", "decade")
    d = one("شهد القرن العشرين حربين عالميتين", None)
    assert (d.value, d.granularity) == ("19", "century")


# ------------------------------------------------------------------ gold (speed: bench/dates_eval.py --speed)

def _bench():
    spec = importlib.util.spec_from_file_location("dates_eval", ROOT / "bench" / "dates_eval.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_gold_fixture_offsets_match_texts():
    n = 0
    for name, recs in GOLD["files"].items():
        text = GOLD["texts"][name]
        for r in recs:
            assert text[r["start"]:r["end"]] == r["text"]
            n += 1
    assert n >= 25


def test_precision_recall_on_hand_gold():
    r = _bench().eval_gold()
    # reached 1.00 / 1.00 when written (27 expressions); allow one slip, no more
    assert r["strict_p"] >= 0.96 and r["strict_r"] >= 0.96, r
    assert r["lenient_p"] >= 0.96 and r["lenient_r"] >= 0.96, r
    assert r["value_acc"] >= 0.96, r


def test_resolved_sample_values():
    text = GOLD["texts"]["004_d938f254692a6191.txt"]
    got = {d.text: d.value for d in find_dates(text, FRI)}
    assert got["اليوم الجمعة"] == "2015-08-14"
    assert got["السبت الماضي"] == "2015-08-08"
    assert got["الأسبوع الماضي"] == "2015-W32"


def test_count_relative_to_an_event_is_not_resolved_on_publication():
    assert find_dates("انسحبت القوات قبل يومين من الهجوم على المطار", FRI) == []
