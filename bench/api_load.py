"""Load test of the JSON API: concurrent clients against a real `marsad serve` (uvicorn) on 127.0.0.1.

The database holds SaudiNewsNet articles (CC BY-NC-SA: read from ../shared at run time, benchmark use only,
never copied into the repo), ingested once with `marsad ingest` and cached under bench/out/ (gitignored).
The clients (httpx.AsyncClient, one connection each) loop over a fixed mix of search, entity-page and
event-list requests drawn from the database's own entities and event types, for a bounded time and
request count; every answer must be 200.

The API's response cache (X-Cache: hit/miss) is on by default, as served; the summary reports its hit rate,
and ``--no-cache`` (MARSAD_API_CACHE=0 for the server) measures every request on the queries themselves. The
machine's load average (/proc/loadavg) before and after the run goes into the summary: on a shared machine
other jobs' load changes the figures.

Usage:  .venv/bin/python bench/api_load.py [--n 2000] [--clients 50] [--seconds 30] [--workers 1] [--no-cache]
Prints a JSON summary, writes it to bench/out/api_load.json and a Markdown table to bench/out/api_load.md.
"""
from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import random
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
MARSAD = str(Path(sys.executable).parent / "marsad")
DATA = ROOT.parent / "shared" / "data" / "saudinewsnet" / "articles.jsonl.gz"


def build_db(db: Path, n: int, data: Path) -> float:
    """Ingests the first ``n`` non-empty SaudiNewsNet articles into ``db``; returns the wall time."""
    for p in db.parent.glob(db.name + "*"):
        p.unlink()
    tmp = Path(tempfile.mkdtemp(prefix="marsad-api-load-")) / "articles.jsonl"
    k = 0
    with gzip.open(data, "rt", encoding="utf-8") as f, open(tmp, "w", encoding="utf-8") as out:
        for line in f:
            rec = json.loads(line)
            text = (rec.get("content") or "").strip()
            if not text:
                continue
            out.write(json.dumps({"id": f"snn{rec.get('idx', k)}", "text": text, "title": rec.get("title"),
                                  "url": rec.get("url"), "outlet": rec.get("source"),
                                  "published": (rec.get("date_extracted") or "")[:10] or None},
                                 ensure_ascii=False) + "\n")
            k += 1
            if k >= n:
                break
    t0 = time.perf_counter()
    subprocess.run([MARSAD, "ingest", "-q", "--db", f"sqlite:///{db}", str(tmp)], check=True)
    tmp.unlink()
    return time.perf_counter() - t0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, port: int, workers: int, cache: bool = True) -> subprocess.Popen:
    env = {**os.environ, "MARSAD_API_CACHE": os.environ.get("MARSAD_API_CACHE", "4096") if cache else "0"}
    proc = subprocess.Popen([MARSAD, "serve", "--db", f"sqlite:///{db}", "--port", str(port), "--workers",
                             str(workers), "--log-level", "warning"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=env)
    deadline = time.time() + 120
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            raise SystemExit(f"marsad serve did not start: {proc.stderr.read().decode()[-2000:]}")
        time.sleep(0.25)


def workload(base: str, seed: int) -> dict[str, list[str]]:
    """Request paths per endpoint kind, from the served database's own entities and event types."""
    ents = httpx.get(f"{base}/api/entities", params={"limit": 200}, timeout=60).json()["items"]
    stats = httpx.get(f"{base}/api/stats", timeout=60).json()
    rng = random.Random(seed)
    names = [e["name"] for e in ents if e["name"]]
    words = sorted({w for n in names for w in n.split() if len(w) > 3})
    queries = names[:100] + rng.sample(words, min(100, len(words)))
    types = sorted(stats["events_by_type"])
    actors = [e["id"] for e in ents if e["type"] in ("PER", "ORG", "GPE")][:100]
    countries = sorted({e["country"] for e in ents if e["country"]})
    search = [f"/api/search?q={quote(q)}" for q in queries]
    search += [f"/api/search?q={quote(q)}&type={t}" for q, t in zip(rng.sample(queries, 50), rng.choices(types, k=50))]
    entity = [f"/api/entities/{quote(e['id'], safe=':')}" for e in ents[:150]]
    events = [f"/api/events?limit=50&offset={o}" for o in range(0, 1000, 50)]
    events += [f"/api/events?type={t}" for t in types]
    events += [f"/api/events?actor={quote(a, safe=':')}" for a in actors]
    events += [f"/api/events?country={c}" for c in countries]
    events += [f"/api/events?source_kind={k}" for k in ("anonymous", "named_person", "named_org", "none")]
    return {"search": search, "entity": entity, "events": events}


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of process ``pid`` and its children that have ended (Linux /proc), or None."""
    try:
        f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return sum(int(x) for x in f[11:15]) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q / 100 * (len(s) - 1))))] if s else float("nan")


class RawConnection:
    """One keep-alive HTTP/1.1 connection with nothing but what a GET needs. httpx costs 3-5 ms of CPU a
    request; on a 2-core machine the generator then takes a core from the server it measures, and its own
    queueing shows up as server latency (``--client raw``)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, str]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        target = urllib.parse.quote(path, safe="/?&=:%+,;@")
        self.writer.write(f"GET {target} HTTP/1.1\r\nHost: {self.host}\r\n\r\n".encode("ascii"))
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)}
            if "chunked" in headers.get("transfer-encoding", ""):
                while True:
                    size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                    await self.reader.readexactly(size + 2)
                    if size == 0:
                        break
            else:
                await self.reader.readexactly(int(headers.get("content-length", "0")))
        except Exception:
            self.writer.close()
            self.writer = None
            raise
        return status, headers.get("x-cache", "")


