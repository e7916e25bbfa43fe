"""NER tagger speed: model load time and tagging throughput (tokens/s) on one core.

    .venv/bin/python bench/ner_speed.py [--n 300] [--model PATH] [--repeat 2]

Texts: the first N non-empty SaudiNewsNet articles (CC BY-NC-SA; read from ../shared at run time, never
copied into the repo), cut into sentences and tokens by marsad's own segmenter (not timed). Timed: the
tagger over each article as a document (``NerTagger.tag_document``: features + CRF decoding), which is
what contract 2 and the pipeline's model-mention stage call. Load time is measured in a fresh
interpreter (import + model + KB gazetteer views). Runs pinned to core 0 when taskset exists.
Prints JSON and writes bench/out/ner_speed.json.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "saudinewsnet" / "articles.jsonl.gz"

_LOAD = ("import time; t0 = time.perf_counter(); from marsad.models.ner.tagger import NerTagger; "
         "t = NerTagger({model!r}); t.tag(['قال', 'الرئيس']); print(time.perf_counter() - t0)")


def documents(n: int) -> list[list[list[str]]]:
    """Sentences of tokens of the first ``n`` non-empty articles."""
    from marsad.document import Document
    from marsad.pipeline.segment import SegmentStage

    seg = SegmentStage()
    docs = []
    with gzip.open(DATA, "rt", encoding="utf-8") as f:
        for line in f:
            text = (json.loads(line).get("content") or "").strip()
            if not text:
                continue
            d = seg(Document(id=str(len(docs)), text=text))
            sents = []
            ti = 0
            for s in d.sentences:
                words = []
                while ti < len(d.tokens) and d.tokens[ti].start < s.end:
                    if d.tokens[ti].start >= s.start:
                        words.append(d.tokens[ti].text)
                    ti += 1
                if words:
                    sents.append(words)
            docs.append(sents)
            if len(docs) >= n:
                break
    return docs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--model", default=None, help="model file (default: the shipped one)")
    ap.add_argument("--repeat", type=int, default=2, help="passes over the texts (first = cold word cache)")
    args = ap.parse_args()
    if shutil.which("taskset"):
        os.sched_setaffinity(0, {0})
    from marsad.models.ner.tagger import MODEL, NerTagger

    model = args.model or str(MODEL)
    load = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", _LOAD.format(model=model)], capture_output=True, text=True,
                             check=True)
        load.append(float(out.stdout.strip()))
    docs = documents(args.n)
    ntok = sum(len(s) for d in docs for s in d)
    tagger = NerTagger(model)
    passes = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        for d in docs:
            tagger.tag_document(d)
        passes.append(time.perf_counter() - t0)
    res = {"model": os.path.relpath(model, ROOT), "context_window": tagger.ctx, "articles": len(docs),
           "tokens": ntok, "load_s_min": round(min(load), 3), "load_s_max": round(max(load), 3),
           "tokens_per_s_cold": round(ntok / passes[0]), "tokens_per_s_warm": round(ntok / min(passes[1:] or passes))}
    print(json.dumps(res, indent=1))
    (ROOT / "bench" / "out").mkdir(exist_ok=True)
    (ROOT / "bench" / "out" / "ner_speed.json").write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
