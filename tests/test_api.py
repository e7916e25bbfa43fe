"""The JSON API (/api) over the five bundled sample articles: contract-1 records, filters, pagination, search
with facets, entity pages, TLP visibility per viewer, curation recorded with who and when, and `marsad serve`
answering concurrent clients on 127.0.0.1.

Articles 000-003 are stored TLP:CLEAR; article 004 (the only one about Sabha and Noman Benotman) TLP:AMBER,
owned by organisation "alpha" (user "analyst"), which shares its AMBER items with "gamma" (user "partner")
but not with "beta" (user "outsider").
"""
from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from marsad.api.app import create_app
from marsad.ingest import read_sources
from marsad.jobs import Ingester
from marsad.store import Store
from marsad.store.access import Sharing
from marsad.store.schema import documents, entity_decisions, event_reviews, events

from conftest import BACKENDS, copy_db, empty_db

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "src" / "marsad" / "samples"
AMBER_SAMPLE = "004_d938f254692a6191.txt"


def _ingest(db: str) -> dict[str, object]:
    store = Store(db)
    for user, org in (("analyst", "alpha"), ("outsider", "beta"), ("partner", "gamma")):
        store.create_user(user, org)
    store.share_amber("alpha", "gamma")
    keys = {u: store.create_api_key(u) for u in ("analyst", "outsider", "partner")}
    analyst = store.user("analyst")
    clear = sorted(str(p) for p in SAMPLES.glob("*.txt") if p.name != AMBER_SAMPLE)
    Ingester(store).run(read_sources(clear), "test")
    Ingester(store, sharing=Sharing(org_id=analyst.org_id, tlp="AMBER", created_by=analyst.id)).run(
        read_sources([str(SAMPLES / AMBER_SAMPLE)]), "test")
    with store.engine.connect() as c:
        amber_id = c.execute(select(documents.c.id).where(documents.c.tlp == "AMBER")).scalar_one()
    store.close()
    return {"keys": keys, "amber": amber_id}


@pytest.fixture(scope="module", params=BACKENDS)
def sample_db(request, tmp_path_factory) -> Iterator[tuple[str, dict]]:
    """The sample world, built once per backend (SQLite; PostgreSQL when MARSAD_TEST_PG_URL is set)."""
    with empty_db(request.param, tmp_path_factory.mktemp("api")) as db:
        yield db, _ingest(db)


@pytest.fixture(scope="module")
def api(sample_db):
    db, info = sample_db
    store = Store(db)
    with TestClient(create_app(store=store)) as client:
        client.info = info  # type: ignore[attr-defined]
        yield client
    store.close()


