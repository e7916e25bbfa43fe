"""TLP markings and organisations in the store: who sees which documents (store/access.py), accounts and
keys (store/accounts.py), and the owner/marking given at ingest (jobs.Ingester, `marsad ingest --tlp`)."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, text

from marsad.ingest import read_sources
from marsad.jobs import Ingester, retry_failures
from marsad.store.access import ANONYMOUS, SYSTEM, Sharing, can_see, normalize_tlp, visible_documents
from marsad.store.schema import documents, mentions

SAMPLES = sorted((Path(__file__).parents[1] / "src" / "marsad" / "samples").glob("*.txt"))


def _visible(store, viewer) -> set[str]:
    with store._read() as s:
        return {r[0] for r in s.execute(select(documents.c.title).where(visible_documents(viewer)))}


@pytest.fixture
def shared_store(store):
    """Five sample articles, one per marking: CLEAR (no owner), GREEN, AMBER, AMBER+STRICT by org-a, and RED
    ingested by amina (org-a). org-a shares AMBER with org-b; org-c shares nothing."""
    store.create_user("amina", "org-a")
    store.create_user("karim", "org-a")
    store.create_user("badr", "org-b")
    store.create_user("chafia", "org-c")
    store.share_amber("org-a", "org-b")
    a = store.org_id("org-a")
    amina = store.user("amina").id
    marks = [Sharing(), Sharing(a, "GREEN"), Sharing(a, "AMBER"), Sharing(a, "AMBER+STRICT"),
             Sharing(a, "RED", created_by=amina)]
    titles = {}
    for path, sharing in zip(SAMPLES, marks):
        counts = Ingester(store, sharing=sharing).run(read_sources([str(path)]), "test")
        assert counts.stored == 1
        with store._read() as s:
            titles[sharing.tlp] = s.execute(select(documents.c.title, documents.c.tlp)
                                            .order_by(documents.c.ingested_at.desc())).first()
    assert [t[1] for t in titles.values()] == ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"]
    return store, {k: v[0] for k, v in titles.items()}


def _viewer(store, name):
    return store.viewer_for_user(store.user(name))


def test_each_viewer_sees_what_tlp_allows(shared_store):
    store, t = shared_store
    assert _visible(store, ANONYMOUS) == {t["CLEAR"]}
    assert _visible(store, _viewer(store, "chafia")) == {t["CLEAR"], t["GREEN"]}
    # a partner that org-a shares AMBER with: AMBER yes, AMBER+STRICT and RED never
    assert _visible(store, _viewer(store, "badr")) == {t["CLEAR"], t["GREEN"], t["AMBER"]}
    # a colleague of the RED document's author: everything but RED
    assert _visible(store, _viewer(store, "karim")) == {t["CLEAR"], t["GREEN"], t["AMBER"], t["AMBER+STRICT"]}
    assert _visible(store, _viewer(store, "amina")) == set(t.values())
    assert _visible(store, SYSTEM) == set(t.values())


def test_in_memory_rule_agrees_with_the_sql_condition(shared_store):
    store, _ = shared_store
    with store._read() as s:
        rows = s.execute(select(documents.c.title, documents.c.tlp, documents.c.org_id,
                                documents.c.created_by)).all()
    for name in ("amina", "karim", "badr", "chafia", None):
        v = _viewer(store, name) if name else ANONYMOUS
        sql = _visible(store, v)
        mem = {r[0] for r in rows if can_see(v, tlp=r[1], org_id=r[2], created_by=r[3])}
        assert sql == mem, name


def test_api_keys_are_hashed_and_revocable(store):
    store.create_user("amina", "org-a")
    key = store.create_api_key("amina", label="laptop")
    v = store.viewer_for_key(key)
    assert v is not None and v.name == "amina" and v.org_id == store.org_id("org-a")
    assert store.viewer_for_key(key[:-1] + ("x" if key[-1] != "x" else "y")) is None
    with store._read() as s:
        stored = [tuple(r) for r in s.execute(text("SELECT prefix, key_hash FROM api_keys"))]
    assert len(stored) == 1 and key not in stored[0][1] and stored[0][0] in key
    assert store.revoke_api_key(stored[0][0])
    assert store.viewer_for_key(key) is None


def test_markings_are_checked(store):
    assert normalize_tlp("tlp:amber+strict") == "AMBER+STRICT" and normalize_tlp("white") == "CLEAR"
    with pytest.raises(ValueError, match="not a TLP marking"):
        normalize_tlp("SECRET")
    with pytest.raises(ValueError, match="needs an owning organisation"):
        Sharing(tlp="AMBER")


def test_a_failed_item_is_retried_with_its_owner_and_marking(store, tmp_path):
    bad = tmp_path / "report.txt"
    bad.write_bytes(b"")  # empty: fails
    store.create_user("amina", "org-a")
    sharing = Sharing(store.org_id("org-a"), "AMBER+STRICT")
    counts = Ingester(store, sharing=sharing).run(read_sources([str(bad)]), "test")
    assert counts.failed == 1
    bad.write_text(SAMPLES[0].read_text(encoding="utf-8"), encoding="utf-8")
    counts = retry_failures(store)
    assert counts.stored == 1
    with store._read() as s:
        tlp, org = s.execute(select(documents.c.tlp, documents.c.org_id)).one()
    assert (tlp, org) == ("AMBER+STRICT", store.org_id("org-a"))
    assert _visible(store, ANONYMOUS) == set()


def test_cli_ingest_marks_documents_and_refuses_amber_without_owner(tmp_path):
    from typer.testing import CliRunner

    from marsad.cli import app

    db = f"sqlite:///{tmp_path / 'm.db'}"
    r = CliRunner().invoke(app, ["ingest", "--db", db, "-q", "--tlp", "AMBER", str(SAMPLES[0])])
    assert r.exit_code == 2 and "needs an owning organisation" in r.output
    r = CliRunner().invoke(app, ["users", "add", "amina", "--org", "org-a", "--db", db])
    assert r.exit_code == 0 and "mk_" in r.output
    r = CliRunner().invoke(app, ["ingest", "--db", db, "-q", "--tlp", "red", "--user", "amina", str(SAMPLES[0])])
    assert r.exit_code == 0, r.output
    from marsad.store import Store

    with Store(db) as s, s._read() as ses:
        assert ses.execute(select(documents.c.tlp, documents.c.created_by)).one() == ("RED", s.user("amina").id)


def test_a_user_merge_changes_only_what_they_may_see(shared_store):
    store, _ = shared_store
    badr = _viewer(store, "badr")  # sees CLEAR and GREEN, not org-a's AMBER/AMBER+STRICT/RED
    with store._read() as s:
        visible = set(s.execute(select(documents.c.id).where(visible_documents(badr))).scalars())
        rows = s.execute(select(mentions.c.id, mentions.c.document_id, mentions.c.entity_id)).all()
    assert visible and len(visible) < 5

    def ids(eid: str, shown: bool) -> list[int]:
        with store._read() as s:
            got = s.execute(select(mentions.c.id, mentions.c.document_id).where(mentions.c.entity_id == eid)).all()
        return sorted(m for m, d in got if (d in visible) == shown)

    seen: dict[str, set] = {}
    for _, doc_id, eid in rows:
        if eid:
            seen.setdefault(eid, set()).add(doc_id in visible)
    eid = sorted(e for e, v in seen.items() if v == {True, False} and e.startswith("country:"))[0]
    shown_before, hidden_before = ids(eid, True), ids(eid, False)
    _, changed = store.merge_entities(eid, "country:GBR", viewer=badr)
    assert changed == len(shown_before) > 0 and ids(eid, True) == []
    assert ids(eid, False) == hidden_before  # org-a's hidden mentions untouched
    # replayed on later runs only in the documents badr saw
    ov = store.link_overrides()
    assert eid not in ov.redirects and {k[0] for k in ov.splits} == {eid}
    assert {k[1] for k in ov.splits} <= visible
    # a name seen only in hidden articles cannot be a merge target: the same answer as a made-up one
    from marsad.store.entities import EntityError

    secret = sorted(e for e, v in seen.items() if v == {False} and e.startswith("new:"))[0]
    for target in (secret, "new:PER:لا_يوجد"):
        with pytest.raises(EntityError, match="that you may see"):
            store.merge_entities("country:GBR", target, viewer=badr)
    # the operator's merge stays global
    store.merge_entities(eid, "country:GBR")
    assert ids(eid, False) == [] and store.link_overrides().redirects[eid] == "country:GBR"
