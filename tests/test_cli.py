"""End-to-end through the command line: ingest, re-ingest, bad input, kill -9, extract contract."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "src" / "marsad" / "samples"
MARSAD = [sys.executable, "-m", "marsad.cli"]


def marsad(*args: str, db: str | None = None, stdin: bytes | None = None, check: int | None = 0
           ) -> subprocess.CompletedProcess:
    cmd = [*MARSAD, *args]
    if db:
        cmd += ["--db", db]
    p = subprocess.run(cmd, input=stdin, capture_output=True, cwd=ROOT, timeout=600)
    if check is not None:
        assert p.returncode == check, (p.returncode, p.stdout.decode()[-2000:], p.stderr.decode()[-2000:])
    return p


def stats(db: str) -> dict:
    return json.loads(marsad("stats", "--json", db=db).stdout)


def sql(db: str, query: str) -> list[tuple]:
    """The rows of one query, read beside the CLI (SQLite file or PostgreSQL schema alike)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(db)
    try:
        with engine.connect() as c:
            return [tuple(r) for r in c.execute(text(query))]
    finally:
        engine.dispose()


# Tests that read or write the store take conftest's ``store_url`` (SQLite, and PostgreSQL when
# MARSAD_TEST_PG_URL is set); those about a database file's path or about the command line alone stay on SQLite.


def test_ingest_samples_then_reingest_changes_nothing(store_url: str) -> None:
    db = store_url
    p = marsad("ingest", "-q", str(SAMPLES), db=db)
    assert "read 5, stored 5, duplicates 0" in p.stdout.decode()
    s = stats(db)
    assert s["documents"] == 5 and s["failures"] == 0
    p = marsad("ingest", "-q", str(SAMPLES), db=db)
    assert "stored 0, duplicates 5" in p.stdout.decode()
    assert stats(db)["documents"] == 5
    # the bundled metadata: outlet where the text names it, publication date unknown
    rows = dict(sql(db, "select source, outlet from documents"))
    assert sum(1 for v in rows.values() if v == "الخبر") == 2
    assert sql(db, "select count(*) from documents where published is not null") == [(0,)]
    # litter is gone from the stored text but kept in the raw input
    (text, raw), = sql(db, "select text, raw from documents where source like '%002_%'")
    assert "اترك تعليقاً" not in text and "اترك تعليقاً" in raw
    # search is Arabic-normalised and ignores clitics
    hits = json.loads(marsad("search", "بسبها", "--json", db=db).stdout)
    assert len(hits) == 1 and "سبها" in hits[0]["snippet"]  # only article 004 speaks of Sabha
    # Algerian ڤ (= ق): "ڤايد صالح" in article 001 is found under both spellings
    for q in ("ڤايد", "قايد", "قايد صالح"):
        hits = json.loads(marsad("search", q, "--json", db=db).stdout)
        assert len(hits) == 1 and "صالح" in hits[0]["snippet"], q


def test_same_external_id_in_two_files_does_not_collide(store_url: str, tmp_path: Path) -> None:
    db = store_url
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text(json.dumps({"id": "1", "text": "قال مصدر أمني إن الجيش اعتقل ثلاثة مسلحين في ورقلة."},
                            ensure_ascii=False) + "\n", encoding="utf-8")
    b.write_text(json.dumps({"id": "1", "text": "أعلنت وزارة الدفاع الجزائرية تدمير مخبأ للإرهابيين في تيزي وزو."},
                            ensure_ascii=False) + "\n", encoding="utf-8")
    marsad("ingest", "-q", str(a), str(b), db=db)
    assert stats(db)["documents"] == 2
    assert [r[0] for r in sql(db, "select external_id from documents")] == ["1", "1"]


def test_read_only_commands_do_not_create_a_database(tmp_path: Path) -> None:
    missing = tmp_path / "typo" / "x.db"
    for cmd in (("stats",), ("docs",), ("search", "ليبيا"), ("failures",)):
        p = marsad(*cmd, db=f"sqlite:///{missing}", check=2)
        assert "no database at" in p.stderr.decode() and len(p.stderr.decode().strip().splitlines()) == 1
    assert not missing.parent.exists()


