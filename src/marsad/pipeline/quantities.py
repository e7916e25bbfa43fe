"""Quantities: counts and measures in digits and words, with bounds, ranges and what is counted.

فرار 200 سجين → 200 سجين; نحو 300 → value 300 (approximate); أكثر من 50 قتيلا → low 50; ما بين 70 و75 → 70–75;
عشرات / مئات / الآلاف → vague ranges (low/high, no value); جزائريان اثنان → 2. Numbers that are part of a date
(the date stage runs first) or a year are not quantities. Lexicon: kb/data/quantity_lexicon.json.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache

from marsad.document import Document, Quantity
from marsad.kb.entities import DATA
from marsad.text.normalize import normalize_key
from marsad.text.tokens import name_start

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫٬", "01234567890123456789.,")


@lru_cache(maxsize=1)
def lexicon() -> dict:
    raw = json.loads((DATA / "quantity_lexicon.json").read_text(encoding="utf-8"))
    time_numbers = json.loads((DATA / "time_lexicon.json").read_text(encoding="utf-8"))["numbers"]
    words: dict[str, float] = {}
    for value, forms in {**time_numbers, **raw["numbers"]}.items():
        for f in forms:
            words[normalize_key(f)] = float(value)
    vague = {normalize_key(w): tuple(v) for w, v in raw["vague"].items()}
    multipliers = {normalize_key(w): float(v) for w, v in raw["multipliers"].items()}
    bounds = {kind: [tuple(normalize_key(p).split()) for p in phrases] for kind, phrases in raw["bounds"].items()}
    return {"words": words, "vague": vague, "multipliers": multipliers, "bounds": bounds,
            "not_units": frozenset(normalize_key(w) for w in raw["not_units"]),
            "range_joiners": frozenset(normalize_key(w) for w in raw["range_joiners"])}


def _number(text: str) -> float | None:
    t = text.translate(_DIGITS).replace(",", "")
    try:
        return float(t)
    except ValueError:
        return None


class QuantityStage:
    name = "quantities"

    def __init__(self) -> None:
        self.lx = lexicon()

    def _value(self, doc: Document, toks, keys: list[str],
               i: int) -> tuple[int, float | None, tuple | None] | None:
        """(tokens used, value, vague (low, high)) of a number starting at token i, else None; ``keys``
        are the tokens' lookup forms (clitics off)."""
        lx = self.lx
        t = toks[i]
        if t.kind == "number":
            v = _number(t.text)
            if v is None:
                return None
            m = lx["multipliers"].get(keys[i + 1]) if i + 1 < len(toks) else None
            return (2, v * m, None) if m else (1, v, None)
        k = keys[i]
        if k in lx["vague"]:
            low, high = lx["vague"][k]
            return 1, None, (low, high)
        if k in lx["words"] or k in lx["multipliers"]:
            v = lx["words"].get(k) or lx["multipliers"][k]  # ألف alone: one thousand
            used = 1
            # compound: ثلاثة وعشرون / مائة وخمسون
            while i + used < len(toks):
                nxt = toks[i + used]
                nk = normalize_key(doc.text[nxt.start:nxt.end])
                if nk.startswith("و") and nk[1:] in lx["words"]:
                    v += lx["words"][nk[1:]]
                    used += 1
                    continue
                m = lx["multipliers"].get(keys[i + used])
                if m and v < 1000:
                    v *= m
                    used += 1
                    continue
                break
            return used, v, None
        return None

    def __call__(self, doc: Document) -> Document:
        lx = self.lx
        toks = [t for t in doc.tokens if t.kind in ("word", "number")]
        in_date = bytearray(len(doc.text) + 1)
        for d in doc.dates:
            in_date[d.start:d.end] = b"\x01" * (d.end - d.start)
        keys = [normalize_key(doc.text[name_start(t):t.end]) for t in toks]
        out: list[Quantity] = []
        i = 0
        while i < len(toks):
            got = self._value(doc, toks, keys, i)
            if got is None or any(in_date[toks[i].start:toks[i].end]):
                i += 1
                continue
            used, value, vague = got
            if toks[i].kind == "number" and value is not None and 1900 <= value <= 2100 and value.is_integer() \
                    and used == 1:
                i += 1  # a bare year
                continue
            start, end = toks[i].start, toks[i + used - 1].end
            low = high = None
            if vague:
                low, high = vague
            j = i + used
            # range: ما بين 70 و75 / 70 إلى 75 / من 70 إلى 75
            if j < len(toks) and value is not None:
                cand = None
                if toks[j].kind == "word" and keys[j] in lx["range_joiners"]:
                    cand = j + 1
                elif doc.text[toks[j].start:toks[j].start + 1] == "و" or doc.text[toks[j].start - 1:toks[j].start] == "و":
                    cand = j  # و75 (the conjunction glued to the number)
                got2 = None
                if cand is not None and cand < len(toks):
                    tok2 = toks[cand]
                    raw2 = doc.text[tok2.start:tok2.end]
                    if raw2.startswith("و") and _number(raw2[1:]) is not None:
                        got2 = (1, _number(raw2[1:]), None)
                    else:
                        got2 = self._value(doc, toks, keys, cand)
                if got2 is not None and got2[1] is not None and got2[1] > value:
                    low, high, value = value, got2[1], None
                    end = toks[cand + got2[0] - 1].end
                    j = cand + got2[0]
            # bounds before: نحو، أكثر من، ما لا يقل عن …
            for kind, phrases in lx["bounds"].items():
                for p in phrases:
                    n = len(p)
                    if i - n >= 0 and tuple(keys[i - n:i]) == p:
                        start = name_start(toks[i - n])
                        if kind == "at_least" and value is not None:
                            low, value = value, None
                        elif kind == "at_most" and value is not None:
                            high, value = value, None
                        break
                else:
                    continue
                break
            # the counted noun right after (indefinite; after عشرات/مئات the noun is definite: عشرات المحتجين)
            unit = None
            if j < len(toks) and toks[j].kind == "word" and not doc.text[toks[j - 1].end:toks[j].start].strip():
                u = keys[j]  # the next word, with nothing but a space between (no comma, no new line)
                if u not in lx["not_units"] and (vague or not u.startswith("ال")):
                    unit = doc.text[name_start(toks[j]):toks[j].end]
                    end = toks[j].end
                    j += 1
            if unit is None and value == 2 and i > 0 and toks[i - 1].kind == "word" and keys[i - 1].endswith(("ان", "ين")) \
                    and keys[i - 1] not in lx["not_units"]:
                # a dual noun before اثنان: جزائريان اثنان
                unit = doc.text[name_start(toks[i - 1]):toks[i - 1].end]
                start = name_start(toks[i - 1])
            if unit is None and low is None and high is None and toks[i].kind == "number" and start == toks[i].start:
                i = max(j, i + 1)  # a bare number with nothing counted and no bound: an id, a page, a score
                continue
            out.append(Quantity(start, end, doc.text[start:end], value, low, high, unit,
                                confidence=0.85 if unit else 0.6))
            i = max(j, i + 1)
        doc.quantities = out
        return doc
