"""The web interface over HTTP (TestClient): escaping of article text, CSRF on every POST, TLP visibility,
login/logout, curation recorded with who and when, facets and CSV that agree with the pages."""
from __future__ import annotations

import csv
import io
import re
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from marsad.jobs import ingest_paths
from marsad.store import Store
from marsad.store.access import Sharing
from marsad.store.schema import entity_decisions, event_reviews
from marsad.web.highlight import Span, segments, spans_of

from conftest import BACKENDS, empty_db

SAMPLES = Path(__file__).resolve().parents[1] / "src" / "marsad" / "samples"
HOSTILE = ("تقرير خاص <script>alert('x')</script>\n"
           "قال مصدر أمني لوكالة الأنباء الجزائرية إن مسلحين هاجموا ثكنة للجيش في تمنراست يوم 3 مارس 2014 "
           "وكتبوا <img src=x onerror=alert(1)> و&amp; على الجدار.\n")


# as conftest's store_url, but for the whole module (ingesting the samples once per backend): SQLite always,
# PostgreSQL too when MARSAD_TEST_PG_URL names a server (CI), in a schema of its own dropped afterwards
@pytest.fixture(scope="module", params=BACKENDS)
def db_url(request, tmp_path_factory):
    with empty_db(request.param, tmp_path_factory.mktemp("web")) as url:
        yield url


@pytest.fixture(scope="module")
def site(db_url, tmp_path_factory):
    """A database with the five samples (TLP:CLEAR) and one TLP:AMBER article of organisation "newsroom"
    holding HTML-like strings; users amina (newsroom) and omar (other-org) with their keys."""
    tmp = tmp_path_factory.mktemp("web")
    db = db_url
    hostile = tmp / "hostile.txt"
    hostile.write_text(HOSTILE, encoding="utf-8")
    with Store(db) as store:
        assert ingest_paths(store, [str(SAMPLES)]).stored == 5
        store.create_user("amina", "newsroom")
        store.create_user("omar", "other-org")
        keys = {"amina": store.create_api_key("amina"), "omar": store.create_api_key("omar")}
        org = store.org_id("newsroom")
        user = store.user("amina").id
        assert ingest_paths(store, [str(hostile)], sharing=Sharing(org_id=org, tlp="AMBER", created_by=user)).stored == 1
        amber_id = next(d.id for d in store.documents() if "تقرير خاص" in (d.title or ""))
    return {"db": db, "keys": keys, "amber": amber_id}


@pytest.fixture
def client(site):
    from fastapi.testclient import TestClient

    from marsad.api.app import create_app

    with TestClient(create_app(site["db"])) as c:
        yield c


