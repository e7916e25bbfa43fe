"""Entity linking and geocoding: accuracy on the samples' hand gold, actor countries on the Arabic event
GSR (dev part), and what linking costs in time.

    .venv/bin/python bench/link_eval.py [--samples] [--gsr] [--speed --n 300]   (no flag: all three)

1. Samples (tests/fixtures/sample_links_gold.json, 275 mentions): a mention counts as right when the
   pipeline has a mention with the gold span and its entity is the gold one, or a provisional id where
   the gold is NEW (and mentions of one gold group share one id). Also over the mentions found with
   the exact span. Places: distance between the mention's coordinates and the gold entity's.
2. GSR (../shared/data/arabic_event_gsr_dev/*_spans.json, MIT): for each source/target actor span with a
   country code (source_role.main / target_role.main, a real ISO alpha-3), the country of the linked
   mentions inside the actor's words (a person or organisation first, then a place or nationality).
3. Speed: extract over N SaudiNewsNet articles (read at run time, CC BY-NC-SA, never copied) with and
   without the linking stage, one core; KB load time in a fresh interpreter.
Writes bench/out/link_eval.json.
"""
from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
NOT_COUNTRIES = {"IMG", "INT", "IGO", "KUR", "UIS", "None", "UNKNOWN", ""}


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


def samples() -> dict:
    from marsad.document import Document
    from marsad.kb.entities import load as load_kb
    from marsad.pipeline.pipeline import default_pipeline

    gold = json.loads((ROOT / "tests" / "fixtures" / "sample_links_gold.json").read_text(encoding="utf-8"))
    kb = load_kb()
    pipe = default_pipeline()
    right = found = total = 0
    errors = []
    places = []
    for fname, rows in gold["files"].items():
        doc = pipe(Document(id=fname, text=(ROOT / "src" / "marsad" / "samples" / fname).read_text(encoding="utf-8")))
        spans = {(m.start, m.end): m for m in doc.mentions}
        groups: dict[str, set] = {}
        for g in rows:
            total += 1
            m = spans.get((g["start"], g["end"]))
            if m is None:
                errors.append((fname[:3], g["text"], g["entity"], "(not found)"))
                continue
            found += 1
            pred = m.entity_id or ""
            ok = pred == g["entity"] or (g["entity"] == "NEW" and pred.startswith(("new:", "user:")))
            if ok and "group" in g:
                groups.setdefault(g["group"], set()).add(pred)
            right += ok
            if not ok:
                errors.append((fname[:3], g["text"], g["entity"], pred))
            e = kb.get(g["entity"])
            if e is not None and e.type in ("GPE", "LOC", "FAC") and e.lat is not None:
                d = km((m.lat, m.lon), (e.lat, e.lon)) if m.lat is not None else None
                places.append((g["text"], d))
        split_groups = [k for k, v in groups.items() if len(v) > 1]
        right -= sum(1 for g in rows if g.get("group") in split_groups)
    within = sum(1 for _, d in places if d is not None and d <= 50)
    res = {"mentions": total, "found_with_gold_span": found, "linked_right": right,
           "accuracy": round(right / total, 3), "accuracy_on_found": round(right / max(found, 1), 3),
           "places_with_gold_coordinates": len(places), "places_within_50km": within,
           "places_not_geocoded": sum(1 for _, d in places if d is None),
           "errors": errors}
    return res


