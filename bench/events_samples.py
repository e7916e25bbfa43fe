"""Claims, quantities and events on the five samples against the independent hand gold
(tests/fixtures/sample_events_gold.json, made by an annotator who did not see marsad's code or output).

    .venv/bin/python bench/events_samples.py [--all]

Matching: a claim by its cue span (overlap), then is its source right (overlap with the gold source
span, or the same text for implicit sources), its kind, its via; a quantity by span overlap, then its
value/low/high; an event by trigger overlap and the same type, then its mode and whether its source and
target contain a word of the gold ones. By default the gold's "uncertain" events and the related-article
headlines of 004 ("related_headline") are left out of recall (predictions on them count as neither
right nor wrong); --all keeps everything. Writes bench/out/events_samples.json.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def overlap(a0: int, a1: int, b0: int, b1: int) -> bool:
    return a0 < b1 and b0 < a1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--all", action="store_true")
    a = ap.parse_args()
    res = score(keep_all=a.all)
    print(json.dumps(res, ensure_ascii=False, indent=1))
    (ROOT / "bench" / "out").mkdir(exist_ok=True)
    (ROOT / "bench" / "out" / "events_samples.json").write_text(json.dumps(res, ensure_ascii=False, indent=1))


def score(keep_all: bool = False) -> dict:
    from marsad.document import Document
    from marsad.pipeline.pipeline import default_pipeline
    from marsad.text.normalize import normalize_key

    gold = json.loads((ROOT / "tests" / "fixtures" / "sample_events_gold.json").read_text(encoding="utf-8"))
    pipe = default_pipeline()
    c = {"gold": 0, "pred": 0, "found": 0, "pred_right": 0, "source": 0, "kind": 0, "via": 0}
    q = {"gold": 0, "pred": 0, "found": 0, "pred_right": 0, "value": 0}
    e = {"gold": 0, "pred": 0, "found": 0, "pred_right": 0, "pred_ignored": 0, "mode": 0, "source": 0,
         "source_gold": 0, "target": 0, "target_gold": 0}
    by_type: dict[str, list[int]] = {}
    for fname, g in gold["files"].items():
        doc = pipe(Document(id=fname, text=(ROOT / "src" / "marsad" / "samples" / fname).read_text(encoding="utf-8")))
        keep = (lambda x: True) if keep_all else (lambda x: not x.get("related_headline"))
        gc = [x for x in g["claims"] if keep(x)]
        c["gold"] += len(gc)
        c["pred"] += len(doc.claims)
        for x in gc:
            m = next((p for p in doc.claims if overlap(p.cue_start, p.cue_end, x["cue_start"], x["cue_end"])), None)
            if m is None:
                continue
            c["found"] += 1
            if m.source_start is not None and overlap(m.source_start, m.source_end, x["source_start"], x["source_end"]):
                c["source"] += 1
            c["kind"] += m.source_kind == x["source_kind"]
            c["via"] += normalize_key(m.via or "") == normalize_key(x.get("via") or "")
        c["pred_right"] += sum(1 for p in doc.claims
                               if any(overlap(p.cue_start, p.cue_end, x["cue_start"], x["cue_end"]) for x in g["claims"]))
        gq = [x for x in g["quantities"] if keep(x)]
        q["gold"] += len(gq)
        q["pred"] += len(doc.quantities)
        for x in gq:
            m = next((p for p in doc.quantities if overlap(p.start, p.end, x["start"], x["end"])), None)
            if m is None:
                continue
            q["found"] += 1
            q["value"] += (m.value, m.low, m.high) == (x.get("value"), x.get("low"), x.get("high"))
        q["pred_right"] += sum(1 for p in doc.quantities if any(overlap(p.start, p.end, x["start"], x["end"])
                                                              for x in g["quantities"] + g.get("optional_quantities", [])))
        ge = [x for x in g["events"] if keep(x) and (keep_all or not x.get("uncertain"))]
        ignored = [x for x in g["events"] if x not in ge]
        e["gold"] += len(ge)
        for x in ge:
            by_type.setdefault(x["type"], [0, 0, 0])[0] += 1
            m = next((p for p in doc.events if p.type == x["type"] and
                      overlap(p.trigger_start, p.trigger_end, x["trigger_start"], x["trigger_end"])), None)
            if m is None:
                continue
            e["found"] += 1
            by_type[x["type"]][1] += 1
            e["mode"] += m.mode == x.get("mode") or (m.mode is None and x.get("mode") is None)
            for key in ("source", "target"):
                words = [w for s in x.get(key) or [] for w in normalize_key(s).split() if len(w) > 1]
                if words:
                    e[key + "_gold"] += 1
                    got = normalize_key(" ".join(z["text"] for z in getattr(m, key)))
                    e[key] += any(w in got.split() for w in words)
        for p in doc.events:
            if any(p.type == x["type"] and overlap(p.trigger_start, p.trigger_end, x["trigger_start"], x["trigger_end"])
                   for x in ge):
                e["pred_right"] += 1
                e["pred"] += 1
            elif any(overlap(p.trigger_start, p.trigger_end, x["trigger_start"], x["trigger_end"]) for x in ignored):
                e["pred_ignored"] += 1
            else:
                e["pred"] += 1
                by_type.setdefault(p.type, [0, 0, 0])[2] += 1

    def pr(d: dict) -> dict:
        P = d["pred_right"] / max(d["pred"], 1)
        R = d["found"] / max(d["gold"], 1)
        return {"P": round(P, 3), "R": round(R, 3), "F1": round(2 * P * R / max(P + R, 1e-9), 3)}

    return {"claims": {**c, **pr(c)}, "quantities": {**q, **pr(q)}, "events": {**e, **pr(e)},
            "events_by_type": {t: {"gold": v[0], "found": v[1], "false_positives": v[2]}
                               for t, v in sorted(by_type.items())}}


if __name__ == "__main__":
    main()
