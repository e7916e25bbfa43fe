"""Event detection on the Arabic event GSR (dev part), cross-validated, since the shipped detector
(models/events/detector.py) is trained on these same sentences.

    .venv/bin/python bench/events_gsr.py

For ASSAULT and PROTEST, a row is positive when it gets an event of the type (any mode, as
../shared/tools/score_gsr.py counts): the lexicon alone (detector off); lexicon + detector with the
detector trained on the other four folds (5 folds, rows interleaved; the honest figure, at the shipped
threshold; rows with a negated/intended event count as positive, since the detector keeps those); and the shipped pipeline as is (trained on all of dev: NOT an estimate, a check that the
shipped file is the trained one). Actor spans: on *_spans.json, the share of events of the type
(shipped pipeline) whose source/target text contains a gold head word, as score_gsr.py counts.
Writes bench/out/events_gsr.json.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
GSR = ROOT.parent / "shared" / "data" / "arabic_event_gsr_dev"
sys.path.insert(0, str(ROOT.parent / "shared" / "tools"))


def prf(pred, y) -> dict:
    tp = int((pred & (y == 1)).sum()); fp = int((pred & (y == 0)).sum()); fn = int((~pred & (y == 1)).sum())
    P, R = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    return {"P": round(P, 3), "R": round(R, 3), "F1": round(2 * P * R / max(P + R, 1e-9), 3), "tp": tp, "fp": fp, "fn": fn}


def main() -> None:
    from arabic import norm

    from marsad.document import Document
    from marsad.models.events.detector import model
    from marsad.models.events.train import cross_validated, examples, raw_docs, rows
    from marsad.pipeline.pipeline import default_pipeline

    pipe = default_pipeline()
    res = {}
    for typ in ("ASSAULT", "PROTEST"):
        rs = rows(GSR, typ)
        y = np.array([r["label"] == "yes" for r in rs], dtype=float)
        feats, marked = examples(raw_docs([r["text"] for r in rs]), typ)
        lex = np.array([bool(f) for f in feats])
        th = model()[typ]["threshold"]
        cv = cross_validated(feats, y)
        shipped = np.array([any(e.type == typ for e in pipe(Document(id="x", text=r["text"])).events) for r in rs])
        res[typ] = {"sentences": len(rs), "positive": int(y.sum()), "lexicon_only": prf(lex, y),
                    "rows_with_negated_or_intended_event": int(marked.sum()),
                    f"lexicon_and_detector_cv_at_{th}": prf((lex & (cv >= th)) | marked, y),
                    f"same_if_negated_intended_were_dropped": prf(lex & (cv >= th), y),
                    "cv_curve": {str(t): prf((lex & (cv >= t)) | marked, y)["F1"] for t in (0.3, 0.4, 0.5, 0.6)},
                    "shipped_trained_on_dev_not_an_estimate": prf(shipped, y)}
        # actor spans with the shipped pipeline
        spans = json.loads((GSR / f"{typ.lower()}_spans.json").read_text(encoding="utf-8"))
        # the two halves (even / odd records) apart: the role rules were studied on the even half only
        # in part, so the odd half is a check that they carry over
        n = {"source": [0, 0], "target": [0, 0]}
        half = {h: {"source": [0, 0], "target": [0, 0]} for h in ("even", "odd")}
        for si, s in enumerate(spans):
            evs = [e for e in pipe(Document(id="s", text=s["text"])).events if e.type == typ]
            for key, gk in (("source", "source_gold"), ("target", "target_gold")):
                words = [w for w in norm(s.get(gk, "")).split() if len(w) > 1]
                if not words:
                    continue
                texts = norm(" ".join(a["text"] for e in evs for a in getattr(e, key)))
                hit = any(w in texts for w in words)
                for c in (n[key], half["odd" if si % 2 else "even"][key]):
                    c[0] += 1
                    c[1] += hit
        res[typ]["spans"] = {k: {"gold_actors": v[0], "matched": v[1], "share": round(v[1] / max(v[0], 1), 3),
                                 **{h: f"{half[h][k][1]}/{half[h][k][0]}" for h in half}}
                             for k, v in n.items()}
    print(json.dumps(res, ensure_ascii=False, indent=1))
    (ROOT / "bench" / "out").mkdir(exist_ok=True)
    (ROOT / "bench" / "out" / "events_gsr.json").write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
