"""STIX 2.1 export and import on the sample database of test_exports (five Arabic articles, five TLP
markings): the bundle parses with stix2 (allow_custom=False, warnings as errors), ids are deterministic,
TLP 2.0 markings follow the documents, claims travel with events, and export → import into a fresh
database gives the same counts without duplicates."""
from __future__ import annotations

import io
import json
import warnings

import pytest
import stix2

from marsad.exports import stix, stix_import
from marsad.exports.select import select_documents
from marsad.store import Store
from marsad.store.access import ANONYMOUS, SYSTEM
from test_exports import COUNTED, kb, kb_template, viewer  # noqa: F401  (shared fixtures)

TLP2 = {"CLEAR": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        "AMBER+STRICT": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"}


def bundle(store: Store, v=SYSTEM) -> dict:
    return json.loads(stix.bundle_json(store, v))


def test_bundle_parses_without_custom_content_and_carries_tlp_markings(kb):
    store, tlps = kb
    text = stix.bundle_json(store, SYSTEM)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parsed = stix2.parse(text, allow_custom=False)
    types = {o.type for o in parsed.objects}
    assert {"report", "relationship", "note", "identity", "location", "marking-definition"} <= types
    markings = {o.id: o for o in parsed.objects if o.type == "marking-definition"}
    # the published OASIS TLP 2.0 ids, not stix2's TLP 1.0 ones
    assert TLP2["CLEAR"] in markings and stix2.TLP_WHITE.id not in markings
    assert markings[TLP2["CLEAR"]].name == "TLP:CLEAR"
    reports = [o for o in parsed.objects if o.type == "report"]
    assert len(reports) == len(tlps)
    for r in reports:
        doc_id = r.external_references[0].external_id
        assert r.object_marking_refs == [stix.tlp_markings()[tlps[doc_id]].id]
        assert stix.tlp_of_marking(r.object_marking_refs[0]) == tlps[doc_id]
    for o in parsed.objects:
        if o.type != "marking-definition":
            assert all(m in markings for m in o.get("object_marking_refs", [])), o.id


def test_amber_strict_marking_is_the_tlp2_definition(kb):
    store, _ = kb
    doc_id = select_documents(store, SYSTEM)[0].id
    with store._write() as s:  # mark one document AMBER+STRICT (owned by org-a)
        from sqlalchemy import update

        from marsad.store.schema import documents
        s.execute(update(documents).where(documents.c.id == doc_id)
                  .values(tlp="AMBER+STRICT", org_id=store.org_id("org-a")))
    data = bundle(store)
    md = next(o for o in data["objects"] if o["id"] == TLP2["AMBER+STRICT"])
    assert md["extensions"]["extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"]["tlp_2_0"] == "amber+strict"
    rep = next(o for o in data["objects"] if o["type"] == "report" and o["external_references"][0]["external_id"] == doc_id)
    assert rep["object_marking_refs"] == [TLP2["AMBER+STRICT"]]
    # alice (org-a) sees it, carol (org-c) does not
    assert rep["id"] in {o["id"] for o in bundle(store, viewer(store, "alice"))["objects"]}
    assert rep["id"] not in {o["id"] for o in bundle(store, viewer(store, "carol"))["objects"]}


def test_viewers_never_get_objects_of_documents_they_may_not_see(kb):
    store, tlps = kb
    anon = bundle(store, ANONYMOUS)
    levels = {stix.tlp_of_marking(m) for o in anon["objects"] for m in o.get("object_marking_refs", [])}
    assert levels == {"CLEAR"}
    hidden = {d for d, t in tlps.items() if t != "CLEAR"}
    for o in anon["objects"]:
        if o["type"] == "report":
            assert o["external_references"][0]["external_id"] not in hidden
        if o["type"] in ("relationship", "note"):
            ext = o["extensions"][stix.RECORD_EXTENSION]
            assert ext["document_id"] not in hidden


def test_shared_actor_carries_the_least_restrictive_marking_of_its_documents(kb):
    store, _ = kb
    data = bundle(store)
    rels = [o for o in data["objects"] if o["type"] == "relationship"]
    by_id = {o["id"]: o for o in data["objects"]}
    for actor_id in {r["source_ref"] for r in rels}:
        docs_levels = [stix.tlp_of_marking(r["object_marking_refs"][0]) for r in rels if r["source_ref"] == actor_id]
        order = ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"]
        want = min(docs_levels, key=order.index)
        got = stix.tlp_of_marking(by_id[actor_id]["object_marking_refs"][0])
        assert order.index(got) <= order.index(want)


def test_events_keep_their_claims_source(kb):
    store, _ = kb
    data = bundle(store)
    rels = [o for o in data["objects"] if o["type"] == "relationship"]
    assert rels
    claimed = [r for r in rels if r["extensions"][stix.RECORD_EXTENSION]["claim_source_kind"] != "reported"]
    assert claimed
    notes = {o["id"]: o for o in data["objects"] if o["type"] == "note"}
    for r in rels:
        ext = r["extensions"][stix.RECORD_EXTENSION]
        assert r["relationship_type"] == ext["event_type"].lower()
        doc = store.get_document(ext["document_id"])
        seq = int(ext["event_id"].rsplit(":", 1)[1])
        e = doc.events[seq]
        if e.claim is not None:
            c = doc.claims[e.claim]
            assert ext["claim_source"] == c.source and ext["claim_source_kind"] == c.source_kind
            assert f"according to {c.source}" in r["description"]
            if c.source_ref and c.source_ref != c.source:  # "وأضاف المصدر": what it resolves to goes along
                assert ext["claim_source_ref"] == c.source_ref
                assert f"according to {c.source} (= {c.source_ref})" in r["description"]
            # the claim's note points at the relationship it supports
            assert any(r["id"] in n["object_refs"] for n in notes.values())
        assert 0 <= r["confidence"] <= 100


def test_ids_are_deterministic_and_survive_a_round_trip(kb, empty_db_like):
    store, tlps = kb
    first = stix.bundle_json(store, SYSTEM)
    assert stix.bundle_json(store, SYSTEM) == first  # byte for byte
    fresh = Store(empty_db_like(store.url))
    fresh.create_user("xena", "org-x")  # the importing user owns the RED article, org-x the AMBER one
    x = fresh.user("xena")
    counts = stix_import.import_bundle(fresh, io.StringIO(first), "b.json", org_id=x.org_id, created_by=x.id)
    assert counts.stored == len(tlps) and counts.failed == 0
    a, b = store.stats(), fresh.stats()
    assert {k: a[k] for k in COUNTED} == {k: b[k] for k in COUNTED}
    ids_a = {o["id"] for o in json.loads(first)["objects"]}
    ids_b = {o["id"] for o in bundle(fresh)["objects"]}
    assert ids_a == ids_b
    again = stix_import.import_bundle(fresh, io.StringIO(first), "b.json")
    assert again.stored == 0 and again.duplicates == len(tlps)
    fresh.close()


def test_import_keeps_the_markings_and_skips_foreign_reports(kb, empty_db_like):
    store, tlps = kb
    data = bundle(store, SYSTEM)
    foreign = {"type": "report", "spec_version": "2.1", "id": "report--0b7a5a1e-8f55-4d34-9a55-111111111111",
               "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z", "name": "other tool",
               "published": "2024-01-01T00:00:00Z", "object_refs": [stix.MARSAD_IDENTITY]}
    data["objects"].append(foreign)
    fresh = Store(empty_db_like(store.url))
    fresh.create_user("bob", "org-b")
    bob = fresh.user("bob")  # restricted records need an owner given here (never one found by name)
    counts = stix_import.import_bundle(fresh, io.StringIO(json.dumps(data)), "b.json", org_id=bob.org_id,
                                       created_by=bob.id)
    assert counts.skipped == 1 and counts.skipped_ids == [foreign["id"]]
    assert counts.stored == len(tlps), counts.failures
    assert {r.id: r.tlp for r in select_documents(fresh, SYSTEM)} == tlps
    fresh.close()


def test_not_a_bundle_is_one_clear_error(kb):
    store, _ = kb
    with pytest.raises(ValueError, match="x.json: not JSON"):
        stix_import.import_bundle(store, io.StringIO("{nope"), "x.json")
    with pytest.raises(ValueError, match="not a STIX bundle"):
        stix_import.import_bundle(store, io.StringIO('{"type": "bundle"}'), "x.json")


# -- the security review's findings --------------------------------------------------------------------------


def _report_with(rec_tlp: str, marking: str, text: str = "نص") -> dict:
    return {"type": "report", "id": f"report--{rec_tlp}-{marking}", "object_marking_refs": [stix.tlp_markings()[marking].id],
            "extensions": {stix.RECORD_EXTENSION: {"record": json.dumps({"tlp": rec_tlp, "text": text})}}}


def test_import_takes_the_most_restrictive_of_report_marking_and_record(kb, empty_db_like):
    counts = stix_import.StixImportCounts()
    got = [r["tlp"] for _, r in stix_import.report_records(
        [_report_with("CLEAR", "RED"), _report_with("RED", "CLEAR"), _report_with("GREEN", "GREEN")], counts)]
    assert got == ["RED", "RED", "GREEN"]
    assert [m[0] for m in counts.marking_mismatches] == ["report--CLEAR-RED", "report--RED-CLEAR"]
    assert "CLEAR" in counts.marking_mismatches[0][1] and "RED" in counts.marking_mismatches[0][1]
    # a whole bundle: one CLEAR article re-marked RED by the sender is stored RED, owned by the importer
    store, tlps = kb
    data = bundle(store, SYSTEM)
    clear = next(d for d, t in tlps.items() if t == "CLEAR")
    rep = next(o for o in data["objects"] if o["type"] == "report" and o["external_references"][0]["external_id"] == clear)
    rep["object_marking_refs"] = [stix.tlp_markings()["RED"].id]
    fresh = Store(empty_db_like(store.url))
    fresh.create_user("dalia", "org-d")
    d = fresh.user("dalia")
    got = stix_import.import_bundle(fresh, io.StringIO(json.dumps(data)), "b.json", org_id=d.org_id, created_by=d.id)
    assert got.failed == 0 and [m[0] for m in got.marking_mismatches] == [rep["id"]]
    assert {r.id: r.tlp for r in select_documents(fresh, SYSTEM)}[clear] == "RED"
    assert clear not in {r.id for r in select_documents(fresh, ANONYMOUS)}
    fresh.close()


def test_shared_objects_take_their_words_only_from_documents_at_their_marking(kb):
    """An actor or place named by a RED and a CLEAR article goes out marked CLEAR: its name and description
    must then come from the CLEAR article, even when the RED one is older."""
    import datetime as dt

    from sqlalchemy import select as sselect
    from sqlalchemy import update

    from marsad.store.schema import documents as dtab
    from marsad.store.schema import events as etab
    from marsad.store.schema import mentions as mtab

    store, tlps = kb
    red = next(d for d, t in tlps.items() if t == "RED")
    secret_actor, secret_place = "الاسم_السري_للفاعل", "الموقع_السري"
    with store._write() as s:  # noqa: SLF001
        # the RED article becomes the oldest, and writes its own names for an actor and a place
        s.execute(update(dtab).where(dtab.c.id == red).values(ingested_at=dt.datetime(2001, 1, 1)))
        s.execute(update(mtab).where(mtab.c.document_id == red, mtab.c.entity_id == "country:LBY")
                  .values(canonical=secret_actor, latin="Secret Latin"))
        for eid, loc in s.execute(sselect(etab.c.id, etab.c.location).where(etab.c.document_id == red)).all():
            if loc and loc.get("entity_id") == "country:DZA":
                s.execute(update(etab).where(etab.c.id == eid).values(location={**loc, "canonical": secret_place}))
    data = bundle(store, SYSTEM)
    # the shared objects not marked RED (marsad's own identity carries no marking)
    shared = [o for o in data["objects"] if o["type"] in ("identity", "location", "threat-actor")
              and "object_marking_refs" in o and stix.tlp_of_marking(o["object_marking_refs"][0]) != "RED"]
    lby = next(o for o in shared if o["id"] == stix.sid("identity", "actor:country:LBY"))
    dza = next(o for o in shared if o["id"] == stix.sid("location", "location:country:DZA"))
    assert stix.tlp_of_marking(lby["object_marking_refs"][0]) == "CLEAR"
    assert stix.tlp_of_marking(dza["object_marking_refs"][0]) == "CLEAR"
    for o in shared:
        text = json.dumps(o, ensure_ascii=False)
        assert secret_actor not in text and secret_place not in text and "Secret Latin" not in text, o["id"]
    # the RED article's own objects still carry its words (the check above is not vacuous)
    assert secret_actor in json.dumps(data, ensure_ascii=False)
