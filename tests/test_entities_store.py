"""Entity decisions in the store: merge, split, alias, undo, history, kept by a re-analysis."""
from __future__ import annotations

import pytest

from marsad.jobs import Ingester, reanalyse
from marsad.ingest import read_sources
from marsad.store.entities import EntityError

TEXTS = {
    "a.txt": "قال الناشط الليبي حامد الخيالي إن مدينة سبها محاصرة. وأضاف الخيالي أن قوات حفتر تتقدم.",
    "b.txt": "نفى حامد الخيالي أمس الاتهامات، وقال إن الجيش الليبي لم يدخل سبها.",
    "c.txt": "قال الكاتب حامد الخيالي في روايته الجديدة إن الصحراء ذاكرة، وقدم الرواية في معرض القاهرة.",
}


@pytest.fixture
def filled(store, tmp_path):
    for name, text in TEXTS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    Ingester(store).run(read_sources([str(tmp_path)]), "test")
    return store


def _doc_of(store, needle: str) -> str:
    return next(d.id for d in store.documents() if needle in store.get_document(d.id).text)


def _entity_at(store, doc_id: str, text: str) -> str:
    return next(m.entity_id for m in store.get_document(doc_id).mentions if m.text == text)


def test_entities_list_groups_names(filled) -> None:
    rows = {r.entity_id: r for r in filled.entities()}
    kh = rows["new:PER:حامد_الخيالي"]
    assert (kh.documents, kh.mentions, kh.type) == (3, 4, "PER")
    sabha = _entity_at(filled, _doc_of(filled, "محاصرة"), "سبها")
    assert rows[sabha].documents == 2 and rows[sabha].country == "LBY"
    detail = filled.entity("new:PER:حامد_الخيالي")
    assert dict(detail.names) == {"حامد الخيالي": 3, "الخيالي": 1}


def test_split_then_undo_and_reanalyse_keeps_decisions(filled) -> None:
    novelist = _doc_of(filled, "روايته")
    did, new_id, n = filled.split_entity("new:PER:حامد_الخيالي", [novelist], name="حامد الخيالي (روائي)")
    assert n == 1 and new_id.startswith("user:PER:")
    assert _entity_at(filled, novelist, "حامد الخيالي") == new_id
    # a re-run of the pipeline over everything keeps the split
    counts = reanalyse(filled)
    assert counts == {"reanalysed": 3, "failed": 0}
    assert _entity_at(filled, novelist, "حامد الخيالي") == new_id
    assert _entity_at(filled, _doc_of(filled, "نفى"), "حامد الخيالي") == "new:PER:حامد_الخيالي"
    # undone: no longer applied by the next run
    filled.undo_decision(did)
    reanalyse(filled)
    assert _entity_at(filled, novelist, "حامد الخيالي") == "new:PER:حامد_الخيالي"
    hist = filled.decisions()
    assert [(d.action, d.undone_at is not None) for d in hist] == [("split", True)]
    with pytest.raises(EntityError):
        filled.undo_decision(did)


def test_alias_and_merge(filled) -> None:
    doc_b = _doc_of(filled, "نفى")
    assert _entity_at(filled, doc_b, "الجيش الليبي").startswith("new:ORG:")
    did, n = filled.add_alias("الجيش الليبي", "org:libyan-national-army", note="in these reports: Haftar's forces")
    assert n == 1
    m = next(m for m in filled.get_document(doc_b).mentions if m.text == "الجيش الليبي")
    assert (m.entity_id, m.link_method) == ("org:libyan-national-army", "user")
    assert m.canonical and m.latin  # display names of the KB entity
    reanalyse(filled)
    assert _entity_at(filled, doc_b, "الجيش الليبي") == "org:libyan-national-army"
    # merge the provisional person into another id and back out
    did2, n2 = filled.merge_entities("new:PER:حامد_الخيالي", "per:khalifa-haftar")
    assert n2 == 4
    assert filled.entity("new:PER:حامد_الخيالي") is None
    assert filled.undo_decision(did2) == 4
    assert filled.entity("new:PER:حامد_الخيالي").summary.mentions == 4
    with pytest.raises(EntityError):
        filled.merge_entities("new:PER:nobody", "per:khalifa-haftar")
    with pytest.raises(EntityError):
        filled.merge_entities("per:khalifa-haftar", "per:khalifa-haftar")


def test_cluster_apply_records_undoable_merges(store, tmp_path) -> None:
    from marsad.jobs import cluster_entities

    (tmp_path / "1.txt").write_text("قال الباحث عبد الله البلادي إن موسم الأمطار تأخر هذا العام في المنطقة الجنوبية.",
                                    encoding="utf-8")
    (tmp_path / "2.txt").write_text("أكد الباحث عبدالله البلادي أن الأمطار تأخرت في المنطقة الجنوبية هذا الموسم.",
                                    encoding="utf-8")
    Ingester(store).run(read_sources([str(tmp_path)]), "test")
    ids = {r.entity_id for r in store.entities(type="PER")}
    assert ids == {"new:PER:عبد_الله_البلادي", "new:PER:عبدالله_البلادي"}
    proposals = cluster_entities(store, apply=True)
    assert len(proposals) == 1
    kept = proposals[0].target
    assert {r.entity_id for r in store.entities(type="PER")} == {kept}
    d = store.decisions()[-1]
    assert d.action == "merge" and d.note.startswith("cluster:")
    store.undo_decision(d.id)
    assert len({r.entity_id for r in store.entities(type="PER")}) == 2


def test_confirm_names_an_entity_and_survives_reanalysis(filled) -> None:
    did, n = filled.confirm_entity("new:PER:حامد_الخيالي", name="حامد الخيالي", latin="Hamed al-Khayali")
    assert n == 4 and "new:PER:حامد_الخيالي" in filled.confirmed_ids()
    reanalyse(filled)
    doc = filled.get_document(_doc_of(filled, "نفى"))
    m = next(m for m in doc.mentions if m.entity_id == "new:PER:حامد_الخيالي")
    assert (m.latin, m.link_confidence, m.link_method) == ("Hamed al-Khayali", 1.0, "user")
    filled.undo_decision(did)
    reanalyse(filled)
    assert "new:PER:حامد_الخيالي" not in filled.confirmed_ids()
    m = next(m for m in filled.get_document(_doc_of(filled, "نفى")).mentions if m.entity_id == "new:PER:حامد_الخيالي")
    assert m.latin != "Hamed al-Khayali" and m.link_method != "user"
