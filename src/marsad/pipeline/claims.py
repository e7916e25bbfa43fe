"""Claims: who says what. Every attributed statement with its cue, source, source kind, the outlet that
conveyed it, and the span of what is reported (kb/data/claim_lexicon.json).

- A reporting verb (قال، أكد، كشف، نفى …) followed by its source (قال مصدر أمني إن …) or preceded by it
  (الوزير قال إن …); the source ends at إن/أن, a comma, a colon, or the outlet it spoke to
  (لـ«الخبر»، لوكالة الأناضول), which becomes ``via``. Right after the verb إن/أن with no source
  (وأضاف أن …): the previous claim's source, still named (implicit).
- A prepositional cue (حسب، بحسب، وفقا ل، نقلا عن) names the source after it; the content is the rest
  of the sentence on the other side of the cue. After a named source ("قال X، وفقا للأناضول") the
  phrase gives that claim's ``via`` instead.
- Source kind: a person mention → named_person; an organisation or outlet → named_org; an unnamed
  source (مصدر، مصادر، مسؤول، شهود …) → anonymous_official when an official word qualifies it
  (أمني، عسكري، رسمي، حكومي، دبلوماسي، مسؤول …), else anonymous.
Claims never become facts: events inside a claim's content point to it (pipeline/events.py).
"""
from __future__ import annotations

import json
from functools import lru_cache

from marsad.document import Claim, Document
from marsad.kb.entities import DATA
from marsad.text.normalize import normalize_key
from marsad.text.tokens import name_start

_QUOTES = "«»\"'“”„‘’"
_STOP_PUNCT = ("،", ",", ":", ".", "؟", "?", "!", "؛", ";")


def _by_first(phrases: list[str]) -> dict[str, list[tuple[str, ...]]]:
    out: dict[str, list[tuple[str, ...]]] = {}
    for w in phrases:
        p = tuple(normalize_key(w).split())
        out.setdefault(p[0], []).append(p)
    return {k: sorted(set(v), key=len, reverse=True) for k, v in out.items()}


@lru_cache(maxsize=1)
def lexicon() -> dict:
    raw = json.loads((DATA / "claim_lexicon.json").read_text(encoding="utf-8"))
    return {"verbs": frozenset(normalize_key(w) for w in raw["verbs"]),
            "preps": sorted({tuple(normalize_key(w).split()) for w in raw["preps"]}, key=len, reverse=True),
            "prep_by_first": _by_first(raw["preps"]),
            "comp": frozenset(normalize_key(w) for w in raw["complementizers"]),
            "anon": frozenset(normalize_key(w) for w in raw["anonymous_heads"]),
            "official": frozenset(normalize_key(w) for w in raw["official_words"]),
            "via_heads": frozenset(normalize_key(w) for w in raw["via_heads"])}