def token(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF field in the page"
    return m.group(1)


def login(client, key: str) -> str:
    r = client.post("/login", data={"api_key": key, "csrf_token": token(client.get("/login").text)})
    assert r.status_code == 200 and 'action="/logout"' in r.text
    return token(r.text)


# ------------------------------------------------------------------------------------------ pages
def test_pages_are_arabic_rtl_and_render(client):
    for url in ("/", "/?q=الجزائر", "/entities", "/events", "/timeline", "/network", "/map", "/login",
                "/entities/country:DZA"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert '<html lang="ar" dir="rtl">' in r.text, url


def test_search_facets_count_what_the_filter_returns(client):
    from marsad.store import queries
    from marsad.store.access import ANONYMOUS
    from marsad.web import data

    def search(**filters: str) -> dict:  # as the search page asks: its form fields through web/data.py
        return queries.search(store, ANONYMOUS, "الجزائر", **data.search_filters(filters))

    r = client.get("/", params={"q": "الجزائر"})
    assert r.status_code == 200
    # every facet value's count equals the number of hits once that filter is applied
    store = client.app.state.store
    result = search()
    assert result["total"] >= 2
    facets = data.page_facets(result["facets"])
    checked = 0
    for facet, values in facets.items():
        for v in values[:3]:
            got = search(**{facet: v["value"]})
            assert got["total"] == v["count"], (facet, v)
            checked += 1
    assert checked >= 10
    page = client.get("/", params={"q": "الجزائر", "type": result["facets"]["type"][0]["value"]}).text
    assert page.count('class="hit"') == result["facets"]["type"][0]["count"]


def test_form_fields_become_read_layer_filters():
    from marsad.web.data import period_end, search_filters

    # a period typed as an end date includes the whole period (the read layer compares ISO strings)
    assert period_end("2012") == "2012-12-31" and period_end("2012-02") == "2012-02-29"
    assert period_end("2013-02") == "2013-02-28" and period_end("2012-05-13") == "2012-05-13"
    # the month facet is a date range, narrowed by an explicit range
    assert search_filters({"month": "2012-05", "type": "FIGHT", "actor": None}) == {
        "type": "FIGHT", "date_from": "2012-05-01", "date_to": "2012-05-31"}
    assert search_filters({"month": "2012-05", "date_from": "2012-05-10", "date_to": "2012-06"}) == {
        "date_from": "2012-05-10", "date_to": "2012-05-31"}
    with pytest.raises(ValueError, match="2012-13"):
        search_filters({"month": "2012-13"})


def test_api_docs_work_offline(client):
    """/docs loads Swagger UI from this server's vendored copy: no script, style or icon from another host."""
    html = client.get("/docs").text
    refs = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)', html) + re.findall(r"url:\s*'([^']+)'", html)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in refs and "/openapi.json" in refs
    assert not [u for u in refs if not u.startswith("/") or u.startswith("//")], refs
    assert not re.search(r"https?://|//cdn", html), "an external host in /docs"
    for u in refs:
        r = client.get(u)
        assert r.status_code == 200 and len(r.content) > 500, u
    assert "SwaggerUIBundle" in client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").text


# ------------------------------------------------------------------------------------------ escaping
def test_article_text_is_escaped(client, site):
    login(client, site["keys"]["amina"])
    r = client.get(f"/documents/{site['amber']}")
    assert r.status_code == 200
    html = r.text
    assert "<script>alert" not in html and "<img src=x" not in html
    # highlights may cut the text into spans (a tagger may well read "img src" as a name): compare without them
    plain = re.sub(r"</?(?:span|a|mark)\b[^>]*>", "", html)
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in plain
    assert "&lt;img src=x onerror=alert(1)&gt;" in plain
    assert "&amp;amp;" in html  # the article's own "&amp;" shown as those five characters
    # the analysis is there, highlighted from offsets
    assert 'class="hl hl-mention' in html and "hl-date" in html
    # the search page escapes the title and the snippet too
    s = client.get("/", params={"q": "تمنراست"}).text
    assert "<script>alert" not in s and "&lt;script&gt;" in s


def test_segments_cover_the_text_exactly():
    text = "قالت مصادر إن <b>الجزائر</b> رفضت"
    spans = [Span(0, 4, "claim", "c0"), Span(5, 10, "source", "c0"), Span(17, 24, "mention", "m0", sub="GPE"),
             Span(15, 28, "claim", "c1"), Span(29, 33, "event", "e0")]
    segs = segments(text, spans)
    assert "".join(s.text for s in segs) == text
    inner = next(s for s in segs if s.text == "الجزائر")
    assert inner.ref == "m0" and "hl-mention" in inner.css and "hl-claim" in inner.css and "t-GPE" in inner.css
    anchors = [a for s in segs for a in s.anchors]
    assert len(anchors) == len(set(anchors))  # the claim's source span shares its ref: one id only
    rec = {"text": text, "entities": [{"start": 17, "end": 99, "type": "GPE"}], "dates": [], "quantities": [],
           "claims": [], "events": []}
    assert spans_of(rec) == []  # a span past the end of the text is dropped, never cut wrongly


# ------------------------------------------------------------------------------------------ CSRF
def test_post_without_csrf_token_is_refused(client, site):
    assert client.post("/login", data={"api_key": site["keys"]["amina"]}).status_code == 403
    assert client.post("/login", data={"api_key": site["keys"]["amina"], "csrf_token": "forged"}).status_code == 403
    assert 'action="/logout"' not in client.get("/").text  # not logged in
    login(client, site["keys"]["amina"])
    with Store(site["db"]) as store:
        with store.engine.connect() as c:
            before = len(c.execute(select(event_reviews)).all())
    r = client.post("/events/review", data={"document_id": site["amber"], "event_key": "ASSAULT:0",
                                            "decision": "rejected"})
    assert r.status_code == 403
    r = client.post("/ingest", data={"text": "نص", "tlp": "CLEAR"})
    assert r.status_code == 403
    r = client.post("/entities/merge", data={"source": "country:DZA", "target": "country:LBY"})
    assert r.status_code == 403
    assert client.post("/logout").status_code == 403
    with Store(site["db"]) as store:
        with store.engine.connect() as c:
            assert len(c.execute(select(event_reviews)).all()) == before


# ------------------------------------------------------------------------------------------ TLP
def test_unauthenticated_visitors_see_only_clear(client, site):
    amber = site["amber"]
    assert client.get(f"/documents/{amber}").status_code == 404
    assert amber not in client.get("/", params={"q": "تمنراست"}).text
    assert amber not in client.get("/events").text
    assert amber not in client.get("/events.csv").text
    assert amber not in client.get("/map").text
    assert "TLP:AMBER" not in client.get("/").text
    # another organisation's user does not see it either; its owner's user does, marked
    login(client, site["keys"]["omar"])
    assert client.get(f"/documents/{amber}").status_code == 404
    client.post("/logout", data={"csrf_token": token(client.get("/").text)})
    login(client, site["keys"]["amina"])
    page = client.get(f"/documents/{amber}")
    assert page.status_code == 200 and "TLP:AMBER" in page.text and "newsroom" in page.text
    assert amber in client.get("/events.csv").text


def test_login_rejects_a_wrong_key_and_logout_ends_the_session(client, site):
    r = client.post("/login", data={"api_key": "mk_nothing_here", "csrf_token": token(client.get("/login").text)})
    assert "مفتاح API غير صالح" in r.text and 'action="/logout"' not in r.text
    tok = login(client, site["keys"]["amina"])
    assert client.get("/ingest").status_code == 200
    r = client.post("/logout", data={"csrf_token": tok})
    assert r.status_code == 200 and 'action="/logout"' not in r.text
    assert client.get(f"/documents/{site['amber']}").status_code == 404
    r = client.get("/ingest", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


# ------------------------------------------------------------------------------------------ curation
def test_event_review_is_recorded_with_who_and_when(client, site):
    tok = login(client, site["keys"]["amina"])
    html = client.get(f"/documents/{site['amber']}").text
    key = re.search(r'name="event_key" value="([A-Z]+:\d+)"', html).group(1)
    r = client.post("/events/review", data={"document_id": site["amber"], "event_key": key,
                                            "decision": "rejected", "csrf_token": tok})
    assert r.status_code == 200 and "مرفوض — amina" in r.text
    with Store(site["db"]) as store, store.engine.connect() as c:
        row = c.execute(select(event_reviews).where(event_reviews.c.event_key == key)).mappings().all()[-1]
    assert row["decision"] == "rejected" and row["user_name"] == "amina" and row["created_at"] is not None
    rejected = client.get("/events", params={"decision": "rejected"}).text
    assert site["amber"] in rejected
    # an event that does not exist is named in the error, nothing recorded
    r = client.post("/events/review", data={"document_id": site["amber"], "event_key": "FIGHT:99999",
                                            "decision": "confirmed", "csrf_token": tok})
    assert "FIGHT:99999" in r.text


def test_merge_and_split_from_the_entity_page(client, site):
    tok = login(client, site["keys"]["amina"])
    page = client.get("/entities", params={"q": "تمنراست"}).text
    ids = re.findall(r'href="/entities/([^"?]+)"', page)
    assert ids, "تمنراست is found in the articles"
    eid = ids[0]
    docs = re.findall(r'name="documents" value="([^"]+)"', client.get(f"/entities/{eid}").text)
    assert docs
    r = client.post("/entities/split", data={"entity_id": eid, "documents": docs[:1], "name": "تمنراست (الثكنة)",
                                             "csrf_token": tok})
    assert r.status_code == 200 and "تمنراست (الثكنة)" in r.text
    new_id = re.search(r"كيان جديد (\S+)", r.text).group(1)
    r = client.post("/entities/merge", data={"source": new_id, "target": eid, "csrf_token": tok})
    assert r.status_code == 200 and str(r.url).endswith(f"/entities/{eid}"), re.search(r"flash[^>]*>([^<]*)", r.text)
    with Store(site["db"]) as store, store.engine.connect() as c:
        notes = [(d["action"], d["note"], d["created_at"]) for d in c.execute(select(entity_decisions)).mappings()]
    assert [a for a, _, _ in notes][-2:] == ["split", "merge"]
    assert all("amina" in n and when is not None for _, n, when in notes[-2:])


# ------------------------------------------------------------------------------------------ ingest + CSV
def test_ingest_upload_lands_on_the_article_with_the_chosen_tlp(client, site):
    tok = login(client, site["keys"]["amina"])
    body = "اجتماع في تونس\nالتقى وزير الخارجية التونسي نظيره الليبي في تونس يوم 12 جانفي 2015 لبحث أمن الحدود.\n"
    r = client.post("/ingest", data={"tlp": "GREEN", "csrf_token": tok},
                    files={"files": ("tunis.txt", body.encode("utf-8"), "text/plain")}, follow_redirects=False)
    assert r.status_code == 303
    job_url = r.headers["location"]
    for _ in range(100):
        job = client.get(job_url + ".json").json()
        if job["state"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert job["state"] == "done" and job["results"][0]["outcome"] == "stored", job
    page = client.get(job["next"])
    assert "TLP:GREEN" in page.text and "newsroom" in page.text and "hl-date" in page.text
    # another user's job is not visible
    client.post("/logout", data={"csrf_token": token(page.text)})
    assert client.get(job_url + ".json").status_code == 404


def test_events_csv_matches_the_table_and_carries_claim_sources(client):
    r = client.get("/events.csv", params={"type": "COOPERATE"})
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    table = client.get("/events", params={"type": "COOPERATE"}).text
    assert len(rows) == table.count('<tr>\n  <td dir="ltr">') >= 1
    assert {row["type"] for row in rows} == {"COOPERATE"}
    assert any(row["claim_source"] and row["claim_source_kind"] for row in rows)


# ------------------------------------------------------------------------------------------ review findings
def test_session_cookie_holds_no_key_and_dies_at_logout(client, site):
    import base64

    from fastapi.testclient import TestClient

    tok = login(client, site["keys"]["amina"])
    saved = client.cookies.get("session")
    payload = base64.b64decode(saved.split(".")[0] + "==").decode("utf-8", "replace")
    assert site["keys"]["amina"] not in payload and "mk_" not in payload
    assert client.get("/api/me").json()["user"] == "amina"  # the session token stands for her
    client.post("/logout", data={"csrf_token": tok})
    with TestClient(client.app) as replay:  # a copy of the cookie taken before logout
        replay.cookies.set("session", saved)
        assert replay.get("/api/me").json()["authenticated"] is False
        assert replay.get(f"/documents/{site['amber']}").status_code == 404


def test_revoking_the_api_key_ends_its_web_sessions(client, site):
    with Store(site["db"]) as store:
        key = store.create_api_key("amina", label="revoked in a test")
    login(client, key)
    assert client.get(f"/documents/{site['amber']}").status_code == 200
    with Store(site["db"]) as store:
        assert store.revoke_api_key(key.split("_")[1])
    assert client.get(f"/documents/{site['amber']}").status_code == 404
    assert client.get("/api/me").json()["authenticated"] is False


def test_session_cookie_is_secure_behind_https(site, monkeypatch):
    from fastapi.testclient import TestClient

    from marsad.api.app import create_app

    for setting, secure in (("1", True), ("", False)):
        monkeypatch.setenv("MARSAD_HTTPS", setting)
        with TestClient(create_app(site["db"]), base_url="https://testserver") as c:
            r = c.post("/login", data={"api_key": site["keys"]["omar"], "csrf_token": token(c.get("/login").text)},
                       follow_redirects=False)
            assert r.status_code == 303
            assert ("secure" in r.headers["set-cookie"].lower()) is secure


@pytest.fixture
def lone_site(store_url):
    """Its own database: one CLEAR article stored with a javascript: URL and a title a spreadsheet would
    run (as a record imported from elsewhere may carry), and user amina."""
    from marsad.jobs import Ingester
    from marsad.web.ingest import read_upload

    db = store_url
    text = ("قال مصدر أمني إن قوات الجيش الجزائري اشتبكت مع مسلحين قرب تمنراست يوم 3 مارس 2014 "
            "وقتلت ثلاثة منهم.\n")
    with Store(db) as store:
        store.create_user("amina", "newsroom")
        key = store.create_api_key("amina")
        (name, item), = read_upload("x.txt", text.encode("utf-8"), fmt="txt", title="=HYPERLINK(\"http://evil\")",
                                    url="javascript:alert(document.cookie)")
        assert Ingester(store).run([item], "test").stored == 1
        doc_id = next(d.id for d in store.documents())
    return {"db": db, "key": key, "doc": doc_id}


def test_a_document_url_becomes_a_link_only_when_it_is_http(lone_site):
    from fastapi.testclient import TestClient

    from marsad.api.app import create_app

    with TestClient(create_app(lone_site["db"])) as c:
        page = c.get(f"/documents/{lone_site['doc']}").text
        assert "javascript:alert" in page  # shown as text ...
        assert not re.search(r'href="\s*javascript:', page, re.I)  # ... never as a link
        tok = login(c, lone_site["key"])
        r = c.post("/ingest", data={"text": "نص آخر عن تونس.", "url": "javascript:alert(1)", "tlp": "CLEAR",
                                    "csrf_token": tok}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/ingest"  # refused, nothing queued
        assert "javascript:alert(1)" in c.get("/ingest").text  # the message names the URL


def test_events_csv_cells_cannot_start_a_formula(lone_site):
    from fastapi.testclient import TestClient

    from marsad.api.app import create_app

    with TestClient(create_app(lone_site["db"])) as c:
        rows = list(csv.DictReader(io.StringIO(c.get("/events.csv").content.decode("utf-8-sig"))))
    assert rows, "the article has an event"
    assert all(r["title"] == "'=HYPERLINK(\"http://evil\")" for r in rows)
    assert not any(v.startswith(("=", "+", "@")) for r in rows for v in r.values() if v)


def test_request_bodies_and_pages_are_bounded(client, site, monkeypatch):
    from marsad.store import queries

    tok = login(client, site["keys"]["amina"])
    big = b"\xd8\xa7" * (11 * 1024 * 1024)  # 22 MB of Arabic text
    r = client.post("/ingest", data={"tlp": "CLEAR", "csrf_token": tok},
                    files={"files": ("big.txt", big, "text/plain")}, follow_redirects=False)
    assert r.status_code == 413

    def chunks():  # no Content-Length: counted while read
        for _ in range(22):
            yield b"x" * (1024 * 1024)
    r = client.post("/ingest", content=chunks(), headers={"content-type": "multipart/form-data; boundary=b"})
    assert r.status_code == 413
    assert client.post("/logout", content=b"a=" + b"x" * (2 * 1024 * 1024),
                       headers={"content-type": "application/x-www-form-urlencoded"}).status_code == 413
    assert client.get("/api/events", params={"offset": "99999999999999999999"}).status_code == 422
    for url in ("/?page=99999999999999999999", "/events?page=99999999999999999999", "/entities?page=99999999999"):
        assert client.get(url).status_code == 200, url
    # the CSV download stops at queries.MAX_EXPORT rows and says so
    monkeypatch.setattr(queries, "MAX_EXPORT", 2)
    r = client.get("/events.csv")
    assert len(list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))) == 2
    assert "first 2 of" in r.headers["x-marsad-note"]


def test_claim_shows_what_its_back_reference_resolves_to(client):
    claims = client.get("/api/claims", params={"limit": 500}).json()["items"]
    refs = [c for c in claims if c["source_ref"] and c["source_ref"] != c["source"]]
    assert refs, "the samples hold a claim whose source (مصدرنا) refers back to a named one"
    c = refs[0]
    assert f"(= {c['source_ref']})" in client.get(f"/documents/{c['document_id']}").text
    ev = [e for e in client.get("/api/events", params={"document_id": c["document_id"], "limit": 500}).json()["items"]
          if e["claim"] == c["seq"]]
    assert all(e["claim_source"]["source_ref"] == c["source_ref"] for e in ev)
