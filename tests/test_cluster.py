"""Cross-document clustering of provisional entities (kb/cluster.py)."""
from __future__ import annotations

from marsad.kb.cluster import Provisional, name_relation, propose
from marsad.pipeline.link import key_of


def _e(eid: str, typ: str, name: str, docs: set[str], sentences: list[str], mentions: int = 1) -> Provisional:
    return Provisional(eid, typ, name, key_of(name), mentions, docs, sentences)


def test_name_relations() -> None:
    assert name_relation(key_of("عبد الله البلادي"), key_of("عبدالله البلادي")) == ("spelling", 1.0)
    assert name_relation(key_of("وولتر غولييلموني"), key_of("وولتر جولييلموني"))[0] == "spelling"
    assert name_relation(key_of("توشيبا"), key_of("شركة توشيبا")) == ("short-form", 1.0)
    # different names, not spellings of one: a different letter that is not a vowel or a g/j-type variant
    assert name_relation(key_of("محمد الوابل"), key_of("حمد الوابل")) is None
    assert name_relation(key_of("إدارة التعليم العام"), key_of("إدارة التعليم العالي")) is None
    assert name_relation(key_of("سعيد"), key_of("عيد")) is None
    # a two-word tail of a name chain is the father, not a short form
    assert name_relation(key_of("أحمد حمامة"), key_of("فاتن أحمد حمامة")) is None


def test_propose_needs_agreeing_contexts() -> None:
    a = _e("new:PER:a", "PER", "وولتر غولييلموني", {"d1"},
           ["قال المدير الفني وولتر غولييلموني إن فريقه سيلعب مباراة الدوري الإيطالي بتشكيلة هجومية"], 3)
    b = _e("new:PER:b", "PER", "وولتر جولييلموني", {"d2"},
           ["أعلن مدرب الفريق وولتر جولييلموني قائمة اللاعبين لمباراة الدوري الإيطالي المقبلة"])
    c = _e("new:PER:c", "PER", "وولتر جوليلموني", {"d3"},
           ["ارتفعت أسعار النفط في الأسواق العالمية بعد قرار أوبك خفض الإنتاج"])
    props = propose([a, b, c])
    assert [(p.source, p.target) for p in props] == [("new:PER:b", "new:PER:a")]
    assert props[0].context_similarity >= 0.45


def test_two_spellings_in_one_document_are_two_names() -> None:
    a = _e("new:ORG:a", "ORG", "حزب كومينتانغ", {"d1"}, ["فاز حزب كومينتانغ في الانتخابات التايوانية"])
    b = _e("new:ORG:b", "ORG", "حزب كومينتانج", {"d1"}, ["فاز حزب كومينتانج في الانتخابات التايوانية"])
    assert propose([a, b]) == []
    b.documents = {"d2"}
    assert len(propose([a, b])) == 1
