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
