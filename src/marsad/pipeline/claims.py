"""Claims: who says what. Every attributed statement with its cue, source, source kind, the outlet that
conveyed it, and the span of what is reported (kb/data/claim_lexicon.json).

- A reporting verb (قال، أكد، كشف، نفى، حذّر، اتهم، سرّب …) followed by its source (قال مصدر أمني إن …),
  or preceded by it: a name or an unnamed source right before the verb (خليفة حفتر يتحدث، خبراء أمنيون
  حذروا، تقارير أمنية غربية، حذّرت), an unnamed source opening the clause (إن تقارير استخبارية … حذرت),
  the name before a relative pronoun («داعش» التي أعلنت). Some verbs report only with إن/أن after them
  (أبلغ، نقل، تابع) or with their idiom (حمّل … مسؤولية، دعا … إلى).
- The source phrase: an unnamed head (مصدر، مصادر، تقارير، خبراء …) with its qualifiers (أمني، عليم
  للغاية، محلية ليبية، في وزارة الدفاع), else a name with its title; it ends at إن/أن, a comma, a colon or
  the outlet it spoke to (لـ«الخبر»، لوكالة الأناضول، للصحيفة), which becomes ``via``.
- No source of its own: right after the verb إن/أن (وأضاف أن …) or the outlet (وقال لصحيفة «الخبر» إن …),
  a participle (مؤكدا أن …) or a verb after إنه inside a claim (قال المجلس إنه حذر …): the previous
  claim's source in the text, still named, with ``refers_to`` its index.
- Back-references: a source that is only "المصدر"، "مصدرنا"، "المتحدث"، "المصدر ذاته" continues the last
  earlier source of the same family (مصدر أمني مسؤول) and takes its kind; "أكدت الصحيفة"، "قالت القناة
  الليبية" is a named_org, the outlet named earlier with that noun (لصحيفة «الخبر») or the document's
  outlet; "قال المجلس"، "قال البيان" a named_org, the organisation named earlier. ``source_ref`` names
  what it resolves to.
- A prepositional cue (حسب، بحسب، وفقا ل، نقلا عن) names the source after it; the content is the rest
  of the sentence on the other side of the cue. After a named source ("قال X، وفقا للأناضول") the
  phrase gives that claim's ``via`` instead.
- Source kind: a person mention → named_person; an organisation or outlet → named_org; an unnamed
  source → anonymous_official when an official word qualifies it (أمني، عسكري، رسمي، استخبارية …),
  else anonymous — experts, witnesses and activists stay anonymous whatever qualifies them.
Claims never become facts: events inside a claim's content point to it (pipeline/events.py).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache

from marsad.document import Claim, Document, Mention
from marsad.kb.entities import DATA
from marsad.text.normalize import normalize_key
from marsad.text.tokens import name_start

_QUOTES = "«»\"'“”„‘’"
_STOP_PUNCT = ("،", ",", ":", ".", "؟", "?", "!", "؛", ";")
_NAMED = ("PER", "ORG", "GPE")


def _bare(w: str) -> str:
    """The word without its article (المصدر → مصدر), for lexicon look-ups."""
    return w[2:] if w.startswith("ال") and len(w) > 3 else w


def _by_first(phrases: list[str]) -> dict[str, list[tuple[str, ...]]]:
    out: dict[str, list[tuple[str, ...]]] = {}
    for w in phrases:
        p = tuple(normalize_key(w).split())
        out.setdefault(p[0], []).append(p)
    return {k: sorted(set(v), key=len, reverse=True) for k, v in out.items()}


@lru_cache(maxsize=1)
def lexicon() -> dict:
    raw = json.loads((DATA / "claim_lexicon.json").read_text(encoding="utf-8"))

    def keys(name: str, bare: bool = False) -> frozenset[str]:
        ks = {normalize_key(w) for w in raw[name]}
        return frozenset(ks | {_bare(k) for k in ks}) if bare else frozenset(ks)

    families: dict[str, str] = {}
    for fam, forms in raw["back_refs"].items():
        families[normalize_key(fam)] = normalize_key(fam)
        for f in forms:
            families[_bare(normalize_key(f))] = normalize_key(fam)
    governed = {normalize_key(v): frozenset(normalize_key(w) for w in ws) for v, ws in raw["governed_verbs"].items()}
    return {"verbs": keys("verbs") | frozenset(governed), "need_comp": keys("verbs_need_comp"),
            "governed": governed, "participles": keys("participles"),
            "prep_by_first": _by_first(raw["preps"]),
            "comp": keys("complementizers"),
            "anon": keys("anonymous_heads", bare=True),
            "non_official": keys("non_official_heads", bare=True),
            "official": keys("official_words", bare=True),
            "qualifiers": keys("qualifiers", bare=True),
            "via_heads": keys("via_heads", bare=True),
            "back_refs": frozenset(normalize_key(f) for fs in raw["back_refs"].values() for f in fs),
            "families": families,
            "followers": keys("back_ref_followers"),
            "outlet_nouns": frozenset(_bare(normalize_key(w)) for w in raw["outlet_nouns"]),
            "org_nouns": frozenset(_bare(normalize_key(w)) for w in raw["org_nouns"]),
            "statement_nouns": keys("statement_nouns"),
            "not_starts": keys("not_source_starts"),
            "relatives": keys("relatives"),
            "pronoun_comp": keys("pronoun_comp"),
            "not_comp_after": keys("not_comp_after"),
            "roles": keys("person_roles", bare=True),
            "speech": keys("speech_verbs"),
            "source_stops": keys("source_stops"),
            "statement_contexts": keys("statement_contexts", bare=True),
            "editorial": keys("editorial"),
            "after_ma": keys("after_ma_verbs"),
            "prep_first": frozenset(normalize_key(w).split()[0] for w in raw["preps"])}


class _Written:
    """The written form of each token, normalised with its clitics (للغاية، باسم), made on demand: most
    tokens are never looked at this way."""

    def __init__(self, toks: list) -> None:
        self.toks = toks
        self.cache: dict[int, str] = {}

    def __getitem__(self, x):
        if isinstance(x, slice):
            return [self[y] for y in range(*x.indices(len(self.toks)))]
        if x < 0:
            x += len(self.toks)
        if x not in self.cache:
            t = self.toks[x]
            self.cache[x] = normalize_key(t.text) if t.kind == "word" else t.text
        return self.cache[x]


@dataclass
class _Ctx:
    """Per-document state (the stage object itself is shared between documents and threads)."""
    doc: Document
    toks: list
    keys: list[str]
    raw: _Written  # the written form, normalised, clitics kept (للغاية، باسم)
    claims: list[Claim] = field(default_factory=list)
    outlets: dict[str, str] = field(default_factory=dict)  # outlet noun (صحيفه) → the name it was given


class ClaimStage:
    name = "claims"

    def __init__(self) -> None:
        self.lx = lexicon()

    # ------------------------------------------------------------------ the pass over the text
    def __call__(self, doc: Document) -> Document:
        lx = self.lx
        text = doc.text
        toks = [t for t in doc.tokens if t.kind != "punct" or t.text in _STOP_PUNCT or t.text in _QUOTES]
        keys = [normalize_key(text[name_start(t):t.end]) if t.kind == "word" else t.text for t in toks]
        ctx = _Ctx(doc, toks, keys, _Written(toks))
        sents = [(s.start, s.end) for s in doc.sentences] or [(0, len(text))]
        consumed = 0  # tokens before this belong to the last claim's source (a وفقا ل there named its outlet)
        si = 0
        for i, t in enumerate(toks):
            while si < len(sents) - 1 and t.start >= sents[si][1]:
                si += 1
            if i < consumed:
                continue
            s0, s1 = sents[si]
            k = keys[i]
            if t.kind == "word" and k[:1] in ("و", "ف") and (k[1:] in lx["verbs"] or k[1:] in lx["participles"]):
                k = k[1:]  # a conjunction the tokenizer left on the verb (وأضاف)
            c = None
            if t.kind == "word" and k in lx["verbs"]:
                c, consumed = self._verb_claim(ctx, i, k, s0, s1)
            elif t.kind == "word" and k in lx["participles"]:
                c = self._participle_claim(ctx, i, s0, s1)
            else:
                for p in lx["prep_by_first"].get(k, ()):
                    n = self._prep_len(toks, keys, i, p)
                    if n:
                        c = self._prep_claim(ctx, i, n, s0, s1)
                        break
            if c is not None:
                self._add(ctx, c)
        doc.claims = ctx.claims
        return doc

    # ------------------------------------------------------------------ source phrases
    @staticmethod
    def _prep_len(toks, keys, i: int, p: tuple[str, ...]) -> int:
        """Tokens a prepositional cue takes at i (0: none). A cue ending in ل (وفقا ل) takes its last
        word from the next token's clitic (وفقا للأناضول): the source starts on that token."""
        n = len(p)
        if tuple(keys[i:i + n]) == p:
            return n
        if p[-1] == "ل" and n > 1 and tuple(keys[i:i + n - 1]) == p[:-1] and i + n - 1 < len(toks) \
                and toks[i + n - 1].text.startswith("ل") and (toks[i + n - 1].text.startswith("لـ") or any(
                    x[2] in ("ل", "لل") for x in toks[i + n - 1].prefixes) or toks[i + n - 1].text.rstrip("ـ") == "ل"):
            return n - 1
        return 0

    def _is_via(self, ctx: _Ctx, e: int, j: int) -> bool:
        """Token e (after the source's first token j) opens the outlet the source spoke to: لـ«الخبر»،
        لوكالة الأناضول، للصحيفة."""
        tok = ctx.toks[e]
        raw = tok.text
        if tok.kind != "word" or not raw.startswith("ل") or e < j:
            return False
        return raw.rstrip("ـ") in ("ل", "لـ") or ctx.raw[e] in self.lx["via_heads"] or (
            ctx.keys[e] in self.lx["via_heads"] or _bare(ctx.keys[e]) in self.lx["outlet_nouns"]) and \
            any(p[2] == "ل" for p in tok.prefixes)

    def _qualified(self, ctx: _Ctx, h: int, s1: int) -> int:
        """The end (exclusive) of an unnamed source phrase whose head is token h: its qualifiers
        (official words, عليم، موثوقة، للغاية، nisba adjectives such as جزائري، محلية ليبية, a follower such
        as ذاته) and a place it belongs to (مصدر في وزارة الدفاع)."""
        lx, toks, keys = self.lx, ctx.toks, ctx.keys
        e = h + 1
        if e < len(toks) and keys[e] in ("عيان",):
            e += 1
        while e < len(toks) and toks[e].start < s1 and e - h < 6 and toks[e].kind == "word":
            k, b = keys[e], _bare(keys[e])
            if k in lx["comp"] or self._is_via(ctx, e, h + 1):
                break
            if k in ("في", "ب", "من", "لدى", "داخل") or keys[e] != ctx.raw[e] and ctx.raw[e][:1] in "بل":
                m = self._mention_at(ctx.doc, toks[e + 1].start if keys[e] in ("في", "من", "لدى", "داخل")
                                     and e + 1 < len(toks) else name_start(toks[e]))
                if m is not None and m.type in ("ORG", "GPE", "LOC", "FAC"):
                    while e < len(toks) and toks[e].start < m.end:
                        e += 1
                    continue
            if ctx.raw[e] == "باسم":  # متحدث باسم قوات الإطفاء الألمانية: the body it speaks for
                e += 1
                m = self._mention_at(ctx.doc, name_start(toks[e])) if e < len(toks) else None
                stop = m.end if m is not None else toks[min(e + 1, len(toks) - 1)].end
                while e < len(toks) and toks[e].start < min(stop, s1) and keys[e] not in lx["comp"] \
                        and toks[e].kind == "word":
                    e += 1
                continue
            if k in lx["official"] or b in lx["official"] or k in lx["qualifiers"] or b in lx["qualifiers"] \
                    or ctx.raw[e] in lx["qualifiers"] or k in lx["followers"] or self._nisba(k):
                e += 1
                continue
            break
        return e

    def _nisba(self, k: str) -> bool:
        """A relational adjective (أمني، جزائرية، الغربيين): in an unnamed source it qualifies the head."""
        lx = self.lx
        return len(k) >= 4 and k.endswith(("ي", "يه", "يون", "يين", "يان")) and k not in lx["relatives"] \
            and k not in lx["comp"] and k not in lx["not_starts"] and k not in lx["verbs"]

    def _role_at(self, ctx: _Ctx, first: int, end: int) -> bool:
        """An office or occupation opens the phrase (وزير الخارجية التونسي), or follows a name the
        recognisers missed (آلان بليندر أستاذ علم الاقتصاد، عبدالهادي الشيخ المدير التنفيذي)."""
        lx = self.lx
        for x in range(first, min(end, first + 4)):
            w = ctx.keys[x]
            if w in lx["roles"] or _bare(w) in lx["roles"] or (x + 1 < end and w + " " + ctx.keys[x + 1] in lx["roles"]):
                return True
            if ctx.toks[x].kind != "word" or ctx.toks[x].prefixes or w in lx["not_starts"] or w in lx["comp"] \
                    or w in lx["verbs"] or w.startswith("ال"):
                return False  # only a plain (name) word may come before the role
        return False

    def _outlet_noun(self, k: str) -> bool:
        """الصحيفة، القناة: an outlet named by its kind (definite only; وكالة رويترز is a name)."""
        return k.startswith("ال") and _bare(k) in self.lx["outlet_nouns"]

    def _org_noun(self, k: str) -> bool:
        """المجلس، الوزارة: an organisation named by its kind (definite only; مجلس الأمن is a name)."""
        return k.startswith("ال") and _bare(k) in self.lx["org_nouns"]

    @staticmethod
    def _mention_at(doc: Document, start: int) -> Mention | None:
        for m in doc.mentions:
            if m.start == start and m.type in _NAMED + ("LOC", "FAC"):
                return m
        return None

    def _source_after(self, ctx: _Ctx, j: int, s1: int) -> tuple[int, int, int] | None:
        """The source phrase from token j: (first token, end token (excl.), via token or -1), or None
        when what follows cannot be a source (a preposition, an object)."""
        lx, toks, keys = self.lx, ctx.toks, ctx.keys
        if j >= len(toks) or toks[j].start >= s1 or toks[j].kind != "word" and toks[j].text not in _QUOTES:
            return None
        k = keys[j]
        if k in lx["not_starts"] or k in lx["comp"]:
            return None
        if k in ("بعض", "احد", "أحد") and j + 1 < len(toks) and _bare(keys[j + 1]) in lx["anon"]:
            e = self._qualified(ctx, j + 1, s1)  # بعض المصادر
        elif _bare(k) in lx["anon"] or k in lx["anon"] or k in lx["back_refs"] or self._org_noun(k) \
                or self._outlet_noun(k) or k in lx["statement_nouns"]:
            e = self._qualified(ctx, j, s1)
        else:
            if any(p[2] in ("ب", "ك") for p in toks[j].prefixes):
                return None  # تفيد باستيفاء …: a prepositional object, not a source
            in_date = [(d.start, d.end) for d in ctx.doc.dates]
            e = j
            while e < len(toks) and toks[e].start < s1 and e - j < 10:
                if keys[e] in lx["comp"] or keys[e] in _STOP_PUNCT or self._is_via(ctx, e, j + 1):
                    break
                if e > j and (keys[e] in lx["source_stops"] or keys[e] in lx["relatives"] or any(a <= toks[e].start < b for a, b in in_date) or
                              keys[e] == "في" and e + 1 < len(toks) and _bare(keys[e + 1]) in lx["statement_contexts"] or
                              keys[e] in ("عن", "على") and e + 1 < len(toks) and keys[e + 1] in lx["comp"]):
                    break  # قال الوزير خلال مؤتمر …، في تصريح …، اليوم الأحد: the occasion, not the source
                if toks[e].text in _QUOTES and e > j and toks[e - 1].text.rstrip("ـ") in ("ل", "لـ"):
                    e -= 1
                    break
                e += 1
            # a name ends the source: قال الرئيس الفرنسي إيمانويل ماكرون خلال …, أعلن تنظيم القاعدة … تأييده
            sa, sb = name_start(toks[j]), toks[e - 1].end if e > j else toks[j].end
            ms = [m for m in ctx.doc.mentions if sa <= m.start and m.end <= sb and m.type in _NAMED]
            per = [m for m in ms if m.type == "PER"]
            head = [m for m in ms if m.start == sa and m.type in ("ORG", "GPE")]
            cut = per[0] if per else head[0] if head else None
            if cut is not None:
                e2 = j
                while e2 < e and toks[e2].start < cut.end:
                    e2 += 1
                e = e2
        if e <= j:
            return None
        m = self._mention_at(ctx.doc, name_start(toks[j]))
        if m is not None and m.type in ("ORG", "PER") and toks[e - 1].end < m.end:
            while e < len(toks) and toks[e].start < m.end:  # المجلس الرئاسي لحكومة الوفاق الوطني الليبي
                e += 1
        via = e if e < len(toks) and toks[e].start < s1 and self._is_via(ctx, e, j + 1) else -1
        if via < 0 and e < len(toks) and toks[e].text in _QUOTES and e > j and toks[e - 1].text.rstrip("ـ") in ("ل", "لـ"):
            via = e - 1
        return j, e, via

    def _kind(self, ctx: _Ctx, first: int, end: int) -> str | None:
        """The kind of the source phrase toks[first:end], None when it is not a source."""
        lx = self.lx
        words = ctx.keys[first:end]
        bare = [_bare(w) for w in words]
        raws = ctx.raw[first:end]  # باسم keeps its ب
        sa, sb = name_start(ctx.toks[first]), ctx.toks[end - 1].end
        if self._outlet_noun(words[0]) or self._org_noun(words[0]) or words[0] in lx["statement_nouns"]:
            return "named_org"
        heads = [b for b in bare[:2] if b in lx["anon"] or b.removesuffix("نا") in lx["anon"]]
        if heads or words[0] in lx["back_refs"]:
            if any(h in lx["non_official"] for h in heads):
                return "anonymous"
            # مصدر أمني، مسؤولون محليون (the head itself is an official)
            return "anonymous_official" if any(b in lx["official"] or w in lx["official"] or r in lx["official"]
                                               for w, b, r in zip(words[1:], bare[1:], raws[1:])) \
                or heads[:1] and heads[0] in lx["official"] else "anonymous"
        ms = [m for m in ctx.doc.mentions if sa <= m.start and m.end <= sb]
        if any(m.type == "PER" for m in ms):
            return "named_person"
        if self._role_at(ctx, first, end):
            return "named_person"  # a person named by office only: وزير الخارجية التونسي، مدير عام إدارة …
        if any(m.type in ("ORG", "GPE") and m.start <= ctx.toks[min(first + 1, end - 1)].end for m in ms):
            return "named_org"  # a name that opens the phrase
        if any(m.type == "ORG" and m.start <= ctx.toks[min(first + 3, end - 1)].end for m in ms):
            return "named_org"  # someone of a named organisation: إدارة نادي الشباب
        if any(b in lx["official"] for b in bare):
            return "anonymous_official"
        return None

    # ------------------------------------------------------------------ claims from verbs
    def _has_ahead(self, ctx: _Ctx, i: int, s1: int, words: frozenset[str], n: int = 15) -> bool:
        for e in range(i + 1, min(len(ctx.toks), i + 1 + n)):
            if ctx.toks[e].start >= s1:
                break
            if ctx.keys[e] in words or ctx.raw[e] in words or ctx.toks[e].text == ":":
                return True
        return False

    def _content(self, ctx: _Ctx, e: int, s1: int) -> tuple[int, int]:
        """What is said, from token e: after the first complementizer close ahead (قال المجلس في معرض
        تعليقه …، إنه …), else from e on, to the end of the sentence."""
        lx, toks, keys = self.lx, ctx.toks, ctx.keys
        for x in range(e, min(len(toks), e + 25)):
            if toks[x].start >= s1 or x > e and (keys[x] in lx["verbs"] or keys[x][1:] in lx["verbs"]):
                break
            if keys[x] in lx["comp"] and not (x > 0 and keys[x - 1] in lx["not_comp_after"]):
                e = x
                break
        while e < len(toks) and toks[e].start < s1 and (keys[e] in lx["comp"] or keys[e] in _STOP_PUNCT
                                                        or toks[e].text in _QUOTES):
            e += 1
        if e >= len(toks) or toks[e].start >= s1:
            return s1, s1
        return toks[e].start, s1

    def _claim(self, ctx: _Ctx, i: int, first: int, end: int, kind: str, s1: int, e: int,
               via: str | None = None, conf: float = 0.8) -> Claim:
        text = ctx.doc.text
        sa, sb = name_start(ctx.toks[first]), ctx.toks[end - 1].end
        a, b = self._content(ctx, e, s1)
        return Claim(a, b, text[name_start(ctx.toks[i]):ctx.toks[i].end], name_start(ctx.toks[i]), ctx.toks[i].end,
                     text[sa:sb].strip(_QUOTES + " "), kind, sa, sb, via, confidence=conf)

    def _continue(self, ctx: _Ctx, i: int, s1: int, e: int, via: str | None = None,
                  ref: int | None = None) -> Claim | None:
        """A claim with no source of its own: the source of claim ``ref`` (default: the last one)."""
        if not ctx.claims:
            return None
        if ref is None:  # the last claim that is not itself reported inside another one's content
            ref = next((x for x in range(len(ctx.claims) - 1, -1, -1)
                        if not any(o.start <= ctx.claims[x].cue_start < o.end for o in ctx.claims if o is not ctx.claims[x])),
                       len(ctx.claims) - 1)
        last = ctx.claims[ref]
        text = ctx.doc.text
        a, b = self._content(ctx, e, s1)
        cs, ce = name_start(ctx.toks[i]), ctx.toks[i].end
        root = self._owner(ctx, ref)
        return Claim(a, b, text[cs:ce], cs, ce, last.source, last.source_kind, last.source_start, last.source_end,
                     via, confidence=0.6, refers_to=root, source_ref=last.source_ref or last.source)

    def _verb_claim(self, ctx: _Ctx, i: int, k: str, s0: int, s1: int) -> tuple[Claim | None, int]:
        """The claim a reporting verb at token i opens, and the token its source phrase ends at."""
        lx, toks, keys = self.lx, ctx.toks, ctx.keys
        doc, text = ctx.doc, ctx.doc.text
        if k in lx["need_comp"] and not self._has_ahead(ctx, i, s1, lx["comp"] | ({"عن"} if k in lx["speech"] else set())):
            return None, 0  # أبلغت الجزائر بقرارها، نقل إلى السلطات: no statement
        if k in lx["governed"] and not self._has_ahead(ctx, i, s1, lx["governed"][k], 16):
            return None, 0  # حمل معه الملف
        cue_start = name_start(toks[i])
        j = i + 1
        if k in lx["editorial"] and j < len(toks) and (keys[j] in lx["comp"] or keys[j] in ("إلى", "الى")):
            return None, 0  # يذكر أن، يشار إلى أن: the writer's aside
        if j < len(toks) and toks[j].start < s1 and (toks[j].text == ":" or toks[j].text in "«\"“"):
            # وقال: «…» — a quotation with no source named: the one before the verb, else the previous
            before = [m for m in doc.mentions if s0 <= m.start and m.end <= cue_start and m.type in ("PER", "ORG")
                      and not self._governed(ctx, m)]
            if before and cue_start - before[-1].end <= 40 and keys[i - 1] not in lx["relatives"]:
                got = self._mention_source(ctx, before[-1])
                if got is not None:
                    return self._claim(ctx, i, got[0], got[1], got[2], s1, j, conf=0.7), 0
            got = self._source_before(ctx, i, s0)
            if got is not None:
                return self._claim(ctx, i, got[0], got[1], got[2], s1, j, conf=0.7), 0
            return (None if keys[i - 1:i] and keys[i - 1] in lx["relatives"] else self._continue(ctx, i, s1, j)), 0
        if j < len(toks) and toks[j].start < s1 and keys[j] in lx["comp"]:
            # no source after the verb: one named just before it in the sentence, else the previous claim's
            before = [m for m in doc.mentions if s0 <= m.start and m.end <= cue_start and m.type in ("PER", "ORG")
                      and not self._governed(ctx, m)]
            if before and cue_start - before[-1].end <= 40:
                m = before[-1]
                kind = "named_person" if m.type == "PER" else "named_org"
                a, b = self._content(ctx, j, s1)
                return Claim(a, b, text[cue_start:toks[i].end], cue_start, toks[i].end, m.text, kind, m.start,
                             m.end, None, confidence=0.7), 0
            got = self._source_before(ctx, i, s0)
            if got is not None:
                first, end, kind = got
                return self._claim(ctx, i, first, end, kind, s1, j, conf=0.7), 0
            if i > 0 and keys[i - 1] in lx["relatives"]:
                return None, 0  # هذا المقطع الذي يعترف بأنه: not the previous source
            return self._continue(ctx, i, s1, j), 0
        if j < len(toks) and toks[j].start < s1 and self._is_via(ctx, j, j):
            # وقال لصحيفة «الخبر» الجزائرية، إن …: the outlet first, the source is the previous one
            via, e = self._via_text(ctx, j, s1)
            got = self._source_after(ctx, e, s1) if e < len(toks) and toks[e].text not in _STOP_PUNCT else None
            kind = self._kind(ctx, got[0], got[1]) if got else None
            if got and kind:
                return self._claim(ctx, i, got[0], got[1], kind, s1, got[1], via), got[1]
            return self._continue(ctx, i, s1, e, via), e
        # a plural verb holds its subject (قالوا، دعوا); after الذي/التي the subject is the name before:
        # in neither case is what follows the source
        got = self._source_after(ctx, j, s1) if not k.endswith("وا") and (
            i == 0 or keys[i - 1] not in lx["relatives"]) else None
        kind = self._kind(ctx, got[0], got[1]) if got else None
        sa = sb = None
        e = got[1] if got else j
        if got is not None and got[2] < 0 and e < len(toks) and toks[e].text in ("،", ",") and not any(
                m.type == "PER" and name_start(toks[got[0]]) <= m.start < toks[got[1] - 1].end for m in doc.mentions):
            # an appositive name after a title: "قال عميد بلدية سبها، حامد الخيالي، …"; after a longer
            # description (الباحث …، ورئيس جمعية …، نعمان بن عثمان،) the name alone is the source
            m, hops = self._apposed_name(ctx, e, s1)
            if m is not None:
                sa = m.start if hops > 1 else name_start(toks[got[0]])
                sb, kind = m.end, "named_person"
                while e < len(toks) and toks[e].start < m.end:
                    e += 1
        if got is None or kind is None:
            # the source is not after the verb: before it (SVO), or the claim the verb is part of
            got2 = self._source_before(ctx, i, s0)
            if got2 is not None:
                first, end, kind = got2
                return self._claim(ctx, i, first, end, kind, s1, j, conf=0.7), 0
            if i > 0 and keys[i - 1] in lx["pronoun_comp"]:
                holder = next((x for x in range(len(ctx.claims) - 1, -1, -1)
                               if ctx.claims[x].start <= cue_start < ctx.claims[x].end), None)
                if holder is not None:
                    return self._continue(ctx, i, s1, j, ref=holder), 0
            return None, 0
        first, end, via_tok = got
        if sa is None:
            sa, sb = name_start(toks[first]), toks[end - 1].end
        via = None
        if via_tok >= 0:
            via, e = self._via_text(ctx, via_tok, s1)
        # "قال X، وفقا للأناضول": the outlet after the comma
        nxt = keys[e + 1] if e + 1 < len(toks) and toks[e].text in _STOP_PUNCT else ""
        for p in lx["prep_by_first"].get(nxt, ()):
            n = self._prep_len(toks, keys, e + 1, p)
            if n:
                got3, e2 = self._via_text(ctx, min(self._after_cue(ctx, e + 1, n), len(toks) - 1), s1)
                via, e = via or got3, e2
                break
        a, b = self._content(ctx, e, s1)
        return Claim(a, b, text[cue_start:toks[i].end], cue_start, toks[i].end, text[sa:sb].strip(_QUOTES + " "),
                     kind, sa, sb, via, confidence=0.8 if kind != "anonymous" else 0.75), e

    def _apposed_name(self, ctx: _Ctx, e: int, s1: int) -> tuple[Mention | None, int]:
        """A person named after the comma at token e, or after one more comma-closed apposition."""
        toks, keys = ctx.toks, ctx.keys
        hops = 0
        while hops < 2 and e < len(toks) and toks[e].text in ("،", ",") and toks[e].start < s1:
            hops += 1
            nxt = [m for m in ctx.doc.mentions if m.type == "PER" and toks[e].end <= m.start < s1]
            if nxt and ctx.doc.text[toks[e].end:nxt[0].start].strip() == "":
                return nxt[0], hops
            x = e + 1  # the next comma, unless the apposition says something (a complementizer, a cue)
            while x < len(toks) and toks[x].start < s1 and x - e < 12 and toks[x].text not in ("،", ","):
                if keys[x] in self.lx["comp"] or keys[x] in self.lx["verbs"] or toks[x].text in _STOP_PUNCT:
                    return None, 0
                x += 1
            e = x
        return None, 0

    def _source_before(self, ctx: _Ctx, i: int, s0: int) -> tuple[int, int, str] | None:
        """A source right before the verb at token i: (first token, end token, kind) or None."""
        lx, toks, keys, doc = self.lx, ctx.toks, ctx.keys, ctx.doc
        p = i - 1
        if p >= 0 and toks[p].text in ("،", ","):
            p -= 1  # تقارير أمنية غربية، حذّرت
        if p < 0 or toks[p].start < s0:
            return None
        cue_start = name_start(toks[i])
        # «داعش» التي أعلنت: the name before the relative pronoun
        if keys[p] in lx["relatives"]:
            ms = [m for m in doc.mentions if m.type in _NAMED and m.end <= toks[p].start and m.start >= s0
                  and doc.text[m.end:toks[p].start].strip(_QUOTES + " ") == ""]
            return self._mention_source(ctx, ms[-1]) if ms else None
        # a name right before: خليفة حفتر يتحدث — not one governed by a preposition (مع قناة "فرانس24")
        ms = [m for m in doc.mentions if m.type in _NAMED and s0 <= m.start and m.end <= cue_start
              and doc.text[m.end:cue_start].strip(_QUOTES + " ،,") == ""]
        if ms and not self._governed(ctx, ms[-1]):
            return self._mention_source(ctx, ms[-1])
        # an unnamed source right before (خبراء أمنيون حذروا) or opening the clause (إن تقارير … حذرت)
        for h in range(p, max(s0 and -1, p - 10), -1):
            if h < 0 or toks[h].start < s0 or keys[h] in lx["comp"] and h < p or keys[h] in lx["verbs"]:
                break
            b = _bare(keys[h])
            if toks[h].kind == "word" and (b in lx["anon"] or keys[h] in lx["anon"]):
                end = self._qualified(ctx, h, toks[i].start)
                opener = h == 0 or toks[h - 1].start < s0 or keys[h - 1] in lx["comp"] or \
                    keys[h - 1] in ("كان", "كانت", "و") or toks[h - 1].text in _STOP_PUNCT
                if end >= p + 1 or opener:
                    kind = self._kind(ctx, h, end)
                    return (h, end, kind) if kind else None
                return None
        return None

    def _governed(self, ctx: _Ctx, m: Mention) -> bool:
        """The name is the object of a preposition (مع قناة "فرانس24"، لعدنان، بحسب «رويترز»): not a subject."""
        lx, toks, keys = self.lx, ctx.toks, ctx.keys
        f = self._tok_at(ctx, m.start)
        if f is None:
            return True
        g = f - 1
        while g >= 0 and toks[g].text in _QUOTES:
            g -= 1
        return g >= 0 and (keys[g] in lx["not_starts"] | {"عبر", "ضد", "لدى", "بين"} or keys[g] in lx["prep_first"]
                           or ctx.raw[g] in lx["prep_first"]) or any(x[2] in ("ب", "ل", "ك") for x in toks[f].prefixes)

    def _tok_at(self, ctx: _Ctx, start: int) -> int | None:
        for x, t in enumerate(ctx.toks):
            if t.start <= start < t.end:
                return x
        return None

    def _mention_source(self, ctx: _Ctx, m: Mention) -> tuple[int, int, str] | None:
        f = self._tok_at(ctx, m.start)
        if f is None:
            return None
        e = f
        while e < len(ctx.toks) and ctx.toks[e].start < m.end:
            e += 1
        return f, e, "named_person" if m.type == "PER" else "named_org"

    def _participle_claim(self, ctx: _Ctx, i: int, s0: int, s1: int) -> Claim | None:
        """مؤكدا أن … / مشيرة إلى أن …: the subject of the sentence says it — the claim before it in
        the sentence, else the source phrase that follows the sentence's opening verb."""
        lx, toks, keys = self.lx, ctx.toks, ctx.keys
        j = i + 1
        if j < len(toks) and keys[j] in ("الى", "إلى"):
            j += 1
        if j >= len(toks) or keys[j] not in lx["comp"]:
            return None
        if ctx.claims and ctx.claims[-1].cue_start >= s0:
            return self._continue(ctx, i, s1, j)
        first = next((x for x, t in enumerate(toks) if t.start >= s0), None)
        if first is None or first >= i:
            return None
        x = first + 1  # وعرضت القناة الليبية، اليوم الجمعة، صورا …: the subject after the opening verb
        if x >= i or toks[x].kind != "word":
            return None
        k = keys[x]
        if not (self._mention_at(ctx.doc, name_start(toks[x])) or _bare(k) in lx["anon"] or self._org_noun(k)
                or self._outlet_noun(k)):
            return None
        got = self._source_after(ctx, x, s1)
        if got is None or got[1] > i:
            return None
        kind = self._kind(ctx, got[0], got[1])
        return self._claim(ctx, i, got[0], got[1], kind, s1, j, conf=0.6) if kind else None

    # ------------------------------------------------------------------ claims from prepositions
    def _via_text(self, ctx: _Ctx, v: int, s1: int) -> tuple[str | None, int]:
        """The outlet named from token ``v`` on (ل/لـ + a quoted name, للأناضول, لوكالة الأناضول, للصحيفة):
        its text without quotes (a quoted name without its kind noun: لصحيفة «الخبر» → الخبر) and the
        token after it."""
        toks, keys = ctx.toks, ctx.keys
        text = ctx.doc.text
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
        if head and name and not quoted:
            name = rest + " " + name  # لوكالة الأناضول
        elif head and name:
            ctx.outlets[_bare(normalize_key(rest))] = name  # لصحيفة «الخبر»: later "الصحيفة" is الخبر
        if rest and not name:
            name = rest
        return (name or None), (e if words else v + 1)

    def _after_cue(self, ctx: _Ctx, i: int, n: int) -> int:
        """Where the source starts after a prepositional cue of n tokens at i: after ما and its verb
        (وفقا لما نقلته وكالة …، حسب ما جاء في صحيفة …)."""
        toks, keys = ctx.toks, ctx.keys
        j = i + n
        ma = keys[i + n - 1].endswith("ما")
        if j < len(toks) and ctx.raw[j] in ("ما", "لما"):
            j, ma = j + 1, True
        if ma and j < len(toks) and (keys[j] in self.lx["after_ma"] or ctx.raw[j] in self.lx["after_ma"]):
            j += 1
            if j < len(toks) and keys[j] in ("في", "عن", "على"):
                j += 1
        return j

    def _prep_claim(self, ctx: _Ctx, i: int, n: int, s0: int, s1: int) -> Claim | None:
        toks, keys, claims = ctx.toks, ctx.keys, ctx.claims
        text = ctx.doc.text
        cue_start, cue_end = name_start(toks[i]), toks[i + n - 1].end
        j = self._after_cue(ctx, i, n)
        # a source claim in this sentence right before: this names its outlet
        if claims and claims[-1].source_end is not None and s0 <= claims[-1].cue_start and \
                claims[-1].via is None and 0 <= cue_start - claims[-1].source_end <= 30:
            via, _e = self._via_text(ctx, j if j < len(toks) else len(toks) - 1, s1)
            claims[-1].via = self._resolve_outlet(ctx, via)
            return None
        got = self._source_after(ctx, j, s1)
        if got is None:
            return None
        first, end, via_tok = got
        kind = self._kind(ctx, first, end)
        if kind is None:
            return None  # وفقا لما ورد بالمادة السادسة: not a source
        sa, sb = name_start(toks[first]), toks[end - 1].end
        via = None
        if via_tok >= 0:
            via, end = self._via_text(ctx, via_tok, s1)
        # content: what precedes the cue in the sentence, else what follows the source
        if cue_start - s0 > 15:
            a, b = s0, toks[i].start
            if text[a:a + 1] == "و" and text[a + 1:a + 2] in (" ", ""):
                a = min(b, a + 2)
        else:
            a, b = self._content(ctx, end, s1)
        return Claim(a, b, text[cue_start:cue_end], cue_start, cue_end, text[sa:sb].strip(_QUOTES + " "), kind,
                     sa, sb, via, confidence=0.7)

    # ------------------------------------------------------------------ back-references
    def _resolve_outlet(self, ctx: _Ctx, name: str | None) -> str | None:
        """الصحيفة as an outlet: the one named earlier with that noun, else the document's own."""
        if name is None:
            return None
        b = _bare(normalize_key(name))
        if b in self.lx["outlet_nouns"]:
            return ctx.outlets.get(b) or ctx.doc.outlet or name
        return name

    def _family(self, words: list[str]) -> str | None:
        for w in words:
            f = self.lx["families"].get(_bare(w)) or self.lx["families"].get(_bare(w).removesuffix("نا"))
            if f:
                return f
        return None

    @staticmethod
    def _owner(ctx: _Ctx, x: int) -> int:
        """The claim whose text names the source claim x uses (an implicit claim copies it)."""
        while ctx.claims[x].refers_to is not None and \
                ctx.claims[ctx.claims[x].refers_to].source_start == ctx.claims[x].source_start:
            x = ctx.claims[x].refers_to
        return x

    def _add(self, ctx: _Ctx, c: Claim) -> None:
        """Resolve what the new claim's source refers back to, then keep it."""
        lx = self.lx
        c.via = self._resolve_outlet(ctx, c.via)
        if c.refers_to is None and c.source_start is not None:
            words = [normalize_key(w) for w in ctx.doc.text[c.source_start:c.source_end].split()]
            bare = [_bare(w) for w in words]
            if words and words[0] in lx["back_refs"] and \
                    all(w in lx["followers"] for w in words[1:]):
                fam = self._family(bare[:1])
                for x in range(len(ctx.claims) - 1, -1, -1):
                    prev = ctx.claims[x]
                    if prev.refers_to is not None or prev.source_start is None:
                        continue
                    pw = [normalize_key(w) for w in prev.source.split()]
                    if self._family(pw) == fam and pw[0] not in lx["back_refs"]:
                        c.refers_to, c.source_kind, c.source_ref = x, prev.source_kind, prev.source
                        break
            elif words and self._outlet_noun(words[0]):
                c.source_kind = "named_org"
                if all(w in lx["followers"] for w in words[1:]):  # الصحيفة (ذاتها): the outlet itself
                    c.source_ref = ctx.outlets.get(bare[0]) or ctx.doc.outlet
            elif words and words[0] in lx["statement_nouns"]:
                # قال البيان: the organisation that last spoke
                x = next((x for x in range(len(ctx.claims) - 1, -1, -1) if ctx.claims[x].source_kind == "named_org"), None)
                if x is not None:
                    c.refers_to = self._owner(ctx, x)
                    c.source_ref = ctx.claims[x].source_ref or ctx.claims[x].source
            elif words and self._org_noun(words[0]):
                # قال المجلس: the organisation named earlier with that head word
                ms = [m for m in ctx.doc.mentions if m.type == "ORG" and m.end <= c.source_start
                      and normalize_key(m.text).split()[0] == words[0]]
                if ms:
                    m = ms[-1]
                    c.source_ref = m.text
                    c.refers_to = next((x for x, p in enumerate(ctx.claims) if p.source_start is not None
                                        and p.source_start <= m.start < p.source_end), None)
        ctx.claims.append(c)
