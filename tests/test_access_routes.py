"""TLP from the outside: a second organisation, and a request without a key, never see the first
organisation's restricted items by any route — JSON API (lists, search, entity pages, event lists), exports,
TAXII, and the web interface.

Five sample articles: CLEAR (no owner), GREEN, AMBER, AMBER+STRICT and RED of org-a (RED ingested by amina).
org-a shares nothing. badr (org-b) may see CLEAR and GREEN; anonymous requests CLEAR only. What each must not
see is computed from the store (document ids, titles, and the entities named only in the hidden documents),
then looked for in every response.
"""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from marsad.ingest import read_sources
from marsad.jobs import Ingester
from marsad.store.access import Sharing
from marsad.store.schema import documents, mentions

SAMPLES = sorted((Path(__file__).parents[1] / "src" / "marsad" / "samples").glob("*.txt"))
HIDDEN_FOR = {"anonymous": ("GREEN", "AMBER", "AMBER+STRICT", "RED"), "badr": ("AMBER", "AMBER+STRICT", "RED")}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from fastapi.testclient import TestClient

    from marsad.api.app import create_app
    from marsad.store import Store

    db = tmp_path_factory.mktemp("tlp") / "m.db"
    store = Store(f"sqlite:///{db}")
    store.create_user("amina", "org-a")
    store.create_user("badr", "org-b")
    keys = {"amina": store.create_api_key("amina"), "badr": store.create_api_key("badr")}
    a = store.org_id("org-a")
    marks = [Sharing(), Sharing(a, "GREEN"), Sharing(a, "AMBER"), Sharing(a, "AMBER+STRICT"),
             Sharing(a, "RED", created_by=store.user("amina").id)]
    for path, sharing in zip(SAMPLES, marks):
        assert Ingester(store, sharing=sharing).run(read_sources([str(path)]), "test").stored == 1
    with store._read() as s:
        docs = {r.tlp: (r.id, r.text) for r in s.execute(select(documents.c.id, documents.c.text, documents.c.tlp))}
        ents = s.execute(select(mentions.c.document_id, mentions.c.entity_id)
                         .where(mentions.c.entity_id.is_not(None))).all()
    by_doc: dict[str, set[str]] = {}
    for d, e in ents:
        by_doc.setdefault(d, set()).add(e)
    secrets = {}
    for who, hidden in HIDDEN_FOR.items():
        hidden_ids = {docs[t][0] for t in hidden}
        seen = set().union(*(by_doc.get(d, set()) for t, (d, _) in docs.items() if d not in hidden_ids))
        only_hidden = set().union(*(by_doc.get(d, set()) for d in hidden_ids)) - seen
        visible_words = set().union(*(re.findall(r"\w+", x) for t, (d, x) in docs.items() if d not in hidden_ids))
        hidden_words = sorted({w for t in hidden for w in re.findall(r"\w{6,}", docs[t][1])} - visible_words)
        secrets[who] = {"docs": hidden_ids, "openings": {docs[t][1][:40] for t in hidden},
                        "entities": {e for e in only_hidden if e.startswith("new:")}, "words": hidden_words}
        assert len(hidden_words) > 20
        assert secrets[who]["entities"], "the hidden articles should name entities the visible ones do not"
    app = create_app(store=store)
    with TestClient(app) as client:
        yield {"client": client, "keys": keys, "docs": docs, "secrets": secrets, "store": store}
    store.close()


def _headers(world, who):
    return {"Authorization": f"Bearer {world['keys'][who]}"} if who != "anonymous" else {}


def _assert_clean(body: str, world, who: str, route: str) -> None:
    sec = world["secrets"][who]
    for d in sec["docs"]:
        assert d not in body, f"{route} shows hidden document {d} to {who}"
    for t in sec["openings"]:
        assert t not in body, f"{route} shows the text of a hidden article to {who}"
    for e in sec["entities"]:
        assert e not in body and json.dumps(e)[1:-1] not in body, f"{route} shows {e} to {who}"


def _visible_doc(world, who):
    return world["docs"]["CLEAR" if who == "anonymous" else "GREEN"][0]


API_ROUTES = ["/api/stats", "/api/documents?limit=100", "/api/events?limit=500", "/api/entities?limit=500",
              "/api/claims?limit=500", "/api/places?limit=500", "/api/timeline", "/api/network",
              "/api/search?q=%D8%A7%D9%84%D8%AC%D8%B2%D8%A7%D8%A6%D8%B1&limit=100"]  # q=الجزائر


