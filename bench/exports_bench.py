"""Export benchmark: ingest N SaudiNewsNet articles (benchmark use only: the corpus is non-commercial and
none of its text enters the repository), then export them to every format and time it; check that the
STIX bundle parses with stix2 (allow_custom=False, warnings as errors); import the STIX bundle and the
JSONL into fresh databases and compare their counts with the source database.

Usage:  .venv/bin/python bench/exports_bench.py [--n 2000] [--db sqlite:///bench/out/exports.db]
        (an existing --db with the articles is reused; otherwise they are ingested into it)
Writes bench/out/exports_bench.json and prints a Markdown table for docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import gzip
import io
import json
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COUNTED = ("documents", "duplicates", "mentions", "dates", "quantities", "claims", "events", "by_type",
           "events_by_type")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "saudinewsnet" / "articles.jsonl.gz"))
    ap.add_argument("--db", default=f"sqlite:///{ROOT / 'bench' / 'out' / 'exports.db'}")
    args = ap.parse_args()

    import stix2

    from marsad.exports import FORMATS, jsonl, stix_import
    from marsad.exports.render import render
    from marsad.jobs import ingest_paths
    from marsad.store import Store
    from marsad.store.access import SYSTEM

    tmp = Path(tempfile.mkdtemp(prefix="marsad-exports-"))
    store = Store(args.db)
    ingest_s = None
    if store.stats()["documents"] < args.n:
        src = tmp / "articles.jsonl"
        with gzip.open(args.data, "rt", encoding="utf-8") as f, open(src, "w", encoding="utf-8") as out:
            for i, line in enumerate(f):
                if i >= args.n:
                    break
                out.write(line)
        t = time.perf_counter()
        counts = ingest_paths(store, [str(src)])
        ingest_s = time.perf_counter() - t
        print(f"ingested: {counts.as_dict()} in {ingest_s:.1f} s")
    stats = store.stats()

    results: dict[str, dict] = {}
    blobs: dict[str, bytes] = {}
    for fmt in FORMATS:
        t = time.perf_counter()
        data, n = render(fmt, store, SYSTEM)
        wall = time.perf_counter() - t
        blobs[fmt] = data
        results[fmt] = {"seconds": round(wall, 2), "bytes": len(data), "items": n}
        print(f"{fmt:8s} {wall:7.2f} s {len(data):>13,} bytes {n:>8,} items")

    # the bundle as a STIX consumer reads it: no custom objects or properties, no warnings
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parsed = stix2.parse(blobs["stix"].decode("utf-8"), allow_custom=False)
    parse_s = time.perf_counter() - t
    by_type: dict[str, int] = {}
    for o in parsed.objects:
        by_type[o.type] = by_type.get(o.type, 0) + 1
    print(f"stix2.parse(allow_custom=False): {len(parsed.objects)} objects in {parse_s:.1f} s, {by_type}")
    again, _ = render("stix", store, SYSTEM)
    deterministic = again == blobs["stix"]

    round_trips = {}
    for fmt in ("stix", "jsonl"):
        fresh = Store(f"sqlite:///{tmp / f'import-{fmt}.db'}")
        t = time.perf_counter()
        stream = io.StringIO(blobs[fmt].decode("utf-8"))
        if fmt == "stix":
            c = stix_import.import_bundle(fresh, stream, "bundle.json")
        else:
            c = jsonl.import_records(fresh, jsonl.read_jsonl(stream, "export.jsonl"))
        wall = time.perf_counter() - t
        got = fresh.stats()
        same = {k: stats[k] for k in COUNTED} == {k: got[k] for k in COUNTED}
        round_trips[fmt] = {"seconds": round(wall, 1), "counts": c.as_dict(), "same_counts": same}
        print(f"import {fmt}: {c.as_dict()} in {wall:.1f} s; same counts as the source: {same}")
        fresh.close()

    report = {"n_requested": args.n, "ingest_seconds": ingest_s,
              "database": {k: stats[k] for k in ("documents", "duplicates", "mentions", "claims", "events")},
              "exports": results, "stix_parse": {"seconds": round(parse_s, 1), "objects": len(parsed.objects),
                                                 "by_type": by_type, "deterministic": deterministic},
              "round_trips": round_trips}
    out = ROOT / "bench" / "out" / "exports_bench.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    print("\n| format | time | size | items |\n|---|---|---|---|")
    for fmt, r in results.items():
        print(f"| {fmt} | {r['seconds']:.2f} s | {r['bytes'] / 1e6:.1f} MB | {r['items']:,} |")
    store.close()


if __name__ == "__main__":
    main()
