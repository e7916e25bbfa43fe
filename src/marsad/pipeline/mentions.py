"""Entity mentions from gazetteers and rules: countries, cities, regions, organisations, persons.

This is the rule baseline and the seam for a trained tagger: it emits ``Mention`` records with
``method`` "gazetteer" or "rule"; a model stage can add/replace them later.

Span convention (offsets into ``doc.text``): a mention never includes the proclitics و ف ب ك ل; it
includes the article ال when the article is written ("والجزائر" → "الجزائر", "بليبيا" → "ليبيا").
When the preposition ل fuses with the article ("للجزائر" = ل + ال + جزائر, the article's alef is not
written) the span starts on the stem after the fused "لل" ("جزائر"), as the tokenizer's
``stem_start`` does; ``entity_id`` still names the canonical entity (country:DZA).

Matching works on the tokenizer's tokens (``doc.tokens``, or ``tokenize`` when empty); a run of words
written without a space that ``doc.glued`` splits (طرابلسوالجزائر) is matched as its parts. The first
word of a name is looked up in the reading the tokenizer gives it (``Token.prefixes``/``stem_start``/
``norm``: بليبيا → ب + ليبيا), as written, and — only where the whole word is not a common word of the
text layer's lexicon, i.e. where the tokenizer may have missed a clitic — with و/ف + ب/ل/ك stripped by
hand ("وفدا" is a word, not و + فدا). The following words are looked up as written (normalised).
Longest match wins; overlapping candidates are resolved by length, a person with a title before an
equally long other reading, then confidence, then the order gazetteer > title person > organisation
head > name-part person.

Word lists and thresholds are data: kb/data/mention_rules.json (loaded by kb.gazetteer.load_rules).
"""
from __future__ import annotations

from dataclasses import dataclass

from marsad.document import Document, Mention, Token
from marsad.kb.gazetteer import Gazetteer, load
from marsad.text.normalize import normalize, normalize_with_map
from marsad.text.tokens import Lexicon, lexicon, name_start, tokenize

_CLITICS = ("و", "ف", "ب", "ل", "ك")  # proclitic forms in Token.prefixes (besides ال)
_CONJ = ("و", "ف")
_PREP = ("ب", "ل", "ك")
_QUOTES_OPEN = set('"«“„\'‘')
_QUOTES_CLOSE = set('"»”\'’')
_ORDER = {"gaz": 0, "title": 1, "org": 2, "parts": 3, "coref": 4, "dir": 0}
_VERB_PREFIX = ("ي", "ت", "ن")


@dataclass
class _Cand:
    start: int  # char offsets
    end: int
    t0: int  # token range
    t1: int
    type: str
    conf: float
    kind: str
    entity_id: str | None = None
    country: str | None = None
    sector: str | None = None
    title: tuple[int, int] | None = None


@dataclass
class _W:
    """A word token with its readings."""
    tok: Token
    full: str  # normalised surface
    # (char offset where the mention would start, key, has a proclitic, reading given by the tokenizer)
    readings: list[tuple[int, str, bool, bool]]


def _readings(tok: Token, full: str, lex: Lexicon, common: int) -> list[tuple[int, str, bool, bool]]:
    """Lookup keys of a word: the tokenizer's reading, the whole word, and hand-stripped clitics."""
    if tok.kind != "word":
        return [(tok.start, full, False, True)]
    if not full:
        return []
    clitic = any(f in _CLITICS for _, _, f in tok.prefixes)
    # span from the shared convention; the key keeps the article even where لل fused it away
    has_article = bool(tok.prefixes) and tok.prefixes[-1][2] == "ال"
    first = (name_start(tok), ("ال" if has_article else "") + tok.norm, clitic, True)
    out = [first]
    seen = {first[1]}
    if full not in seen:
        out.append((tok.start, full, False, True))
        seen.add(full)
    # the tokenizer may have missed a clitic before an unknown stem; never where the whole is a common word
    if full[0] not in _CLITICS or lex.count(full) > common:
        return out
    index = None

    def at(i: int) -> int:
        nonlocal index
        if len(full) == len(tok.text):
            return tok.start + i
        if index is None:
            index = normalize_with_map(tok.text)[1]
        return tok.start + (index[i] if i < len(index) else len(tok.text))

    for c in ("",) + _CONJ:
        if not full.startswith(c):
            continue
        r1 = full[len(c):]
        for p in ("",) + _PREP:
            if not c and not p:
                continue
            if not r1.startswith(p):
                continue
            r2 = r1[len(p):]
            off = len(c) + len(p)
            if len(r2) < 3:
                continue
            if p == "ل" and r2.startswith("ل") and len(r2) >= 4:
                for key, o in (("ال" + r2[1:], off + 1), ("ال" + r2, off)):
                    if key not in seen:
                        seen.add(key)
                        out.append((at(o), key, True, False))
            if r2 not in seen:
                seen.add(r2)
                out.append((at(off), r2, True, False))
    return out


