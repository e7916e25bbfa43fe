"""Rebuild the text layer's word lists, used to decide clitic splits and glued words.

- text/data/vocab.tsv: normalised word-form counts from ANERcorp, CAMeL Lab train split
  (Benajiba et al. 2007; Obeid et al. 2020), CC BY-SA 4.0. Only word forms and counts, no sentences.
- text/data/names.txt: the single words of the knowledge base's names (countries, places, regions,
  organisations, person-name parts) from kb/data — so "بليبيا" splits as ب + ليبيا although
  ANERcorp never wrote ليبيا.
Run (after `python -m marsad.kb.build` when the KB changes):
    python -m marsad.text.build_vocab ../shared/data/anercorp/ANERCorp_CamelLab_train.txt
"""
from __future__ import annotations

import collections
import re
import sys
from pathlib import Path

from marsad.text.normalize import normalize

OUT = Path(__file__).parent / "data" / "vocab.tsv"
NAMES_OUT = Path(__file__).parent / "data" / "names.txt"
KB_DATA = Path(__file__).resolve().parents[1] / "kb" / "data"
# (file, columns holding names; "|" separates aliases inside a column)
# (file, kind, columns holding names; "|" separates aliases inside a column)
_KB_NAME_COLUMNS = {"countries.tsv": ("place", (2, 3)), "places.tsv": ("place", (1,)),
                    "regions.tsv": ("place", (0, 1)), "orgs.tsv": ("org", (0, 4)),
                    "places_curated.tsv": ("place", (0, 1)), "persons.tsv": ("person", (0, 1)),
                    "person_names.tsv": ("person", (0,)), "places_dz.tsv": ("place", (1, 2)),
                    "sites.tsv": ("place", (1, 2)), "actors/orgs_maghreb.tsv": ("org", (1, 2)),
                    "actors/orgs_mideast.tsv": ("org", (1, 2)), "actors/persons_maghreb.tsv": ("person", (1, 2)),
                    "actors/persons_mideast.tsv": ("person", (1, 2))}
_ARABIC = re.compile(r"^[\u0621-\u064a]+$")


def build(conll_path: str, min_count: int = 1) -> int:
    counts: collections.Counter[str] = collections.Counter()
    with open(conll_path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            w = normalize(parts[0])
            if _ARABIC.match(w):
                counts[w] += 1
    rows = sorted(((w, c) for w, c in counts.items() if c >= min_count), key=lambda x: (-x[1], x[0]))
    with open(OUT, "w", encoding="utf-8") as f:
        f.write("# word\tcount\t(source: ANERcorp CAMeL Lab train split, CC BY-SA 4.0; normalised forms)\n")
        for w, c in rows:
            f.write(f"{w}\t{c}\n")
    return len(rows)


def build_names() -> int:
    words: dict[str, set[str]] = {}
    for fname, (kind, cols) in _KB_NAME_COLUMNS.items():
        path = KB_DATA / fname
        if not path.exists():
            continue
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("#"):
                    continue
                fields = line.rstrip("\n").split("\t")
                for c in cols:
                    if c >= len(fields):
                        continue
                    for name in fields[c].split("|"):
                        for w in normalize(name).split():
                            if _ARABIC.match(w) and len(w) >= 3:
                                words.setdefault(w, set()).add(kind)
    with open(NAMES_OUT, "w", encoding="utf-8") as f:
        f.write("# single words of kb/data names\tkinds (place: countries, places, regions; org; person: name parts)\n")
        for w in sorted(words):
            f.write(f"{w}\t{','.join(sorted(words[w]))}\n")
    return len(words)


if __name__ == "__main__":
    n = build(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/anercorp/ANERCorp_CamelLab_train.txt")
    print(f"wrote {n} word forms to {OUT}")
    print(f"wrote {build_names()} name words to {NAMES_OUT}")
