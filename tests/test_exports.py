"""Exports (JSONL, ACLED-like CSV, Parquet, GeoJSON, GraphML, GEXF) of a database built from the bundled
Arabic sample articles, each stored with a different TLP marking and owner: what each viewer gets, the
filters, the columns, and JSONL export → import into a fresh database giving the same counts."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from marsad.exports import acled, geojson, jsonl, network
from marsad.exports.render import render
from marsad.exports.select import ExportFilter, event_day, select_documents
from marsad.store import Store
from marsad.store.access import ANONYMOUS, SYSTEM

from conftest import BACKENDS, copy_db, empty_db

SAMPLES = Path(__file__).resolve().parents[1] / "src" / "marsad" / "samples"
# (TLP, owning organisation, ingesting user) of the five samples, in file order; publication dates are
# given on ingest (the samples carry none) so the date filters have something to bite on
PLAN = [("CLEAR", None, None), ("CLEAR", None, None), ("GREEN", "org-a", None), ("AMBER", "org-a", None),
        ("RED", "org-b", "bob")]
PUBLISHED = [dt.date(2012, 6, d) for d in (1, 2, 3, 4, 5)]


def build_db(url: str) -> dict[str, str]:
    """Ingest the samples one call each (so ingestion times differ) with PLAN's markings; returns
    {document id: TLP}."""
    from marsad.jobs import ingest_paths
    from marsad.store.access import Sharing

    store = Store(url)
    store.create_user("alice", "org-a")
    store.create_user("bob", "org-b")
    store.create_user("carol", "org-c")
    files = sorted(SAMPLES.glob("*.txt"))
    assert len(files) == len(PLAN)
    for f, (tlp, org, user), day in zip(files, PLAN, PUBLISHED):
        info = store.user(user) if user else None
        org_id = info.org_id if info else (store.org_id(org) if org else None)
        sharing = Sharing(org_id=org_id, tlp=tlp, created_by=info.id if info else None)
        got = ingest_paths(store, [str(f)], published=day, sharing=sharing)
        assert got.stored == 1, got.failures
    tlps = {r.id: r.tlp for r in select_documents(store, SYSTEM)}
    store.close()
    return tlps


@pytest.fixture(scope="session", params=BACKENDS)
def kb_template(request, tmp_path_factory) -> Iterator[tuple[str, dict[str, str]]]:
    """Built once per backend (SQLite; PostgreSQL when MARSAD_TEST_PG_URL is set) for this module and
    test_stix / test_taxii, which import these fixtures."""
    with empty_db(request.param, tmp_path_factory.mktemp("kb")) as url:
        yield url, build_db(url)


@pytest.fixture
def kb(kb_template, tmp_path):
    """A private copy of the sample database (tests may write to it)."""
    src, tlps = kb_template
    with copy_db(src, tmp_path) as dst:
        store = Store(dst)
        yield store, tlps
        store.close()


def viewer(store: Store, name: str):
    return store.viewer_for_user(store.user(name))


def csv_rows(store: Store, v, flt: ExportFilter | None = None) -> list[dict[str, str]]:
    buf = io.StringIO()
    acled.write_csv(store, v, buf, flt)
    return list(csv.DictReader(io.StringIO(buf.getvalue())))


def all_docs(store: Store) -> dict:
    return {r.id: store.get_document(r.id) for r in select_documents(store, SYSTEM)}


# -- who sees what ---------------------------------------------------------------------------------------


def test_each_viewer_gets_only_the_documents_their_tlp_rules_allow(kb):
    store, tlps = kb
    by_tlp = {t: {d for d, x in tlps.items() if x == t} for t in set(tlps.values())}
    expected = {
        "anonymous": by_tlp["CLEAR"],
        "alice": by_tlp["CLEAR"] | by_tlp["GREEN"] | by_tlp["AMBER"],  # org-a owns the AMBER one
        "bob": by_tlp["CLEAR"] | by_tlp["GREEN"] | by_tlp["RED"],  # bob ingested the RED one
        "carol": by_tlp["CLEAR"] | by_tlp["GREEN"],
    }
    for who, want in expected.items():
        v = ANONYMOUS if who == "anonymous" else viewer(store, who)
        got_jsonl = {r["id"] for r in jsonl.iter_records(store, v)}
        assert got_jsonl == want, who
        got_csv = {r["document_ids"] for r in csv_rows(store, v)}
        assert got_csv <= want and got_csv, who
        assert {r["tlp"] for r in csv_rows(store, v)} <= {tlps[d] for d in want}
        fc = geojson.feature_collection(store, v)
        event_docs = {f["properties"]["document_ids"] for f in fc["features"] if f["properties"]["kind"] == "event"}
        assert event_docs <= want, who


def test_max_tlp_keeps_items_at_or_below_the_marking(kb):
    store, tlps = kb
    got = {r["id"]: r["tlp"] for r in jsonl.iter_records(store, SYSTEM, ExportFilter(max_tlp="green"))}
    assert set(got.values()) == {"CLEAR", "GREEN"}
    assert set(got) == {d for d, t in tlps.items() if t in ("CLEAR", "GREEN")}
    assert {r["tlp"] for r in csv_rows(store, SYSTEM, ExportFilter(max_tlp="TLP:CLEAR"))} == {"CLEAR"}
    with pytest.raises(ValueError, match="'ORANGE' is not a TLP marking"):
        ExportFilter(max_tlp="ORANGE")


# -- CSV / Parquet ------------------------------------------------------------------------------------


def test_csv_has_acled_like_columns_and_one_row_per_event_with_its_claim(kb):
    store, _ = kb
    rows = csv_rows(store, SYSTEM)
    header = list(rows[0].keys())
    for col in ("event_id", "event_date", "time_precision", "event_type", "mode", "actor1", "assoc_actor_1",
                "actor2", "assoc_actor_2", "country", "admin1", "location", "latitude", "longitude",
                "geo_precision", "sources", "source_kind", "notes", "fatalities", "confidence", "document_ids"):
        assert col in header
    docs = all_docs(store)
    assert len(rows) == sum(len(d.events) for d in docs.values())
    claimed = 0
    for r in rows:
        doc_id, seq = r["event_id"].rsplit(":", 1)
        doc = docs[doc_id]
        e = doc.events[int(seq)]
        assert r["event_type"] == e.type
        # the evidence sentence is the text the event was read from, and names its trigger
        assert e.trigger in r["notes"] and r["notes"] in " ".join(doc.text.split())
        if e.claim is not None:  # a claim never becomes a fact: its source goes with the event
            claimed += 1
            c = doc.claims[e.claim]
            # a back-reference ("وأضاف المصدر") shows what it resolves to beside its own words
            want = c.source if not c.source_ref or c.source_ref == c.source else f"{c.source} (= {c.source_ref})"
            assert r["claim_source"] == want
            assert r["source_kind"] == doc.claims[e.claim].source_kind
        else:
            assert r["source_kind"] == "reported" and r["claim_source"] == ""
        if e.source and e.source[0].get("entity_id"):
            assert r["actor1_id"] == e.source[0]["entity_id"]
        if r["latitude"]:
            assert -90 <= float(r["latitude"]) <= 90 and r["iso3"] == e.location["country"]
    assert claimed > 0  # the samples attribute some events to sources (قالت مصادر …)
    # countries by name: Libya's events read "Libya" in the country column
    libya = [r for r in rows if r["iso3"] == "LBY"]
    assert libya and all(r["country"] == "Libya" for r in libya)


def test_parquet_holds_the_same_rows_typed(kb):
    store, _ = kb
    data, n = acled.parquet_bytes(store, SYSTEM)
    table = pq.read_table(io.BytesIO(data))
    rows = csv_rows(store, SYSTEM)
    assert n == table.num_rows == len(rows)
    assert table.column_names == [c for c, _ in acled.COLUMNS]
    assert table.schema.field("latitude").type == "double"
    assert table.column("event_id").to_pylist() == [r["event_id"] for r in rows]
    conf = table.column("confidence").to_pylist()
    assert conf == [float(r["confidence"]) for r in rows]


def test_filters_by_type_actor_place_and_date(kb):
    store, _ = kb
    docs = all_docs(store)
    every = csv_rows(store, SYSTEM)
    types = {r["event_type"] for r in every}
    t = sorted(types)[0]
    rows = csv_rows(store, SYSTEM, ExportFilter(type=t.lower()))
    assert rows and {r["event_type"] for r in rows} == {t}
    assert len(rows) == sum(1 for r in every if r["event_type"] == t)

    # actor: by entity id, then by the Arabic name as the text writes it
    rows = csv_rows(store, SYSTEM, ExportFilter(actor="country:DZA"))
    assert rows
    for r in rows:
        doc_id, seq = r["event_id"].rsplit(":", 1)
        e = docs[doc_id].events[int(seq)]
        assert "country:DZA" in {a.get("entity_id") for a in (*e.source, *e.target)}
    by_name = csv_rows(store, SYSTEM, ExportFilter(actor="الجزائر"))
    assert {r["event_id"] for r in rows} <= {r["event_id"] for r in by_name}

    rows = csv_rows(store, SYSTEM, ExportFilter(place="Libya"))
    assert rows and {r["location_id"] for r in rows} == {"country:LBY"}
    assert len(rows) == sum(1 for r in every if r["location_id"] == "country:LBY")

    day = PUBLISHED[1]
    rows = csv_rows(store, SYSTEM, ExportFilter(date_from=day, date_to=day))
    assert rows
    for r in rows:
        doc_id, seq = r["event_id"].rsplit(":", 1)
        assert event_day(docs[doc_id].events[int(seq)], docs[doc_id]) == day
    assert len(rows) < len(every)


# -- GeoJSON / network -----------------------------------------------------------------------------------


def test_geojson_points_are_lon_lat_of_the_linked_places(kb):
    store, _ = kb
    fc = geojson.feature_collection(store, SYSTEM)
    assert fc["type"] == "FeatureCollection"
    places = {f["id"]: f for f in fc["features"] if f["properties"]["kind"] == "place"}
    events = [f for f in fc["features"] if f["properties"]["kind"] == "event"]
    assert places and events
    lon, lat = places["country:LBY"]["geometry"]["coordinates"]
    assert (lat, lon) == (25.0, 17.0)  # Libya's centroid in kb/data/countries.tsv: lat 25, lon 17
    assert places["country:LBY"]["properties"]["documents"] >= 2
    for f in events:
        lon, lat = f["geometry"]["coordinates"]
        assert -180 <= lon <= 180 and -90 <= lat <= 90
        assert f["properties"]["event_type"] and f["properties"]["source_kind"]


def test_actor_network_as_graphml_and_gexf(kb):
    store, _ = kb
    g = network.actor_graph(store, SYSTEM)
    assert g.number_of_edges() > 0
    back = nx.read_graphml(io.BytesIO(network.graphml(g).encode("utf-8")))
    assert set(back.nodes) == set(g.nodes) and back.number_of_edges() == g.number_of_edges()
    gx = nx.read_gexf(io.BytesIO(network.gexf(g).encode("utf-8")))
    assert gx.number_of_edges() == g.number_of_edges()
    # every edge is backed by that many events whose source and target are these two entities
    docs = all_docs(store)
    for s, t, data in g.edges(data=True):
        n = sum(1 for d in docs.values() for e in d.events
                if s in {a.get("entity_id") for a in e.source} and t in {a.get("entity_id") for a in e.target})
        assert data["weight"] == n
        assert g.nodes[s]["label"]


# -- JSONL round trip -------------------------------------------------------------------------------------


COUNTED = ("documents", "duplicates", "mentions", "dates", "quantities", "claims", "events", "by_type",
           "events_by_type")


def test_jsonl_export_then_import_into_a_fresh_database_gives_the_same_counts(kb, empty_db_like):
    store, tlps = kb
    buf = io.StringIO()
    n = jsonl.write_jsonl(store, SYSTEM, buf)
    assert n == len(tlps)
    fresh = Store(empty_db_like(store.url))
    fresh.create_user("bob", "org-b")  # an org-b exists there too: a name is no owner
    counts = jsonl.import_records(fresh, jsonl.read_jsonl(io.StringIO(buf.getvalue()), "x.jsonl"))
    # CLEAR/GREEN need no owner; AMBER and RED need one given on import (named in the failure)
    restricted = [d for d, t in tlps.items() if t in ("AMBER", "RED")]
    assert counts.failed == len(restricted)
    assert all("--org" in why and "--user" in why for _, why in counts.failures)
    bob = fresh.user("bob")
    again = jsonl.import_records(fresh, jsonl.read_jsonl(io.StringIO(buf.getvalue()), "x.jsonl"),
                                 org_id=bob.org_id, created_by=bob.id)
    assert again.stored == len(restricted) and again.duplicates == len(tlps) - len(restricted)
    a, b = store.stats(), fresh.stats()
    assert {k: a[k] for k in COUNTED} == {k: b[k] for k in COUNTED}
    # the same records come out again (annotations, offsets, markings)
    out2 = io.StringIO()
    jsonl.write_jsonl(fresh, SYSTEM, out2)
    recs1 = {json.loads(x)["id"]: json.loads(x) for x in buf.getvalue().splitlines()}
    recs2 = {json.loads(x)["id"]: json.loads(x) for x in out2.getvalue().splitlines()}
    assert recs1.keys() == recs2.keys()
    for k in recs1:
        for field in ("text", "entities", "dates", "claims", "events", "tlp", "published"):
            assert recs1[k][field] == recs2[k][field], (k, field)
    # a third import adds nothing
    third = jsonl.import_records(fresh, jsonl.read_jsonl(io.StringIO(buf.getvalue()), "x.jsonl"))
    assert third.stored == 0 and third.duplicates == len(tlps)
    fresh.close()


def test_import_names_a_bad_line(kb):
    store, _ = kb
    lines = '{"id": "x", "text": ""}\nnot json\n'
    counts = jsonl.import_records(store, jsonl.read_jsonl(io.StringIO(lines), "bad.jsonl"))
    assert counts.failed == 2 and counts.stored == 0
    assert counts.failures[0] == ("bad.jsonl:1", "the record has no text")
    assert counts.failures[1][0] == "bad.jsonl:2" and "not JSON" in counts.failures[1][1]


# -- CLI and API --------------------------------------------------------------------------------------------


def test_cli_export_as_user_with_max_tlp_and_errors(kb, tmp_path):
    from marsad.cli import app

    store, tlps = kb
    url = store.url
    runner = CliRunner()
    res = runner.invoke(app, ["export", "--format", "jsonl", "--db", url, "--as-user", "alice", "--max-tlp", "GREEN"])
    assert res.exit_code == 0, res.output
    got = {json.loads(x)["id"] for x in res.stdout.splitlines() if x.strip()}
    assert got == {d for d, t in tlps.items() if t in ("CLEAR", "GREEN")}
    out = tmp_path / "e.csv"
    res = runner.invoke(app, ["export", "-f", "csv", "-o", str(out), "--db", url, "--type", "FIGHT", "--all"])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows and {r["event_type"] for r in rows} == {"FIGHT"}
    res = runner.invoke(app, ["export", "-f", "xlsx", "--db", url])
    assert res.exit_code != 0 and "'xlsx' is not a format" in res.output
    res = runner.invoke(app, ["export", "-f", "csv", "--db", url, "--as-user", "nobody"])
    assert res.exit_code != 0 and "no user named 'nobody'" in res.output
    res = runner.invoke(app, ["export", "-f", "csv", "--db", url, "--max-tlp", "pink"])
    assert res.exit_code != 0 and "'pink' is not a TLP marking" in res.output


def test_cli_import_round_trip(kb, tmp_path, empty_db_like):
    from marsad.cli import app

    store, tlps = kb
    runner = CliRunner()
    exported = tmp_path / "all.jsonl"
    assert runner.invoke(app, ["export", "-f", "jsonl", "-o", str(exported), "--db", store.url,
                               "--all"]).exit_code == 0
    fresh = empty_db_like(store.url)
    made = Store(fresh)
    made.create_user("dalia", "imported")
    made.close()
    res = runner.invoke(app, ["import", str(exported), "--db", fresh, "--org", "imported"])
    # --org owns AMBER; RED is owned by a user: the RED record fails, named, until --user is given
    assert res.exit_code == 1 and "--user" in res.output
    assert f"stored {len(tlps) - 1}, already stored 0, failed 1" in res.stdout
    res = runner.invoke(app, ["import", str(exported), "--db", fresh, "--user", "dalia"])
    assert res.exit_code == 0, res.output
    assert f"stored 1, already stored {len(tlps) - 1}" in res.stdout
    res = runner.invoke(app, ["import", str(exported), "--db", fresh])  # all stored: nothing needs an owner
    assert res.exit_code == 0 and f"stored 0, already stored {len(tlps)}" in res.stdout


def test_cli_import_tlp_only_raises_a_marking(kb, tmp_path, empty_db_like):
    """--tlp lifts records marked lower up to it and leaves higher ones as they are: a RED record imported
    with --tlp CLEAR stays RED (a printed note says so), never readable by everyone."""
    from sqlalchemy import select

    from marsad.cli import app
    from marsad.store.schema import documents

    store, tlps = kb
    assert "RED" in tlps.values() and "CLEAR" in tlps.values()
    runner = CliRunner()
    exported = tmp_path / "all.jsonl"
    assert runner.invoke(app, ["export", "-f", "jsonl", "-o", str(exported), "--db", store.url, "--all"]).exit_code == 0
    order = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")
    for floor in ("CLEAR", "AMBER"):
        fresh = empty_db_like(store.url)
        made = Store(fresh)
        made.create_user("dalia", "imported")
        made.close()
        res = runner.invoke(app, ["import", str(exported), "--db", fresh, "--user", "dalia", "--tlp", floor])
        assert res.exit_code == 0, res.output
        assert "only raises a marking: kept TLP:RED" in res.output
        with Store(fresh) as got, got.engine.connect() as c:
            marks = dict(c.execute(select(documents.c.id, documents.c.tlp)).all())
        assert set(marks) == set(tlps)
        assert marks == {d: max(t, floor, key=order.index) for d, t in tlps.items()}


def test_api_export_filters_by_the_callers_key(kb):
    from fastapi.testclient import TestClient

    from marsad.api.app import create_app

    store, tlps = kb
    key = store.create_api_key("alice")
    with TestClient(create_app(store.url)) as client:
        anon = client.get("/api/export/jsonl")
        assert anon.status_code == 200 and anon.headers["content-type"].startswith("application/x-ndjson")
        assert {json.loads(x)["tlp"] for x in anon.text.splitlines()} == {"CLEAR"}
        mine = client.get("/api/export/jsonl", headers={"Authorization": f"Bearer {key}"})
        assert {json.loads(x)["id"] for x in mine.text.splitlines()} == \
            {d for d, t in tlps.items() if t in ("CLEAR", "GREEN", "AMBER")}
        pq_resp = client.get("/api/export/parquet", params={"type": "FIGHT"}, headers={"X-API-Key": key})
        t = pq.read_table(io.BytesIO(pq_resp.content))
        assert t.num_rows > 0 and set(t.column("event_type").to_pylist()) == {"FIGHT"}
        assert client.get("/api/export/csv", headers={"Authorization": "Bearer mk_wrong_key"}).status_code == 401
        assert client.get("/api/export/pdf").status_code == 404
        assert client.get("/api/export/csv", params={"from": "June 1"}).status_code == 422
        stix = client.get("/api/export/stix")
        assert stix.headers["content-type"] == "application/stix+json;version=2.1"


def test_render_counts_match_the_files(kb):
    store, _ = kb
    data, n = render("geojson", store, SYSTEM)
    assert len(json.loads(data)["features"]) == n
    data, n = render("csv", store, ANONYMOUS)
    assert data.decode("utf-8").count("\n") == n + 1


# -- the security review's findings --------------------------------------------------------------------------


def test_import_never_gives_ownership_by_organisation_name(kb, empty_db_like):
    """Another instance's "org-a" is not this instance's "org-a": restricted records need an owner given
    here, and a RED one is owned by the importing user, never by a whole organisation."""
    store, tlps = kb
    buf = io.StringIO()
    jsonl.write_jsonl(store, SYSTEM, buf)
    fresh = Store(empty_db_like(store.url))
    fresh.create_user("alice2", "org-a")  # a local organisation that happens to carry the same names
    fresh.create_user("bob2", "org-b")
    lines = lambda: jsonl.read_jsonl(io.StringIO(buf.getvalue()), "x.jsonl")  # noqa: E731
    got = jsonl.import_records(fresh, lines())
    restricted = {d for d, t in tlps.items() if t in ("AMBER", "AMBER+STRICT", "RED")}
    assert got.stored == len(tlps) - len(restricted) and got.failed == len(restricted)
    for name, why in got.failures:
        assert name.startswith("x.jsonl:") and "--org" in why and "--user" in why
        assert any(d in why for d in restricted)  # the record is named by its id
    stored = {r.id: r for r in select_documents(fresh, SYSTEM)}
    assert not restricted & set(stored)
    # the local org-a/org-b see nothing more than GREEN from that file
    for who in ("alice2", "bob2"):
        seen = {r["tlp"] for r in jsonl.iter_records(fresh, viewer(fresh, who))}
        assert seen <= {"CLEAR", "GREEN"}
    # --org alone owns AMBER, but RED needs the importing user
    got = jsonl.import_records(fresh, lines(), org_id=fresh.org_id("partner-x", create=True))
    red = {d for d, t in tlps.items() if t == "RED"}
    assert got.failed == len(red) and "--user" in got.failures[0][1]
    bob2 = fresh.user("bob2")
    got = jsonl.import_records(fresh, lines(), org_id=bob2.org_id, created_by=bob2.id)
    assert got.stored == len(red)
    from marsad.store.schema import documents as dtab
    from sqlalchemy import select as sselect
    with fresh._read() as s:  # noqa: SLF001
        owners = dict(s.execute(sselect(dtab.c.id, dtab.c.created_by).where(dtab.c.tlp == "RED")).all())
    assert owners == {d: bob2.id for d in red}
    assert {r["tlp"] for r in jsonl.iter_records(fresh, viewer(fresh, "alice2"))} <= {"CLEAR", "GREEN"}
    fresh.close()


def test_csv_cells_never_start_a_spreadsheet_formula(kb):
    """OWASP CSV injection: text from articles that starts with = + - @ (or tab/CR) is prefixed with '."""
    from sqlalchemy import update

    from marsad.store.schema import documents as dtab
    from marsad.store.schema import mentions as mtab

    store, tlps = kb
    doc_id = next(d for d, t in tlps.items() if t == "CLEAR")
    doc = store.get_document(doc_id)
    actor = next(a for e in doc.events for a in e.source if a.get("entity_id"))
    with store._write() as s:  # noqa: SLF001
        s.execute(update(dtab).where(dtab.c.id == doc_id).values(outlet='=HYPERLINK("http://x.example","اضغط")'))
        s.execute(update(mtab).where(mtab.c.document_id == doc_id, mtab.c.start == actor["start"])
                  .values(canonical="@SUM(1+1)"))
    rows = csv_rows(store, SYSTEM)
    text_cols = [c for c, t in acled.COLUMNS if t == "string"]
    for r in rows:
        for c in text_cols:
            assert r[c][:1] not in ("=", "+", "-", "@", "\t", "\r"), (c, r[c])
    mine = [r for r in rows if r["document_ids"] == doc_id]
    assert mine and all(r["sources"] == "'=HYPERLINK(\"http://x.example\",\"اضغط\")" for r in mine)
    assert any("'@SUM(1+1)" in (r["actor1"], r["assoc_actor_1"]) for r in mine)
    from marsad.exports.common import safe_cell

    assert [safe_cell(x) for x in ("+1", "-1", "\tx", "\rx", "قال", "", 3.5)] == ["'+1", "'-1", "'\tx", "'\rx", "قال",
                                                                               "", 3.5]