def auth(client, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {client.info['keys'][user]}"}


def get(client, url: str, user: str | None = None, **params):
    r = client.get(url, params=params, headers=auth(client, user) if user else {})
    assert r.status_code == 200, (url, r.status_code, r.text[:500])
    return r.json()


# ------------------------------------------------------------------------------------------ visibility

def test_unauthenticated_requests_see_only_tlp_clear(api) -> None:
    amber = api.info["amber"]
    assert get(api, "/api/stats")["documents"] == 4
    assert get(api, "/api/stats", "analyst")["documents"] == 5
    assert get(api, "/api/stats")["by_tlp"] == {"CLEAR": 4}
    ids = {d["id"] for d in get(api, "/api/documents")["items"]}
    assert len(ids) == 4 and amber not in ids
    # the AMBER article: its owner and the organisation it is shared with, nobody else
    assert api.get(f"/api/documents/{amber}").status_code == 404
    assert api.get(f"/api/documents/{amber}", headers=auth(api, "outsider")).status_code == 404
    assert get(api, f"/api/documents/{amber}", "partner")["tlp"] == "AMBER"
    rec = get(api, f"/api/documents/{amber}", "analyst")
    assert rec["tlp"] == "AMBER" and rec["org"] == "alpha"
    # a wrong key is refused, not taken for no key (a client would read a partial answer as the whole)
    r = api.get("/api/stats", headers={"Authorization": "Bearer mk_0000_wrong"})
    assert r.status_code == 401 and "unknown or revoked" in r.json()["detail"]
    assert api.get("/api/stats").json()["documents"] == 4


def test_what_derives_from_a_hidden_document_is_hidden_too(api) -> None:
    amber = api.info["amber"]
    # only article 004 speaks of Sabha: found by its owner, not by an anonymous request
    assert get(api, "/api/search", q="سبها")["total"] == 0
    hits = get(api, "/api/search", "analyst", q="بسبها")  # a clitic form finds it too
    assert [h["id"] for h in hits["items"]] == [amber] and "سبها" in hits["items"][0]["snippet"]
    # an entity named only in 004
    found = get(api, "/api/entities", "analyst", q="نعمان بن عثمان")["items"]
    assert found, "the analyst should see Noman Benotman of article 004"
    eid = found[0]["id"]
    assert all(d["id"] == amber for d in get(api, f"/api/entities/{eid}", "analyst")["documents"])
    assert api.get(f"/api/entities/{eid}").status_code == 404
    assert get(api, "/api/entities", q="نعمان بن عثمان")["total"] == 0
    # events, claims and mentions of 004 are absent from every anonymous list
    assert get(api, "/api/events", document_id=amber)["total"] == 0
    assert get(api, "/api/events", "analyst", document_id=amber)["total"] > 0
    assert get(api, "/api/claims", document_id=amber)["total"] == 0
    anon, owner = get(api, "/api/stats"), get(api, "/api/stats", "analyst")
    for key in ("events", "claims", "mentions"):
        assert anon[key] < owner[key], key
    assert all(e["document_id"] != amber for e in get(api, "/api/events", limit=500)["items"])
    haftar = get(api, "/api/entities/per:khalifa-haftar")
    assert amber not in {d["id"] for d in haftar["documents"]}
    assert amber in {d["id"] for d in get(api, "/api/entities/per:khalifa-haftar", "analyst")["documents"]}


# ------------------------------------------------------------------------------------------ documents

def test_document_record_is_contract_1_with_stable_event_ids(api) -> None:
    docs = get(api, "/api/documents")["items"]
    for d in docs:
        rec = get(api, f"/api/documents/{d['id']}")
        for k in ("id", "text", "published", "entities", "dates", "quantities", "claims", "events", "title",
                  "outlet", "tlp"):
            assert k in rec, k
        text = rec["text"]
        for m in rec["entities"]:
            assert text[m["start"]:m["end"]] == m["text"]
        for seq, ev in enumerate(rec["events"]):
            assert ev["id"] == f"{d['id']}:{seq}"
            assert ev["event_key"] == f"{ev['type']}:{ev['trigger']['start']}"
            assert text[ev["trigger"]["start"]:ev["trigger"]["end"]] == ev["trigger"]["text"]
            # a claim never becomes a fact: the event carries its claim's source
            if ev["claim"] is not None:
                claim = rec["claims"][ev["claim"]]
                assert ev["claim_source"]["source"] == claim["source"]
                assert ev["source_kind"] == claim["source_kind"]
            else:
                assert ev["claim_source"] is None and ev["source_kind"] is None
    # the bundled metadata: two articles name الخبر as their outlet
    assert get(api, "/api/documents", outlet="الخبر")["total"] == 2


def test_pagination_and_stable_ids(api) -> None:
    first = get(api, "/api/events", limit=7, offset=0)
    second = get(api, "/api/events", limit=7, offset=7)
    assert first["total"] == second["total"] > 14
    assert len(first["items"]) == len(second["items"]) == 7
    assert not {e["id"] for e in first["items"]} & {e["id"] for e in second["items"]}
    assert [e["id"] for e in get(api, "/api/events", limit=7)["items"]] == [e["id"] for e in first["items"]]
    for e in first["items"]:  # an id from a list opens the same event
        one = get(api, f"/api/events/{e['id']}")
        assert one["type"] == e["type"] and one["trigger"] == e["trigger"]
    everything = get(api, "/api/events", limit=500)
    assert len(everything["items"]) == everything["total"]


# ------------------------------------------------------------------------------------------ filters

def test_event_filters(api) -> None:
    total = get(api, "/api/events", limit=500)["total"]
    fights = get(api, "/api/events", type="fight", limit=500)
    assert 0 < fights["total"] < total and all(e["type"] == "FIGHT" for e in fights["items"])
    dza = get(api, "/api/events", actor="country:DZA", limit=500)["items"]
    assert dza and all("country:DZA" in {a["entity_id"] for a in e["source"] + e["target"]} for e in dza)
    lby = get(api, "/api/events", country="LBY", limit=500)["items"]
    assert lby and all(e["location"]["country"] == "LBY" for e in lby)
    anon = get(api, "/api/events", source_kind="anonymous", limit=500)["items"]
    assert anon and all(e["claim_source"]["source_kind"] == "anonymous" for e in anon)
    stated = get(api, "/api/events", source_kind="none", limit=500)["items"]
    assert stated and all(e["claim"] is None for e in stated)
    sure = get(api, "/api/events", min_confidence=0.7, limit=500)["items"]
    assert all(e["confidence"] >= 0.7 for e in sure) and len(sure) < total
    # article 000 dates its events to May 2012 ("شهر ماي 2012")
    may = get(api, "/api/events", date_from="2012-05-01", date_to="2012-05-31", limit=500)["items"]
    assert may and all(e["date"]["value"].startswith("2012-05") for e in may)
    place = lby[0]["location"]["entity_id"]
    assert all(e["location"]["entity_id"] == place for e in get(api, "/api/events", place=place, limit=500)["items"])


def test_search_filters_and_facets(api) -> None:
    # Algerian ڤ (= ق): "ڤايد صالح" in article 001 is found under both spellings
    a, b = get(api, "/api/search", q="ڤايد"), get(api, "/api/search", q="قايد صالح")
    assert a["total"] == b["total"] == 1 and a["items"][0]["id"] == b["items"][0]["id"]
    res = get(api, "/api/search", q="الجزائر")
    assert res["total"] == 4
    facets = res["facets"]
    assert {"outlet", "type", "actor", "place", "country", "source_kind", "month"} <= set(facets)
    assert {"value": "الخبر", "count": 2} in facets["outlet"]
    assert all(f["count"] <= res["total"] for name in facets for f in facets[name])
    # a facet value used as a filter gives as many hits as the facet said
    for name in ("type", "place", "source_kind"):
        f = facets[name][0]
        assert get(api, "/api/search", q="الجزائر", **{name: f["value"]})["total"] == f["count"], name
    assert get(api, "/api/search", q="الجزائر", outlet="الخبر")["total"] == 2
    # no query: the filtered documents
    assert get(api, "/api/search", type="FIGHT")["total"] == len({e["document_id"] for e in get(
        api, "/api/events", type="FIGHT", limit=500)["items"]})


# ------------------------------------------------------------------------------------------ entities, places, claims

def test_entity_page(api) -> None:
    dza = get(api, "/api/entities/country:DZA")
    assert dza["name"] == "الجزائر" and dza["latin"] == "Algeria" and dza["type"] == "GPE"
    assert {"name": "الجزائر", "count": dza["names"][0]["count"]} == dza["names"][0]
    assert sum(n["count"] for n in dza["names"]) == dza["mentions"]
    # the headline "الجزائر ترفض المشاركة في عملية عسكرية مع مصر": Algeria is the one who rejects
    assert any(e["type"] == "REJECT" and e["trigger"]["text"] == "ترفض" and e["role"] == "source"
               for e in dza["events"])
    assert dza["acts_on"] or dza["acted_on_by"]
    # co-actor weights are the events of the page
    for row, role, side in ((dza["acts_on"], "source", "target"), (dza["acted_on_by"], "target", "source")):
        for c in row:
            n = sum(1 for e in dza["events"] if e["role"] == role and c["id"] in {a["entity_id"] for a in e[side]})
            assert c["weight"] == n, c
    assert all("country:DZA" in {a["entity_id"] for a in e["source"] + e["target"]} for e in dza["events"])
    assert dza["sources_about"] and all(s["claims"] > 0 for s in dza["sources_about"])
    # offices over time from the knowledge base
    bouteflika = get(api, "/api/entities/per:abdelaziz-bouteflika")
    roles = [r["role_id"] for r in bouteflika["roles"]]
    assert roles.index("role:dza-foreign-minister") < roles.index("role:dza-president")
    assert all(r["source"] for r in bouteflika["roles"])
    listed = get(api, "/api/entities", type="GPE", limit=5)["items"]
    assert listed and all(e["type"] == "GPE" for e in listed)
    assert [e["documents"] for e in listed] == sorted((e["documents"] for e in listed), reverse=True)
    assert get(api, "/api/entities", q="Algeria")["items"][0]["id"] == "country:DZA"


def test_places_claims_timeline_network(api) -> None:
    places = get(api, "/api/places", limit=500)["items"]
    assert places and all(p["lat"] is not None and p["lon"] is not None for p in places)
    events = get(api, "/api/events", limit=500)["items"]
    for p in places[:5]:
        assert p["events"] == sum(1 for e in events if (e["location"] or {}).get("entity_id") == p["id"])
    claims = get(api, "/api/claims", limit=500)
    assert claims["total"] == get(api, "/api/stats")["claims"]
    assert all(c["content"] and c["source"] for c in claims["items"])
    named = get(api, "/api/claims", source_kind="named_person")["items"]
    assert named and all(c["source_kind"] == "named_person" for c in named)
    tl = get(api, "/api/timeline")
    assert sum(i["count"] for i in tl["items"]) + tl["undated"] == len(events)
    net = get(api, "/api/network")
    nodes = {n["id"] for n in net["nodes"]}
    for edge in net["edges"]:
        assert edge["source"] in nodes and edge["target"] in nodes
        n = sum(1 for e in events if edge["source"] in {a["entity_id"] for a in e["source"]}
                and edge["target"] in {a["entity_id"] for a in e["target"]})
        assert edge["weight"] == n == sum(edge["types"].values())


# ------------------------------------------------------------------------------------------ errors, docs

def test_errors_name_the_item(api) -> None:
    r = api.get("/api/events", params={"date_from": "2012-13-01"})
    assert r.status_code == 422 and "date_from" in r.text
    assert api.get("/api/events", params={"limit": 100000}).status_code == 422
    r = api.get("/api/events/not-an-event")
    assert r.status_code == 422 and "not-an-event" in r.json()["detail"]
    r = api.get("/api/entities/per:nobody-at-all")
    assert r.status_code == 404 and "per:nobody-at-all" in r.json()["detail"]
    spec = api.get("/openapi.json").json()
    for path in ("/api/documents", "/api/events", "/api/entities", "/api/claims", "/api/places", "/api/search",
                 "/api/stats", "/api/timeline", "/api/network", "/api/events/{event_id}/review"):
        assert path in spec["paths"], path
    assert api.get("/docs").status_code == 200


# ------------------------------------------------------------------------------------------ curation

@pytest.fixture
def fresh(sample_db, tmp_path):
    """A private copy of the sample database (curation changes it), with its Store for direct reads and writes."""
    src, info = sample_db
    with copy_db(src, tmp_path) as dst:
        store = Store(dst)
        with TestClient(create_app(store=store)) as client:
            client.info = info  # type: ignore[attr-defined]
            yield client, store
        store.close()


def test_event_review_needs_a_key_and_records_who_and_when(fresh) -> None:
    api, db = fresh
    ev = get(api, "/api/events", limit=1)["items"][0]
    url = f"/api/events/{ev['id']}/review"
    assert get(api, f"/api/events/{ev['id']}")["review"] is None
    assert api.get(f"/api/events/{ev['id']}").headers["x-cache"] == "hit"  # answered from the cache ...
    assert api.post(url, json={"decision": "confirm"}).status_code == 401
    assert api.post(url, json={"decision": "confirm"}, headers={"X-API-Key": "mk_0_wrong"}).status_code == 401
    assert api.post(url, json={"decision": "maybe"}, headers=auth(api, "analyst")).status_code == 422
    before = dt.datetime.now(dt.timezone.utc)
    r = api.post(url, json={"decision": "confirm", "note": "seen in two outlets"}, headers=auth(api, "analyst"))
    assert r.status_code == 200, r.text
    review = r.json()["review"]
    assert get(api, f"/api/events/{ev['id']}")["review"] == {**review, "by": None, "note": None}  # ... which the write cleared
    assert get(api, f"/api/events/{ev['id']}", "analyst")["review"] == review
    assert review["decision"] == "confirmed" and review["by"] == "analyst" and review["note"] == "seen in two outlets"
    at = dt.datetime.fromisoformat(review["at"])
    at = at if at.tzinfo else at.replace(tzinfo=dt.timezone.utc)
    assert before - dt.timedelta(seconds=5) <= at <= dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=5)
    api.post(url, json={"decision": "reject"}, headers={"X-API-Key": api.info["keys"]["outsider"]})
    assert get(api, f"/api/events/{ev['id']}")["review"]["decision"] == "rejected"  # the latest decision
    # who reviewed, and their note, are shown to the reviewer's organisation only; others see the decision
    history = get(api, f"/api/events/{ev['id']}/reviews", "analyst")["reviews"]
    assert [(h["decision"], h["by"]) for h in history] == [("confirmed", "analyst"), ("rejected", None)]
    assert history[0]["note"] == "seen in two outlets"
    for who in (None, "partner"):
        history = get(api, f"/api/events/{ev['id']}/reviews", who)["reviews"]
        assert [(h["decision"], h["by"], h["note"], h["user_id"]) for h in history] == [
            ("confirmed", None, None, None), ("rejected", None, None, None)]
        assert all(h["at"] for h in history)
    api.post(url, json={"decision": "confirm", "note": "our informant says so"}, headers=auth(api, "analyst"))
    for who in (None, "outsider"):
        seen = get(api, f"/api/events/{ev['id']}", who)["review"]
        assert seen["decision"] == "confirmed" and seen["by"] is None and seen["note"] is None
        doc = get(api, f"/api/documents/{ev['document_id']}", who)
        assert "our informant" not in str(doc) and all((e["review"] or {}).get("by") is None for e in doc["events"])
    assert get(api, f"/api/events/{ev['id']}", "analyst")["review"]["note"] == "our informant says so"
    with db.engine.connect() as c:
        row = c.execute(select(event_reviews.c.event_key, event_reviews.c.user_name, event_reviews.c.user_id)
                        .order_by(event_reviews.c.id)).first()
    assert row[0] == ev["event_key"] and row[1] == "analyst" and row[2] is not None
    # an event of a document the user may not see cannot be reviewed (nor learnt about)
    hidden = get(api, "/api/events", "analyst", document_id=api.info["amber"])["items"][0]["id"]
    r = api.post(f"/api/events/{hidden}/review", json={"decision": "reject"}, headers=auth(api, "outsider"))
    assert r.status_code == 404


