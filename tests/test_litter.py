"""Web litter removal on the bundled sample articles and on constructed cases."""
from __future__ import annotations

from pathlib import Path

import marsad
from marsad.ingest import Item, read_sources
from marsad.ingest.litter import clean_text, load_rules

SAMPLES = Path(marsad.__file__).parent / "samples"


def sample(prefix: str) -> Item:
    path = next(SAMPLES.glob(prefix + "_*.txt"))
    item, = read_sources([str(path)])
    assert item.raw == path.read_text(encoding="utf-8")  # raw is the file, untouched
    return item


def test_001_image_name_and_comments_heading():
    item = sample("001")
    assert "2015-11-1422-52-01.730527-Lybia---DR-555x318" in item.raw
    assert "Lybia---DR" not in item.text
    assert not item.text.rstrip().endswith("تعليقات")
    assert item.text.startswith("مبادرة لإيجاد تعاون بين دول عربية وغربية\n\nقال مصدر أمني مسؤول")
    assert item.text.endswith("وتهدديهم الأمن فيها.")
    assert "الفريق أحمد ڤايد صالح" in item.text
    assert [r["kind"] for r in item.meta["litter_removed"]] == ["line", "tail"]


def test_002_comment_form():
    item = sample("002")
    assert "اترك تعليقاً" in item.raw and "اترك تعليقاً" not in item.text
    assert "لن يتم نشر عنوان بريدك الإلكتروني" not in item.text
    assert item.text.endswith("إلا عند اقتضاء الضرورة القصوى لذلك.")
    assert "\n\nتراجع مستوى التنسيق\n\n" in item.text  # a real sub-heading stays
    assert "\n\n\n" not in item.text and "\u00a0" not in item.text


def test_004_read_also_lines_and_trailing_related_headlines():
    item = sample("004")
    for gone in ("اقرأ أيضا", "معارك طرابلس تتواصل.. ومقتل 9", "ذا هيل: حفتر لم يعد جزءا",
                 "يقتحمون مناطق نفوذ حفتر بالجنوب ثم ينسحبون", "يستبعد وقفا فوريا لمعارك ليبيا",
                 "قيادي بالنهضة: حفتر يدير حربه"):
        assert gone in item.raw and gone not in item.text, gone
    assert item.text.endswith("عبر الاستفادة من بيئة الفوضى التي يعيشها هذا البلد.")
    assert item.text.startswith("كشف الباحث الليبي في الحركات الإسلامية المسلحة")
    assert "وحمّل المجلس الرئاسي لحكومة الوفاق الوطني الليبي" in item.text
    assert item.raw.count("\n") - item.text.count("\n") == 5  # exactly five lines removed


def test_samples_without_litter_are_unchanged():
    for prefix in ("000", "003"):
        item = sample(prefix)
        assert item.text == item.raw.strip()
        assert "litter_removed" not in item.meta


def test_trailing_short_lines_stay_without_a_related_links_signal():
    text = ("قال وزير الداخلية إن الحكومة قررت اتخاذ الإجراءات التالية لمواجهة الأزمة.\n"
            "إغلاق المعابر الحدودية مع ليبيا مؤقتا\n"
            "تعزيز الدوريات الأمنية على طول الحدود\n"
            "فتح تحقيق في ملابسات الهجوم الأخير")
    clean, removed = clean_text(text)
    assert clean == text and removed == []


def test_numbered_list_at_the_end_stays_even_after_read_also():
    text = ("اقرأ أيضا: حفتر يعلن هدنة في طرابلس\n"
            "وأعلنت الوزارة أسماء المصابين في الهجوم كما يلي.\n"
            "1- محمد علي من مدينة سبها\n"
            "2- أحمد صالح من مدينة درنة\n")
    clean, _ = clean_text(text)
    assert clean.endswith("2- أحمد صالح من مدينة درنة")
    assert "اقرأ أيضا" not in clean


def test_label_alone_takes_the_headline_on_the_next_line():
    text = ("قال مصدر أمني إن الجزائر تسعى للتعاون مع تونس.\n\n"
            "إقرأ أيضاً\n"
            "وزير الخارجية التونسي يستبعد وقفا فوريا لمعارك ليبيا\n\n"
            "وأضاف المصدر أن الاجتماع سيعقد الأسبوع المقبل.")
    clean, removed = clean_text(text)
    assert clean == "قال مصدر أمني إن الجزائر تسعى للتعاون مع تونس.\n\nوأضاف المصدر أن الاجتماع سيعقد الأسبوع المقبل."
    assert len(removed) == 2


def test_share_follow_and_comment_lines():
    text = ("قال مصدر أمني إن الجزائر تسعى للتعاون مع تونس.\n"
            "شارك على فيسبوك\n"
            "تابعونا على تويتر\n"
            "Tweet\n"
            "أضف تعليق\n"
            "IMG_20150214_123456.jpg\n"
            "وأضاف المصدر أن تعليقات المسؤولين لم تتأخر.\n"
            "تعليقات")
    clean, removed = clean_text(text)
    assert clean == "قال مصدر أمني إن الجزائر تسعى للتعاون مع تونس.\nوأضاف المصدر أن تعليقات المسؤولين لم تتأخر."
    assert len(removed) == 6


def test_comments_heading_in_the_middle_stays():
    text = "تعليقات\nقال المتحدث إن تعليقات الوزير أسيء فهمها."
    assert clean_text(text)[0] == text


def test_blank_runs_collapse_and_trailing_spaces_go():
    clean, _ = clean_text("السطر الأول   \n\n\n\n\u00a0\nالسطر الثاني\t\n")
    assert clean == "السطر الأول\n\nالسطر الثاني"


def test_rules_file_is_data_with_comments():
    rules = load_rules()
    assert {r.kind for r in rules} == {"line", "label", "tail"}
    assert all(r.comment for r in rules)


def test_comment_notice_never_takes_article_text_on_its_line():
    merged = ("اترك تعليقاً\n\nلن يتم نشر عنوان بريدك الإلكتروني. وتتعاون الجزائر وتونس ومصر على تحليل "
              "معلومات أمنية بشكل يومي، حول تحركات الجهاديين الجزائريين والأجانب.")
    clean, removed = clean_text(merged)
    assert "وتتعاون الجزائر وتونس ومصر على تحليل معلومات أمنية" in clean
    assert [r["line"] for r in removed] == ["اترك تعليقاً"]
    form = "قال مصدر أمني إن الجزائر تسعى للتعاون.\n\nلن يتم نشر عنوان بريدك الإلكتروني. الحقول الإلزامية مشار إليها بـ *\n"
    clean, removed = clean_text(form)
    assert clean == "قال مصدر أمني إن الجزائر تسعى للتعاون." and len(removed) == 1
