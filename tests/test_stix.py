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
            # the claim's note points at the relationship it supports
            assert any(r["id"] in n["object_refs"] for n in notes.values())
        assert 0 <= r["confidence"] <= 100


def test_ids_are_deterministic_and_survive_a_round_trip(kb, tmp_path):
    store, tlps = kb
    first = stix.bundle_json(store, SYSTEM)
    assert stix.bundle_json(store, SYSTEM) == first  # byte for byte
    fresh = Store(f"sqlite:///{tmp_path / 'fresh.db'}")
    counts = stix_import.import_bundle(fresh, io.StringIO(first), "b.json", org_id=fresh.org_id("org-x", create=True))
    assert counts.stored == len(tlps) and counts.failed == 0
    a, b = store.stats(), fresh.stats()
    assert {k: a[k] for k in COUNTED} == {k: b[k] for k in COUNTED}
    ids_a = {o["id"] for o in json.loads(first)["objects"]}
    ids_b = {o["id"] for o in bundle(fresh)["objects"]}
    assert ids_a == ids_b
    again = stix_import.import_bundle(fresh, io.StringIO(first), "b.json")
    assert again.stored == 0 and again.duplicates == len(tlps)
    fresh.close()


def test_import_keeps_the_markings_and_skips_foreign_reports(kb, tmp_path):
    store, tlps = kb
    data = bundle(store, SYSTEM)
    foreign = {"type": "report", "spec_version": "2.1", "id": "report--0b7a5a1e-8f55-4d34-9a55-111111111111",
               "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z", "name": "other tool",
               "published": "2024-01-01T00:00:00Z", "object_refs": [stix.MARSAD_IDENTITY]}
    data["objects"].append(foreign)
    fresh = Store(f"sqlite:///{tmp_path / 'fresh.db'}")
    fresh.create_user("alice", "org-a")
    fresh.create_user("bob", "org-b")
    counts = stix_import.import_bundle(fresh, io.StringIO(json.dumps(data)), "b.json")
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
