"""`marsad ingest --workers N`: the pipeline on Dask workers stores exactly what the single-process
run stores (documents, every annotation, near-duplicate marks, failures, stories, event groups),
with the same bad-input handling and the same idempotency."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

import marsad
from marsad.distributed import dask_client, dask_ingest_paths
from marsad.jobs import ingest_paths
from marsad.store import Store
from marsad.store.schema import (
    claims, dates, documents, event_groups, events, failures, mentions, quantities, stories,
)

from conftest import backend_of, empty_db

SAMPLES = Path(marsad.__file__).parent / "samples"

# what a run writes about itself (times, run ids) differs by nature; everything else must be equal
_VOLATILE = {"ingested_at", "run_id", "first_seen", "last_seen", "resolved_at", "created_at", "updated_at",
             "id"}


def _input(tmp_path: Path) -> list[str]:
    """The bundled samples, and a JSONL file with the samples dated, an exact duplicate, a shortened
    copy (a near-duplicate), a line that is not JSON and a record with empty text."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("*.txt"))]
    lines = [json.dumps({"id": f"s{i}", "text": t, "published": f"2012-05-{10 + i}", "outlet": "الخبر"},
                        ensure_ascii=False) for i, t in enumerate(texts)]
    paras = [x for x in texts[1].split("\n") if x.strip()]
    lines.append(json.dumps({"id": "dup", "text": texts[0], "published": "2012-05-10"}, ensure_ascii=False))
    lines.append(json.dumps({"id": "near", "text": "\n".join(paras[:-2]), "published": "2012-05-12",
                             "outlet": "الشروق"}, ensure_ascii=False))
    lines.append("{not json")
    lines.append(json.dumps({"id": "empty", "text": "   "}))
    f = tmp_path / "batch.jsonl"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [str(SAMPLES), str(f)]


def _dump(url: str) -> dict[str, list]:
    """Every stored row, without volatile columns, in a stable order; ids of stories and event groups
    are kept through the references to them (story_id, group_id), so the groupings must match."""
    engine = create_engine(url)
    out = {}
    with engine.connect() as c:
        for t in (documents, mentions, dates, quantities, claims, events, failures, stories, event_groups):
            rows = []
            for r in c.execute(select(t)).mappings():
                d = {k: (bytes(v) if isinstance(v, memoryview) else v) for k, v in r.items() if k not in _VOLATILE}
                if t in (stories, event_groups):
                    d["key"] = r["id"]  # referenced by documents.story_id / events.group_id
                rows.append(d)
            out[t.name] = sorted(rows, key=lambda d: json.dumps(d, sort_keys=True, default=str, ensure_ascii=False))
        out["fts"] = sorted(c.execute(text("SELECT document_id, terms FROM documents_fts")).all())
    engine.dispose()
    return out


@pytest.fixture
def second_url(store_url, tmp_path):
    """Another empty database of the same kind as ``store_url``."""
    with empty_db(backend_of(store_url), tmp_path / "dask") as url:
        yield url


@pytest.fixture(scope="module")
def client():
    with dask_client(workers=2) as c:
        yield c


def test_dask_run_stores_exactly_what_the_single_process_run_stores(store_url, second_url, client, tmp_path):
    paths = _input(tmp_path)
    with Store(store_url) as one:
        single = ingest_paths(one, paths)
    with Store(second_url) as two:
        assert len(client.scheduler_info()["workers"]) == 2
        dask = dask_ingest_paths(two, paths, client=client)
    assert single.as_dict() == dask.as_dict()
    # 5 samples as files + 5 as JSONL lines (the same texts: duplicates) + dup + near + 2 bad lines
    assert single.as_dict() == {"read": 14, "stored": 6, "duplicates": 6, "near_duplicates": 1, "failed": 2}
    assert sorted(single.failures) == sorted(dask.failures)
    a, b = _dump(store_url), _dump(second_url)
    assert a["documents"] and a["mentions"] and a["events"] and a["stories"] and a["event_groups"]
    assert any(d["duplicate_of"] for d in a["documents"])
    for table in a:
        assert a[table] == b[table], f"{table} differs between the single-process and the Dask run"


def test_dask_rerun_is_idempotent_and_keeps_failures(store_url, client, tmp_path):
    paths = _input(tmp_path)
    with Store(store_url) as s:
        first = dask_ingest_paths(s, paths, client=client)
        before = _dump(store_url)
        again = dask_ingest_paths(s, paths, client=client)
        assert again.stored == 0 and again.duplicates == first.stored + first.duplicates
        assert again.failed == 2 and {k for k, _ in again.failures} == {k for k, _ in first.failures}
        after = _dump(store_url)
    for table in ("documents", "mentions", "events", "stories", "event_groups"):
        assert before[table] == after[table]
    # a failure seen twice counts two attempts, still one row each
    assert [f["attempts"] for f in after["failures"]] == [2, 2]


def test_cli_workers_option(tmp_path):
    from typer.testing import CliRunner

    from marsad.cli import app

    db = f"sqlite:///{tmp_path / 'cli.db'}"
    res = CliRunner().invoke(app, ["ingest", "-q", "--workers", "2", "--db", db, str(SAMPLES)])
    assert res.exit_code == 0, res.output
    assert "stored 5" in res.output
    res = CliRunner().invoke(app, ["stats", "--json", "--db", db])
    s = json.loads(res.output)
    assert s["documents"] == 5 and s["stories"] >= 1 and 1 <= s["event_groups"] <= s["events"]
    res = CliRunner().invoke(app, ["ingest", "-q", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1",
                                   "--db", db, str(SAMPLES)])
    assert res.exit_code == 2 and "not both" in res.output
    res = CliRunner().invoke(app, ["ingest", "-q", "--scheduler", "tcp://127.0.0.1:9", "--db", db, str(SAMPLES)])
    assert res.exit_code == 2 and "cannot reach the Dask scheduler tcp://127.0.0.1:9" in res.output


def test_a_pipeline_error_on_a_worker_is_the_same_failure_as_in_one_process(store_url, second_url, monkeypatch, tmp_path):
    """An article the pipeline cannot analyse: recorded with the same reason, the batch goes on."""
    from marsad import distributed
    from marsad.jobs import Ingester
    from marsad.ingest import read_sources
    from marsad.pipeline.pipeline import default_pipeline

    real = default_pipeline()

    class Breaks:  # fails on one real article, analyses the others
        version = real.version

        def with_link_overrides(self, _):
            return self

        def __call__(self, doc):
            if "طرابلس" in doc.text:
                raise ValueError("no analysis for this one")
            return real(doc)

    paths = [str(SAMPLES)]
    with Store(store_url) as s:
        single = Ingester(s, pipeline=Breaks()).run(read_sources(paths), "t")

    class Direct:  # a client that runs each task here, in this process, with the breaking pipeline
        def scheduler_info(self):
            return {"workers": {"here": {}}}

        def submit(self, fn, *args, pure=False):
            from concurrent.futures import Future
            f = Future()
            f.set_result(fn(*args))
            return f

    monkeypatch.setattr(distributed, "_worker_pipeline", lambda overrides: Breaks())
    with Store(second_url) as s:
        dask = distributed.DaskIngester(s, Direct()).run(read_sources(paths), "t")
    assert 0 < single.failed < 5 and single.as_dict() == dask.as_dict()
    assert sorted(single.failures) == sorted(dask.failures)
    assert all(r.startswith("analysis failed: ValueError: no analysis for this one") for _, r in dask.failures)
    assert _dump(store_url) == _dump(second_url)
