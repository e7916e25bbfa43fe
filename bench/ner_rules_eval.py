"""Entity-level evaluation of the rule/gazetteer mention stage on ANERcorp (CAMeL Lab train split).

    .venv/bin/python bench/ner_rules_eval.py [../shared/data/anercorp/ANERCorp_CamelLab_train.txt]
    .venv/bin/python bench/ner_rules_eval.py --samples   # P/R per hand-annotated sample, ms/article, long doc

ANERcorp (Benajiba et al. 2007; CAMeL Lab splits, Obeid et al. 2020), CC BY-SA 4.0. Gold PERS/LOC/ORG
are compared with predicted PER / GPE+LOC / ORG (NORP and MISC ignored) by exact token span.
Sentences are grouped 20 at a time into one document (so later surname-only mentions can be resolved).
A prediction covers the ANERcorp tokens its character span overlaps.
"""
from __future__ import annotations

import collections
import sys
import time
from pathlib import Path

from marsad.document import Document
from marsad.pipeline.mentions import MentionStage

MAP = {"PER": "PERS", "GPE": "LOC", "LOC": "LOC", "ORG": "ORG"}
DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "anercorp" / "ANERCorp_CamelLab_train.txt"


def read(path: Path) -> list[list[tuple[str, str]]]:
    sents, cur = [], []
    for line in open(path, encoding="utf-8"):
        parts = line.split()
        if not parts:
            if cur:
                sents.append(cur)
                cur = []
            continue
        cur.append((parts[0], parts[-1] if len(parts) > 1 else "O"))
    if cur:
        sents.append(cur)
    return sents


def gold_spans(tags: list[str], base: int) -> set[tuple[int, int, str]]:
    out, start, typ = set(), None, None
    for i, t in enumerate(tags + ["O"]):
        if t.startswith("B-") or t == "O" or (t.startswith("I-") and t[2:] != typ):
            if start is not None:
                out.add((base + start, base + i, typ))
                start = typ = None
            if t.startswith("B-") or t.startswith("I-"):
                start, typ = i, t[2:]
    return {s for s in out if s[2] in ("PERS", "LOC", "ORG")}


def samples() -> None:
    """P/R (PER/ORG/GPE/LOC, exact span and type) on the five samples against tests/fixtures gold, the stage's
    time per article, and the time on one long document (overlap resolution must stay linear)."""
    import json

    from marsad.pipeline.segment import GluedStage, SegmentStage

    root = Path(__file__).resolve().parents[1]
    gold = json.loads((root / "tests" / "fixtures" / "sample_entities_gold.json").read_text(encoding="utf-8"))["files"]
    stage, seg, glued = MentionStage(), SegmentStage(), GluedStage()
    tot = collections.Counter()
    t_total, n_chars, texts = 0.0, 0, []
    for name, ents in sorted(gold.items()):
        text = (root / "src" / "marsad" / "samples" / name).read_text(encoding="utf-8")
        texts.append(text)
        doc = seg(Document(name, text))
        glued(doc)
        t0 = time.perf_counter()
        stage(doc)
        t_total += time.perf_counter() - t0
        n_chars += len(text)
        g = {(e["start"], e["end"], e["type"]) for e in ents}
        p = {(m.start, m.end, m.type) for m in doc.mentions if m.type in ("PER", "ORG", "GPE", "LOC")}
        tp, fp, fn = len(g & p), len(p - g), len(g - p)
        tot.update(tp=tp, fp=fp, fn=fn)
        print(f"{name}: P {tp / max(1, tp + fp):.3f} R {tp / max(1, tp + fn):.3f} (tp {tp} fp {fp} fn {fn})")
    tp, fp, fn = tot["tp"], tot["fp"], tot["fn"]
    print(f"all: P {tp / max(1, tp + fp):.3f} R {tp / max(1, tp + fn):.3f}; stage {t_total * 1000 / len(gold):.1f} ms "
          f"per article ({n_chars / len(gold):.0f} chars)")
    long_text = "\n".join(texts) * 18
    doc = seg(Document("long", long_text))
    t0 = time.perf_counter()
    stage(doc)
    print(f"one document of {len(long_text)} chars: {time.perf_counter() - t0:.2f}s, {len(doc.mentions)} mentions")


def main() -> None:
    if "--samples" in sys.argv[1:]:
        samples()
        return
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    sents = read(path)
    stage = MentionStage()
    tp, fp, fn = collections.Counter(), collections.Counter(), collections.Counter()
    n_chars, t_total = 0, 0.0
    for g in range(0, len(sents), 20):
        group = sents[g:g + 20]
        text, offs, tags = "", [], []
        for s in group:
            for w, t in s:
                offs.append((len(text), len(text) + len(w)))
                text += w + " "
                tags.append(t)
            text = text[:-1] + "\n"
        gold = gold_spans(tags, 0)
        doc = Document(f"aner-{g}", text)
        t0 = time.perf_counter()
        stage(doc)
        t_total += time.perf_counter() - t0
        n_chars += len(text)
        pred = set()
        for m in doc.mentions:
            typ = MAP.get(m.type)
            if not typ:
                continue
            toks = [i for i, (a, b) in enumerate(offs) if a < m.end and m.start < b]
            if toks:
                pred.add((toks[0], toks[-1] + 1, typ))
        for s in pred:
            (tp if s in gold else fp)[s[2]] += 1
        for s in gold - pred:
            fn[s[2]] += 1
    print(f"ANERcorp train: {len(sents)} sentences, {n_chars} chars, stage time {t_total:.2f}s "
          f"({t_total * 1000 / (n_chars / 3000):.1f} ms per 3000-char article)")
    print(f"{'type':6} {'P':>6} {'R':>6} {'F1':>6} {'tp':>6} {'fp':>6} {'fn':>6}")
    for typ in ("PERS", "LOC", "ORG", "ALL"):
        a = sum(tp.values()) if typ == "ALL" else tp[typ]
        b = sum(fp.values()) if typ == "ALL" else fp[typ]
        c = sum(fn.values()) if typ == "ALL" else fn[typ]
        p = a / (a + b) if a + b else 0.0
        r = a / (a + c) if a + c else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        print(f"{typ:6} {p:6.3f} {r:6.3f} {f:6.3f} {a:6d} {b:6d} {c:6d}")


if __name__ == "__main__":
    main()
