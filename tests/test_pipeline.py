"""The default pipeline end to end on one document: every stage adds, offsets stay true."""
from __future__ import annotations

from marsad.document import Document
from marsad.pipeline.ner import ModelMentionStage
from marsad.pipeline.pipeline import default_pipeline

TEXT = ("والتقى المبعوث الأممي مارتن كوبلر أمس رئيس حكومة الوفاق فايز السراج في العاصمة طرابلس، "
        "كما التقى جيسون رضايان.")


def test_model_adds_unseen_names_and_rules_keep_known_ones() -> None:
    doc = default_pipeline()(Document(id="t", text=TEXT))
    got = {(m.text, m.type): m for m in doc.mentions}
    # a name no gazetteer holds comes from the trained model (and gets a provisional entity)
    assert got[("جيسون رضايان", "PER")].method == "model"
    assert got[("جيسون رضايان", "PER")].entity_id == "new:PER:جيسون_رضايان"
    # the KB's persons are found by the gazetteer and linked
    assert got[("مارتن كوبلر", "PER")].entity_id == "per:martin-kobler"
    # known names keep the rule layer's canonical ids
    assert got[("طرابلس", "GPE")].entity_id and got[("طرابلس", "GPE")].method == "gazetteer"
    for m in doc.mentions:
        assert doc.text[m.start:m.end] == m.text and 0 < m.confidence <= 1
    # no two mentions overlap
    spans = sorted((m.start, m.end) for m in doc.mentions)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
    assert [d.text for d in doc.dates] == ["أمس"] and doc.dates[0].value is None
    assert doc.pipeline_version


def test_model_stage_never_overrides_rule_mentions() -> None:
    doc = default_pipeline()(Document(id="t", text=TEXT))
    before = [(m.start, m.end, m.method) for m in doc.mentions if m.method != "model"]
    ModelMentionStage()(doc)  # running it again adds nothing new and changes no rule mention
    assert [(m.start, m.end, m.method) for m in doc.mentions if m.method != "model"] == before
