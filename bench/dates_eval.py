"""Evaluate the dates stage.

    python bench/dates_eval.py            # hand gold on the bundled sample articles
    python bench/dates_eval.py --silver   # + TIMEX3 silver corpus (HeidelTime-made, smoke test only)
    python bench/dates_eval.py --speed    # + ms per article

Gold: tests/fixtures/sample_dates_gold.json (texts of the seed articles included), scored with published=None (the gold values are the
unresolved ones). Metrics: precision/recall/F1 for exact spans and for overlapping spans, and value
accuracy over exact-span matches.
"""
from __future__ import annotations

import argparse
import datetime as dt
import glob
import json
import os
import re
import sys
import time
from pathlib import Path

from marsad.pipeline.dates import find_dates

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests" / "fixtures" / "sample_dates_gold.json"
SILVER = Path(os.environ.get("MARSAD_TIMEX_SILVER", "/work/shared/data/timex_arabic_silver/Corpus_test"))


def prf(tp_p: int, n_pred: int, tp_r: int, n_gold: int) -> tuple[float, float, float]:
    p = tp_p / n_pred if n_pred else 0.0
    r = tp_r / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def score(pairs) -> dict:
    """pairs: iterable of (gold list of (s, e, value), predicted list of (s, e, value))."""
    n_g = n_p = ex = ov_p = ov_r = val_ok = 0
    for gold, pred in pairs:
        n_g += len(gold)
        n_p += len(pred)
        gset = {(s, e): v for s, e, v in gold}
        for s, e, v in pred:
            if (s, e) in gset:
                ex += 1
                val_ok += gset[(s, e)] == v
        ov_p += sum(any(s < ge and gs < e for gs, ge, _ in gold) for s, e, _ in pred)
        ov_r += sum(any(s < pe and ps < e for ps, pe, _ in pred) for s, e, _ in gold)
    sp, sr, sf = prf(ex, n_p, ex, n_g)
    lp, lr, lf = prf(ov_p, n_p, ov_r, n_g)
    return {"gold": n_g, "pred": n_p, "strict_p": sp, "strict_r": sr, "strict_f1": sf,
            "lenient_p": lp, "lenient_r": lr, "lenient_f1": lf,
            "value_acc": val_ok / ex if ex else 0.0}


def eval_gold(verbose: bool = False) -> dict:
    data = json.loads(GOLD.read_text(encoding="utf-8"))
    pairs = []
    for name, recs in data["files"].items():
        text = data["texts"][name]
        gold = [(r["start"], r["end"], r["value"]) for r in recs]
        for r in recs:
            assert text[r["start"]:r["end"]] == r["text"], (name, r)
        pred = [(d.start, d.end, d.value) for d in find_dates(text, None)]
        if verbose:
            for s, e, v in sorted(set(pred) ^ set(gold)):
                tag = "FP" if (s, e, v) in pred else "FN"
                print(f"  {tag} {name} {s}-{e} {text[s:e]!r} {v}")
        pairs.append((gold, pred))
    return score(pairs)


_TIMEX = re.compile(r"<TIMEX3\b([^>]*)>(.*?)</TIMEX3>", re.S)
_ATTR = re.compile(r'(\w+)="([^"]*)"')


def read_tml(path: str) -> tuple[str, list[tuple[int, int, str, str]]]:
    raw = Path(path).read_text(encoding="utf-8")
    body = raw.split("<TimeML>", 1)[1].rsplit("</TimeML>", 1)[0]
    out, spans, pos = [], [], 0
    n = 0
    for m in _TIMEX.finditer(body):
        out.append(body[pos:m.start()])
        n += m.start() - pos
        attrs = dict(_ATTR.findall(m.group(1)))
        inner = m.group(2)
        spans.append((n, n + len(inner), attrs.get("value", ""), attrs.get("type", "")))
        out.append(inner)
        n += len(inner)
        pos = m.end()
    out.append(body[pos:])
    return "".join(out), spans