def test_unknown_format_is_a_usage_error_not_a_traceback(tmp_path: Path) -> None:
    p = marsad("ingest", str(SAMPLES), "--format", "foo", db=f"sqlite:///{tmp_path / 'm.db'}", check=2)
    assert "Traceback" not in p.stderr.decode() and "txt" in p.stderr.decode()
    p = marsad("extract", "--input", "foo", "-", stdin=b"x", check=2)
    assert "Traceback" not in p.stderr.decode()


def _bad_folder(tmp_path: Path) -> Path:
    d = tmp_path / "inbox"
    (d / "sub").mkdir(parents=True)
    good = next(SAMPLES.glob("003_*.txt")).read_text(encoding="utf-8")
    (d / "good.txt").write_text(good, encoding="utf-8")
    (d / "sub" / "cp1256.txt").write_bytes(next(SAMPLES.glob("000_*.txt")).read_text(encoding="utf-8").encode("cp1256"))
    (d / "binary.txt").write_bytes(bytes(range(256)) * 64)
    (d / "empty.txt").write_bytes(b"")
    (d / "broken.jsonl").write_text(
        json.dumps({"id": "ok1", "text": "قال مصدر أمني إن الجيش اعتقل ثلاثة مسلحين في ورقلة أمس."}, ensure_ascii=False)
        + "\n{not json\n", encoding="utf-8")
    (d / "feed.xml").write_text("<rss><channel><item><title>x</ti", encoding="utf-8")
    return d


def test_bad_inputs_fail_one_line_each_and_good_ones_are_stored(store_url: str, tmp_path: Path) -> None:
    db = store_url
    d = _bad_folder(tmp_path)
    p = marsad("ingest", "-q", str(d), db=db, check=1)
    err = p.stderr.decode()
    for name in ("binary.txt", "empty.txt", "broken.jsonl:2", "feed.xml"):
        lines = [line for line in err.splitlines() if name in line and "failed" in line]
        assert len(lines) == 1, (name, err)
    s = stats(db)
    assert s["documents"] == 3  # good.txt, cp1256.txt, broken.jsonl:1
    assert s["failures"] == 4
    # a re-run stores nothing new and keeps one failures row per item, with its attempt count
    marsad("ingest", "-q", str(d), db=db, check=1)
    s = stats(db)
    assert s["documents"] == 3 and s["failures"] == 4
    attempts = [r[0] for r in sql(db, "select attempts from failures")]
    assert attempts == [2, 2, 2, 2]
    listing = marsad("failures", db=db).stdout.decode()
    assert "binary" in listing and "empty" in listing


def test_retry_stores_a_fixed_item(tmp_path: Path) -> None:
    # SQLite only, to keep the suite short: the failures table's upsert on both backends is covered above
    db = f"sqlite:///{tmp_path / 'm.db'}"
    d = tmp_path / "in"
    d.mkdir()
    f = d / "later.txt"
    f.write_bytes(b"")
    marsad("ingest", "-q", str(d), db=db, check=1)
    assert stats(db)["failures"] == 1
    f.write_text(next(SAMPLES.glob("001_*.txt")).read_text(encoding="utf-8"), encoding="utf-8")
    marsad("failures", "--retry", db=db)
    s = stats(db)
    assert s["documents"] == 1 and s["failures"] == 0


def _many_jsonl(path: Path, n: int) -> None:
    """``n`` distinct articles made of sentences of the bundled samples, in seeded random order."""
    import random
    import re

    pool = [x.strip() for p in sorted(SAMPLES.glob("*.txt"))
            for x in re.split(r"(?<=[.!؟])\s+", p.read_text(encoding="utf-8")) if len(x.strip()) > 40]
    rng = random.Random(7)
    with open(path, "w", encoding="utf-8") as out:
        for k in range(n):
            text = " ".join(rng.sample(pool, 8))
            out.write(json.dumps({"id": f"a{k}", "text": text}, ensure_ascii=False) + "\n")


