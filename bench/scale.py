"""Scale benchmark: single process vs Dask workers, PostgreSQL ingest, search p95, clustering time.

SaudiNewsNet (CC BY-NC-SA) is read from ../shared at run time and never copied into the repo.
Usage:  .venv/bin/python bench/scale.py [--n 24448] [--workers 2] [--pg URL] [--skip-single]
Prints a JSON summary and writes it to bench/out/scale.json (or --out).

- single: `marsad ingest -q` in a child process (wall time, peak RSS);
- dask: the same input through DaskIngester on a LocalCluster of --workers processes in this process
  (wall time including cluster start, each worker's peak RSS, the client's peak RSS); the stored
  counts must equal the single run's;
- pg (with --pg): the Dask run again into PostgreSQL (a fresh schema, dropped afterwards);
- search: Store.search over the single-process database, 30 queries x 5 rounds, p50/p95;
- clustering: CrossDoc.rebuild() over the same database (story vectors computed again, every
  document and event assigned again), and the resulting counts.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARSAD = str(Path(sys.executable).parent / "marsad")
# common words of Gulf news (places, institutions, topics): what an analyst types, not facts
QUERIES = ["اليمن", "الحوثيين", "عدن", "مجلس الأمن", "النفط", "الرياض", "إيران", "الاتفاق النووي", "داعش",
           "سوريا", "حلب", "العراق", "الأمير", "وزير الخارجية", "التعليم", "الصحة", "جدة", "مكة", "الحج",
           "أسعار", "السوق", "الهلال", "النصر", "تفجير", "هجوم", "قتلى", "مظاهرات", "الأمم المتحدة",
           "ولي العهد", "الشرطة"]
_WRAP = ("import resource, subprocess, sys; p = subprocess.run(sys.argv[1:]); "
         "sys.stderr.write('\\nMAXRSS_KB %d\\n' % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
         "sys.exit(p.returncode)")


def prepare(data: str, n: int, dest: Path) -> int:
    k = 0
    with gzip.open(data, "rt", encoding="utf-8") as f, open(dest, "w", encoding="utf-8") as out:
        for line in f:
            rec = json.loads(line)
            out.write(json.dumps({"id": f"snn{rec.get('idx', k)}", "text": rec.get("content") or "",
                                  "title": rec.get("title"), "url": rec.get("url"), "outlet": rec.get("source"),
                                  "published": (rec.get("date_extracted") or "")[:10] or None},
                                 ensure_ascii=False) + "\n")
            k += 1
            if k >= n:
                break
    return k


def counts_of(url: str) -> dict:
    from marsad.cli_scale import crossdoc_stats
    from marsad.store import Store

    with Store(url) as s:
        st = s.stats()
        st.update(crossdoc_stats(s))
    return {k: st[k] for k in ("documents", "duplicates", "failures", "mentions", "events", "event_groups",
                               "event_groups_multi_report", "stories", "stories_multi_article")}


def run_single(src: Path, db: str) -> dict:
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", _WRAP, MARSAD, "ingest", "-q", "--db", db, str(src)],
                       capture_output=True, stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    err = p.stderr.decode()
    return {"wall_s": round(wall, 1), "peak_rss_mb": int(err.rsplit("MAXRSS_KB", 1)[1].split()[0]) // 1024,
            "summary": p.stdout.decode().strip(), "exit": p.returncode}


def run_dask(src: Path, db: str, workers: int) -> dict:
    from marsad.distributed import DaskIngester, dask_client
    from marsad.ingest import read_sources
    from marsad.store import Store

    t0 = time.perf_counter()
    with dask_client(workers=workers) as client, Store(db) as store:
        t_cluster = time.perf_counter() - t0
        ing = DaskIngester(store, client)
        c = ing.run(read_sources([str(src)]), f"bench scale dask {workers}")
        mem = ing.worker_memory()
    wall = time.perf_counter() - t0
    return {"wall_s": round(wall, 1), "cluster_start_s": round(t_cluster, 1), "counts": c.as_dict(),
            "worker_peak_rss_mb": mem, "client_busy_s": round(ing.client_busy_s, 1),
            "client_capacity_articles_per_s": round(c.read / ing.client_busy_s, 1) if ing.client_busy_s else None, "client_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}


def search_times(db: str) -> dict:
    from marsad.store import Store

    times = []
    with Store(db) as s:
        for q in QUERIES:  # warm-up
            s.search(q, limit=20)
        for _ in range(5):
            for q in QUERIES:
                t0 = time.perf_counter()
                s.search(q, limit=20)
                times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {"queries": len(times), "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[int(0.95 * len(times)) - 1], 1), "max_ms": round(times[-1], 1)}


def clustering(db: str) -> dict:
    from marsad.crossdoc import CrossDoc
    from marsad.store import Store

    with Store(db) as s:
        t0 = time.perf_counter()
        n = CrossDoc(s).rebuild()
        wall = time.perf_counter() - t0
    return {"documents": n, "wall_s": round(wall, 1), "per_document_ms": round(1000 * wall / max(n, 1), 2)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=24448)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--pg", default=None, help="PostgreSQL URL (a schema of its own is made and dropped)")
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "saudinewsnet" / "articles.jsonl.gz"))
    ap.add_argument("--only-db", default=None, help="skip the ingest runs: search and clustering over this "
                    "existing database (a copy: opening it migrates it)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "out" / "scale.json"))
    args = ap.parse_args()

    if args.only_db:
        res = {"db": args.only_db, "cpus": os.cpu_count(), "loadavg_start": os.getloadavg()}
        res["search"] = search_times(args.only_db)
        res["clustering_rebuild"] = clustering(args.only_db)
        res["clustering_rebuild"]["stored"] = counts_of(args.only_db)
        res["loadavg_end"] = os.getloadavg()
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(res, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(json.dumps(res, ensure_ascii=False, indent=1))
        return
    tmp = Path(tempfile.mkdtemp(prefix="marsad-scale-"))
    src = tmp / "articles.jsonl"
    n = prepare(args.data, args.n, src)
    res: dict = {"n": n, "workers": args.workers, "cpus": os.cpu_count(),
                 "loadavg_start": os.getloadavg()}
    single_db = f"sqlite:///{tmp / 'single.db'}"
    res["single"] = run_single(src, single_db)
    res["single"]["loadavg_after"] = os.getloadavg()
    res["single"]["articles_per_s"] = round(n / res["single"]["wall_s"], 1)
    res["single"]["stored"] = counts_of(single_db)
    print(json.dumps(res["single"], ensure_ascii=False), flush=True)

    dask_db = f"sqlite:///{tmp / 'dask.db'}"
    res["dask"] = run_dask(src, dask_db, args.workers)
    res["dask"]["loadavg_after"] = os.getloadavg()
    res["dask"]["articles_per_s"] = round(n / res["dask"]["wall_s"], 1)
    res["dask"]["stored"] = counts_of(dask_db)
    res["dask"]["speed_up"] = round(res["single"]["wall_s"] / res["dask"]["wall_s"], 2)
    res["dask"]["same_as_single"] = res["dask"]["stored"] == res["single"]["stored"]
    print(json.dumps(res["dask"], ensure_ascii=False), flush=True)

    if args.pg:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.pg)
        with admin.begin() as c:
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(args.pg).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False)
        try:
            res["pg_dask"] = run_dask(src, url, args.workers)
            res["pg_dask"]["articles_per_s"] = round(n / res["pg_dask"]["wall_s"], 1)
            res["pg_dask"]["stored"] = counts_of(url)
            res["pg_dask"]["same_as_single"] = res["pg_dask"]["stored"] == res["single"]["stored"]
            res["pg_search"] = search_times(url)
        finally:
            with admin.begin() as c:
                c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()
        print(json.dumps(res["pg_dask"], ensure_ascii=False), flush=True)

    res["search_sqlite"] = search_times(single_db)
    res["clustering_rebuild"] = clustering(single_db)
    res["clustering_rebuild"]["stored"] = counts_of(single_db)
    res["loadavg_end"] = os.getloadavg()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(res, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(res, ensure_ascii=False, indent=1))


if __name__ == "__main__":  # Dask's worker processes import this module: the guard keeps them out of main()
    main()
