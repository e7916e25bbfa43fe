"""Entity P/R on the hand-annotated samples, per method: rules only, model only, both (the pipeline).

    .venv/bin/python bench/entities_samples.py
Gold: tests/fixtures/sample_entities_gold.json (PER, ORG, GPE, LOC; NORP ignored). A prediction is
right when its span and type match exactly; GPE and LOC count as one place type, since ANERcorp,
which the model learned from, does not tell them apart.
"""
from __future__ import annotations

import json
from pathlib import Path

from marsad.document import Document
from marsad.pipeline.mentions import MentionStage
from marsad.pipeline.ner import ModelMentionStage
from marsad.pipeline.segment import GluedStage, SegmentStage

ROOT = Path(__file__).resolve().parents[1]
TYPES = {"PER": "PER", "ORG": "ORG", "GPE": "PLACE", "LOC": "PLACE"}


def main() -> None:
    gold = json.loads((ROOT / "tests" / "fixtures" / "sample_entities_gold.json").read_text(encoding="utf-8"))["files"]
    seg, glued, rules, model = SegmentStage(), GluedStage(), MentionStage(), ModelMentionStage()
    setups = {"rules": [rules], "model": [model], "rules+model (pipeline)": [rules, model]}
    for name, stages in setups.items():
        tp = fp = fn = 0
        for fname, ents in sorted(gold.items()):
            text = (ROOT / "src" / "marsad" / "samples" / fname).read_text(encoding="utf-8")
            doc = glued(seg(Document(id=fname, text=text)))
            for st in stages:
                doc = st(doc)
            g = {(e["start"], e["end"], TYPES[e["type"]]) for e in ents if e["type"] in TYPES}
            p = {(m.start, m.end, TYPES[m.type]) for m in doc.mentions if m.type in TYPES}
            tp += len(g & p); fp += len(p - g); fn += len(g - p)
        P, R = tp / (tp + fp), tp / (tp + fn)
        print(f"{name:24s} P {P:.3f} R {R:.3f} F1 {2 * P * R / (P + R):.3f}  (tp {tp}, fp {fp}, fn {fn})")


if __name__ == "__main__":
    main()
