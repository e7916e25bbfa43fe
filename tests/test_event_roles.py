"""Event arguments (pipeline/event_roles.py): source and target actors on real Arabic news sentences.

Roles are checked on the lexicon's events (the sentence-level detector, which only keeps or drops whole
events, is tested with detection), so that a sentence the detector drops still tests attachment."""
from __future__ import annotations

import pytest

from marsad.document import Document
from marsad.pipeline.events import EventStage
from marsad.pipeline.pipeline import Pipeline, default_pipeline


@pytest.fixture(scope="module")
def pipe() -> Pipeline:
    base = default_pipeline()
    try:
        stage = EventStage(detect=False)  # every lexicon event, not only those the detector keeps
    except TypeError:
        stage = EventStage()
    return Pipeline(base.stages[:-1] + [stage], base.version)


def _roles(pipe: Pipeline, text: str, trigger: str) -> tuple[list[str], list[str]]:
    doc = pipe(Document(id="r", text=text))
    ev = [e for e in doc.events if e.trigger == trigger]
    assert ev, f"no event on {trigger!r} in {text!r}: {[e.trigger for e in doc.events]}"
    e = ev[0]
    for a in e.source + e.target:  # contract 1: spans point into the text
        assert text[a["start"]:a["end"]] == a["text"]
        assert set(a) == {"text", "start", "end", "entity_id", "country", "sector"}
    return [a["text"] for a in e.source], [a["text"] for a in e.target]


def test_passive_harm_verb_makes_its_noun_the_target(pipe) -> None:
    # unvocalised قتل with no object reads as passive: the soldiers were killed; the doers are named by شنه
    text = "وقتل ثلاثة جنود في هجوم شنه مسلحون مجهولون على حاجز للجيش."
    assert _roles(pipe, text, "قتل") == ([], ["جنود"])
    src, tgt = _roles(pipe, text, "هجوم")
    assert src == ["مسلحون مجهولون"] and tgt == ["حاجز"]


def test_agent_after_ala_yad_and_the_victim_before_it(pipe) -> None:
    src, tgt = _roles(pipe, "واختطف صحفيان أجنبيان على يد مسلحين قرب الحدود.", "اختطف")
    assert src == ["مسلحين"] and tgt == ["صحفيان أجنبيان"]
    src, _ = _roles(pipe, "وتعرض المعتقلون للتعذيب من قبل حراس السجن.", "تعذيب")
    assert src == ["حراس السجن"]


def test_svo_with_object_and_the_reporter_left_out(pipe) -> None:
    src, tgt = _roles(pipe, "وقالت الشرطة إن مسلحين اغتالوا ضابطا في الجيش مساء أمس.", "اغتالوا")
    assert src == ["مسلحين"] and tgt == ["ضابطا"]
    # the army announces the deaths, it did not kill: not the source
    src, tgt = _roles(pipe, "أعلن الجيش مقتل جنديين في هجوم انتحاري.", "مقتل")
    assert src == [] and tgt == ["جنديين"]


def test_vso_subject_with_a_non_actor_object(pipe) -> None:
    src, tgt = _roles(pipe, "وخطف مسلحون مدير المستشفى من منزله في المدينة.", "خطف")
    assert src == ["مسلحون"] and tgt == ["مدير المستشفى"]


def test_victims_of_the_attack_in_a_result_clause(pipe) -> None:
    text = "وأسفر انفجار سيارة مفخخة في السوق عن مقتل خمسة من عناصر الشرطة."
    assert _roles(pipe, text, "انفجار")[1] == ["عناصر الشرطة"]


def test_compound_actors_come_together(pipe) -> None:
    src, tgt = _roles(pipe, "وأصيب ضابط شرطة وجندي في الهجوم.", "أصيب")
    assert src == [] and tgt == ["ضابط شرطة", "جندي"]


def test_protest_noun_names_its_protesters_and_what_they_protest(pipe) -> None:
    text = "وتجمع آلاف المتظاهرين أمام البرلمان احتجاجا على قرار الحكومة."
    src, tgt = _roles(pipe, text, "المتظاهرين")
    assert src == ["المتظاهرين"] and tgt == ["قرار الحكومة"]
    src, tgt = _roles(pipe, "وتظاهر مئات الطلاب ضد رفع الرسوم الجامعية.", "تظاهر")
    assert src == ["الطلاب"] and tgt == ["رفع الرسوم الجامعية"]


def test_nationality_after_an_actor_noun_is_part_of_it(pipe) -> None:
    text = "وقتل اول من امس 4 جنود إثيوبيين في هجوم شنه مسلحون صوماليون."
    assert _roles(pipe, text, "قتل")[1] == ["جنود إثيوبيين"]
    assert _roles(pipe, text, "هجوم")[0] == ["مسلحون صوماليون"]


