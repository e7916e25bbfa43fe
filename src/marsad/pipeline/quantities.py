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
    time = json.loads((DATA / "time_lexicon.json").read_text(encoding="utf-8"))
    time_numbers = time["numbers"]
    # a month name after a number is a date the date stage missed (1 شوال), never what is counted
    months = {normalize_key(f) for table in ("months", "hijri_months") for forms in time[table].values() for f in forms}
    words: dict[str, float] = {}
    phrases: dict[tuple[str, ...], float] = {}  # several-word numbers: ستة عشر، أحد عشر
    for value, forms in {**time_numbers, **raw["numbers"]}.items():
        for f in forms:
            k = tuple(normalize_key(f).split())
            if len(k) == 1:
                words[k[0]] = float(value)
            elif not k[-1].startswith("و"):  # ثلاثة وعشرون is built word by word
                phrases[k] = float(value)
    vague1 = {normalize_key(w): tuple(v) for w, v in raw["vague"].items() if " " not in w}
    vague2 = {tuple(normalize_key(w).split()): tuple(v) for w, v in raw["vague"].items() if " " in w}
    multipliers = {normalize_key(w): float(v) for w, v in raw["multipliers"].items()}
    bounds = {kind: [tuple(normalize_key(p).split()) for p in ps] for kind, ps in raw["bounds"].items()}
    after = {kind: [tuple(normalize_key(p).split()) for p in ps] for kind, ps in raw["bounds_after"].items()}
    dn = raw["definite_numerals"]
    return {"words": words, "phrases": phrases, "vague": vague1, "vague2": vague2, "multipliers": multipliers,
            "bounds": bounds, "bounds_after": after,
            "percent": sorted({tuple(normalize_key(p).split()) for p in raw["percent"]}, key=len, reverse=True),
            "definite": (float(dn["min"]), float(dn["max"])),
            "not_counted": frozenset(normalize_key(w) for w in raw["definite_not_counted"]),
            "not_units": frozenset(normalize_key(w) for w in raw["not_units"]) | months,
            "months": frozenset(months),
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
        if i + 1 < len(toks) and (k, keys[i + 1]) in lx["vague2"]:  # عشرات الآلاف
            return 2, None, lx["vague2"][(k, keys[i + 1])]
        if k in lx["vague"]:
            low, high = lx["vague"][k]
            return 1, None, (low, high)
        if i + 1 < len(toks) and (k, keys[i + 1]) in lx["phrases"]:  # ستة عشر: one number, not 6 then 10
            v, used = lx["phrases"][(k, keys[i + 1])], 2
        elif k in lx["words"] or k in lx["multipliers"]:
            v, used = lx["words"].get(k) or lx["multipliers"][k], 1  # ألف alone: one thousand
        else:
            return None
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

    @staticmethod
    def _in_identifier(doc: Document, tok) -> bool:
        """Digits glued to Latin letters or to a hyphenated run (555x318، DR-555، 2015-11-1422): part of a
        file name, a model or a reference number, not a count."""
        text = doc.text
        before = text[tok.start - 1:tok.start]
        after = text[tok.end:tok.end + 1]
        if before == "ر" and text[tok.start - 2:tok.start - 1].isdigit() or after == "ر" and \
                text[tok.end + 1:tok.end + 2].isdigit():
            return True  # 52ر2: a decimal written with ر, its digit order is not certain
        glued = lambda ch: ch.isascii() and ch.isalpha() or ch in "-_/\\."
        return bool(before and glued(before)) or bool(after and after.isascii() and after.isalpha())

    def _phrase_at(self, doc: Document, toks, keys, j: int, phrases) -> int:
        """How many tokens of one of ``phrases`` start at token j (0: none), on the stripped or the
        written form (ونيف keeps its و)."""
        for p in phrases:
            n = len(p)
            if j + n > len(toks):
                continue
            if tuple(keys[j:j + n]) == p:
                return n
            if normalize_key(toks[j].text) == p[0] and tuple(normalize_key(x.text) for x in toks[j:j + n]) == p:
                return n
        return 0

    def _definite(self, doc: Document, toks, keys, i: int) -> Quantity | None:
        """A definite cardinal after a definite noun (الدول الثلاث، البلدان الثلاثة، الجماعات السلفية
        الجهادية الثلاثة): the count of that noun. The noun, not the adjectives between, is what is
        counted. Ordinals (الثالث) are other words and never match."""
        lx = self.lx
        k = keys[i]
        if not k.startswith("ال") or i == 0:
            return None
        v = lx["words"].get(k[2:])
        lo, hi = lx["definite"]
        if v is None or not lo <= v <= hi:
            return None
        h = i - 1
        for _ in range(4):  # back over nisba adjectives (السلفية الجهادية) to the head noun
            if h < 0 or toks[h].kind != "word" or "\n" in doc.text[toks[h].end:toks[h + 1].start] or \
                    not keys[h].startswith("ال") or keys[h] in lx["not_units"]:
                return None
            if not keys[h].endswith(("يه", "ي", "يين", "يون")) or h == 0 or not keys[h - 1].startswith("ال"):
                break
            h -= 1
        if keys[h][2:] in lx["words"] or keys[h][2:] in lx["vague"] or keys[h] in lx["not_counted"]:
            return None  # a period (السنوات الخمس الماضية) is the date stage's
        t = toks[i]
        return Quantity(t.start, t.end, doc.text[t.start:t.end], v, None, None,
                        doc.text[name_start(toks[h]):toks[h].end], confidence=0.75)

    def __call__(self, doc: Document) -> Document:
        lx = self.lx
        text = doc.text
        toks = [t for t in doc.tokens if t.kind in ("word", "number") or t.text in ("%", "٪")]
        in_date = bytearray(len(text) + 1)
        for d in doc.dates:
            in_date[d.start:d.end] = b"\x01" * (d.end - d.start)
        keys = [normalize_key(text[name_start(t):t.end]) if t.kind != "punct" else t.text for t in toks]
        out: list[Quantity] = []
        i = 0
        while i < len(toks):
            if toks[i].kind == "punct" or any(in_date[toks[i].start:toks[i].end]):
                i += 1
                continue
            got = self._value(doc, toks, keys, i)
            if got is None:
                q = self._definite(doc, toks, keys, i)
                if q is not None:
                    out.append(q)
                i += 1
                continue
            used, value, vague = got
            if toks[i].kind == "number" and (used == 1 and value is not None and 1900 <= value <= 2100
                                             and value.is_integer() or self._in_identifier(doc, toks[i])
                                             or i + used < len(toks) and keys[i + used] in lx["months"]):
                i += used  # a bare year, a date the date stage missed (1 شوال), digits of an identifier
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
                elif text[toks[j].start:toks[j].start + 1] == "و" or text[toks[j].start - 1:toks[j].start] == "و":
                    cand = j  # و75 (the conjunction glued to the number)
                got2 = None
                if cand is not None and cand < len(toks) and toks[cand].kind != "punct":
                    tok2 = toks[cand]
                    raw2 = text[tok2.start:tok2.end]
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
            unit = None
            # a percentage: 40% / 40 في المئة
            n = self._phrase_at(doc, toks, keys, j, lx["percent"]) if j < len(toks) else 0
            if n and not text[toks[j - 1].end:toks[j].start].strip():
                unit = "%"
                end = toks[j + n - 1].end
                j += n
            # the counted noun right after (indefinite; after عشرات/مئات the noun is definite: عشرات المحتجين)
            if unit is None and j < len(toks) and toks[j].kind == "word" and \
                    not text[toks[j - 1].end:toks[j].start].strip():
                u = keys[j]  # the next word, with nothing but a space between (no comma, no new line)
                if u not in lx["not_units"] and (vague or not u.startswith("ال")) and \
                        "\n" not in text[toks[j - 1].end:toks[j].start] and \
                        not any(self._phrase_at(doc, toks, keys, j, ps) for ps in lx["bounds_after"].values()):
                    unit = text[name_start(toks[j]):toks[j].end]
                    end = toks[j].end
                    j += 1
            if unit is None and value == 2 and i > 0 and toks[i - 1].kind == "word" and keys[i - 1].endswith(("ان", "ين")) \
                    and keys[i - 1] not in lx["not_units"]:
                # a dual noun before اثنان: جزائريان اثنان
                unit = text[name_start(toks[i - 1]):toks[i - 1].end]
                start = name_start(toks[i - 1])
            # bounds after: اثنان على الأقل، 50 أو أكثر، 300 تقريبا
            for kind, phrases in lx["bounds_after"].items():
                n = self._phrase_at(doc, toks, keys, j, phrases) if j < len(toks) else 0
                if n and not text[toks[j - 1].end:toks[j].start].strip():
                    end = toks[j + n - 1].end
                    j += n
                    if kind == "at_least" and value is not None:
                        low, value = value, None
                    elif kind == "at_most" and value is not None:
                        high, value = value, None
                    break
            if unit is None and low is None and high is None and toks[i].kind == "number" and start == toks[i].start:
                i = max(j, i + 1)  # a bare number with nothing counted and no bound: an id, a page, a score
                continue
            out.append(Quantity(start, end, text[start:end], value, low, high, unit,
                                confidence=0.85 if unit else 0.6))
            i = max(j, i + 1)
        doc.quantities = out
        return doc
