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

from conftest import BACKENDS, copy_db, empty_db

SAMPLES = sorted((Path(__file__).parents[1] / "src" / "marsad" / "samples").glob("*.txt"))
HIDDEN_FOR = {"anonymous": ("GREEN", "AMBER", "AMBER+STRICT", "RED"), "badr": ("AMBER", "AMBER+STRICT", "RED")}


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory):
    """Built once per backend: SQLite, and PostgreSQL when MARSAD_TEST_PG_URL is set."""
    with empty_db(request.param, tmp_path_factory.mktemp("tlp")) as db:
        yield from _world(db)


def _world(db: str):
    from fastapi.testclient import TestClient

    from marsad.api.app import create_app
    from marsad.store import Store

    store = Store(db)
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
    for route in ("/api/export/jsonl", "/api/stats", "/api/documents", "/api/search?q=x", "/taxii2/"):
        assert c.get(route, headers=bad).status_code == 401, route


# ------------------------------------------------------------------------------------------ review findings
# Each test below reproduces a leak the security review found (TLP and ids reaching who may not see them).

@pytest.fixture
def fresh_world(world, tmp_path):
    """A private copy of the world's database (these tests write: merges, ingests), with its own app."""
    from fastapi.testclient import TestClient

    from marsad.api.app import create_app
    from marsad.store import Store

    with copy_db(world["store"].url, tmp_path) as dst:
        store = Store(dst)
        with TestClient(create_app(store=store)) as client:
            yield {**world, "client": client, "store": store}
        store.close()


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w{5,}", text))


def _web_login(c, key: str) -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
    assert c.post("/login", data={"api_key": key, "csrf_token": token}, follow_redirects=False).status_code == 303


def test_search_any_word_fallback_is_decided_over_visible_documents_only(world):
    """"All words, else any word": whether a RED article holds both words must not change what an
    anonymous visitor gets (it did: 0 hits when the RED article matched all words, 1 otherwise)."""
    docs = {t: x for t, (_, x) in world["docs"].items()}
    others = set().union(*(_words(docs[t]) for t in docs if t not in ("RED", "CLEAR")))
    both = sorted((_words(docs["CLEAR"]) & _words(docs["RED"])) - others)
    red_only = sorted(_words(docs["RED"]) - set().union(*(_words(docs[t]) for t in docs if t != "RED")))
    assert both and red_only
    c = world["client"]
    probe, control = f"{both[0]} {red_only[0]}", f"{both[0]} zzzqqqxx"
    for path in ("/api/documents", "/api/search"):
        totals = [c.get(path, params={"q": q}).json()["total"] for q in (probe, control)]
        assert totals[0] == totals[1] >= 1, (path, totals)
    pages = [re.search(r'<p class="summary">(\d+)', c.get("/", params={"q": q}).text).group(1) for q in (probe, control)]
    assert pages[0] == pages[1], pages


def test_entity_search_matches_names_from_visible_documents_only(world):
    """/api/entities?q=… must not find an entity by a surface form only hidden articles use."""
    with world["store"]._read() as s:
        rows = s.execute(select(mentions.c.entity_id, mentions.c.text, mentions.c.norm, documents.c.tlp)
                         .join(documents, documents.c.id == mentions.c.document_id)
                         .where(mentions.c.entity_id.is_not(None))).all()
    clear_norms = {n for _, _, n, t in rows if t == "CLEAR"}
    clear_ents = {e for e, _, _, t in rows if t == "CLEAR"}
    probes = sorted({(e, txt) for e, txt, n, t in rows
                     if t != "CLEAR" and e in clear_ents and not any(n in v for v in clear_norms)})
    assert probes, "some entity named in a CLEAR article is named differently in a hidden one"
    c = world["client"]
    for e, txt in probes[:5]:
        found = [i["id"] for i in c.get("/api/entities", params={"q": txt}).json()["items"]]
        assert e not in found, (txt, e)
    # the same entity is found by a name the CLEAR article uses (the filter is not simply empty)
    e, txt = next((e, txt) for e, txt, _, t in rows if t == "CLEAR" and e == probes[0][0])
    assert e in [i["id"] for i in c.get("/api/entities", params={"q": txt}).json()["items"]]