def test_duplicate_of_is_exported_only_when_its_target_is_visible(kb):
    from sqlalchemy import update

    from marsad.store.schema import documents as dtab

    store, tlps = kb
    clear = next(d for d, t in tlps.items() if t == "CLEAR")
    red = next(d for d, t in tlps.items() if t == "RED")
    other_clear = next(d for d, t in tlps.items() if t == "CLEAR" and d != clear)
    with store._write() as s:  # noqa: SLF001
        s.execute(update(dtab).where(dtab.c.id == clear).values(duplicate_of=red))
    dup = lambda v, f=None: {r["id"]: r["duplicate_of"] for r in jsonl.iter_records(store, v, f)}[clear]  # noqa: E731
    assert dup(SYSTEM) == red
    assert dup(viewer(store, "bob")) == red  # bob ingested the RED one
    assert dup(ANONYMOUS) is None and dup(viewer(store, "alice")) is None
    assert dup(SYSTEM, ExportFilter(max_tlp="GREEN")) is None  # a GREEN ceiling hides a RED target too
    with store._write() as s:  # noqa: SLF001
        s.execute(update(dtab).where(dtab.c.id == clear).values(duplicate_of=other_clear))
    assert dup(ANONYMOUS) == other_clear


def test_cli_export_needs_a_viewer_a_ceiling_or_all(kb):
    from marsad.cli import app

    store, tlps = kb
    runner = CliRunner()
    res = runner.invoke(app, ["export", "-f", "jsonl", "--db", store.url])
    assert res.exit_code != 0 and not res.stdout.strip().startswith("{")
    for opt in ("--as-user", "--max-tlp", "--all"):
        assert opt in res.output
    res = runner.invoke(app, ["export", "-f", "jsonl", "--db", store.url, "--max-tlp", "GREEN"])
    assert res.exit_code == 0
    assert {json.loads(x)["tlp"] for x in res.stdout.splitlines()} == {"CLEAR", "GREEN"}
    res = runner.invoke(app, ["export", "-f", "jsonl", "--db", store.url, "--all"])
    assert res.exit_code == 0 and {json.loads(x)["id"] for x in res.stdout.splitlines()} == set(tlps)
    res = runner.invoke(app, ["export", "-f", "jsonl", "--db", store.url, "--all", "--as-user", "alice"])
    assert res.exit_code != 0 and "--all" in res.output