def test_kill_9_midway_leaves_a_consistent_db_and_rerun_completes(store_url: str, tmp_path: Path) -> None:
    from sqlalchemy.exc import DBAPIError

    db = store_url
    src = tmp_path / "many.jsonl"
    _many_jsonl(src, 300)
    proc = subprocess.Popen([*MARSAD, "ingest", "-q", "--db", db, str(src)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # wait until some documents are in, then kill without warning
    deadline = time.time() + 120
    n = 0
    while time.time() < deadline:
        time.sleep(0.3)
        try:
            n = sql(db, "select count(*) from documents")[0][0]
        except DBAPIError:  # no tables yet, or the file is locked
            continue
        if n >= 20:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    n = sql(db, "select count(*) from documents")[0][0]  # what was committed before the kill, not before the poll
    assert 20 <= n < 300
    if db.startswith("sqlite"):
        assert sql(db, "pragma integrity_check") == [("ok",)]
    # no annotation rows without their document
    for table in ("mentions", "events", "claims", "dates"):
        assert sql(db, f"select count(*) from {table} where document_id not in (select id from documents)") == [(0,)]
    p = marsad("ingest", "-q", str(src), db=db)
    s = stats(db)
    distinct = int(p.stdout.decode().split("stored ")[1].split(",")[0]) + n
    assert s["documents"] == distinct
    assert sql(db, "select count(*) - count(distinct content_hash) from documents") == [(0,)]


def test_extract_contract_jsonl_keeps_ids_and_offsets() -> None:
    lines = [
        {"id": "x1", "text": "قال اللواء المتقاعد خليفة حفتر أمس إن قواته دخلت طرابلس يوم 29 أوت 2011."},
        {"id": "x2", "text": "وقال مصدر أمني جزائري إن الجيش اعتقل 3 مسلحين في ورقلة.", "published": "2015-08-14"},
    ]
    inp = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines).encode()
    p = marsad("extract", "--input", "jsonl", "--format", "jsonl", "-", stdin=inp)
    out = [json.loads(line) for line in p.stdout.decode().splitlines()]
    assert [o["id"] for o in out] == ["x1", "x2"]
    for o in out:
        for key in ("id", "text", "published", "entities", "dates", "quantities", "claims", "events"):
            assert key in o
        for rec in o["entities"] + o["dates"]:
            assert o["text"][rec["start"]:rec["end"]] == rec["text"]
        assert o["pipeline_version"]
    d1 = {d["text"]: d for d in out[0]["dates"]}
    assert d1["يوم 29 أوت 2011"]["value"] == "2011-08-29"
    assert d1["أمس"]["value"] is None  # no publication date: unresolved, never guessed
    assert out[1]["published"] == "2015-08-14"
    assert any(e["text"] == "خليفة حفتر" and e["type"] == "PER" for e in out[0]["entities"])
    assert any(e["text"] == "طرابلس" and e["type"] in ("GPE", "LOC") for e in out[0]["entities"])


def test_help_everywhere() -> None:
    for cmd in ("ingest", "extract", "show", "search", "docs", "failures", "stats"):
        p = marsad(cmd, "--help")
        assert "Usage" in p.stdout.decode()


def test_a_publication_date_that_is_not_a_date_is_a_warning_and_stays_unknown() -> None:
    line = {"id": "w", "text": "قال مصدر أمني أمس إن الجيش اعتقل مسلحين.", "published": "05/08/2015"}
    p = marsad("extract", "--input", "jsonl", "--format", "jsonl", "-",
               stdin=(json.dumps(line, ensure_ascii=False) + "\n").encode())
    out = json.loads(p.stdout)
    assert out["published"] is None
    assert next(d for d in out["dates"] if d["text"] == "أمس")["value"] is None
    warnings = [x for x in p.stderr.decode().splitlines() if x.startswith("warning")]
    assert len(warnings) == 1 and "05/08/2015" in warnings[0]