def test_merge_refuses_a_target_known_only_from_hidden_documents(fresh_world):
    w, c, h = fresh_world, fresh_world["client"], _headers(fresh_world, "badr")
    hidden = sorted(w["secrets"]["badr"]["entities"])[0]  # a new: entity named only in AMBER/RED articles
    with w["store"]._read() as s:
        rows = s.execute(select(mentions.c.entity_id, documents.c.tlp)
                         .join(documents, documents.c.id == mentions.c.document_id)
                         .where(mentions.c.entity_id.is_not(None))).all()
    by: dict[str, set[str]] = {}
    for e, t in rows:
        by.setdefault(e, set()).add(t)
    shared = sorted(e for e, ts in by.items() if "GREEN" in ts and "RED" in ts)[0]
    r_hidden = c.post(f"/api/entities/{shared}/merge", headers=h, json={"into": hidden})
    r_absent = c.post(f"/api/entities/{shared}/merge", headers=h, json={"into": "new:PER:لا_يوجد"})
    assert r_hidden.status_code == r_absent.status_code == 404
    assert r_hidden.json()["detail"].replace(hidden, "X") == r_absent.json()["detail"].replace("new:PER:لا_يوجد", "X")
    # a merge the viewer may make rewrites only the mentions in what they see
    red = w["docs"]["RED"][0]
    with w["store"]._read() as s:
        before = s.execute(select(mentions.c.entity_id).where(mentions.c.document_id == red)).scalars().all()
    target = sorted(e for e, ts in by.items() if "GREEN" in ts and e != shared and not e.startswith("new:"))[0]
    r = c.post(f"/api/entities/{shared}/merge", headers=h, json={"into": target})
    assert r.status_code == 200, r.text
    with w["store"]._read() as s:
        after = s.execute(select(mentions.c.entity_id).where(mentions.c.document_id == red)).scalars().all()
    assert before == after and shared in after


def test_split_changes_only_what_the_viewer_sees(fresh_world):
    w, c, h = fresh_world, fresh_world["client"], _headers(fresh_world, "badr")
    green, red = w["docs"]["GREEN"][0], w["docs"]["RED"][0]
    assert c.post("/api/entities/country:LBY/split", headers=h, json={"documents": [green, red]}).status_code == 404
    r = c.post("/api/entities/country:LBY/split", headers=h, json={"documents": [green]})
    assert r.status_code == 200, r.text
    with w["store"]._read() as s:
        red_ids = set(s.execute(select(mentions.c.entity_id).where(mentions.c.document_id == red)).scalars())
    assert r.json()["new_id"] not in red_ids


def _ingest_as(c, text: str, **fields) -> dict:
    import time

    page = c.get("/ingest").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = c.post("/ingest", data={"text": text, "tlp": "CLEAR", "csrf_token": token, **fields}, follow_redirects=False)
    assert r.status_code == 303 and "/ingest/jobs/" in r.headers["location"], r.headers.get("location")
    for _ in range(300):
        job = c.get(r.headers["location"] + ".json").json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(job)


def test_web_ingest_of_a_hidden_duplicate_reveals_no_id(fresh_world):
    from fastapi.testclient import TestClient

    w = fresh_world
    red_id, red_text = w["docs"]["RED"]
    with TestClient(w["client"].app) as c:
        _web_login(c, w["keys"]["badr"])
        job = _ingest_as(c, red_text)
        assert job["state"] == "done" and job["results"][0]["outcome"] == "duplicate", job
        assert red_id not in str(job) and job["results"][0]["document_id"] is None
        assert red_id not in c.get(job.get("next") or "/").text
        # a near duplicate is stored for badr; its page and record must not name the hidden original
        near = _ingest_as(c, red_text + "\nوأضاف المصدر أن التحقيق ما زال جاريا.")
        new_id = near["results"][0]["document_id"]
        assert near["results"][0]["outcome"] == "near_duplicate", near
        with w["store"]._read() as s:
            assert s.execute(select(documents.c.duplicate_of).where(documents.c.id == new_id)).scalar_one() == red_id
        assert red_id not in c.get(f"/documents/{new_id}").text
        rec = c.get(f"/api/documents/{new_id}").json()
        assert rec["duplicate_of"] is None
        assert all(d["duplicate_of"] is None for d in c.get("/api/documents?limit=100").json()["items"])
    # amina, who may see the original, is told
    assert w["client"].get(f"/api/documents/{new_id}", headers=_headers(w, "amina")).json()["duplicate_of"] == red_id