class ClaimStage:
    name = "claims"

    def __init__(self) -> None:
        self.lx = lexicon()

    def _kind(self, doc: Document, a: int, b: int, words: list[str]) -> str:
        ms = [m for m in doc.mentions if a <= m.start and m.end <= b]
        lx = self.lx
        words = [w[2:] if w.startswith("ال") else w for w in words]  # المصدر → مصدر
        if any(w in lx["anon"] or w.rstrip("نا") in lx["anon"] for w in words[:2]) or \
                any(w in ("مصدر", "مصادر", "مصدرنا", "مصادرنا") for w in words):
            return "anonymous_official" if any(w in lx["official"] for w in words) else "anonymous"
        if any(m.type == "PER" for m in ms):
            return "named_person"
        if any(m.type in ("ORG", "GPE") for m in ms):
            return "named_org"
        if any(w in lx["official"] for w in words):
            return "anonymous_official"
        return "anonymous"

    def __call__(self, doc: Document) -> Document:
        lx = self.lx
        text = doc.text
        toks = [t for t in doc.tokens if t.kind != "punct" or t.text in _STOP_PUNCT or t.text in _QUOTES]
        keys = [normalize_key(text[name_start(t):t.end]) if t.kind == "word" else t.text for t in toks]
        sents = [(s.start, s.end) for s in doc.sentences] or [(0, len(text))]
        claims: list[Claim] = []
        consumed = 0  # tokens before this belong to the last claim's source (a وفقا ل there named its outlet)
        last_source: tuple[str, str, int | None, int | None, str | None] | None = None
        si = 0
        for i, t in enumerate(toks):
            while si < len(sents) - 1 and t.start >= sents[si][1]:
                si += 1
            if i < consumed:
                continue
            s0, s1 = sents[si]
            k = keys[i]
            if t.kind == "word" and k[:1] in ("و", "ف") and k[1:] in lx["verbs"]:
                k = k[1:]  # a conjunction the tokenizer left on the verb (وأضاف)
            if t.kind == "word" and k in lx["verbs"]:
                c, consumed = self._verb_claim(doc, toks, keys, i, s0, s1, last_source)
                if c is not None:
                    claims.append(c)
                    last_source = (c.source, c.source_kind, c.source_start, c.source_end, c.via)
                continue
            for p in lx["prep_by_first"].get(k, ()):
                n = self._prep_len(toks, keys, i, p)
                if n:
                    c = self._prep_claim(doc, toks, keys, i, n, s0, s1, claims)
                    if c is not None:
                        claims.append(c)
                        last_source = (c.source, c.source_kind, c.source_start, c.source_end, c.via)
                    break
        doc.claims = claims
        return doc

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _prep_len(toks, keys, i: int, p: tuple[str, ...]) -> int:
        """Tokens a prepositional cue takes at i (0: none). A cue ending in ل (وفقا ل) takes its last
        word from the next token's clitic (وفقا للأناضول): the source starts on that token."""
        n = len(p)
        if tuple(keys[i:i + n]) == p:
            return n
        if p[-1] == "ل" and n > 1 and tuple(keys[i:i + n - 1]) == p[:-1] and i + n - 1 < len(toks) \
                and toks[i + n - 1].text.startswith("ل"):
            return n - 1
        return 0

    def _source_span(self, toks, keys, j: int, s1: int) -> tuple[int, int, int]:
        """Tokens j.. up to the end of a source phrase: (first token, end token (excl.), via token or -1)."""
        lx = self.lx
        e = j
        via = -1
        while e < len(toks) and toks[e].start < s1 and e - j < 10:
            k = keys[e]
            if k in lx["comp"] or k in _STOP_PUNCT:
                break
            raw = toks[e].text
            if toks[e].kind == "word" and (raw.startswith(("ل", "لـ")) and e > j and (
                    raw.rstrip("ـ") in ("ل", "لـ") or normalize_key(raw) in lx["via_heads"])):
                via = e
                break
            if raw in _QUOTES and e > j and toks[e - 1].text.rstrip("ـ") in ("ل", "لـ"):
                via = e - 1
                break
            e += 1
        return j, e, via

    def _via_text(self, doc: Document, toks, keys, v: int, s1: int) -> tuple[str | None, int]:
        """The outlet named from token ``v`` on (ل/لـ + a quoted name, للأناضول, لوكالة الأناضول): its text
        without quotes and the token after it."""
        text = doc.text
        raw = toks[v].text
        rest = raw[1:].lstrip("ـ") if raw.startswith("ل") else raw
        rest = rest.strip(_QUOTES)
        if rest.startswith("ل") and len(rest) > 2:  # للأناضول: ل + the article's ل
            rest = "ا" + rest
        head = normalize_key(raw) in self.lx["via_heads"] or normalize_key(rest) in self.lx["via_heads"]
        e = v + 1
        words: list[int] = []
        quoted = False
        while e < len(toks) and toks[e].start < s1 and len(words) < 4:
            if toks[e].text in _QUOTES:
                e += 1
                if words:  # the closing quote(s)
                    while e < len(toks) and toks[e].text in _QUOTES:
                        e += 1
                    break
                quoted = True  # opening quote(s): '' or « …
                continue
            if keys[e] in self.lx["comp"] or keys[e] in _STOP_PUNCT:
                break
            if not (quoted or head or not rest):
                break
            words.append(e)
            e += 1
            if not quoted and not head:
                break
        name = text[toks[words[0]].start:toks[words[-1]].end].strip(_QUOTES + " ") if words else ""
        if rest and (head or not name):
            name = (rest + " " + name).strip()
        return (name or None), (e if words else v + 1)

    def _source(self, doc: Document, toks, keys, j: int, s1: int):
        """The source phrase from token j: (first, end, via token, start, end offsets, words, kind, text)."""
        first, end, via_tok = self._source_span(toks, keys, j, s1)
        if end <= first:
            return None
        sa, sb = name_start(toks[first]), toks[end - 1].end
        words = [keys[x] for x in range(first, end)]
        return (first, end, via_tok, sa, sb, words, self._kind(doc, sa, sb, words),
                doc.text[sa:sb].strip(_QUOTES + " "))

    def _content(self, toks, keys, e: int, s1: int, doc: Document) -> tuple[int, int]:
        while e < len(toks) and toks[e].start < s1 and (keys[e] in self.lx["comp"] or keys[e] in _STOP_PUNCT
                                                        or toks[e].text in _QUOTES):
            e += 1
        if e >= len(toks) or toks[e].start >= s1:
            return s1, s1
        return toks[e].start, s1

    def _verb_claim(self, doc: Document, toks, keys, i: int, s0: int, s1: int, last) -> tuple[Claim | None, int]:
        """The claim a reporting verb at token i opens, and the token its source phrase ends at."""
        lx = self.lx
        text = doc.text
        cue_start, cue_end = name_start(toks[i]), toks[i].end
        j = i + 1
        if j < len(toks) and toks[j].start < s1 and keys[j] in lx["comp"]:
            # no source after the verb: one named just before it in the sentence, else the previous claim's
            before = [m for m in doc.mentions if s0 <= m.start and m.end <= cue_start and m.type in ("PER", "ORG")]
            if before and cue_start - before[-1].end <= 40:
                m = before[-1]
                kind = "named_person" if m.type == "PER" else "named_org"
                a, b = self._content(toks, keys, j, s1, doc)
                return Claim(a, b, text[cue_start:cue_end], cue_start, cue_end, m.text, kind, m.start, m.end,
                             None, confidence=0.7), 0
            if last is not None:
                a, b = self._content(toks, keys, j, s1, doc)
                src, kind, ss, se, via = last
                return Claim(a, b, text[cue_start:cue_end], cue_start, cue_end, src, kind, ss, se, via,
                             confidence=0.6), 0
            return None, 0
        got = self._source(doc, toks, keys, j, s1)
        if got is None:
            return None, 0
        first, end, via_tok, sa, sb, words, kind, source = got
        bare = [w[2:] if w.startswith("ال") else w for w in words]
        if kind in ("anonymous", "anonymous_official") and not any(
                w in lx["anon"] or w in lx["official"] for w in bare) and not any(
                m for m in doc.mentions if sa <= m.start and m.end <= sb and m.type in ("PER", "ORG", "GPE")):
            return None, 0  # قال + something that is not a source (a verb used otherwise)
        via = None
        e = end
        if via_tok < 0 and e < len(toks) and toks[e].text in ("،", ","):
            # an appositive name after a title: "قال عميد بلدية سبها، حامد الخيالي، …"
            nxt = [m for m in doc.mentions if m.type == "PER" and toks[e].end <= m.start < s1]
            if nxt and text[toks[e].end:nxt[0].start].strip() == "":
                m = nxt[0]
                sb, kind = m.end, "named_person"
                source = text[sa:sb].strip(_QUOTES + " ")
                while e < len(toks) and toks[e].start < m.end:
                    e += 1
        if via_tok >= 0:
            via, e = self._via_text(doc, toks, keys, via_tok, s1)
        # "قال X، وفقا للأناضول": the outlet after the comma
        nxt = keys[e + 1] if e + 1 < len(toks) and toks[e].text in _STOP_PUNCT else ""
        for p in lx["prep_by_first"].get(nxt, ()):
            n = self._prep_len(toks, keys, e + 1, p)
            if n:
                got, e2 = self._via_text(doc, toks, keys, e + 1 + n, s1)
                via, e = via or got, e2
                break
        a, b = self._content(toks, keys, e, s1, doc)
        return Claim(a, b, text[cue_start:cue_end], cue_start, cue_end, source, kind, sa, sb, via,
                     confidence=0.8 if kind != "anonymous" else 0.75), e

    def _prep_claim(self, doc: Document, toks, keys, i: int, n: int, s0: int, s1: int, claims) -> Claim | None:
        text = doc.text
        cue_start, cue_end = name_start(toks[i]), toks[i + n - 1].end
        # a source claim in this sentence right before: this names its outlet
        if claims and claims[-1].source_end is not None and s0 <= claims[-1].cue_start and \
                claims[-1].via is None and 0 <= cue_start - claims[-1].source_end <= 30:
            via, _e = self._via_text(doc, toks, keys, i + n if i + n < len(toks) else i + n - 1, s1)
            claims[-1].via = via
            return None
        got = self._source(doc, toks, keys, i + n, s1)
        if got is None:
            return None
        first, end, via_tok, sa, sb, words, kind, source = got
        via = None
        if via_tok >= 0:
            via, end = self._via_text(doc, toks, keys, via_tok, s1)
        # content: what precedes the cue in the sentence, else what follows the source
        if cue_start - s0 > 15:
            a, b = s0, toks[i].start
        else:
            a, b = self._content(toks, keys, end, s1, doc)
        return Claim(a, b, text[cue_start:cue_end], cue_start, cue_end, source, kind, sa, sb, via, confidence=0.7)
