"""Token features for the ANERcorp-scheme NER tagger (PERS, LOC, ORG, MISC).

Features are plain strings (binary features for CRFsuite). Per-word features are computed once per
distinct surface form and cached; a token's feature list is its own word features, a subset of its
neighbours' (window ±2), bigrams, and gazetteer n-gram matches over the sentence.

Nothing here depends on ANERcorp word counts (text/data/vocab.tsv is built from ANERcorp train and
would leak held-out folds into cross-validation): clitic readings are generated exhaustively (every
و/ف + ب/ل/ك + ال/لل split) and checked against the knowledge base's gazetteers, which come from
Wikidata/GeoNames/hand-curated lists, not from ANERcorp.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache

from marsad.text.normalize import normalize

_CONJ = ("و", "ف")
_PREP = ("ب", "ل", "ك")
_AR = re.compile(r"^[\u0621-\u064a\u0660-\u0669\u0671-\u06d3]+$")
_DIGIT = re.compile(r"^[0-9\u0660-\u0669\u06f0-\u06f9.,:/٫٬-]+$")
_LATIN = re.compile(r"^[A-Za-z\u00c0-\u024f'’.-]+$")
_SUFFIX_PARTS = {"الله", "الدين", "الرحمن", "الرحيم", "العزيز", "الكريم", "الحميد", "المجيد"}
_CTX_G = ("gz0", "gzc", "giv", "sur", "tit", "par", "hea")  # word gazetteer classes kept as context flags
_PARTICLES = {"بن", "ابن", "بنت", "ابو", "ابي", "عبد", "ولد", "ال", "ام", "بو"}


def readings(n: str) -> list[tuple[str, str]]:
    """(prefix string, remainder) for every proclitic reading of a normalised word, the whole first."""
    out = [("", n)]
    seen = {n}
    for c in ("",) + _CONJ:
        if not n.startswith(c):
            continue
        r1 = n[len(c):]
        for p in ("",) + _PREP:
            if not r1.startswith(p) or (not c and not p):
                continue
            r2 = r1[len(p):]
            if len(r2) < 2:
                continue
            cand = [(c + p, r2)]
            if p == "ل" and r2.startswith("ل") and len(r2) >= 4:  # لل = ل + ال (للجزائر)
                cand.append((c + p + "ل", "ال" + r2[1:]))
            for pre, rest in cand:
                if rest not in seen:
                    seen.add(rest)
                    out.append((pre, rest))
    return out


def _bare(k: str) -> str:
    return k[2:] if k.startswith("ال") and len(k) >= 5 else k


# Word features are cached per distinct word form up to this many forms (the frequent ones come
# early): about 2 KB each, so the cache stays under ~60 MB however many articles a process analyses.
_CACHE_WORDS = 30_000


@dataclass
class Lexicons:
    """Gazetteer views used as features (built from marsad.kb.gazetteer, optionally plus extra lists)."""
    single: dict[str, set[str]] = field(default_factory=dict)  # word key -> types of one-word names
    multi: dict[str, list[tuple[tuple[str, ...], str]]] = field(default_factory=dict)  # first word -> (key, type)
    given: dict[str, int] = field(default_factory=dict)
    surname: dict[str, int] = field(default_factory=dict)
    titles: dict[str, list[tuple[tuple[str, ...], str]]] = field(default_factory=dict)
    heads: set[str] = field(default_factory=set)
    nonnames: set[str] = field(default_factory=set)
    clusters: dict[str, str] = field(default_factory=dict)  # word -> bit-string cluster path (optional)

    @classmethod
    def from_kb(cls) -> "Lexicons":
        from marsad.kb.gazetteer import load

        gz = load()
        lx = cls()
        for key, entries in gz.names.items():
            types = {e.type for e in entries}
            for t in sorted(types):
                if len(key) == 1:
                    lx.single.setdefault(key[0], set()).add(t)
                    b = _bare(key[0])
                    if b != key[0]:
                        lx.single.setdefault(b, set()).add(t)
                else:
                    lx.multi.setdefault(key[0], []).append((key, t))
                    b = _bare(key[0])
                    if b != key[0]:
                        lx.multi.setdefault(b, []).append(((b,) + key[1:], t))
        for k, (_latin, g, s) in gz.person_parts.items():
            if g:
                lx.given[k] = g
            if s:
                lx.surname[k] = s
        for key, (typ, _prec, _sec) in gz.titles.items():
            lx.titles.setdefault(key[0], []).append((key, typ))
            b = _bare(key[0])
            if b != key[0]:
                lx.titles.setdefault(b, []).append(((b,) + key[1:], typ))
        for key in gz.heads:
            if len(key) == 1:
                lx.heads.add(key[0])
                lx.heads.add(_bare(key[0]))
        lx.nonnames = set(gz.nonnames)
        for d in (lx.multi, lx.titles):
            for k in d:
                d[k].sort(key=lambda x: (-len(x[0]), x[0], x[1]))
        return lx


def _bucket(c: int) -> str:
    return "1" if c < 3 else "2" if c < 10 else "3" if c < 50 else "4"


def _shape(w: str) -> str:
    if _AR.match(w):
        return "ar"
    if _DIGIT.match(w):
        return "num"
    if _LATIN.match(w):
        return "lat"
    if len(w) == 1:
        return "p" + w
    return "mix"


class Featurizer:
    """Turns a sentence (list of token strings) into CRFsuite feature lists."""

    WINDOW_KEYS = ("n=", "st=", "g", "sh=", "s2=", "p2=", "cl")

    def __init__(self, lex: Lexicons, names: dict[str, list[tuple[tuple[str, ...], str]]] | None = None,
                 rules: "RuleLayer | None" = None, name_parts: bool = False,
                 priors: "dict[str, tuple[int, dict[str, int]]] | None" = None) -> None:
        self.lex = lex
        self.rules = rules
        # an extra name list (e.g. the entities of the training data): first word -> (key, type)
        self.names = names or {}
        # with ``name_parts``: word -> "TYPE.POS" of its places inside the extra names (s single-word
        # name, f first, m middle, l last word), so a known surname flags an unseen full name
        self.parts: dict[str, set[str]] = self._name_parts(self.names) if name_parts else {}
        # label priors: normalised word -> (occurrences, entity type -> occurrences inside one) in
        # the training data (of the other blocks, while training)
        self.priors = priors or {}
        self._cache: dict[str, tuple[list[str], list[str], str, list[str]]] = {}
        self._emit_cache: dict[str, tuple[list[str], ...]] = {}
        # the attributes a loaded model has weights for (None: keep every feature, as in training)
        self.known: set[str] | None = None
        self._ctx_cache: dict[str, tuple] = {}
        # document context also records occurrences inside a match of ``names`` (flag ``R=TYPE``)
        self.ctx_names = False

    # ---------------------------------------------------------------- per word
    def word(self, w: str) -> tuple[list[str], list[str], str, list[str]]:
        """(own features, window features, normalised form, reading keys)."""
        hit = self._cache.get(w)
        if hit is not None:
            return hit
        lex = self.lex
        n = normalize(w)
        sh = _shape(n)
        own = ["b", "w=" + w, "n=" + n, "sh=" + sh, "len=" + str(min(len(n), 8))]
        win = ["n=" + n, "sh=" + sh]
        rd = readings(n) if sh == "ar" else [("", n)]
        keys = [r for _, r in rd]
        if sh == "ar":
            for k in (1, 2, 3, 4):
                if len(n) > k:
                    own.append(f"p{k}=" + n[:k])
                    own.append(f"s{k}=" + n[-k:])
            win.append("s2=" + n[-2:])
            win.append("p2=" + n[:2])
            # the most stripped reading as a stem (clitics + article removed)
            pre, stem = rd[-1]
            stem = _bare(stem)
            own.append("st=" + stem)
            win.append("st=" + stem)
            if len(stem) > 3:
                own.append("st_s2=" + stem[-2:])
                own.append("st_p2=" + stem[:2])
        g: list[str] = []
        for pre, r in rd:
            tag = "0" if not pre else "c"
            for form in {r, _bare(r)}:
                for t in sorted(lex.single.get(form, ())):
                    g.append(f"gz{tag}={t}")
                if form in lex.given:
                    g.append(f"giv{tag}=" + _bucket(lex.given[form]))
                if form in lex.surname:
                    g.append(f"sur{tag}=" + _bucket(lex.surname[form]))
                if form in lex.heads:
                    g.append(f"head{tag}")
            if r in lex.titles and any(len(k) == 1 for k, _ in lex.titles[r]):
                g.append(f"title{tag}")
            if self.parts:
                for form in {r, _bare(r)}:
                    for x in self.parts.get(form, ()):
                        g.append(f"np{tag}={x}")
        if self.priors:
            g.extend(self._prior(n))
        if n in lex.nonnames:
            g.append("nonname")
        if n in _SUFFIX_PARTS:
            g.append("namesuf")
        if n in _PARTICLES:
            g.append("particle")
        g = sorted(set(g))
        own.extend(g)
        win.extend("g" + x for x in g)
        if lex.clusters:
            c = lex.clusters.get(n)
            if c is None and sh == "ar":
                c = lex.clusters.get(_bare(rd[-1][1]))
            if c is not None:
                for L in (4, 8, 12, 16):
                    if len(c) >= L or L == 4:
                        own.append(f"cl{L}=" + c[:L])
                win.append("cl=" + c[:8])
                win.append("cl4=" + c[:4])
        out = (own, win, n, keys)
        if len(self._cache) < _CACHE_WORDS:
            self._cache[w] = out
        return out

    def _emitted(self, w: str) -> tuple[list[str], ...]:
        """What a surface form contributes to token feature lists: its own features, then its window
        features prefixed with its offset (-2, -1, +1, +2) from the token that sees it. Built once per
        form; with ``known`` set (a tagger's model attributes) features the model has no weight for
        are left out here, which changes no tag but saves CRFsuite from looking them up."""
        hit = self._emit_cache.get(w)
        if hit is None:
            own, win, _n, _k = self.word(w)
            known = self.known
            if known is not None:
                own = [x for x in own if x in known]
            hit = (own, *([y for x in win if (y := f"{d}:{x}") in known] if known is not None
                          else [f"{d}:{x}" for x in win] for d in (-2, -1, 1, 2)))
            if len(self._emit_cache) < _CACHE_WORDS:
                self._emit_cache[w] = hit
        return hit

    def _prior(self, n: str) -> list[str]:
        """``lb=T`` a word seen at least twice in training, inside a T entity half the time or more;
        ``lb~T`` inside one less often; ``lbO`` seen three times or more and never inside one."""
        hit = self.priors.get(n)
        if hit is None or hit[0] < 2:
            return []
        total, by = hit
        if not by:
            return ["lbO"] if total >= 3 else []
        return [("lb=" if c * 2 >= total else "lb~") + t for t, c in sorted(by.items())]

    @staticmethod
    def _name_parts(names: dict[str, list[tuple[tuple[str, ...], str]]]) -> dict[str, set[str]]:
        parts: dict[str, set[str]] = {}
        for cands in names.values():
            for key, t in cands:
                L = len(key)
                for j, w in enumerate(key):
                    if len(w) < 2:
                        continue
                    pos = "s" if L == 1 else "f" if j == 0 else "l" if j == L - 1 else "m"
                    for form in {w, _bare(w)}:
                        parts.setdefault(form, set()).add(f"{t}.{pos}")
        return parts

    # ---------------------------------------------------------------- n-gram gazetteers
    def _ngram(self, words, index: dict[str, list], prefix: str, min_len: int = 2,
               bnorms: list[str] | None = None) -> list[list[str]]:
        """Longest match (a name of ``index``) starting at each token: ``{prefix}B=`` on its first
        word, ``I=`` on the others, ``before=``/``after=`` on the tokens around it. Words match on the
        normalised form or with the article stripped (``bnorms``: the sentence's bare forms)."""
        n = len(words)
        feats: list[list[str]] = [[] for _ in words]
        if not index:
            return feats
        norms = [x[2] for x in words]
        if bnorms is None:
            bnorms = [_bare(x) for x in norms]
        for i in range(n):
            best = None
            for key0 in words[i][3]:
                cands = index.get(key0)
                if not cands:
                    continue
                for key, t in cands:
                    L = len(key)
                    if L < min_len or i + L > n:
                        continue
                    for j in range(1, L):
                        kj = key[j]
                        if norms[i + j] != kj and bnorms[i + j] != _bare(kj):
                            break
                    else:
                        if best is None or L > best[0]:
                            best = (L, t)
                        break
            if best:
                L, t = best
                feats[i].append(f"{prefix}B={t}")
                for j in range(1, L):
                    feats[i + j].append(f"{prefix}I={t}")
                if i + L < n:
                    feats[i + L].append(f"{prefix}after={t}")
                if i > 0:
                    feats[i - 1].append(f"{prefix}before={t}")
        return feats

    # ---------------------------------------------------------------- document context (optional)
    def _ctx_word(self, w: str) -> tuple:
        """(reading keys of >= 3 letters incl. bare forms, bare readings, bare normal form, context
        flags of the word's own gazetteer classes, those flags as seen from the next word ``p:…`` and
        from the previous word ``n:…``) of one surface form; cached like ``word``."""
        hit = self._ctx_cache.get(w)
        if hit is not None:
            return hit
        own, _win, norm, keys = self.word(w)
        kk = frozenset(x for key in keys for x in (key, _bare(key)) if len(x) >= 3)
        cls = tuple(x for x in own if x[:3] in _CTX_G)
        # (…, flags this word gives its right neighbour's occurrence, flags it gives its left one)
        out = (kk, frozenset(_bare(key) for key in keys), _bare(norm), cls,
               tuple("p:" + x for x in cls), tuple("n:" + x for x in cls))
        if len(self._ctx_cache) < _CACHE_WORDS:
            self._ctx_cache[w] = out
        return out

    def _ctx_index(self, si: int, toks: list[str], cw, words, gaz, tit,
                   occ: dict[str, list[tuple[int, set[str]]]], bgs: dict[tuple[str, str], set[int]]) -> None:
        """Adds label-free facts about sentence ``si``'s words to the document's indexes: ``occ``
        surface form -> [(sentence, flags)], the flags saying what surrounds that occurrence (a
        title before it, a KB multi-word name around it, the neighbours' gazetteer classes), and
        ``bgs`` (bare reading of word i, bare form of word i+1) -> sentences. ``cw`` are the
        sentence's ``_ctx_word`` tuples."""
        n = len(words)
        for i, (own, _win, _norm, _keys) in enumerate(words):
            if own[3] not in ("sh=ar", "sh=lat"):
                continue
            fl = {"o"}
            for x in tit[i]:
                if x.startswith("mtafter="):
                    fl.add("T=" + x[8:])
            for x in gaz[i]:
                if x.startswith("mgB=") or x.startswith("mgI="):
                    fl.add("G=" + x[4:])
                elif x.startswith("trB=") or x.startswith("trI="):
                    fl.add("R=" + x[4:])
            if i > 0:
                fl.update(cw[i - 1][4])
            if i + 1 < n:
                fl.update(cw[i + 1][5])
                nb = cw[i + 1][2]
                for b in cw[i][1]:
                    bgs.setdefault((b, nb), set()).add(si)
            if cw[i][0]:
                occ.setdefault(toks[i], []).append((si, fl))

    def _prepare(self, tokens: list[str]):
        """Per-word features, the KB multi-word / title n-gram matches of one sentence and the matches
        of the extra name list (None when there is none)."""
        words = [self.word(t) for t in tokens]
        bn = [_bare(x[2]) for x in words]
        tr = self._ngram(words, self.names, "tr", min_len=1, bnorms=bn) if self.names else None
        return (words, self._ngram(words, self.lex.multi, "mg", bnorms=bn),
                self._ngram(words, self.lex.titles, "mt", bnorms=bn), tr)

    def context_features(self, sentences: list[list[str]], k: int = 10, prepared=None) -> list[list[list[str]]]:
        """Per sentence, per token: document-context features from the ±k neighbouring sentences
        (the sentence itself excluded). ``cx=`` how many of them contain the word (any clitic
        reading), ``cx:FLAG`` the union of the flags of those occurrences, ``cxbg+``/``cxbg-`` the
        bigram with the next/previous word recurs; the ±1 neighbours' title/name flags as ``±1:cx…``.
        Occurrences are indexed per surface form, and merged once per distinct form of the document
        (sentence -> flags over every form sharing a clitic reading with it), so the cost grows with
        the word's recurrences, not with the window."""
        prepared = prepared or [self._prepare(s) for s in sentences]
        occ: dict[str, list[tuple[int, set[str]]]] = {}
        bgs: dict[tuple[str, str], set[int]] = {}
        cws = [[self._ctx_word(t) for t in toks] for toks in sentences]
        for si, (toks, cw, (words, gaz, tit, tr)) in enumerate(zip(sentences, cws, prepared)):
            if self.ctx_names and tr is not None:
                gaz = [g + r for g, r in zip(gaz, tr)]
            self._ctx_index(si, toks, cw, words, gaz, tit, occ, bgs)
        by_key: dict[str, list[str]] = {}  # reading key -> the document's forms having it
        for w in occ:
            for x in self._ctx_word(w)[0]:
                by_key.setdefault(x, []).append(w)

        # surface form -> (sorted sentences holding it, their flags over all its readings)
        merged: dict[str, tuple[list[int], list[set[str]]]] = {}
        # (form, window's first and last occurrence, the sentence when it holds one) -> the word's cx
        # features: a form repeated in one sentence, or seen from sentences without it, is done once
        done: dict[tuple[str, int, int, int], list[str]] = {}
        pairs: dict[tuple[frozenset[str], str], list[int]] = {}
        out: list[list[list[str]]] = []
        for si, (toks, cw) in enumerate(zip(sentences, cws)):
            lo, hi = si - k, si + k
            nw = len(toks)
            per: list[list[str]] = [[] for _ in range(nw)]
            for i in range(nw):
                c = cw[i]
                if not c[0]:
                    continue
                w = toks[i]
                m = merged.get(w)
                if m is None:
                    if w not in occ:  # not an Arabic or Latin word
                        continue
                    u: dict[int, set[str]] = {}
                    forms = {w2 for x in c[0] for w2 in by_key.get(x, ())}
                    for w2 in forms:
                        for sj, v in occ[w2]:
                            if sj in u:
                                u[sj] |= v
                            else:
                                u[sj] = set(v)
                    order = sorted(u)
                    m = merged[w] = (order, [u[sj] for sj in order])
                a, b = bisect_left(m[0], lo), bisect_right(m[0], hi)
                me = si in m[0][a:b]
                key = (w, a, b, si if me else -1)
                cf = done.get(key)
                if cf is None:
                    cf = []
                    cnt = b - a - me
                    if cnt:
                        flags: set[str] = set()
                        for j in range(a, b):
                            if m[0][j] != si:
                                flags |= m[1][j]
                        cf.append("cx=" + ("1" if cnt == 1 else "2" if cnt < 4 else "3"))
                        cf.extend("cx:" + x for x in sorted(flags) if x != "o")
                    done[key] = cf
                per[i].extend(cf)
            # bigram recurrence, once per adjacent pair: cxbg+ on the left word, cxbg- on the right one
            isw = [x[0][3] in ("sh=ar", "sh=lat") for x in prepared[si][0]]
            rec = [(isw[i] or isw[i + 1]) and self._recurs(bgs, pairs, cw[i][1], cw[i + 1][2], si, lo, hi)
                   for i in range(nw - 1)]
            for i in range(nw):
                if isw[i]:
                    if i < nw - 1 and rec[i]:
                        per[i].append("cxbg+")
                    if i > 0 and rec[i - 1]:
                        per[i].append("cxbg-")
            # the ±1 neighbours' title/name/recurrence facts, each token's share picked once
            share = [[x for x in f if x.startswith(("cx:T=", "cx:G=", "cx:R=", "cxbg", "cx="))] if f else f
                     for f in per]
            full = []
            last = nw - 1
            for i, f in enumerate(per):
                g = list(f)
                if i > 0 and share[i - 1]:
                    g.extend(["-1:" + x for x in share[i - 1]])
                if i < last and share[i + 1]:
                    g.extend(["1:" + x for x in share[i + 1]])
                full.append(g)
            out.append(full)
        return out

    @staticmethod
    def _recurs(bgs: dict[tuple[str, str], set[int]], pairs: dict, left: frozenset[str], right: str, si: int,
                lo: int, hi: int) -> bool:
        """Does the bigram (any bare reading of ``left``, ``right``) occur in a sentence of [lo, hi]
        other than ``si``? The sentences holding a bigram are merged once per document."""
        key = (left, right)
        order = pairs.get(key)
        if order is None:
            u: set[int] = set()
            for b in left:
                v = bgs.get((b, right))
                if v:
                    u |= v
            order = pairs[key] = sorted(u)
        a, b = bisect_left(order, lo), bisect_right(order, hi)
        return b - a > (1 if si in order[a:b] else 0)

    def document(self, sentences: list[list[str]], k: int = 10) -> list[list[list[str]]]:
        """Feature lists of every sentence of a document, with the document-context features."""
        prepared = [self._prepare(s) for s in sentences]
        cx = self.context_features(sentences, k, prepared)
        return [self.sentence(s, extra=c, prepared=p) if s else [] for s, c, p in zip(sentences, cx, prepared)]

    def sentence(self, tokens: list[str], rule_feats: list[list[str]] | None = None,
                 extra: list[list[str]] | None = None, prepared=None) -> list[list[str]]:
        """Feature lists of one sentence; ``rule_feats`` are the rule layer's per-token features when
        the caller already has them (the pipeline's mention stage), else the rule layer runs here;
        ``extra`` are further per-token features (the document-context ones) appended as they are."""
        words, gaz, tit, tr = prepared or self._prepare(tokens)
        n = len(words)
        if rule_feats is None and self.rules is not None:
            rule_feats = self.rules.token_features(tokens)
        if tr is not None:
            # a new list per token: the prepared lists are shared with the context index
            gaz = [g + r for g, r in zip(gaz, tr)]
        emit = [self._emitted(t) for t in tokens]
        known = self.known
        out: list[list[str]] = []
        for i in range(n):
            norm = words[i][2]
            f = list(emit[i][0])
            f.extend(gaz[i])
            f.extend(tit[i])
            for di, d in enumerate((-2, -1, 1, 2), 1):
                j = i + d
                if 0 <= j < n:
                    f.extend(emit[j][di])
                    for x in gaz[j]:
                        f.append(f"{d}:{x}")
                    for x in tit[j]:
                        f.append(f"{d}:{x}")
                else:
                    f.append(f"{d}:BOS" if d < 0 else f"{d}:EOS")
            if rule_feats is not None:
                f.extend(rule_feats[i] or ("r=O",))
                for d in (-1, 1):
                    j = i + d
                    if 0 <= j < n:
                        f.extend(f"{d}:{x}" for x in rule_feats[j])
            if i > 0:
                x = "bg-=" + words[i - 1][2] + "|" + norm
                if known is None or x in known:
                    f.append(x)
            if i + 1 < n:
                x = "bg+=" + norm + "|" + words[i + 1][2]
                if known is None or x in known:
                    f.append(x)
            if extra is not None:
                f.extend(extra[i] if known is None else [x for x in extra[i] if x in known])
            out.append(f)
        return out


@lru_cache(maxsize=1)
def kb_lexicons() -> Lexicons:
    return Lexicons.from_kb()


def name_index(entities: "list[tuple[tuple[str, ...], str]]") -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """An n-gram name index (first word -> [(key, type)], longest first) from (normalised words, type)."""
    idx: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for key, t in sorted(set(entities)):
        idx.setdefault(key[0], []).append((key, t))
        b = _bare(key[0])
        if b != key[0]:
            idx.setdefault(b, []).append(((b,) + key[1:], t))
    for k in idx:
        idx[k].sort(key=lambda x: (-len(x[0]), x[0], x[1]))
    return idx


def label_stats(sents: "list[list[tuple[str, str]]]") -> "dict[str, tuple[int, dict[str, int]]]":
    """Normalised word -> (occurrences, entity type -> occurrences inside an entity of that type)."""
    out: dict[str, tuple[int, dict[str, int]]] = {}
    for s in sents:
        for w, g in s:
            n = normalize(w)
            hit = out.get(n)
            if hit is None:
                hit = out[n] = (0, {})
            by = hit[1]
            if g != "O":
                by[g[2:]] = by.get(g[2:], 0) + 1
            out[n] = (hit[0] + 1, by)
    return out


def entities_of(sents: "list[list[tuple[str, str]]]") -> "list[tuple[tuple[str, ...], str]]":
    """(normalised words, type) of every gold entity of BIO-tagged sentences; clitics stripped from
    the first word the way the mention stage would not know them (all readings are tried at match time)."""
    from marsad.models.ner.evaluate import spans

    out = []
    for s in sents:
        for a, b, t in spans([g for _, g in s]):
            out.append((tuple(normalize(w) for w, _ in s[a:b]), t))
    return out


class RuleLayer:
    """The gazetteer/rule mention stage's output as token features (stacking): for each token,
    ``rB=TYPE`` / ``rI=TYPE`` with marsad's types (PER, GPE, LOC, ORG, NORP, FAC, TITLE …)."""

    def __init__(self) -> None:
        from marsad.pipeline.mentions import MentionStage
        from marsad.pipeline.segment import SegmentStage

        self.stages = [SegmentStage(), MentionStage()]

    def token_features(self, tokens: list[str]) -> list[list[str]]:
        from marsad.document import Document

        starts, pos = [], 0
        for t in tokens:
            starts.append(pos)
            pos += len(t) + 1
        doc = Document(id="ner", text=" ".join(tokens))
        for st in self.stages:
            doc = st(doc)
        return self.from_mentions(tokens, starts, doc.mentions)

    @staticmethod
    def from_mentions(tokens: list[str], starts: list[int], mentions) -> list[list[str]]:
        import bisect

        out: list[list[str]] = [[] for _ in tokens]
        for m in mentions:
            i = bisect.bisect_right(starts, m.start) - 1
            if i < 0:
                i = 0
            first = True
            while i < len(tokens) and starts[i] < m.end:
                if starts[i] + len(tokens[i]) > m.start:
                    out[i].append(("rB=" if first else "rI=") + m.type)
                    first = False
                i += 1
        return out
