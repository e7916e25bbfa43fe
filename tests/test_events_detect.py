"""Event detection: the sentence-level detector (models/events/detector.py) on top of the trigger lexicon."""
from __future__ import annotations

import pytest

from marsad.document import Document
from marsad.models.events.detector import features, model
from marsad.pipeline.events import EventStage
from marsad.pipeline.pipeline import default_pipeline
from marsad.text.normalize import normalize_key


@pytest.fixture(scope="module")
def pipe():
    return default_pipeline()


def types(pipe, text: str) -> list[str]:
    return [e.type for e in pipe(Document(id="t", text=text)).events]


def test_the_shipped_model_covers_assault_and_protest() -> None:
    m = model()
    assert set(m) == {"ASSAULT", "PROTEST"}
    for t in m.values():
        assert 0 < t["threshold"] < 1 and len(t["weights"]) > 100


def test_a_reported_bombing_is_kept(pipe) -> None:
    text = ("قتل خمسة أشخاص وأصيب 12 آخرون بجروح أمس في انفجار سيارة مفخخة قرب سوق شعبي في مدينة الموصل، "
            "حسب مصدر في الشرطة.")
    doc = pipe(Document(id="b", text=text))
    ev = [e for e in doc.events if e.type == "ASSAULT"]
    assert ev and all(e.confidence >= 0.44 for e in ev)


def test_metaphor_and_debate_are_dropped(pipe) -> None:
    # the words without the incident: an attack on freedoms, a question about justifying killing
    assert "ASSAULT" not in types(pipe, "وقال الكاتب إن الهجوم على الحريات العامة يتواصل في البلاد منذ سنوات.")
    assert "ASSAULT" not in types(pipe, "فهل يجوز تبرير القتل والاغتيال السياسي وإعادة فتح الباب أمام هذا النوع من الاجرام؟")


def test_the_raw_lexicon_still_proposes_them(pipe) -> None:
    """The same sentence with the detector off: the lexicon fires, the detector is what removes it."""
    text = "وقال الكاتب إن الهجوم على الحريات العامة يتواصل في البلاد منذ سنوات."
    doc = Document(id="m", text=text)
    for s in pipe.stages:
        if s.name != "events":
            doc = s(doc)
    doc = EventStage(detect=False)(doc)
    assert "ASSAULT" in [e.type for e in doc.events]


def test_protesters_named_in_passing_are_not_a_protest(pipe) -> None:
    text = "وأعرب الوزير عن تأثره لوفاة اثنين من المتظاهرين، وقال إن واجب الشرطة هو حماية الاشخاص والممتلكات."
    assert "PROTEST" not in types(pipe, text)


def test_outcome_nouns_and_relative_clauses_are_the_same_event(pipe) -> None:
    text = ("والسبت الماضي، تعرض مركز تدريب وسجن بمدينة سبها جنوب ليبيا، إلى هجوم غامض أسفر عن فرار 200 سجين "
            "وخلف عشرات القتلى والجرحى، بحسب مصادر محلية ليبية.")
    ev = [e.trigger for e in pipe(Document(id="s", text=text)).events if e.type == "ASSAULT"]
    assert ev == ["هجوم"]  # القتلى and الجرحى are its outcome, not two more attacks


def test_a_definite_noun_refers_back_to_a_kept_attack(pipe) -> None:
    text = ("والسبت الماضي، تعرض مركز تدريب وسجن بمدينة سبها جنوب ليبيا، إلى هجوم غامض أسفر عن فرار 200 سجين "
            "وخلف عشرات القتلى والجرحى، بحسب مصادر محلية ليبية.\n"
            "وأشار الخيالي إلى أن الهدف من الهجوم على معسكر التدريب والسجن ربما يكون إخراج تلك العناصر.")
    ev = [e.trigger for e in pipe(Document(id="s", text=text)).events if e.type == "ASSAULT"]
    assert ev == ["هجوم", "الهجوم"]
    # alone, the second sentence is talk about an attack, not a report of one
    assert "ASSAULT" not in types(pipe, text.split("\n")[1])


def test_air_strikes_are_fight(pipe) -> None:
    assert "FIGHT" in types(pipe, "وشنت الطائرات الحربية غارات على مواقع المسلحين جنوب المدينة.")


def test_features_name_the_trigger_and_its_context(pipe) -> None:
    text = "وقال الكاتب إن الهجوم على الحريات العامة يتواصل."
    doc = Document(id="f", text=text)
    for s in pipe.stages:
        if s.name != "events":
            doc = s(doc)
    doc = EventStage(detect=False)(doc)
    f = features(doc, "ASSAULT", 0, len(text), doc.events)
    assert "t:هجوم" in f and "r:" + normalize_key("على") in f and "w:حريات" in f


def _modes(pipe, text: str, typ: str) -> list[tuple[str, str | None]]:
    return [(e.trigger, e.mode) for e in pipe(Document(id="m", text=text)).events if e.type == typ]


def test_denied_and_planned_attacks_are_kept_and_marked(pipe) -> None:
    # below the detector's threshold, yet kept: a denial or a plan is news a reader must see, marked
    assert _modes(pipe, "ونفت الوزارة وقوع أي هجوم على السجن.", "ASSAULT") == [("هجوم", "negated")]
    assert _modes(pipe, "وقال المصدر إنه لم يتم تنفيذ أي هجوم على القرية.", "ASSAULT") == [("هجوم", "negated")]
    assert ("تفجير", "intended") in _modes(pipe, "واعترف المتهم بأنه كان ينوي تنفيذ تفجير حافلة ركاب.", "ASSAULT")


def test_negation_scope_is_the_governed_word(pipe) -> None:
    """Modes as the lexicon stage sets them (detector off, so that only the scope rule is tested)."""
    def raw_modes(text: str) -> list[tuple[str, str | None]]:
        doc = Document(id="s", text=text)
        for s in pipe.stages:
            if s.name != "events":
                doc = s(doc)
        return [(e.trigger, e.mode) for e in EventStage(detect=False)(doc).events if e.type == "ASSAULT"]

    # لا يزال negates nothing: the attacks go on (a 3-word window made it "negated")
    assert raw_modes("ولا يزال المسلحون يهاجمون القرى الحدودية.") == [("يهاجمون", None)]
    assert raw_modes("ولم يهاجم المسلحون القرى الحدودية.") == [("يهاجم", "negated")]
    # an intention word in another clause does not make the attack a plan
    assert raw_modes("وكانت الحكومة تريد التفاوض، فهاجم المسلحون القافلة.") == [("هاجم", None)]
    assert raw_modes("وكانت الجماعة تريد تنفيذ هجوم على القافلة.") == [("هجوم", "intended")]


def test_words_the_tokenizer_splits_still_match(pipe) -> None:
    """فتحت: the tokenizer reads ف as a conjunction (→ تحت); للاحتجاج keeps a fused لل: both are triggers."""
    def raw_types(text: str) -> list[tuple[str, str]]:
        doc = Document(id="w", text=text)
        for s in pipe.stages:
            if s.name != "events":
                doc = s(doc)
        return [(e.type, e.trigger) for e in EventStage(detect=False)(doc).events]

    assert ("ASSAULT", "فتحت النار") in raw_types("وقال إن دبابات روسية فتحت النار على سكان المدينة.")
    assert any(t == "PROTEST" and w.endswith("احتجاج")
               for t, w in raw_types("ونزل آلاف الأشخاص إلى ساحة المدينة للاحتجاج على تدني الأجور."))