# --- round 2: protest targets said anywhere in the sentence, and doers far from the trigger ---

def test_protest_target_after_a_governing_word_or_far_from_the_trigger(pipe) -> None:
    # تطالب بـ X: the ب belongs to the verb; prepositions do not stack, so بقاء keeps its ب
    assert _roles(pipe, "ورفع المتظاهرون شعارات تطالب بطرد السفير من البلاد.", "المتظاهرون")[1] == ["طرد السفير"]
    assert _roles(pipe, "وخرج آلاف المتظاهرين ضد بقاء الرئيس في منصبه.", "المتظاهرين")[1] == ["بقاء الرئيس"]
    # ينددون بالحكومة is far after the protesters: still what they protest against
    text = "واحتشد مئات المتظاهرين أمام مبنى المحكمة في وسط العاصمة منذ ساعات الصباح الأولى، ينددون بالحكومة."
    assert _roles(pipe, text, "المتظاهرين")[1] == ["الحكومة"]


def test_an_actor_a_marker_names_beats_an_adverb(pipe) -> None:
    # مطالبين بشدة: بشدة is how, not against whom; برحيل names the government
    assert _roles(pipe, "وهتف المتظاهرون مطالبين بشدة برحيل الحكومة.", "المتظاهرون")[1] == ["الحكومة"]


def test_title_holder_and_name_title_apposition_in_a_protest_target(pipe) -> None:
    text = "وتجمع المتظاهرون رفضا لترشيح وزير الدفاع إيهود باراك للانتخابات."
    assert _roles(pipe, text, "المتظاهرون")[1] == ["ترشيح وزير الدفاع إيهود باراك"]
    text = "وتجمع المحتجون رافعين لافتات تطالب بـ«استقالة نوري المالكي» رئيس الوزراء العراقي."
    assert _roles(pipe, text, "المحتجون")[1] == ["استقالة نوري المالكي» رئيس الوزراء العراقي"]


def test_protesters_as_subject_of_the_verb_before_them(pipe) -> None:
    src, tgt = _roles(pipe, "وهاجم المتظاهرون محافظ المدينة أثناء زيارته للسوق.", "المتظاهرون")
    assert src == ["المتظاهرون"] and tgt == ["محافظ المدينة"]


def test_coordinated_protest_markers_give_every_target(pipe) -> None:
    text = "وتظاهر الطلاب احتجاجا على رفع الرسوم، وأيضا ضد الإصلاحات التعليمية للحكومة."
    assert _roles(pipe, text, "تظاهر")[1] == ["رفع الرسوم", "الإصلاحات التعليمية للحكومة"]
    text = "ورفع المتظاهرون لافتات وتوجهوا إلى مقر الحكومة للمطالبة بالإفراج عن المعتقلين ومطالبة السلطات بوقف الاعتقالات."
    assert "السلطات" in _roles(pipe, text, "المتظاهرون")[1]


def test_verb_after_a_preposition_is_a_verbal_noun(pipe) -> None:
    # في قتل: not a verb, so العشرات من المسلحين are the killed and the army, before, the doer
    src, tgt = _roles(pipe, "وقال شهود إن الجيش نجح في قتل عشرات المسلحين.", "قتل")
    assert src == ["الجيش"] and tgt == ["المسلحين"]


def test_a_verb_without_subject_takes_the_clause_subject_not_the_reporter(pipe) -> None:
    text = "وكانت عصابة مسلحة قد اقتحمت المستشفى الواقع في وسط المدينة، بحسب أحد المسؤولين عن المستشفى، وخطفت طبيبين."
    src, tgt = _roles(pipe, text, "خطفت")
    assert src == ["عصابة مسلحة"] and tgt == ["طبيبين"]


def test_support_verb_and_result_clause_name_the_doer(pipe) -> None:
    assert _roles(pipe, "وقالت الحكومة إن عصابات مسلحة هي التي ارتكبت المجزرة في القرية.", "المجزرة")[0] == \
        ["عصابات مسلحة"]
    text = "وقال مسؤول إن القوات الأجنبية قصفت مركزا للشرطة في المدينة مما أسفر عن مقتل تسعة من رجال الشرطة."
    assert _roles(pipe, text, "مقتل") == (["القوات الأجنبية"], ["رجال الشرطة"])


def test_a_city_after_a_place_noun_is_not_the_doer(pipe) -> None:
    text = "وقال شهود إن رجلا مسلحا دخل إلى صالة مطار بغداد الدولي، وفتح النار على المسافرين."
    assert _roles(pipe, text, "فتح النار") == (["رجلا مسلحا"], ["المسافرين"])