@pytest.mark.parametrize("who", ["anonymous", "badr"])
def test_json_api_lists_search_and_pages_hide_what_tlp_forbids(world, who):
    c, h = world["client"], _headers(world, who)
    for route in API_ROUTES:
        r = c.get(route, headers=h)
        assert r.status_code == 200, (route, r.text[:200])
        _assert_clean(r.text, world, who, route)
    # the visible article is there, so an empty answer cannot pass for a clean one
    assert _visible_doc(world, who) in c.get("/api/documents?limit=100", headers=h).text
    for d in world["secrets"][who]["docs"]:
        assert c.get(f"/api/documents/{d}", headers=h).status_code == 404
        assert c.get(f"/api/events/{d}:0", headers=h).status_code == 404
        assert c.get(f"/api/events?document_id={d}", headers=h).json()["total"] == 0
    for e in sorted(world["secrets"][who]["entities"])[:10]:
        r = c.get(f"/api/entities/{e}", headers=h)
        assert r.status_code == 404 or not any(d in r.text for d in world["secrets"][who]["docs"]), e
    # words found only in hidden articles find nothing
    for word in world["secrets"][who]["words"][:5]:
        hits = c.get("/api/search", params={"q": word}, headers=h).json()
        assert hits["total"] == 0, word


@pytest.mark.parametrize("who", ["anonymous", "badr"])
def test_exports_hide_what_tlp_forbids(world, who):
    import pyarrow.parquet as pq

    from marsad.exports import FORMATS

    c, h = world["client"], _headers(world, who)
    for fmt in FORMATS:
        r = c.get(f"/api/export/{fmt}", headers=h)
        assert r.status_code == 200, (fmt, r.text[:200])
        body = (json.dumps(pq.read_table(io.BytesIO(r.content)).to_pylist(), ensure_ascii=False, default=str)
                if fmt == "parquet" else r.text)
        _assert_clean(body, world, who, f"/api/export/{fmt}")
    assert _visible_doc(world, who) in c.get("/api/export/jsonl", headers=h).text


@pytest.mark.parametrize("who", ["anonymous", "badr"])
def test_taxii_hides_what_tlp_forbids(world, who):
    from marsad.api.taxii import COLLECTION_ID

    c, h = world["client"], _headers(world, who)
    h = {**h, "Accept": "application/taxii+json;version=2.1"}
    r = c.get(f"/taxii2/api/collections/{COLLECTION_ID}/objects/", headers=h)
    assert r.status_code == 200, r.text[:200]
    _assert_clean(r.text, world, who, "TAXII objects")
    kinds = {o["type"] for o in r.json().get("objects", [])}
    assert "report" in kinds  # the visible article is shared


@pytest.mark.parametrize("who", ["anonymous", "badr"])
def test_web_pages_hide_what_tlp_forbids(world, who):
    from fastapi.testclient import TestClient

    with TestClient(world["client"].app) as c:  # its own cookie jar
        if who != "anonymous":
            page = c.get("/login").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            r = c.post("/login", data={"api_key": world["keys"][who], "csrf_token": token, "next": "/"})
            assert r.status_code in (200, 303)
        for route in ["/", "/?q=%D8%A7%D9%84%D8%AC%D8%B2%D8%A7%D8%A6%D8%B1", "/entities", "/events", "/events.csv",
                      "/timeline", "/network", "/map"]:
            r = c.get(route)
            assert r.status_code == 200, route
            _assert_clean(r.text, world, who, route)
        assert c.get(f"/documents/{_visible_doc(world, who)}").status_code == 200
        for d in world["secrets"][who]["docs"]:
            assert c.get(f"/documents/{d}").status_code == 404


def test_the_owner_sees_her_own_restricted_items(world):
    c, h = world["client"], _headers(world, "amina")
    listed = c.get("/api/documents?limit=100", headers=h).text
    assert all(d in listed for d, _ in world["docs"].values())
    assert c.get(f"/api/documents/{world['docs']['RED'][0]}", headers=h).status_code == 200


def test_a_wrong_key_is_refused_not_silently_anonymous(world):
    c = world["client"]
    bad = {"Authorization": "Bearer mk_00000000_not-a-real-key"}
    assert c.get("/api/export/jsonl", headers=bad).status_code == 401
