"""The TAXII 2.1 server, driven by the taxii2-client library against a real uvicorn server on 127.0.0.1
(random port) over the sample database of test_exports: discovery, API root, collections, objects with
pagination and filters, manifest, versions, media types, API-key (Basic) auth and TLP filtering."""
from __future__ import annotations

import datetime as dt
import socket
import threading
import time

import pytest
import requests
import uvicorn
from taxii2client.exceptions import TAXIIServiceException
from taxii2client.v21 import Collection, Server, as_pages

from marsad.exports import stix
from test_exports import kb, kb_template  # noqa: F401  (shared fixtures)


@pytest.fixture
def server(kb):
    from marsad.api.app import create_app

    store, tlps = kb
    keys = {"alice": store.create_api_key("alice"), "carol": store.create_api_key("carol")}
    app = create_app(store.url)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    deadline = time.time() + 20
    while not srv.started and time.time() < deadline:
        time.sleep(0.05)
    assert srv.started
    yield f"http://127.0.0.1:{port}/taxii2/", keys, store, tlps
    srv.should_exit = True
    th.join(10)


def collection(url: str, key: str | None = None) -> Collection:
    kw = {"user": "x", "password": key} if key else {}
    return Server(url, **kw).api_roots[0].collections[0]


def all_objects(coll: Collection, per_request: int = 7, **filters) -> list[dict]:
    out = []
    for env in as_pages(coll.get_objects, per_request=per_request, **filters):
        out += env.get("objects", [])
    return out


def levels(objs: list[dict]) -> set[str]:
    return {stix.tlp_of_marking(m) for o in objs for m in o.get("object_marking_refs", [])}


def test_discovery_api_root_and_collection(server):
    url, keys, _store, _ = server
    srv = Server(url, user="alice", password=keys["alice"])
    assert srv.title == "marsad TAXII 2.1"
    root = srv.api_roots[0]
    assert root.url == url + "api/" and srv.default.url == root.url
    assert "application/taxii+json;version=2.1" in root.versions
    coll = root.collections[0]
    assert coll.can_read and not coll.can_write
    assert coll.media_types == ["application/stix+json;version=2.1"]


def test_objects_paginate_and_follow_the_viewers_tlp(server):
    url, keys, _store, tlps = server
    anon = all_objects(collection(url))
    alice = all_objects(collection(url, keys["alice"]))
    carol = all_objects(collection(url, keys["carol"]))
    for objs in (anon, alice, carol):
        ids = [o["id"] for o in objs]
        assert len(ids) == len(set(ids))  # pages neither repeat nor skip
    assert levels(anon) == {"CLEAR"}
    assert levels(carol) == {"CLEAR", "GREEN"}
    assert levels(alice) == {"CLEAR", "GREEN", "AMBER"}  # org-a's AMBER article; never bob's RED one
    reports = lambda objs: {o["external_references"][0]["external_id"] for o in objs if o["type"] == "report"}  # noqa: E731
    assert reports(alice) == {d for d, t in tlps.items() if t in ("CLEAR", "GREEN", "AMBER")}
    # a page of 7 in one request: more + next
    env = collection(url, keys["alice"]).get_objects(limit=7)
    assert len(env["objects"]) == 7 and env["more"] is True and env["next"]


def test_filters_match_type_id_version_and_added_after(server):
    url, keys, _store, tlps = server
    coll = collection(url, keys["alice"])
    everything = all_objects(coll)
    rels = coll.get_objects(type="relationship")["objects"]
    assert rels and {o["type"] for o in rels} == {"relationship"}
    assert len(rels) == sum(o["type"] == "relationship" for o in everything)
    two = [everything[5]["id"], everything[9]["id"]]
    assert {o["id"] for o in coll.get_objects(id=two)["objects"]} == set(two)
    one = rels[0]
    assert coll.get_object(one["id"])["objects"] == [one]
    assert coll.get_objects(id=one["id"], version=one["modified"])["objects"] == [one]
    assert "objects" not in coll.get_objects(id=one["id"], version="2001-01-01T00:00:00.000Z")
    assert coll.object_versions(one["id"])["versions"] == [one["modified"]]
    # added_after: documents were ingested one by one, so the later ones' objects come after the first's
    manifest = []
    for env in as_pages(coll.get_manifest, per_request=50):
        manifest += env.get("objects", [])
    assert len(manifest) == len(everything)
    added = sorted({m["date_added"] for m in manifest})
    assert len(added) >= 3
    later = all_objects(coll, added_after=added[1])
    assert later and len(later) < len(everything)
    by_id = {m["id"]: m["date_added"] for m in manifest}
    assert all(by_id[o["id"]] > added[1] for o in later)