class MentionStage:
    name = "mentions"

    def __init__(self, gazetteer: Gazetteer | None = None) -> None:
        self.gz = gazetteer or load()
        r = self.gz.rules
        self._particles = r["particles"]
        self._suffix_parts = r["suffix_parts"]
        self._direction_words = r["directions"]
        self._place_context = r["place_context"]
        self._ambiguous = r["ambiguous_places"]
        self._state_words = r["state_words"]
        self._org_stop = r["org_stop"]
        self._construct = r["construct_nouns"]
        self._report_verbs = r["report_verbs"]
        self._not_after_title = r["not_after_title"]
        th = r["thresholds"]
        self._common = int(th["common_word_count"])
        self._short = int(th["short_name_len"])
        self._given_place = int(th["given_name_place"])
        self._lex = lexicon()
        self._first_lens: dict[str, list[int]] = {}
        for key in self.gz.names:
            self._first_lens.setdefault(key[0], []).append(len(key))
        for k in self._first_lens:
            self._first_lens[k] = sorted(set(self._first_lens[k]), reverse=True)
        self._title_first: dict[str, list[int]] = {}
        for key in self.gz.titles:
            self._title_first.setdefault(key[0], []).append(len(key))
        self._head_first: dict[str, list[int]] = {}
        for key in self.gz.heads:
            self._head_first.setdefault(key[0], []).append(len(key))
        # nisba adjective (one word) -> country of its best-ranked NORP entry
        self._nisba_country: dict[str, str | None] = {}
        for k, entries in self.gz.names.items():
            norp = [x for x in entries if x.type == "NORP"]
            if len(k) == 1 and norp:
                self._nisba_country[k[0]] = min(norp, key=lambda x: x.rank).country
        # The tokenizer's lexicon is deliberately not extended here: tokenization must not depend on
        # whether this stage was built in the process (search queries are tokenized without it).

    # ------------------------------------------------------------------ helpers
    def _words(self, doc: Document) -> list[_W]:
        toks = doc.tokens or tokenize(doc.text, self._lex)
        if doc.glued:
            toks = _split_glued(toks, doc.glued, self._lex)
        lex, common = self._lex, self._common
        out = []
        for t in toks:
            full = t.norm if t.kind != "word" else normalize(t.text)
            out.append(_W(t, full, _readings(t, full, lex, common)))
        return out

    def _match(self, ws: list[_W], i: int, table: dict, first_lens: dict) -> tuple[int, int, object] | None:
        """Longest key of ``table`` starting at word i: (start char, n words, value)."""
        best = None
        for start, key, has_prefix, agreed in ws[i].readings:
            for n in first_lens.get(key, ()):
                if i + n > len(ws):
                    continue
                k = (key,) + tuple(ws[j].full for j in range(i + 1, i + n))
                if k in table:
                    if best is None or n > best[1] or (n == best[1] and not has_prefix):
                        best = (start, n, table[k], has_prefix, key, agreed)
                    break
        return best

    def _is_word(self, w: _W) -> bool:
        return w.tok.kind == "word"

    def _name_part(self, key: str) -> tuple[str, int, int] | None:
        if key in self.gz.nonnames:
            return None
        return self.gz.person_parts.get(key)

    def _surname_like(self, key: str) -> bool:
        return (key.startswith("ال") and key.endswith("ي") and len(key) >= 5 and key not in self.gz.nonnames
                and key not in self._nisba_country and (key,) not in self.gz.names)

    # ------------------------------------------------------------------ passes
    def __call__(self, doc: Document) -> Document:
        ws = self._words(doc)
        cands: list[_Cand] = []
        gaz_at: dict[int, tuple] = {}
        for i in range(len(ws)):
            if not self._is_word(ws[i]) and ws[i].tok.kind != "latin":
                continue
            m = self._match(ws, i, self.gz.names, self._first_lens)
            if m and self._plausible(ws, i, m, gaz_at):
                gaz_at[i] = m
        cands += self._gazetteer(ws, gaz_at)
        cands += self._directions(ws, gaz_at)
        persons = self._title_persons(ws, gaz_at)
        cands += persons
        cands += self._org_heads(ws, gaz_at)
        parts = self._part_persons(ws, gaz_at)
        cands += parts
        occupied = bytearray(len(doc.text) + 1)
        chosen = self._resolve(cands, occupied)
        chosen += self._resolve(self._coref(ws, chosen), occupied)
        chosen.sort(key=lambda c: c.start)
        for c in chosen:
            m = Mention(c.start, c.end, doc.text[c.start:c.end], c.type, round(c.conf, 2), c.entity_id,
                        country=c.country, sector=c.sector,
                        method="gazetteer" if c.kind == "gaz" else "rule")
            if c.title:
                m.title_start, m.title_end = c.title
                m.title = doc.text[c.title[0]:c.title[1]]
            doc.mentions.append(m)
        return doc

    def _plausible(self, ws: list[_W], i: int, m: tuple, gaz_at: dict) -> bool:
        """Whether a one-word place match may stand. A place reached by stripping a proclitic must not be
        a common word as a whole (وفدا: و + فدا, but وفد "delegation" is common); ambiguous, short and
        given-name places (مالي، فدا، نايف) need a place context: a place word or another place just
        before, or (not for short names) a preposition clitic."""
        start, n, entries, has_prefix, key, agreed = m
        if n > 1:
            return True
        e = min(entries, key=lambda e: (e.rank, -e.confidence))
        if e.type not in ("GPE", "LOC"):
            return True
        bare = key[2:] if key.startswith("ال") else key
        country = bool(e.entity_id and e.entity_id.startswith("country:"))
        full = ws[i].full
        if has_prefix and not country:
            lex = self._lex
            whole = lex.count(full)
            if full.endswith("ا"):  # accusative tanween: وفدا ← وفد
                whole = max(whole, lex.count(full[:-1]))
            if whole > self._common and whole > lex.count(key) and whole > lex.count(bare):
                return False
        short = len(bare) <= self._short and not country
        need = key in self._ambiguous or short and (has_prefix or not agreed)
        if not need and not country:
            part = self.gz.person_parts.get(key)
            need = bool(part and part[1] >= self._given_place)
        if not need:
            return True
        prev = ws[i - 1].full if i > 0 else ""
        if prev in self._place_context or (i - 2) in gaz_at or (i - 1) in gaz_at:
            return True
        return has_prefix and agreed and not short

    def _gazetteer(self, ws: list[_W], gaz_at: dict) -> list[_Cand]:
        out = []
        for i, (start, n, entries, has_prefix, key, _) in gaz_at.items():
            e = min(entries, key=lambda e: (e.rank, -e.confidence))
            conf = e.confidence
            if (i > 0 and not has_prefix and e.type == "GPE" and (e.entity_id or "").startswith("country:")
                    and ws[i - 1].readings and ws[i - 1].readings[0][1] in self._state_words):
                # جمهورية مصر: the state's formal name
                out.append(_Cand(self._name_start(ws[i - 1]), ws[i + n - 1].tok.end, i - 1, i + n, e.type, conf,
                                 "gaz", e.entity_id, e.country, e.sector))
            out.append(_Cand(start, ws[i + n - 1].tok.end, i, i + n, e.type, conf, "gaz", e.entity_id, e.country,
                             e.sector))
        return out

    def _directions(self, ws: list[_W], gaz_at: dict) -> list[_Cand]:
        out = []
        for i, (start, n, entries, has_prefix, key, _) in gaz_at.items():
            if i == 0 or has_prefix:
                continue
            e = min(entries, key=lambda e: (e.rank, -e.confidence))
            if e.type != "GPE":
                continue
            for st, k, _, _ in ws[i - 1].readings:
                if k in self._direction_words:
                    out.append(_Cand(st, ws[i + n - 1].tok.end, i - 1, i + n, "LOC", 0.75, "dir", None, e.country))
                    break
        return out

    def _title_at(self, ws: list[_W], i: int):
        return self._match(ws, i, self.gz.titles, self._title_first)

    def _title_persons(self, ws: list[_W], gaz_at: dict) -> list[_Cand]:
        out = []
        i = 0
        n_ws = len(ws)
        while i < n_ws:
            m = self._title_at(ws, i) if self._is_word(ws[i]) else None
            if not m:
                i += 1
                continue
            t_start, n, (ttype, precedes, sector), _, _, _ = m
            if ttype == "MOD":
                i += 1
                continue
            j = i + n
            country = None
            # modifiers and nisba adjectives: اللواء الليبي المتقاعد
            while j < n_ws and self._is_word(ws[j]):
                k = ws[j].full
                tm = self._title_at(ws, j)
                if k in self._nisba_country and k.startswith("ال"):
                    country = country or self._nisba_country[k]
                    j += 1
                elif tm and tm[2][0] == "MOD" and tm[3] is False:
                    j += tm[1]
                else:
                    break
            if not precedes:  # complement: وزير الخارجية التونسي، عميد بلدية سبها، آمر المنطقة الغربية
                c = 0
                while j < n_ws and c < 3 and self._is_word(ws[j]):
                    k = ws[j].full
                    if k in self._org_stop or self._name_part(k) and not k.startswith("ال"):
                        break
                    if k.startswith("ال") or j in gaz_at:
                        if k in self._nisba_country:
                            country = country or self._nisba_country[k]
                        j += gaz_at[j][1] if j in gaz_at else 1
                        c += 1
                    else:
                        break
                if c == 0:
                    i += 1
                    continue
            t_end = ws[j - 1].tok.end
            # appositive comma: عميد بلدية سبها، حامد الخيالي
            k = j
            if k < n_ws and ws[k].full == "," and not precedes:
                k += 1
            name = self._name_after(ws, k, gaz_at, allow_unknown=precedes or k > j)
            if name:
                a, b, known = name
                conf = 0.8 if known >= 2 else 0.7 if known == 1 else 0.6
                out.append(_Cand(self._name_start(ws[a]), ws[b - 1].tok.end, a, b, "PER", conf, "title", None,
                                 country, None, (t_start, t_end)))
                i = b
            else:
                i = j if j > i else i + 1
        return out

    def _name_after(self, ws: list[_W], k: int, gaz_at: dict, allow_unknown: bool):
        """Name tokens from word k: (first, end, number of known parts) or None."""
        n_ws = len(ws)
        quoted = False
        if k < n_ws and ws[k].tok.kind == "punct" and ws[k].tok.text in _QUOTES_OPEN:
            quoted = True
            k += 1
        a = k
        known = 0
        while k < n_ws and k - a < 4 and self._is_word(ws[k]):
            key = ws[k].full
            if quoted:
                k += 1
                known += 1
                continue
            if (key in self.gz.nonnames or key in self._not_after_title or (key,) in self.gz.titles
                    or (key,) in self.gz.heads):
                break
            if k in gaz_at and gaz_at[k][2][0].type in ("GPE", "LOC") and not self._name_part(key):
                break
            if key in self._particles and k + 1 < n_ws and self._is_word(ws[k + 1]):
                k += 2
                known += 1
                continue
            if self._name_part(key) or key in self.gz.weak or (key in self._suffix_parts and k > a):
                k += 1
                known += 1
                continue
            if self._surname_like(key) and k > a:
                k += 1
                known += 1
                continue
            if k == a and allow_unknown and len(key) >= 3 and not self._verb_like(key):
                nxt = ws[k + 1] if k + 1 < n_ws else None
                if nxt is None or not self._is_word(nxt) or self._name_part(nxt.full):
                    k += 1
                    continue
            break
        if quoted:
            if k < n_ws and ws[k].tok.kind == "punct" and ws[k].tok.text in _QUOTES_CLOSE and k > a:
                return a, k, max(known, 2)
            return None
        if k == a:
            return None
        return a, k, known

    def _org_heads(self, ws: list[_W], gaz_at: dict) -> list[_Cand]:
        out = []
        n_ws = len(ws)
        for i in range(n_ws):
            if not self._is_word(ws[i]):
                continue
            m = self._match(ws, i, self.gz.heads, self._head_first)
            if not m:
                continue
            tm = self._title_at(ws, i)
            if tm and tm[1] >= m[1]:
                continue  # للواء خليفة حفتر: a rank before a name, not a brigade
            start, n, (sector, quoted), _, _, _ = m
            j = i + n
            country = None
            if j in gaz_at and gaz_at[j][2][0].type == "ORG" and not gaz_at[j][3]:
                continue  # جماعة فجر ليبيا: the known name is the mention
            if j < n_ws and ws[j].tok.kind == "punct" and ws[j].tok.text in _QUOTES_OPEN:
                k = j + 1
                while k < n_ws and k - j <= 5 and ws[k].tok.text not in _QUOTES_CLOSE and ws[k].full not in ",.;:":
                    k += 1
                if k < n_ws and ws[k].tok.text in _QUOTES_CLOSE and k > j + 1:
                    out.append(_Cand(start, ws[k].tok.end, i, k + 1, "ORG", 0.8, "org", None, None, sector))
                continue
            if quoted == 2:
                continue
            c = 0
            while j < n_ws and c < 6 and self._is_word(ws[j]):
                k = ws[j].full
                if k in self._org_stop or self._verb_like(k) or self._title_at(ws, j):
                    break
                if j in gaz_at and gaz_at[j][3] is False:
                    e = min(gaz_at[j][2], key=lambda e: (e.rank, -e.confidence))
                    country = country or e.country
                    j += gaz_at[j][1]
                    c += 1
                    if e.type == "PER":
                        break  # قوات حفتر: a known person ends the name
                    continue
                if k.startswith("ال") and len(k) > 3:
                    j += 1
                    c += 1
                    continue
                if c > 0 and k.startswith("وال") and len(k) > 4:  # التوحيد والجهاد
                    j += 1
                    c += 1
                    continue
                if k.startswith("لل") and len(k) > 4:
                    # المجلس الأعلى للدولة: a short name may end on a لل complement; not after two words,
                    # nor when an adjective follows (الجيش الوطني الشعبي | للحدود الليبية)
                    nxt = ws[j + 1] if j + 1 < n_ws else None
                    if c == 1 and not (nxt is not None and self._is_word(nxt) and nxt.full.startswith("ال")):
                        j += 1
                        c += 1
                    break
                # indefinite noun in a construct chain: needs an acceptable word after it
                nxt = ws[j + 1] if j + 1 < n_ws else None
                if k[0] not in "وفبلك" and self._name_part(k) and (
                        nxt is None or not self._is_word(nxt) or nxt.full in self._org_stop
                        or self._verb_like(nxt.full)
                        or nxt.full[:3] in ("بال", "كال") or nxt.full.startswith("لل")):
                    j += 1  # قوات حفتر
                    c += 1
                    break
                if (nxt is not None and self._is_word(nxt) and k[0] not in "وفبلك" and k not in self.gz.nonnames
                        and (nxt.full.startswith("ال") or j + 1 in gaz_at or self._name_part(nxt.full)
                             or nxt.full in self._construct)):
                    j += 1
                    c += 1
                    continue
                break
            if c == 0:
                continue
            if quoted and ws[i].full.startswith("ال") and all(ws[x].full in self._nisba_country for x in range(i + n, j)):
                continue  # القناة الليبية: "the Libyan channel" refers back, it is not a name
            out.append(_Cand(start, ws[j - 1].tok.end, i, j, "ORG", 0.7, "org", None, country, sector))
        return out

    def _part_persons(self, ws: list[_W], gaz_at: dict) -> list[_Cand]:
        out = []
        n_ws = len(ws)
        i = 0
        while i < n_ws:
            w = ws[i]
            if not self._is_word(w):
                i += 1
                continue
            # first part: a given name (or particle + name), possibly with و/ف/ب/ل prefix
            first = None
            for st, key, has_prefix, _ in w.readings:
                p = self._name_part(key)
                if key in self._particles:
                    first = (st, key, True)
                    break
                if p and p[1] >= 3 and (key,) not in self.gz.names:
                    first = (st, key, key not in self.gz.weak)
                    break
            if not first:
                i += 1
                continue
            st, key, strong = first
            j = i + 1
            parts = 1
            while j < n_ws and j - i < 5 and self._is_word(ws[j]):
                k = ws[j].full
                if any(r[1] in self.gz.nonnames or r[1] in self._org_stop for r in ws[j].readings):
                    break
                if j in gaz_at:
                    e = gaz_at[j][2][0]
                    if e.type in ("GPE", "NORP", "LOC") and (
                            not self._name_part(k) or (e.entity_id or "").startswith("country:")):
                        break  # نداء تونس: a country name does not continue a person name
                if k in self.gz.nonnames:
                    break
                if k in self._particles and j + 1 < n_ws and self._is_word(ws[j + 1]) and ws[j + 1].full not in self.gz.nonnames:
                    j += 2
                    parts += 1
                    strong = True
                    continue
                p = self._name_part(k)
                if p or (k in self._suffix_parts) or self._surname_like(k):
                    if k not in self.gz.weak:
                        strong = True
                    j += 1
                    parts += 1
                    continue
                break
            particle = key in self._particles
            if parts >= 2 and strong and not particle or parts >= 2 and particle and j - i >= 2:
                conf = 0.7 if parts >= 3 else 0.65
                out.append(_Cand(st, ws[j - 1].tok.end, i, j, "PER", conf, "parts"))
                i = j
            else:
                i += 1
        return out

    def _coref(self, ws: list[_W], chosen: list[_Cand]) -> list[_Cand]:
        """Later single-word mentions of a person already named in full: حفتر، لحفتر، ابن عثمان، الخيالي."""
        keys: dict[tuple[str, ...], _Cand] = {}
        for c in chosen:
            if c.type != "PER" or c.t1 - c.t0 < 2:
                continue
            parts = [ws[j].full for j in range(c.t0, c.t1)]
            last = parts[-1]
            if last in self.gz.nonnames or len(last) < 3:
                continue
            if len(parts) >= 2 and parts[-2] in self._particles:
                for p in ("بن", "ابن"):
                    keys[(p, last)] = c
            else:
                keys[(last,)] = c
        out = []
        if not keys:
            return out
        for i, w in enumerate(ws):
            if not self._is_word(w):
                continue
            for st, key, _, _ in w.readings:
                hit = None
                if (key,) in keys:
                    hit = 1
                elif i + 1 < len(ws) and (key, ws[i + 1].full) in keys:
                    hit = 2
                if hit:
                    src = keys[(key,)] if hit == 1 else keys[(key, ws[i + 1].full)]
                    out.append(_Cand(st, ws[i + hit - 1].tok.end, i, i + hit, "PER", 0.6, "coref", None, src.country))
                    break
        return out

    def _resolve(self, cands: list[_Cand], occupied: bytearray) -> list[_Cand]:
        """Greedy choice without overlaps (longest first); ``occupied`` marks the characters taken."""
        cands = sorted(cands, key=lambda c: (-(c.end - c.start), c.title is None, -c.conf, _ORDER[c.kind],
                                             c.start))
        taken: list[_Cand] = []
        for c in cands:
            if occupied.find(1, c.start, c.end) < 0:
                occupied[c.start:c.end] = b"\x01" * (c.end - c.start)
                taken.append(c)
        return taken

    def _verb_like(self, key: str) -> bool:
        """Imperfect verbs (يتحدث، تقاتل، ينشط), past plurals (زاروا، قالوا) and common report verbs; crude
        but cheap."""
        return ((len(key) >= 4 and key[0] in _VERB_PREFIX and not key.startswith("تن"))
                or (len(key) >= 4 and key.endswith("وا")) or key in self._report_verbs)

    def _name_start(self, w: _W) -> int:
        """Where a person name starting at this word begins: after و/ف/ب/ل/ك the tokenizer split off."""
        return w.readings[0][0] if w.readings else w.tok.start


def _split_glued(toks: list[Token], glued: list, lex: Lexicon) -> list[Token]:
    """Tokens with each glued run (doc.glued) replaced by the tokens of its parts."""
    by_end = {g.end: g for g in glued}  # a split starts on the token's stem (clitics before it dropped)
    out: list[Token] = []
    for t in toks:
        g = by_end.get(t.end)
        if g is None or g.start < t.start or t.kind != "word":
            out.append(t)
            continue
        for a, _b, text in g.parts:
            for pt in tokenize(text, lex):
                out.append(Token(pt.start + a, pt.end + a, pt.text, pt.kind, pt.stem_start + a, pt.norm,
                                 [(x + a, y + a, f) for x, y, f in pt.prefixes]))
    return out
