"""Event detection on the Arabic event GSR (dev part): cross-validated, since the shipped sentence gate
is trained on these same sentences.

    .venv/bin/python bench/events_gsr.py

For ASSAULT and PROTEST: the shipped pipeline (lexicon triggers, no gate) — a sentence is positive
when it has a non-negated event of the type; and the experiment: the same AND the sentence gate
(models/events) trained on the other four folds gives p >= its threshold (5 folds, rows interleaved as
in models/events/train.py); and the gate alone. Actor spans: on *_spans.json, the share of events of the type (shipped
pipeline) whose source/target text contains a gold head word — as ../shared/tools/score_gsr.py counts.
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
    from marsad.text.vectors import sentence_encoder
    from marsad.models.events.train import THRESHOLD, cross_validated, rows
    from marsad.pipeline.pipeline import default_pipeline

    pipe = default_pipeline()
    enc = sentence_encoder()
    res = {}
    for typ in ("ASSAULT", "PROTEST"):
        rs = rows(GSR, typ)
        y = np.array([r["label"] == "yes" for r in rs], dtype=float)
        lex = np.array([any(e.type == typ and e.mode != "negated" for e in pipe(Document(id="x", text=r["text"])).events)
                        for r in rs])
        X = enc.encode([r["text"] for r in rs]).astype("float64")
        gate = cross_validated(X, y) >= THRESHOLD[typ]
        res[typ] = {"sentences": len(rs), "positive": int(y.sum()), "shipped_lexicon": prf(lex, y),
                    "gate_only_cv": prf(gate, y), "lexicon_and_gate_cv": prf(lex & gate, y)}
        # actor spans with the shipped pipeline
        spans = json.loads((GSR / f"{typ.lower()}_spans.json").read_text(encoding="utf-8"))
        n = {"source": [0, 0], "target": [0, 0]}
        for s in spans:
            evs = [e for e in pipe(Document(id="s", text=s["text"])).events if e.type == typ]
            for key, gk in (("source", "source_gold"), ("target", "target_gold")):
                words = [w for w in norm(s.get(gk, "")).split() if len(w) > 1]
                if not words:
                    continue
                texts = norm(" ".join(a["text"] for e in evs for a in getattr(e, key)))
                n[key][0] += 1
                n[key][1] += any(w in texts for w in words)
        res[typ]["spans"] = {k: {"gold_actors": v[0], "matched": v[1], "share": round(v[1] / max(v[0], 1), 3)}
                             for k, v in n.items()}
    print(json.dumps(res, ensure_ascii=False, indent=1))
    (ROOT / "bench" / "out").mkdir(exist_ok=True)
    (ROOT / "bench" / "out" / "events_gsr.json").write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