def test_merge_and_split_entities(fresh) -> None:
    api, db = fresh
    src = get(api, "/api/entities", q="حفتر")["items"]
    haftar = get(api, "/api/entities/per:khalifa-haftar")
    short = [e for e in get(api, "/api/entities", type="PER", limit=500)["items"] if e["id"].startswith("new:")][0]
    assert src and haftar
    assert api.post(f"/api/entities/{short['id']}/merge", json={"into": "per:khalifa-haftar"}).status_code == 401
    r = api.post(f"/api/entities/{short['id']}/merge", json={"into": "per:khalifa-haftar", "note": "same man"},
                 headers=auth(api, "analyst"))
    assert r.status_code == 200, r.text
    assert r.json()["changed"] == short["mentions"]
    assert api.get(f"/api/entities/{short['id']}").status_code == 404
    after = get(api, "/api/entities/per:khalifa-haftar")
    assert after["mentions"] == haftar["mentions"] + short["mentions"]
    with db.engine.connect() as c:
        note = c.execute(select(entity_decisions.c.note).order_by(entity_decisions.c.id.desc())).scalars().first()
    assert note.startswith("by analyst") and "same man" in note
    # split one document's mentions off again
    doc = after["documents"][0]["id"]
    r = api.post("/api/entities/per:khalifa-haftar/split", json={"documents": [doc], "name": "حفتر آخر"},
                 headers=auth(api, "analyst"))
    assert r.status_code == 200, r.text
    new = get(api, f"/api/entities/{r.json()['new_id']}")
    assert new["name"] == "حفتر آخر" and [d["id"] for d in new["documents"]] == [doc]
    r = api.post("/api/entities/per:khalifa-haftar/split", json={"documents": ["no-such-doc"]},
                 headers=auth(api, "analyst"))
    assert r.status_code == 404 and "no-such-doc" in r.text


