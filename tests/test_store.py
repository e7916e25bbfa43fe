"""The store on SQLite and (with MARSAD_TEST_PG_URL) PostgreSQL: schema creation, round trips of
real Arabic documents with their annotations, idempotence, failures, Arabic-aware search, stats,
and consistency after the writing process is killed with SIGKILL."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from marsad.document import Claim, Document, Event, Mention, Quantity, Sentence, TimeExpression
from marsad.store import Store

SAMPLES = Path(__file__).resolve().parents[1] / "src" / "marsad" / "samples"


def sample(prefix: str) -> str:
    return next(SAMPLES.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def sha(text_: str) -> str:
    return hashlib.sha256(text_.encode("utf-8")).hexdigest()


def span(text_: str, surface: str, nth: int = 0) -> tuple[int, int]:
    """Offsets of the nth occurrence of ``surface`` in ``text_`` (asserting it is there)."""
    pos = -1
    for _ in range(nth + 1):
        pos = text_.index(surface, pos + 1)
    return pos, pos + len(surface)


def mention(text_: str, surface: str, type_: str, nth: int = 0, **kw) -> Mention:
    a, b = span(text_, surface, nth)
    return Mention(start=a, end=b, text=surface, type=type_, confidence=kw.pop("confidence", 0.9), **kw)


def simple_doc(doc_id: str, body: str, title: str | None = None, **kw) -> Document:
    return Document(id=doc_id, text=body, title=title, **kw)


def save(store: Store, doc: Document, **kw) -> str:
    kw.setdefault("raw", doc.text)
    kw.setdefault("content_hash", sha(doc.text))
    kw.setdefault("minhash", None)
    kw.setdefault("duplicate_of", None)
    kw.setdefault("run_id", None)
    return store.save_document(doc, **kw)


def seed_document() -> Document:
    """Sample 000 (El Khabar on the Gaddafi family) with hand-made annotations at true offsets."""
    body = sample("000")
    doc = Document(id="doc-000", text=body, title="أسرة القذافي", published=dt.date(2012, 6, 3),
                   url="https://www.elkhabar.com/press/article/000", outlet="الخبر",
                   source="samples/000_a918cecbe976a78a.txt",
                   meta={"note": "مصادر موثوقة", "lang": "ar"}, pipeline_version="test-1")
    doc.sentences = [Sentence(0, body.index(".") + 1), Sentence(body.index(".") + 2, len(body))]
    doc.mentions = [
        mention(body, "الخبر", "ORG", entity_id="Q2606180", country="DZA", sector="MED"),
        mention(body, "القذافي", "PER", entity_id="Q19878", country="LBY", sector="GOV",
                method="rule"),
        mention(body, "الجزائر", "GPE", entity_id="Q262", country="DZA"),
        mention(body, "طرابلس", "GPE", entity_id="Q3579", country="LBY"),
        mention(body, "ليبيا", "GPE", entity_id="Q1016", country="LBY"),
        mention(body, "القذافي", "PER", nth=1, entity_id="Q19878", country="LBY"),
    ]
    t_title = span(body, "العقيد الراحل")
    doc.mentions.append(Mention(start=t_title[0], end=t_title[1], text="العقيد الراحل", type="TITLE",
                                confidence=0.7, title="العقيد", title_start=t_title[0],
                                title_end=t_title[0] + len("العقيد"), method="model"))
    a, b = span(body, "شهر ماي 2012")
    doc.dates = [TimeExpression(start=a, end=b, text="شهر ماي 2012", value="2012-05",
                                granularity="month", kind="absolute", anchor="2012-06-03", mod=None,
                                confidence=0.95)]
    a, b = span(body, "عدة دول")
    doc.quantities = [Quantity(start=a, end=b, text="عدة دول", low=3.0, high=9.0, unit="دولة",
                               confidence=0.4)]
    cue = span(body, "قالت")
    src = span(body, "مصادر موثوقة")
    content_end = body.index("2012") + 4
    doc.claims = [Claim(start=src[1] + 1, end=content_end, cue="قالت", cue_start=cue[0],
                        cue_end=cue[1], source="مصادر موثوقة", source_kind="anonymous",
                        source_start=src[0], source_end=src[1], via="الخبر", confidence=0.85)]
    trig = span(body, "رفضت")
    doc.events = [Event(type="REJECT", trigger="رفضت", trigger_start=trig[0], trigger_end=trig[1],
                        sentence_start=0, sentence_end=body.index(".") + 1, mode="verbal",
                        source=[{"text": "دول عربية", "start": body.index("دول عربية"),
                                 "end": body.index("دول عربية") + 9, "entity_id": None,
                                 "country": None, "sector": "GOV"}],
                        target=[{"text": "القذافي", "start": doc.mentions[1].start,
                                 "end": doc.mentions[1].end, "entity_id": "Q19878",
                                 "country": "LBY", "sector": "GOV"}],
                        location=None, date={"value": "2012-05", "text": "شهر ماي 2012"},
                        dead=None, injured=None, size=None, claim=0, confidence=0.6)]
    for m in doc.mentions:
        assert body[m.start:m.end] == m.text
    return doc


# -- schema -----------------------------------------------------------------------------------


def test_fresh_database_is_created_by_migrations(store_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from marsad.store.schema import FTS_TABLE, Base

    s = Store(store_url)  # nothing exists yet: opening creates everything
    try:
        insp = inspect(s.engine)
        names = set(insp.get_table_names())
        assert {"documents", "failures", "mentions", "dates", "quantities", "claims", "events",
                "runs", "entity_decisions", "alembic_version", FTS_TABLE, "organisations", "users",
                "api_keys", "org_shares", "stories", "event_groups", "event_reviews"} <= names
        with s.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0005"
            # The hand-written migration and the declarative schema describe the same tables.
            ctx = MigrationContext.configure(conn, opts={
                "include_object": lambda o, n, t, r, c: not (t == "table" and n.startswith(FTS_TABLE)),
                "compare_type": True})
            assert compare_metadata(ctx, Base.metadata) == []
        save(s, simple_doc("a", "توصلت الجزائر إلى اتفاق مع طرابلس."))
    finally:
        s.close()
    # Reopening migrates nothing and keeps the data.
    s2 = Store(store_url)
    try:
        assert s2.stats()["documents"] == 1
        assert [h.id for h in s2.search("الجزائر")] == ["a"]
    finally:
        s2.close()


def test_sqlite_pragmas_and_bare_path(tmp_path):
    s = Store(str(tmp_path / "sub" / "x.db"))  # a bare path is a SQLite file, folders created
    try:
        with s.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    finally:
        s.close()
    assert (tmp_path / "sub" / "x.db").exists()


def test_default_url(monkeypatch):
    monkeypatch.delenv("MARSAD_DB", raising=False)
    assert Store.default_url() == "sqlite:///./marsad.db"
    monkeypatch.setenv("MARSAD_DB", "postgresql+psycopg://u:p@h/db")
    assert Store.default_url() == "postgresql+psycopg://u:p@h/db"


# -- documents --------------------------------------------------------------------------------


def test_save_and_get_round_trip(store):
    doc = seed_document()
    run = store.start_run("ingest samples/", "test-1")
    raw = "\ufeff" + doc.text + "\r\n"
    assert save(store, doc, raw=raw, minhash=b"\x00\x01\xff" * 8, run_id=run,
                external_id="elkhabar-000") == "doc-000"
    back = store.get_document("doc-000")
    assert back == doc  # every field and every annotation, in order
    assert back.text[back.mentions[1].start:back.mentions[1].end] == "القذافي"
    assert back.events[0].target[0]["text"] == "القذافي"
    assert back.claims[back.events[0].claim].cue == "قالت"
    assert back.meta == {"note": "مصادر موثوقة", "lang": "ar"}
    assert store.get_document("missing") is None
    with store.engine.connect() as conn:
        row = conn.execute(text("SELECT raw, external_id, run_id, content_hash, minhash "
                                "FROM documents WHERE id = 'doc-000'")).one()
    assert row[0] == raw and row[1] == "elkhabar-000" and row[2] == run
    assert row[3] == sha(doc.text) and bytes(row[4]) == b"\x00\x01\xff" * 8


def test_save_is_idempotent_by_content_hash(store):
    doc = seed_document()
    assert save(store, doc) == "doc-000"
    assert store.find_by_hash(sha(doc.text)) == "doc-000"
    assert store.find_by_hash(sha("نص آخر")) is None
    again = seed_document()
    again.id = "doc-000-copy"
    assert save(store, again) == "doc-000"  # same content: the stored id, nothing written
    st = store.stats()
    assert st["documents"] == 1
    assert st["mentions"] == len(doc.mentions)
    assert store.get_document("doc-000-copy") is None


def test_failed_save_writes_nothing(store):
    body = sample("003")
    doc = simple_doc("bad", body, title="تنسيق أمني")
    doc.mentions = [mention(body, "تونس", "GPE"), mention(body, "داعش", "ORG")]
    with pytest.raises(IntegrityError):  # duplicate_of points at no document: FK violation
        save(store, doc, duplicate_of="no-such-document")
    assert store.get_document("bad") is None
    st = store.stats()
    assert st["documents"] == 0 and st["mentions"] == 0
    assert store.search("تونس") == []
    # The store is usable after the failed transaction.
    assert save(store, doc) == "bad"
    assert store.get_document("bad").mentions[0].text == "تونس"


def test_duplicates_minhash_and_listing(store):
    a = simple_doc("a", sample("001"), title="مبادرة لإيجاد تعاون بين دول عربية وغربية",
                   outlet="الخبر", published=dt.date(2015, 11, 14))
    a.mentions = [mention(a.text, "الجزائر", "GPE"), mention(a.text, "ليبيا", "GPE")]
    a.dates = [TimeExpression(*span(a.text, "منذ عدة أسابيع"), "منذ عدة أسابيع", None, "week",
                              "relative")]
    b = simple_doc("b", a.text + "\nالمصدر: الخبر", title=a.title, outlet="الشروق")
    c = simple_doc("c", sample("004"), title="حفتر")
    save(store, a, minhash=b"A" * 16)
    save(store, b, minhash=b"B" * 16, duplicate_of="a")
    save(store, c, minhash=None)
    assert list(store.minhash_signatures()) == [("a", b"A" * 16)]  # originals with a signature
    listing = store.documents()
    assert [d.id for d in listing] == ["c", "b", "a"]  # newest first
    by_id = {d.id: d for d in listing}
    assert by_id["a"].n_mentions == 2 and by_id["a"].n_dates == 1
    assert by_id["a"].published == dt.date(2015, 11, 14) and by_id["a"].outlet == "الخبر"
    assert by_id["b"].duplicate_of == "a" and by_id["b"].n_mentions == 0
    assert [d.id for d in store.documents(limit=1, offset=1)] == ["b"]
    assert store.stats()["duplicates"] == 1


def test_runs(store):
    r1 = store.start_run("marsad ingest samples/", "v1")
    r2 = store.start_run("marsad ingest feed.xml", "v1")
    assert r2 > r1
    store.finish_run(r1, {"read": 5, "stored": 4, "duplicates": 1, "failed": 0})
    runs = {r.id: r for r in store.runs()}
    assert runs[r1].status == "done" and runs[r1].counts["stored"] == 4
    assert runs[r1].finished_at >= runs[r1].started_at
    assert runs[r2].status == "running" and runs[r2].finished_at is None
    store.finish_run(r2, {"read": 0}, status="failed")
    assert store.runs(limit=1)[0].status == "failed"
    assert store.stats()["runs"] == 2


# -- failures ---------------------------------------------------------------------------------


def test_failures_upsert_and_resolve(store):
    item = "feeds/elkhabar.xml#entry-7"
    store.record_failure(item, "UnicodeDecodeError: cp1256?", b"\xc7\xe1\xcc\xd2", "line 3")
    store.record_failure("other.html", "empty text after cleaning", None, None)
    time.sleep(0.01)
    store.record_failure(item, "ValueError: no text", None, "line 4")
    rows = {f.item: f for f in store.failures()}
    f = rows[item]
    assert f.attempts == 2 and f.reason == "ValueError: no text" and f.location == "line 4"
    assert f.raw == b"\xc7\xe1\xcc\xd2"  # kept when the retry had no bytes
    assert f.last_seen > f.first_seen and f.resolved_at is None
    assert rows["other.html"].attempts == 1
    assert store.stats()["failures"] == 2

    store.resolve_failure(item)
    assert [x.item for x in store.failures()] == ["other.html"]
    resolved = {x.item: x for x in store.failures(include_resolved=True)}[item]
    assert resolved.resolved_at is not None and resolved.attempts == 2
    assert store.stats()["failures"] == 1

    store.record_failure(item, "timeout", None, None)  # fails again: open again, counted
    again = {x.item: x for x in store.failures()}[item]
    assert again.attempts == 3 and again.resolved_at is None

    # Storing a document from that item later resolves its failure in the same transaction.
    doc = simple_doc("d7", "قال مصدر أمني إن الجزائر تسعى لإيجاد إطار للتعاون.", source=item)
    save(store, doc)
    assert [x.item for x in store.failures()] == ["other.html"]


# -- search -----------------------------------------------------------------------------------

SEARCH_DOCS = {
    # From sample 000 (الجزائر بلا سابقة).
    "s1": ("الجزائر وطرابلس", "بعد أن توصلت الجزائر إلى اتفاق مع طرابلس يقضي بإبعاد أسرة القذافي "
                              "مقابل العودة للتنسيق الأمني وضبط الحدود."),
    # «لليبيا» only, never «ليبيا» alone.
    "s2": ("زيارة", "وصل وزير الخارجية المصري لليبيا أمس في زيارة تستغرق يومين لبحث الوضع الأمني."),
    # Hamza forms: إيران، الأمم.
    "s3": ("ترحيب أممي", "رحبت الأمم المتحدة بالاتفاق، وأعلنت إيران دعمها للحوار بين الأطراف."),
    # From sample 003: «وليبيا».
    "s4": ("تنسيق أمني", "اجتماع مسؤولين من المخابرات والأمن في تونس ومصر وليبيا لدراسة تقارير "
                         "أمنية غربية حذّرت من انتقال تنظيم داعش."),
}


@pytest.fixture
def search_store(store):
    for doc_id, (title, body) in SEARCH_DOCS.items():
        save(store, simple_doc(doc_id, body, title=title))
    return store


def ids(hits) -> set[str]:
    return {h.id for h in hits}


def test_search_strips_clitics_from_query(search_store):
    hits = search_store.search("بالجزائر")
    assert [h.id for h in hits] == ["s1"]
    assert "الجزائر" in hits[0].snippet
    assert ids(search_store.search("والقذافي")) == {"s1"}


def test_search_strips_clitics_from_text(search_store):
    hits = search_store.search("ليبيا")
    assert ids(hits) == {"s2", "s4"}
    by_id = {h.id: h for h in hits}
    body = SEARCH_DOCS["s2"][1]
    # The snippet and the hit offsets point into the original text, clitic and all.
    assert body[by_id["s2"].hit_start:by_id["s2"].hit_end] == "لليبيا"
    assert "لليبيا" in by_id["s2"].snippet
    assert SEARCH_DOCS["s4"][1][by_id["s4"].hit_start:by_id["s4"].hit_end] == "وليبيا"


def test_search_normalises_hamza_and_diacritics(search_store):
    for q in ("ايران", "إيران", "الامم", "الأمم", "بالامم"):
        assert ids(search_store.search(q)) == {"s3"}, q
    assert ids(search_store.search("حذرت")) == {"s4"}  # stored «حذّرت» carries a shadda
    assert ids(search_store.search("الأمْنِ")) == {"s4"}  # «والأمن»; «الأمني» is another word


def test_search_and_phrase_and_fallback(search_store):
    assert ids(search_store.search("الجزائر طرابلس")) == {"s1"}  # all words
    assert ids(search_store.search('"أسرة القذافي"')) == {"s1"}  # phrase in order
    assert search_store.search('"القذافي أسرة"') == []
    assert search_store.search("كلمةغيرموجودة") == []
    assert search_store.search("  ،؟ ") == []
    # No document has both words: documents with either are returned.
    assert ids(search_store.search("الجزائر تونس")) == {"s1", "s4"}


def test_search_ranks_and_titles(store):
    for p in ("001", "002", "004"):
        body = sample(p)
        save(store, simple_doc(f"seed-{p}", body, title=body.split("\n", 1)[0][:80]))
    hits = store.search("حفتر")  # 13 times in 004, once in 001 and 002
    assert [h.id for h in hits][0] == "seed-004"
    assert ids(hits) == {"seed-001", "seed-002", "seed-004"}
    assert hits[0].score > hits[-1].score
    assert all("حفتر" in h.snippet for h in hits)
    assert len(hits[0].snippet) < 250
    assert [h.id for h in store.search("حفتر", limit=1)] == ["seed-004"]
    # Title words are indexed.
    save(store, simple_doc("t", "نص قصير عن الطقس.", title="موجة حر في قسنطينة"))
    assert [h.id for h in store.search("قسنطينة")] == ["t"]


# -- stats ------------------------------------------------------------------------------------


def test_stats(store):
    doc = seed_document()
    save(store, doc)
    store.record_failure("x.txt", "empty", None, None)
    store.start_run("ingest", "v")
    st = store.stats()
    assert st["documents"] == 1 and st["duplicates"] == 0 and st["failures"] == 1
    assert st["mentions"] == 7 and st["dates"] == 1 and st["quantities"] == 1
    assert st["claims"] == 1 and st["events"] == 1 and st["runs"] == 1
    assert st["by_type"] == {"GPE": 3, "ORG": 1, "PER": 2, "TITLE": 1}
    assert st["events_by_type"] == {"REJECT": 1}


# -- concurrency and crash safety -----------------------------------------------------------------------------

WRITER = textwrap.dedent('''
    import hashlib, sys
    from marsad.document import Document, Mention, TimeExpression
    from marsad.store import Store

    url, start, body = sys.argv[1], int(sys.argv[2]), open(sys.argv[3], encoding="utf-8").read()
    stop = int(sys.argv[4]) if len(sys.argv) > 4 else None
    store = Store(url)
    words = [(i, i + len(w)) for i, w in ((body.find(w), w) for w in body.split()[:200]) if i >= 0]
    i = start
    while stop is None or i < stop:
        text = body + " " + str(i)
        doc = Document(id=f"k{i}", text=text, title=f"تقرير {i}", source=f"item-{i}")
        doc.mentions = [Mention(a, b, text[a:b], "LOC", 0.5) for a, b in words[:50]]
        doc.dates = [TimeExpression(a, b, text[a:b], "2012", "year", "absolute") for a, b in words[50:60]]
        store.save_document(doc, raw=text, content_hash=hashlib.sha256(text.encode()).hexdigest(),
                            minhash=b"m" * 64, duplicate_of=None, run_id=None)
        print(i, flush=True)
        i += 1
''')


def test_kill_9_leaves_database_consistent(store_url, tmp_path):
    script = tmp_path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    body_file = tmp_path / "body.txt"
    body_file.write_text(sample("001"), encoding="utf-8")
    Store(store_url).close()  # migrate before the writers start
    rng = random.Random(7)
    printed = 0
    start = 0
    for _round in range(4):
        proc = subprocess.Popen([sys.executable, str(script), store_url, str(start), str(body_file)],
                                stdout=subprocess.PIPE, text=True, env=dict(os.environ))
        seen = 0
        while seen < 5:  # let it commit a few, then kill it at a random moment
            line = proc.stdout.readline()
            assert line, "writer died on its own"
            seen += 1
        time.sleep(rng.uniform(0.0, 0.05))
        proc.send_signal(signal.SIGKILL)
        rest = proc.stdout.read()
        proc.wait()
        assert proc.returncode == -signal.SIGKILL
        seen += len(rest.split())
        printed += seen
        start += 10_000

    s = Store(store_url)
    try:
        st = s.stats()
        # Every printed save was committed; at most one per kill was committed but not printed.
        assert printed <= st["documents"] <= printed + 4
        assert st["mentions"] == 50 * st["documents"] and st["dates"] == 10 * st["documents"]
        engine = create_engine(store_url)
        with engine.connect() as conn:
            if s.dialect == "sqlite":
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
                conn.exec_driver_sql("INSERT INTO documents_fts(documents_fts) VALUES ('integrity-check')")
            per_doc = conn.execute(text(
                "SELECT d.id, (SELECT count(*) FROM mentions m WHERE m.document_id = d.id),"
                " (SELECT count(*) FROM dates t WHERE t.document_id = d.id),"
                " (SELECT count(*) FROM documents_fts f WHERE f.document_id = d.id) FROM documents d"
            )).all()
            orphans = conn.execute(text(
                "SELECT count(*) FROM documents_fts f WHERE f.document_id NOT IN (SELECT id FROM documents)"
            )).scalar_one()
        engine.dispose()
        assert len(per_doc) == st["documents"]
        assert all(r[1:] == (50, 10, 1) for r in per_doc), [r for r in per_doc if r[1:] != (50, 10, 1)]
        assert orphans == 0
        # The store keeps working: search finds the killed writers' documents.
        assert len(s.search("تقرير", limit=1000)) == st["documents"]
    finally:
        s.close()


def test_concurrent_writers_on_a_fresh_database(store_url, tmp_path):
    """Several processes open a database nobody has created yet and write at once (--workers N):
    one migrates while the others wait, and no write is lost to a lock."""
    script = tmp_path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    body_file = tmp_path / "body.txt"
    body_file.write_text(sample("002"), encoding="utf-8")
    procs = [subprocess.Popen([sys.executable, str(script), store_url, str(k * 1000),
                               str(body_file), str(k * 1000 + 15)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for k in range(4)]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert len(out.split()) == 15
    s = Store(store_url)
    try:
        st = s.stats()
        assert st["documents"] == 60 and st["mentions"] == 60 * 50
        assert len(s.search("تقرير", limit=100)) == 60
    finally:
        s.close()


def test_a_0001_database_is_upgraded_in_place(store_url):
    """A database written before entity links (revision 0001) keeps its documents when opened."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    from marsad.store.repository import MIGRATIONS

    engine = create_engine(store_url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(text("INSERT INTO documents (id, text, content_hash, ingested_at) "
                          "VALUES ('old1', 'نص قديم عن الجزائر', 'h-old1', CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO mentions (document_id, seq, start, \"end\", text, type, entity_id) "
                          "VALUES ('old1', 0, 10, 17, 'الجزائر', 'GPE', 'country:DZA')"))
    engine.dispose()
    s = Store(store_url)
    try:
        doc = s.get_document("old1")
        assert doc.text == "نص قديم عن الجزائر" and doc.focus is None
        assert [(m.text, m.entity_id, m.canonical) for m in doc.mentions] == [("الجزائر", "country:DZA", None)]
        assert s.decisions() == []
    finally:
        s.close()
