"""Contiguous-block k-fold cross-validation of the NER tagger on ANERcorp train, plus Wojood val.

    .venv/bin/python bench/ner_cv.py [--folds 5] [--data PATH] [--wojood DIR] [--jobs 2] [--variant crf]

Sentences stay in document order; fold k is the k-th contiguous block of sentences (never a random
sample: random sentence splits put the same articles on both sides and overstate F1 by ~16 points).
Scores are entity-level exact match (conlleval semantics, as ../shared/tools/score_ner.py), micro
over all folds' pooled counts, and per type. Wojood val (sample): the model trained on all ANERcorp
train tags it; scored on the shared types PERS, LOC (= Wojood GPE + LOC), ORG, using each Wojood
sentence's outermost spans of those types (nested levels flattened: a PERS/ORG/GPE/LOC span inside
another such span is dropped).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from multiprocessing import Pool
from pathlib import Path

from marsad.models.ner.evaluate import Scorer, read_conll, spans
from marsad.models.ner import train as T

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def folds(n: int, k: int) -> list[tuple[int, int]]:
    return [(n * i // k, n * (i + 1) // k) for i in range(k)]


VARIANTS = {
    "crf-lexical": {"names": False, "kb": False},  # words, affixes, stems, shape, window, bigrams only
    "crf-kb": {"names": False},  # lexical + KB gazetteer features
    "crf-kb-names": {"names": True},  # + cross-fold gazetteer of training entities
    "crf-kb-names-rules": {"names": True, "rules": True},  # + the rule layer's mentions (stacking)
    "crf-kb-rules": {"names": False, "rules": True},
    "crf-kb-names-c1.01-c2.01": {"names": True, "params": {"c1": 0.01, "c2": 0.01}},
    "crf-kb-names-c1.1-c2.1": {"names": True, "params": {"c1": 0.1, "c2": 0.1}},
    "crf-kb-names-ctx10": {"names": True, "ctx": 10},  # + document-context features (±10 sentences, label-free)
    "crf-kb-names-ctx5": {"names": True, "ctx": 5},
    "crf-kb-names-ctx20": {"names": True, "ctx": 20},
    "crf-kb-names-ctx10-c1.1": {"names": True, "ctx": 10, "params": {"c1": 0.1, "c2": 0.02}},
    "crf-kb-names-ctx10-c2.1": {"names": True, "ctx": 10, "params": {"c1": 0.05, "c2": 0.1}},
    "crf-kb-names-ctx10-it400": {"names": True, "ctx": 10, "params": {"max_iterations": 400}},
    # + the context records occurrences inside a training-name match elsewhere in the document
    "crf-kb-names-ctx10-tr": {"names": True, "ctx": 10, "ctx_names": True},
    # + name-part features (word's places inside the cross-fold training names)
    "crf-kb-names-ctx10-parts": {"names": True, "ctx": 10, "name_parts": True},
    "crf-kb-names-ctx10-tr-parts": {"names": True, "ctx": 10, "ctx_names": True, "name_parts": True},
    # + label priors of the words (cross-fold: each block sees the counts of the other blocks)
    "crf-kb-names-ctx10-priors": {"names": True, "ctx": 10, "priors": True},
    "crf-kb-names-priors": {"names": True, "priors": True},  # label priors without document context
    "crf-kb-names-ctx10-parts-priors": {"names": True, "ctx": 10, "name_parts": True, "priors": True},
}


def run_fold(args):
    sents, k, lo, hi, variant = args
    train = sents[:lo] + sents[hi:]
    test = sents[lo:hi]
    opts = VARIANTS[variant]
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "m.crfsuite"
        t0 = time.time()
        T.train_crf(train, path, use_names=opts.get("names", True), use_rules=opts.get("rules", False), params=opts.get("params"),
                    use_kb=opts.get("kb", True), ctx=opts.get("ctx", 0), ctx_names=opts.get("ctx_names", False),
                    name_parts=opts.get("name_parts", False), priors=opts.get("priors", False))
        t_train = time.time() - t0
        from marsad.models.ner.features import Featurizer, Lexicons
        from marsad.models.ner.tagger import NerTagger
        tg = NerTagger(path, featurizer=None if opts.get("kb", True) else Featurizer(Lexicons()))
        sc = Scorer()
        t0 = time.time()
        ntok = 0
        toks = [[t for t, _ in s] for s in test]
        # the test block is the "document": context features (if any) come from it alone
        preds = tg.tag_document(toks)
        for s, pred in zip(test, preds):
            sc.add([g for _, g in s], pred)
            ntok += len(s)
        t_tag = time.time() - t0
    return k, sc, t_train, ntok / max(t_tag, 1e-9)


def wojood_gold(path: Path):
    """Sentences of tokens and flat gold tags (outermost PERS/LOC/ORG spans across nested columns)."""
    sents, cur = [], []
    for line in open(path, encoding="utf-8"):
        parts = line.split()
        if not parts or parts[0] == "$#$":
            if cur:
                sents.append(cur)
                cur = []
            continue
        cur.append((parts[0], parts[1:] or ["O"]))
    if cur:
        sents.append(cur)
    out = []
    mp = {"PERS": "PERS", "GPE": "LOC", "LOC": "LOC", "ORG": "ORG"}
    for s in sents:
        depth = max(len(labs) for _, labs in s)
        sp = set()
        for c in range(depth):
            col = [labs[c] if c < len(labs) else "O" for _, labs in s]
            for a, b, t in spans(col):
                if t in mp:
                    sp.add((a, b, mp[t]))
        keep = [x for x in sp if not any(y != x and y[0] <= x[0] and x[1] <= y[1] for y in sp)]
        tags = ["O"] * len(s)
        for a, b, t in sorted(keep):
            if any(tags[i] != "O" for i in range(a, b)):
                continue
            tags[a] = "B-" + t
            for i in range(a + 1, b):
                tags[i] = "I-" + t
        out.append(([t for t, _ in s], tags))
    return out


def samples(model: str | None) -> int:
    """The model's mentions in the five bundled sample articles (for the check by hand)."""
    from marsad.document import Document
    from marsad.models.ner.tagger import NerTagger
    from marsad.pipeline.ner import model_mentions
    from marsad.pipeline.segment import SegmentStage

    tg = NerTagger(model or T.MODEL)
    seg = SegmentStage()
    for p in sorted((ROOT / "src" / "marsad" / "samples").glob("*.txt")):
        doc = seg(Document(id=p.stem, text=p.read_text(encoding="utf-8")))
        ms = model_mentions(doc, tg, keep_misc=True)
        print(f"== {p.name}: {len(ms)} mentions")
        print("  " + " | ".join(f"{m.text}/{m.type}" for m in ms))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(SHARED / "anercorp" / "ANERCorp_CamelLab_train.txt"))
    ap.add_argument("--wojood", default=str(SHARED / "wojood_sample"))
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--variant", default="crf-kb-names", choices=sorted(VARIANTS))
    ap.add_argument("--model", default=None, help="model for the Wojood score (default: the shipped one)")
    ap.add_argument("--no-wojood", action="store_true")
    ap.add_argument("--samples", action="store_true", help="only print the model's mentions in the bundled samples")
    ap.add_argument("--json", default=None, help="write the scores here")
    a = ap.parse_args()

    if a.samples:
        return samples(a.model)
    sents = read_conll(a.data)
    fl = folds(len(sents), a.folds)
    jobs = [(sents, k, lo, hi, a.variant) for k, (lo, hi) in enumerate(fl)]
    t0 = time.time()
    with Pool(a.jobs) as pool:
        res = sorted(pool.map(run_fold, jobs, chunksize=1), key=lambda r: r[0])
    total = Scorer()
    result = {"variant": a.variant, "folds": []}
    for k, sc, t_train, tps in res:
        p, r, f = sc.micro()
        lo, hi = fl[k]
        print(f"fold {k} sentences {lo}-{hi}: P {p:.3f} R {r:.3f} F1 {f * 100:.1f}  (train {t_train:.0f}s, tag {tps:,.0f} tok/s)")
        result["folds"].append({"fold": k, "P": p, "R": r, "F1": f})
        total.merge(sc)
    print(f"== {a.folds}-fold contiguous-block CV, variant {a.variant} ({time.time() - t0:.0f}s)")
    print(total.report())
    result["cv"] = {t: Scorer.prf(total.tp[t], total.fp[t], total.fn[t]) for t in sorted(total.tp | total.fn)}
    result["cv"]["micro"] = total.micro()

    if not a.no_wojood:
        from marsad.models.ner.tagger import NerTagger
        tg = NerTagger(a.model or T.MODEL)
        w = Scorer(types={"PERS", "LOC", "ORG"})
        for toks, gold in wojood_gold(Path(a.wojood) / "val.txt"):
            pred = [t if not t.endswith("MISC") else "O" for t in tg.tag(toks)]
            w.add(gold, pred)
        print("== Wojood val sample (shared types PERS/LOC/ORG), model", tg.path.name)
        print(w.report())
        result["wojood_val"] = {"micro": w.micro()}
    if a.json:
        Path(a.json).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
