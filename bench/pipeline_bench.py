"""Throughput, memory and cold start of extract and ingest over SaudiNewsNet articles.

SaudiNewsNet is CC BY-NC-SA: it is read from ../shared at run time and never copied into the repo.
Usage:  .venv/bin/python bench/pipeline_bench.py [--n 2000] [--data ../shared/data/saudinewsnet/articles.jsonl.gz]
Prints a JSON summary and writes it to bench/out/pipeline.json. Each command runs pinned to one core
(taskset -c 0) so "per core" figures mean what they say.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARSAD = str(Path(sys.executable).parent / "marsad")


_WRAP = ("import resource, subprocess, sys; p = subprocess.run(sys.argv[1:]); "
         "sys.stderr.write('\\nMAXRSS_KB %d\\n' % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
         "sys.exit(p.returncode)")


def run_measured(cmd: list[str]) -> tuple[float, int, subprocess.CompletedProcess]:
    """Wall time and peak RSS (MiB) of one child process pinned to core 0 (measured by a wrapper)."""
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", "0", *cmd]
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _WRAP, *cmd], stdin=subprocess.DEVNULL, capture_output=True)
    wall = time.perf_counter() - t0
    err = proc.stderr.decode()
    rss_kb = int(err.rsplit("MAXRSS_KB", 1)[1].split()[0])
    return wall, rss_kb // 1024, proc


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "saudinewsnet" / "articles.jsonl.gz"))
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="marsad-bench-"))
    src = tmp / "articles.jsonl"
    n = chars = 0
    with gzip.open(args.data, "rt", encoding="utf-8") as f, open(src, "w", encoding="utf-8") as out:
        for line in f:
            rec = json.loads(line)
            text = (rec.get("content") or "").strip()
            if not text:
                continue
            out.write(json.dumps({"id": f"snn{rec.get('idx', n)}", "text": text, "title": rec.get("title"),
                                  "url": rec.get("url"), "outlet": rec.get("source"),
                                  "published": (rec.get("date_extracted") or "")[:10] or None},
                                 ensure_ascii=False) + "\n")
            n += 1
            chars += len(text)
            if n >= args.n:
                break
    one = tmp / "one.txt"
    one.write_text(json.loads(src.read_text(encoding="utf-8").splitlines()[0])["text"], encoding="utf-8")

    # cold start: a fresh process analysing one article (median of 5)
    colds = []
    for _ in range(5):
        wall, _, proc = run_measured([MARSAD, "extract", str(one)])
        assert proc.returncode == 0, proc.stderr.decode()[-500:]
        colds.append(wall)

    wall_x, rss_x, proc = run_measured([MARSAD, "extract", "--input", "jsonl", "--format", "jsonl", str(src)])
    assert proc.returncode == 0, proc.stderr.decode()[-500:]
    out_lines = proc.stdout.decode().splitlines()
    records = [json.loads(line) for line in out_lines]
    ents = sum(len(r["entities"]) for r in records)
    dates = sum(len(r["dates"]) for r in records)

    db = tmp / "bench.db"
    wall_i, rss_i, proc = run_measured([MARSAD, "ingest", "-q", "--db", f"sqlite:///{db}", str(src)])
    ingest_out = proc.stdout.decode().strip().splitlines()[-1:] + proc.stderr.decode().strip().splitlines()[-3:]
    wall_r, _, proc2 = run_measured([MARSAD, "ingest", "-q", "--db", f"sqlite:///{db}", str(src)])

    result = {
        "articles": n,
        "mean_chars": round(chars / n),
        "cold_start_extract_one_s": round(statistics.median(colds), 3),
        "extract": {"wall_s": round(wall_x, 2), "articles_per_s": round(n / wall_x, 1),
                    "docs_out": len(records), "entities": ents, "dates": dates},
        "extract_peak_rss_mib": rss_x,
        "ingest_sqlite": {"wall_s": round(wall_i, 2), "articles_per_s": round(n / wall_i, 1),
                          "exit": proc.returncode, "summary": ingest_out,
                          "db_mib": round(db.stat().st_size / 2**20, 1)},
        "ingest_peak_rss_mib": rss_i,
        "reingest_same_inputs": {"wall_s": round(wall_r, 2), "exit": proc2.returncode,
                                 "summary": proc2.stdout.decode().strip().splitlines()[-1:]},
        "one_core": bool(shutil.which("taskset")),
        "python": sys.version.split()[0],
    }
    (ROOT / "bench" / "out").mkdir(exist_ok=True)
    (ROOT / "bench" / "out" / "pipeline.json").write_text(json.dumps(result, ensure_ascii=False, indent=1))
    print(json.dumps(result, ensure_ascii=False, indent=1))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