async def load(base: str, paths: dict[str, list[str]], clients: int, seconds: float, max_requests: int,
               seed: int, raw: bool = False) -> tuple[list[tuple[str, float, int, str]], list[str], float]:
    kinds = sorted(paths)
    results: list[tuple[str, float, int, str]] = []
    errors: list[str] = []
    stop = time.perf_counter() + seconds
    if raw:
        u = urllib.parse.urlsplit(base)

        async def raw_client(i: int) -> None:
            rng = random.Random(seed * 1000 + i)
            conn = RawConnection(u.hostname, u.port)
            while time.perf_counter() < stop and len(results) + len(errors) < max_requests:
                kind = kinds[rng.randrange(len(kinds))]
                path = rng.choice(paths[kind])
                t0 = time.perf_counter()
                try:
                    status, cached = await conn.get(path)
                except Exception as exc:
                    errors.append(f"{kind} {path}: {exc.__class__.__name__}")
                    continue
                results.append((kind, (time.perf_counter() - t0) * 1000, status, cached))
                if status != 200:
                    errors.append(f"{kind} {path}: HTTP {status}")

        t0 = time.perf_counter()
        await asyncio.gather(*(raw_client(i) for i in range(clients)))
        return results, errors, time.perf_counter() - t0

    async def client(i: int, http: httpx.AsyncClient) -> None:
        rng = random.Random(seed * 1000 + i)
        while time.perf_counter() < stop and len(results) + len(errors) < max_requests:
            kind = kinds[rng.randrange(len(kinds))]
            path = rng.choice(paths[kind])
            t0 = time.perf_counter()
            try:
                r = await http.get(path)
                await r.aread()
                status, cached = r.status_code, r.headers.get("x-cache", "")
            except Exception as exc:  # a timeout or a dropped connection is an error, counted
                errors.append(f"{kind} {path}: {exc.__class__.__name__}")
                continue
            dt_ms = (time.perf_counter() - t0) * 1000
            results.append((kind, dt_ms, status, cached))
            if status != 200:
                errors.append(f"{kind} {path}: HTTP {status}")

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    t0 = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as http:
        await asyncio.gather(*(client(i, http) for i in range(clients)))
    return results, errors, time.perf_counter() - t0


