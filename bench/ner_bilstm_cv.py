"""Contiguous-block k-fold CV of the char+word BiLSTM-CRF (and its ensemble with the shipped CRF).

    .venv/bin/python bench/ner_bilstm_cv.py [--folds 5] [--only 0,2] [--jobs 2] [--variant bilstm-feats-e20]
    .venv/bin/python bench/ner_bilstm_cv.py --crf-marginals      # shipped CRF per fold, marginals saved
    .venv/bin/python bench/ner_bilstm_cv.py --ensemble bilstm-feats-e20 [--weight 0.5]

Same fold split (bench/ner_cv.py ``folds``) and scorer (marsad.models.ner.evaluate) as the CRF CV, so
numbers are comparable. Per-fold test marginals go to bench/out/bilstm/<variant>_fold<k>.pt; the
ensemble averages BiLSTM-CRF and CRF marginals (weight w on the CRF) and decodes a BIO-valid path.
Each job uses one torch thread.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from multiprocessing import Pool
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ner_cv import SHARED, folds  # noqa: E402

from marsad.models.ner.evaluate import Scorer, read_conll  # noqa: E402

OUT = Path(__file__).resolve().parent / "out" / "bilstm"

VARIANTS = {
    "bilstm-feats": {"epochs": 12},
    "bilstm-nofeats": {"epochs": 12, "use_feats": False},  # (not run)
    "bilstm-feats-e8": {"epochs": 8},  # (not run)
    "bilstm-feats-e20": {"epochs": 20},
    "bilstm-feats-s2e15": {"seed": 2, "epochs": 15},
}


def run_fold(args):
    sents, k, lo, hi, variant, epochs = args
    import torch

    from marsad.models.ner import bilstm as B

    cfg = dict(VARIANTS[variant])
    if epochs:
        cfg["epochs"] = epochs
    t0 = time.time()
    tg = B.train(sents[:lo] + sents[hi:], cfg, verbose=True)
    t_train = time.time() - t0
    sc = Scorer()
    margs = []
    t0 = time.time()
    ntok = 0
    for s in sents[lo:hi]:
        toks = [t for t, _ in s]
        sc.add([g for _, g in s], tg.tag(toks))
        ntok += len(toks)
    t_tag = time.time() - t0
    for s in sents[lo:hi]:
        margs.append(tg.marginals([t for t, _ in s]).to(torch.float32))
    OUT.mkdir(parents=True, exist_ok=True)
    torch.save(margs, OUT / f"{variant}_fold{k}.pt")
    print(f"[fold {k}] F1 {sc.micro()[2] * 100:.1f} train {t_train:.0f}s", flush=True)
    return k, sc, t_train, ntok / max(t_tag, 1e-9)


def crf_fold(args):
    sents, k, lo, hi = args
    import tempfile

    import torch

    from marsad.models.ner import train as T
    from marsad.models.ner.bilstm import TAGS
    from marsad.models.ner.tagger import NerTagger

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "m.crfsuite"
        T.train_crf(sents[:lo] + sents[hi:], path)
        tg = NerTagger(path)
        labels = set(tg._tagger.labels())
        margs, sc = [], Scorer()
        for s in sents[lo:hi]:
            toks = [t for t, _ in s]
            x = tg.fz.sentence(toks)
            tg._tagger.set(x)
            pred = list(tg._tagger.tag())
            sc.add([g for _, g in s], pred)
            m = torch.tensor([[tg._tagger.marginal(t, i) if t in labels else 0.0 for t in TAGS] for i in range(len(toks))])
            margs.append(m)
    OUT.mkdir(parents=True, exist_ok=True)
    torch.save(margs, OUT / f"crf_fold{k}.pt")
    print(f"[crf fold {k}] F1 {sc.micro()[2] * 100:.1f}", flush=True)
    return k, sc, 0.0, 0.0


def report(res, fl, title, result):
    total = Scorer()
    for k, sc, t_train, tps in res:
        p, r, f = sc.micro()
        lo, hi = fl[k]
        print(f"fold {k} sentences {lo}-{hi}: P {p:.3f} R {r:.3f} F1 {f * 100:.1f}  (train {t_train:.0f}s, tag {tps:,.0f} tok/s)")
        result["folds"].append({"fold": k, "P": p, "R": r, "F1": f, "train_s": t_train, "tok_s": tps})
        total.merge(sc)
    print("== " + title)
    print(total.report())
    result["cv"] = {t: Scorer.prf(total.tp[t], total.fp[t], total.fn[t]) for t in sorted(total.tp | total.fn)}
    result["cv"]["micro"] = total.micro()
    return result


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(SHARED / "anercorp" / "ANERCorp_CamelLab_train.txt"))
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--only", default=None, help="comma-separated fold numbers to run")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--variant", default="bilstm-feats-e20", choices=sorted(VARIANTS))
    ap.add_argument("--epochs", type=int, default=0)
    ap.add_argument("--crf-marginals", action="store_true")
    ap.add_argument("--ensemble", default=None, help="BiLSTM variant whose saved marginals to ensemble with the CRF's")
    ap.add_argument("--weight", type=float, default=0.5, help="ensemble weight of the CRF")
    ap.add_argument("--o-scale", type=float, default=1.0, help="multiply the ensemble's P(O) by this before decoding (< 1: more recall)")
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    sents = read_conll(a.data)
    fl = folds(len(sents), a.folds)
    ks = [int(x) for x in a.only.split(",")] if a.only else list(range(a.folds))
    t0 = time.time()
    if a.ensemble:
        import torch

        from marsad.models.ner.bilstm import viterbi_probs

        res = []
        for k in ks:
            lo, hi = fl[k]
            vs = a.ensemble.split(",")
            mbs = [torch.load(OUT / f"{v}_fold{k}.pt") for v in vs]
            mb = [sum(x) / len(vs) for x in zip(*mbs)]
            mc = torch.load(OUT / f"crf_fold{k}.pt")
            sc = Scorer()
            for s, b, c in zip(sents[lo:hi], mb, mc):
                p = a.weight * c + (1 - a.weight) * b
                p[:, 0] *= a.o_scale
                sc.add([g for _, g in s], viterbi_probs(p))
            res.append((k, sc, 0.0, 0.0))
        title = f"ensemble CRF(w={a.weight}) + {a.ensemble}, P(O) x {a.o_scale}, folds {ks}"
        result = report(res, fl, title, {"variant": f"ens-{a.ensemble}-w{a.weight}-o{a.o_scale}", "folds": []})
    else:
        if a.crf_marginals:
            jobs, fn = [(sents, k, *fl[k]) for k in ks], crf_fold
            name = "crf-kb-names (marginals)"
        else:
            jobs, fn = [(sents, k, *fl[k], a.variant, a.epochs) for k in ks], run_fold
            name = a.variant + (f" epochs={a.epochs}" if a.epochs else "")
        with Pool(a.jobs) as pool:
            res = sorted(pool.map(fn, jobs, chunksize=1), key=lambda r: r[0])
        title = f"{a.folds}-fold contiguous-block CV, {name}, folds {ks} ({time.time() - t0:.0f}s)"
        result = report(res, fl, title, {"variant": name, "folds": []})
    if a.json:
        Path(a.json).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