def gsr() -> dict:
    from marsad.document import Document
    from marsad.pipeline.pipeline import default_pipeline
    from marsad.text.normalize import normalize_key

    pipe = default_pipeline()
    total = predicted = right = 0
    confusion: Counter = Counter()
    for f in sorted((SHARED / "arabic_event_gsr_dev").glob("*_spans.json")):
        for rec in json.loads(f.read_text(encoding="utf-8")):
            doc = pipe(Document(id=rec["_id"], text=rec["text"]))
            seen = set()
            for sp in rec["spans"]:
                for side in ("source", "target"):
                    role = sp.get(f"{side}_role")
                    words = sp.get(f"{side}_actor") or []
                    if not isinstance(role, dict) or not words:
                        continue
                    gold = str(role.get("main"))
                    if gold in NOT_COUNTRIES or len(gold) != 3:
                        continue
                    key = (side, tuple(words), gold)
                    if key in seen:  # the same actor coded twice in one sentence counts once
                        continue
                    seen.add(key)
                    total += 1
                    # the actor's character span: its first and last words, in order, in the sentence
                    a = rec["text"].find(words[0])
                    b = rec["text"].find(words[-1], max(a, 0))
                    if a < 0 or b < 0:
                        continue
                    b += len(words[-1])
                    inside = [m for m in doc.mentions if m.start < b and a < m.end and m.country]
                    inside.sort(key=lambda m: (m.type not in ("PER", "ORG"), m.start))
                    if not inside:
                        continue
                    predicted += 1
                    pred = inside[0].country
                    right += pred == gold
                    if pred != gold:
                        confusion[(gold, pred, normalize_key(" ".join(words))[:40])] += 1
    return {"actors_with_gold_country": total, "with_a_linked_country": predicted, "right": right,
            "accuracy_on_predicted": round(right / max(predicted, 1), 3),
            "accuracy_all": round(right / max(total, 1), 3),
            "coverage": round(predicted / max(total, 1), 3),
            "errors": [f"{g} -> {p}: {w}" for (g, p, w), _n in confusion.most_common(25)]}


def speed(n: int) -> dict:
    from marsad.document import Document
    from marsad.pipeline.link import LinkStage
    from marsad.pipeline.pipeline import Pipeline, default_pipeline

    if shutil.which("taskset"):
        os.sched_setaffinity(0, {0})
    texts = []
    with gzip.open(SHARED / "saudinewsnet" / "articles.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            t = (json.loads(line).get("content") or "").strip()
            if t:
                texts.append(t)
            if len(texts) >= n:
                break
    full = default_pipeline()
    without = Pipeline([s for s in full.stages if not isinstance(s, LinkStage)])
    link = next(s for s in full.stages if isinstance(s, LinkStage))
    for t in texts[:20]:  # warm caches of both
        full(Document(id="w", text=t))
    times = {}
    for name, pipe in (("without_link", without), ("with_link", full), ("without_link_2", without),
                       ("with_link_2", full)):
        t0 = time.perf_counter()
        for i, t in enumerate(texts):
            pipe(Document(id=str(i), text=t))
        times[name] = time.perf_counter() - t0
    base = min(times["without_link"], times["without_link_2"])
    withl = min(times["with_link"], times["with_link_2"])
    # the link stage alone over annotated documents
    docs = [without(Document(id=str(i), text=t)) for i, t in enumerate(texts)]
    t0 = time.perf_counter()
    for d in docs:
        link(d)
    t_link = time.perf_counter() - t0
    load = subprocess.run([sys.executable, "-c", "import time; t = time.perf_counter(); "
                           "from marsad.kb.entities import load; load(); "
                           "from marsad.kb.gazetteer import load as g; g(); print(time.perf_counter() - t)"],
                          capture_output=True, text=True, check=True)
    return {"articles": len(texts), "extract_s_without_link": round(base, 2), "extract_s_with_link": round(withl, 2),
            "added_by_linking_pct": round(100 * (withl - base) / base, 1),
            "link_stage_alone_s": round(t_link, 2), "link_stage_pct_of_extract": round(100 * t_link / base, 1),
            "kb_and_gazetteer_load_s": round(float(load.stdout.strip()), 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", action="store_true")
    ap.add_argument("--gsr", action="store_true")
    ap.add_argument("--speed", action="store_true")
    ap.add_argument("--n", type=int, default=300)
    a = ap.parse_args()
    every = not (a.samples or a.gsr or a.speed)
    res = {}
    if a.samples or every:
        res["samples"] = samples()
    if a.gsr or every:
        res["gsr"] = gsr()
    if a.speed or every:
        res["speed"] = speed(a.n)
    print(json.dumps(res, ensure_ascii=False, indent=1))
    (ROOT / "bench" / "out").mkdir(exist_ok=True)
    (ROOT / "bench" / "out" / "link_eval.json").write_text(json.dumps(res, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