def summary(results: list[tuple[str, float, int, str]]) -> dict[str, dict[str, float]]:
    out = {}
    for kind in sorted({r[0] for r in results}) + ["all"]:
        lat = [r[1] for r in results if kind in ("all", r[0])]
        out[kind] = {"requests": len(lat), "p50_ms": round(pct(lat, 50), 1), "p95_ms": round(pct(lat, 95), 1),
                     "p99_ms": round(pct(lat, 99), 1), "max_ms": round(max(lat), 1)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000, help="articles in the database")
    ap.add_argument("--db", default=str(OUT / "api_load.db"))
    ap.add_argument("--data", default=str(DATA))
    ap.add_argument("--rebuild", action="store_true", help="ingest again even if the cached database exists")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--max-requests", type=int, default=200_000)
    ap.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    ap.add_argument("--warmup", type=float, default=3, help="seconds of unmeasured load first")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-cache", action="store_true", help="serve with MARSAD_API_CACHE=0 (no response cache)")
    ap.add_argument("--client", choices=("httpx", "raw"), default="httpx",
                    help="load generator: httpx.AsyncClient, or a minimal keep-alive HTTP/1.1 client (less CPU)")
    args = ap.parse_args()

    db = Path(args.db)
    ingest_s = None
    have = 0
    if db.exists():
        with sqlite3.connect(db) as con:
            have = con.execute("select count(*) from documents").fetchone()[0]
    if args.rebuild or have < args.n * 0.95:  # re-ingest when the cache is missing or was built smaller
        ingest_s = round(build_db(db, args.n, Path(args.data)), 1)
        with sqlite3.connect(db) as con:
            have = con.execute("select count(*) from documents").fetchone()[0]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(db, port, args.workers, cache=not args.no_cache)
    load_before = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else None
    try:
        paths = workload(base, args.seed)
        if args.warmup:
            asyncio.run(load(base, paths, args.clients, args.warmup, args.max_requests, args.seed + 1,
                             raw=args.client == "raw"))
        # CPU time of the server and of this load generator during the measured run: on a shared machine
        # they tell how much of the wall time each had the processor for
        s0, c0 = cpu_seconds(proc.pid), time.process_time()
        results, errors, wall = asyncio.run(load(base, paths, args.clients, args.seconds, args.max_requests,
                                                 args.seed, raw=args.client == "raw"))
        s1, c1 = cpu_seconds(proc.pid), time.process_time()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    report = {
        "documents": have, "ingest_s": ingest_s, "clients": args.clients, "seconds": args.seconds,
        "workers": args.workers, "cpus": os.cpu_count(), "wall_s": round(wall, 1),
        "loadavg_before": load_before,
        "loadavg_after": Path("/proc/loadavg").read_text().split()[:3] if load_before else None,
        "response_cache": not args.no_cache, "client": args.client,
        "server_cpu_s": round(s1 - s0, 1) if s0 is not None and s1 is not None else None,
        "client_cpu_s": round(c1 - c0, 1),
        "cache_hit_rate": round(sum(1 for r in results if r[3] == "hit") / max(1, len(results)), 3),
        "requests": len(results) + sum(1 for e in errors if "HTTP" not in e),
        "throughput_rps": round(len(results) / wall, 1), "errors": len(errors), "error_samples": errors[:10],
        "paths": {k: len(v) for k, v in paths.items()}, "latency": summary(results),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    name = ("api_load_nocache" if args.no_cache else "api_load") + ("_raw" if args.client == "raw" else "")
    (OUT / f"{name}.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    rows = ["| endpoint | requests | p50 ms | p95 ms | p99 ms | max ms |", "|---|---:|---:|---:|---:|---:|"]
    for kind, s in report["latency"].items():
        rows.append(f"| {kind} | {s['requests']} | {s['p50_ms']} | {s['p95_ms']} | {s['p99_ms']} | {s['max_ms']} |")
    (OUT / f"{name}.md").write_text("\n".join(rows) + "\n", encoding="utf-8")
    print(json.dumps(report, ensure_ascii=False, indent=1))
    if errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