_ABS = re.compile(r"^\d{4}(-\d\d(-\d\d)?)?$")


def infer_published(text: str, spans) -> dt.date | None:
    """Documents carry no creation time: take it from a tagged اليوم / أمس when there is one."""
    for s, e, v, _ in spans:
        w = text[s:e].strip()
        if re.fullmatch(r"\d{4}-\d\d-\d\d", v):
            d = dt.date.fromisoformat(v)
            if w == "اليوم":
                return d
            if w in ("أمس", "امس", "الأمس", "الامس"):
                return d + dt.timedelta(days=1)
    return None


def eval_silver() -> dict:
    files = sorted(glob.glob(str(SILVER / "*.tml")))
    docs = [read_tml(f) for f in files]
    inferred = [infer_published(t, sp) for t, sp in docs]
    # no creation time in the files: a document without a tagged اليوم/أمس takes the most common
    # anchor of the others (HeidelTime's demo run date)
    known = [d for d in inferred if d]
    fallback = max(set(known), key=known.count) if known else None
    pairs, abs_tot, abs_ok, rel_tot, rel_ok = [], 0, 0, 0, 0
    for (text, spans), pub in zip(docs, inferred):
        pred = find_dates(text, pub or fallback)
        gold = [(s, e, v) for s, e, v, _ in spans]
        pairs.append((gold, [(d.start, d.end, d.value) for d in pred]))
        for s, e, v in gold:
            if not _ABS.match(v):
                continue
            for d in pred:
                if d.start < e and s < d.end:
                    ok = (d.value or "").split("T")[0] == v
                    if d.kind == "absolute":
                        abs_tot, abs_ok = abs_tot + 1, abs_ok + ok
                    else:
                        rel_tot, rel_ok = rel_tot + 1, rel_ok + ok
                    break
    res = score(pairs)
    res["docs"] = len(files)
    res["fallback_published"] = fallback.isoformat() if fallback else None
    res["abs_value_acc"] = abs_ok / abs_tot if abs_tot else 0.0
    res["abs_value_n"] = abs_tot
    res["rel_value_acc"] = rel_ok / rel_tot if rel_tot else 0.0
    res["rel_value_n"] = rel_tot
    return res


def speed() -> float:
    texts = list(json.loads(GOLD.read_text(encoding="utf-8"))["texts"].values())
    pub = dt.date(2015, 8, 14)
    find_dates(texts[0], pub)  # build once
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < 2.0:
        for t in texts:
            find_dates(t, pub)
            n += 1
    ms = (time.perf_counter() - t0) * 1000 / n
    kb = sum(len(t.encode("utf-8")) for t in texts) / len(texts) / 1024
    print(f"speed: {ms:.2f} ms per article (mean {kb:.1f} KB UTF-8, {n} runs)")
    return ms


def _fmt(name: str, r: dict) -> str:
    return (f"{name}: gold={r['gold']} pred={r['pred']} | strict P={r['strict_p']:.3f} R={r['strict_r']:.3f} "
            f"F1={r['strict_f1']:.3f} | lenient P={r['lenient_p']:.3f} R={r['lenient_r']:.3f} F1={r['lenient_f1']:.3f}"
            f" | value acc (exact spans)={r['value_acc']:.3f}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--silver", action="store_true")
    ap.add_argument("--speed", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args(argv)
    print(_fmt("sample gold", eval_gold(a.verbose)))
    if a.silver:
        r = eval_silver()
        print(_fmt(f"silver TIMEX3 ({r['docs']} docs)", r))
        print(f"  ISO values on overlapping spans: our absolute ones {r['abs_value_acc']:.3f} (n={r['abs_value_n']}), "
              f"our relative ones {r['rel_value_acc']:.3f} (n={r['rel_value_n']}, fallback published {r['fallback_published']})")
    if a.speed:
        speed()
    return 0


if __name__ == "__main__":
    sys.exit(main())