# ------------------------------------------------------------------------------------------ marsad serve

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_marsad_serve_binds_loopback_and_answers_concurrent_clients(sample_db) -> None:
    db, _ = sample_db
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # the installed console script: `python -m marsad.cli` runs app() before the commands registered at the
    # end of cli.py exist
    marsad = str(Path(sys.executable).parent / "marsad")
    proc = subprocess.Popen([marsad, "serve", "--db", db, "--port",
                             str(port), "--log-level", "warning"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            cwd=ROOT, env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while True:
            try:
                if httpx.get(f"{base}/api", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.time() < deadline, "marsad serve did not start"
            time.sleep(0.2)

        async def burst() -> list[int]:
            async with httpx.AsyncClient(base_url=base, timeout=30) as c:
                urls = ["/api/events?limit=20", "/api/search?q=الجزائر", "/api/entities/country:DZA",
                        "/api/stats", "/api/documents"] * 8
                return [r.status_code for r in await asyncio.gather(*(c.get(u) for u in urls))]

        assert asyncio.run(burst()) == [200] * 40
        assert httpx.get(f"{base}/api/stats", timeout=5).json()["documents"] == 4
    finally:
        proc.terminate()
        out = proc.communicate(timeout=20)[0].decode()
    assert f"http://127.0.0.1:{port}/" in out  # the URL is printed; the default host is loopback


# ------------------------------------------------------------------------------------------ read-layer details

def test_get_event_finds_every_event_of_a_long_document(api, monkeypatch) -> None:
    """get_event reads the event by (document, seq), not from the first page of the document's events."""
    from marsad.store import queries as Q
    from marsad.store.access import ANONYMOUS

    store = api.app.state.primary_store
    docs = get(api, "/api/documents", limit=100)["items"]
    doc = max(docs, key=lambda d: d["events"])
    assert doc["events"] >= 3
    ids = [e["id"] for e in get(api, "/api/events", document_id=doc["id"], limit=500)["items"]]
    monkeypatch.setattr(Q, "MAX_LIMIT", 1)  # a page now holds one event: as a document with >500 events
    for eid in ids:
        e = Q.get_event(store, ANONYMOUS, eid)
        assert e is not None and e["id"] == eid and e["document_id"] == doc["id"]


def test_date_to_as_a_month_or_year_includes_that_period(fresh) -> None:
    """A date_to of "2012" or "2012-05" means "until the end of that period": string comparison would put
    "2012-05" (an event dated to May) after "2012", and "2012-05-13" after "2012-05", and leave them out."""
    from marsad.store import queries as Q
    from marsad.store.access import ANONYMOUS

    api, db = fresh
    store = api.app.state.primary_store
    evs = Q.list_events(store, ANONYMOUS, limit=500)["items"]
    e = next(e for e in evs if re.fullmatch(r"\d{4}-\d{2}", (e["date"] or {}).get("value") or ""))
    month = e["date"]["value"]
    for end in (month, month[:4]):
        assert e["id"] in {x["id"] for x in Q.list_events(store, ANONYMOUS, date_to=end, limit=500)["items"]}, end
    earlier = f"{int(month[:4]) - 1}"
    assert e["id"] not in {x["id"] for x in Q.list_events(store, ANONYMOUS, date_to=earlier, limit=500)["items"]}
    doc = Q.list_documents(store, ANONYMOUS, limit=1)["items"][0]["id"]
    with db.engine.begin() as c:  # the samples carry no publication date: give one a day
        c.execute(update(documents).where(documents.c.id == doc).values(published=dt.date(2012, 5, 13)))
    for end in ("2012-05", "2012"):
        assert doc in {d["id"] for d in Q.list_documents(store, ANONYMOUS, date_to=end, limit=100)["items"]}, end
    assert doc not in {d["id"] for d in Q.list_documents(store, ANONYMOUS, date_to="2012-04", limit=100)["items"]}


def test_timeline_counts_a_week_date_in_its_year(fresh) -> None:
    api, db = fresh
    ev = get(api, "/api/events", limit=1)["items"][0]
    doc_id, seq = ev["id"].rsplit(":", 1)
    with db.engine.begin() as c:  # a week date, as the date stage writes for "الأسبوع الخامس من 2012"
        c.execute(update(events).where(events.c.document_id == doc_id, events.c.seq == int(seq))
                  .values(date={"value": "2012-W05", "text": "x"}))
    periods = {i["period"] for i in get(api, "/api/timeline", granularity="month")["items"]}
    assert "2012-W0" not in periods and "2012" in periods