def test_api_export_is_capped_and_pages_with_limit_offset(kb, monkeypatch):
    from fastapi.testclient import TestClient

    from marsad.api import exports as api_exports
    from marsad.api.app import create_app

    store, tlps = kb
    key = store.create_api_key("alice")
    h = {"X-API-Key": key}
    mine = {d for d, t in tlps.items() if t in ("CLEAR", "GREEN", "AMBER")}  # 4 documents
    monkeypatch.setattr(api_exports, "MAX_DOCUMENTS", 2)
    with TestClient(create_app(store.url)) as client:
        ok = client.get("/api/export/jsonl")  # anonymous: the 2 CLEAR ones fit
        assert ok.status_code == 200 and len(ok.text.splitlines()) == 2
        big = client.get("/api/export/stix", headers=h)
        assert big.status_code == 413
        detail = big.json()["detail"]
        assert "4 documents" in detail and "limit" in detail and "marsad export" in detail
        got, headers = set(), []
        for offset in (0, 2):
            r = client.get("/api/export/jsonl", headers=h, params={"limit": 2, "offset": offset})
            assert r.status_code == 200, r.text
            got |= {json.loads(x)["id"] for x in r.text.splitlines()}
            headers.append(r.headers)
        assert got == mine
        assert headers[0]["X-Total-Documents"] == "4" and headers[0]["X-Next-Offset"] == "2"
        assert "X-Next-Offset" not in headers[1]
        assert client.get("/api/export/csv", headers=h, params={"limit": 3}).status_code == 400
        assert client.get("/api/export/csv", headers=h, params={"offset": -1, "limit": 1}).status_code == 422