def test_auth_media_types_and_errors(server):
    url, keys, _store, _ = server
    with pytest.raises(requests.HTTPError) as exc:
        collection(url, "mk_deadbeef_not-a-key")
    assert exc.value.response.status_code == 401
    assert exc.value.response.headers["content-type"] == "application/taxii+json;version=2.1"
    coll_url = f"{url}api/collections/{collection(url).id}/objects/"
    r = requests.get(coll_url, headers={"Accept": "text/html"}, timeout=10)
    assert r.status_code == 406 and r.json()["http_status"] == "406"
    r = requests.get(coll_url, headers={"Accept": "application/taxii+json;version=2.1"}, params={"limit": "x"},
                     timeout=10)
    assert r.status_code == 400
    r = requests.get(f"{url}api/collections/not-there/", timeout=10)
    assert r.status_code == 404 and "not-there" in r.json()["description"]
    ok = requests.get(coll_url, params={"limit": 3}, timeout=10)
    assert ok.headers["content-type"] == "application/taxii+json;version=2.1"
    first = dt.datetime.fromisoformat(ok.headers["X-TAXII-Date-Added-First"].replace("Z", "+00:00"))
    last = dt.datetime.fromisoformat(ok.headers["X-TAXII-Date-Added-Last"].replace("Z", "+00:00"))
    assert first <= last
    with pytest.raises((TAXIIServiceException, requests.HTTPError)):
        collection(url, keys["alice"]).add_objects({"type": "bundle", "id": "bundle--0b7a5a1e-8f55-4d34-9a55-111111111111",
                                                    "objects": []})


def test_cache_is_keyed_by_visibility_class_not_by_caller(kb, monkeypatch):
    """Viewers who see the same documents share one cached build: any number of anonymous callers, users
    of organisations that own nothing restricted, users of one organisation without RED articles of
    their own. What each sees stays exactly theirs."""
    from marsad.api import taxii
    from marsad.store.access import ANONYMOUS, Viewer

    store, tlps = kb
    for name, org in (("dave", "org-d"), ("amir", "org-a"), ("bea", "org-b")):
        store.create_user(name, org)
    builds = []
    real = taxii.build
    monkeypatch.setattr(taxii, "build", lambda st, v, *a: builds.append(v) or real(st, v, *a))
    monkeypatch.setattr(taxii, "_cache", type(taxii._cache)())  # noqa: SLF001
    v = {n: store.viewer_for_user(store.user(n)) for n in ("alice", "amir", "bob", "bea", "carol", "dave")}
    got = {n: taxii.objects_for(store, x) for n, x in v.items()}
    for anon in (ANONYMOUS, Viewer(), Viewer(name="someone")):
        got["anon"] = taxii.objects_for(store, anon)
    # classes: anonymous; GREEN-only (carol, dave); org-a (alice, amir); org-b without own RED (bea); bob
    assert len(builds) == 5, builds
    lv = {n: levels([o for _, o in rows]) for n, rows in got.items()}
    assert lv["anon"] == {"CLEAR"}
    assert lv["carol"] == lv["dave"] == {"CLEAR", "GREEN"}
    assert lv["alice"] == lv["amir"] == {"CLEAR", "GREEN", "AMBER"}
    assert "RED" in lv["bob"] and "RED" not in lv["bea"]  # bob ingested the RED article, bea did not
    assert got["carol"] is got["dave"] and got["alice"] is got["amir"]
