"""Reading CoNLL files and entity-level exact-match scoring (conlleval semantics, as score_ner.py)."""
from __future__ import annotations

import collections
from pathlib import Path

MAP = {"PER": "PERS", "PERSON": "PERS", "GPE": "LOC", "LOCATION": "LOC", "ORGANIZATION": "ORG"}


def read_conll(path: str | Path, column: int = -1, sep_token: str | None = None) -> list[list[tuple[str, str]]]:
    """Sentences of (token, tag). ``column`` picks the tag column (Wojood: 1 = outermost label);
    a token equal to ``sep_token`` ends a sentence (Wojood's "$#$")."""
    sents, cur = [], []
    for line in open(path, encoding="utf-8"):
        parts = line.split()
        if not parts or (sep_token and parts[0] == sep_token):
            if cur:
                sents.append(cur)
                cur = []
            continue
        tag = parts[column] if len(parts) > 1 else "O"
        cur.append((parts[0], tag))
    if cur:
        sents.append(cur)
    return sents


def spans(tags: list[str]) -> set[tuple[int, int, str]]:
    out, start, typ = set(), None, None
    for i, t in enumerate(list(tags) + ["O"]):
        t = t or "O"
        b, _, ty = t.partition("-")
        ty = "MISC" if ty.startswith("MIS") else MAP.get(ty, ty)
        if b in ("B", "S") or b == "O" or (b in ("I", "E") and ty != typ):
            if typ is not None:
                out.add((start, i, typ))
            start, typ = (i, ty) if b in ("B", "I", "S", "E") else (None, None)
    return out


class Scorer:
    def __init__(self, types: set[str] | None = None) -> None:
        self.tp, self.fp, self.fn = collections.Counter(), collections.Counter(), collections.Counter()
        self.types = types

    def add(self, gold: list[str], pred: list[str]) -> None:
        gs, ps = spans(gold), spans(pred)
        if self.types is not None:
            gs = {s for s in gs if s[2] in self.types}
            ps = {s for s in ps if s[2] in self.types}
        for s in gs & ps:
            self.tp[s[2]] += 1
        for s in ps - gs:
            self.fp[s[2]] += 1
        for s in gs - ps:
            self.fn[s[2]] += 1

    def merge(self, other: "Scorer") -> None:
        self.tp.update(other.tp)
        self.fp.update(other.fp)
        self.fn.update(other.fn)

    @staticmethod
    def prf(a: int, b: int, c: int) -> tuple[float, float, float]:
        p = a / (a + b) if a + b else 0.0
        r = a / (a + c) if a + c else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    def micro(self) -> tuple[float, float, float]:
        return self.prf(sum(self.tp.values()), sum(self.fp.values()), sum(self.fn.values()))

    def report(self) -> str:
        lines = []
        for t in sorted(set(self.tp) | set(self.fn) | set(self.fp)):
            p, r, f = self.prf(self.tp[t], self.fp[t], self.fn[t])
            lines.append(f"{t}: P {p:.3f} R {r:.3f} F1 {f:.3f} (gold {self.tp[t] + self.fn[t]})")
        p, r, f = self.micro()
        lines.append(f"micro P {p:.3f} R {r:.3f} F1 {f * 100:.1f}")
        return "\n".join(lines)
