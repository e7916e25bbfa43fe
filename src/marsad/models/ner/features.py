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
                 rules: "RuleLayer | None" = None) -> None:
        self.lex = lex
        self.rules = rules
        # an extra name list (e.g. the entities of the training data): first word -> (key, type)
        self.names = names or {}
        self._cache: dict[str, tuple[list[str], list[str], str, list[str]]] = {}
        self._emit_cache: dict[str, tuple[list[str], ...]] = {}
        # the attributes a loaded model has weights for (None: keep every feature, as in training)
        self.known: set[str] | None = None
        self._ctx_cache: dict[str, tuple[frozenset[str], frozenset[str], str, tuple[str, ...]]] = {}

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

    # ---------------------------------------------------------------- n-gram gazetteers
    def _ngram(self, words, index: dict[str, list], prefix: str, min_len: int = 2) -> list[list[str]]:
        feats: list[list[str]] = [[] for _ in words]
        norms = [x[2] for x in words]
        i = 0
        n = len(words)
        while i < n:
            best = None
            for key0 in words[i][3]:
                for key, t in index.get(key0, ()):
                    L = len(key)
                    if L < min_len or i + L > n:
                        continue
                    if all(norms[i + j] == key[j] or _bare(norms[i + j]) == _bare(key[j]) for j in range(1, L)):
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
                i += 1
            else:
                i += 1
        return feats

    # ---------------------------------------------------------------- document context (optional)
    def _ctx_word(self, w: str) -> tuple[frozenset[str], frozenset[str], str, tuple[str, ...]]:
        """(reading keys of >= 3 letters incl. bare forms, bare readings, bare normal form, context
        flags of the word's own gazetteer classes) of one surface form; cached like ``word``."""
        hit = self._ctx_cache.get(w)
        if hit is not None:
            return hit
        own, _win, norm, keys = self.word(w)
        kk = frozenset(x for key in keys for x in (key, _bare(key)) if len(x) >= 3)
        out = (kk, frozenset(_bare(key) for key in keys), _bare(norm), tuple(x for x in own if x[:3] in _CTX_G))
        if len(self._ctx_cache) < _CACHE_WORDS:
            self._ctx_cache[w] = out
        return out

    def _ctx_index(self, si: int, tokens: list[str], words, gaz, tit,
                   occ: dict[str, dict[int, set[str]]], bgs: dict[tuple[str, str], set[int]]) -> None:
        """Adds label-free facts about sentence ``si``'s words to the document's inverted indexes:
        ``occ`` key (every clitic reading of a word, >= 3 letters) -> sentence -> flags (what surrounds
        that occurrence: a title before it, a KB multi-word name around it, the neighbours' gazetteer
        classes), and ``bgs`` (reading of word i, bare form of word i+1) -> sentences."""
        n = len(words)
        cw = [self._ctx_word(t) for t in tokens]
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
            if i > 0:
                fl.update("p:" + x for x in cw[i - 1][3])
            if i + 1 < n:
                fl.update("n:" + x for x in cw[i + 1][3])
                nb = cw[i + 1][2]
                for b in cw[i][1]:
                    bgs.setdefault((b, nb), set()).add(si)
            for kk in cw[i][0]:
                occ.setdefault(kk, {}).setdefault(si, set()).update(fl)

    def _prepare(self, tokens: list[str]):
        """Per-word features and the KB multi-word / title n-gram matches of one sentence."""
        words = [self.word(t) for t in tokens]
        return words, self._ngram(words, self.lex.multi, "mg"), self._ngram(words, self.lex.titles, "mt")

    def context_features(self, sentences: list[list[str]], k: int = 10, prepared=None) -> list[list[list[str]]]:
        """Per sentence, per token: document-context features from the ±k neighbouring sentences
        (the sentence itself excluded). ``cx=`` how many of them contain the word (any clitic
        reading), ``cx:FLAG`` the union of the flags of those occurrences, ``cxbg+``/``cxbg-`` the
        bigram with the next/previous word recurs; the ±1 neighbours' title/name flags as ``±1:cx…``.
        Uses inverted indexes over the document, so the cost grows with the word's recurrences, not
        with the window."""
        prepared = prepared or [self._prepare(s) for s in sentences]
        occ: dict[str, dict[int, set[str]]] = {}
        bgs: dict[tuple[str, str], set[int]] = {}
        for si, (toks, (words, gaz, tit)) in enumerate(zip(sentences, prepared)):
            self._ctx_index(si, toks, words, gaz, tit, occ, bgs)

        out: list[list[list[str]]] = []
        for si, (toks, (words, _g, _t)) in enumerate(zip(sentences, prepared)):
            cw = [self._ctx_word(t) for t in toks]
            lo, hi = si - k, si + k
            per: list[list[str]] = []
            for i, (own, _win, _norm, _keys) in enumerate(words):
                f: list[str] = []
                if own[3] in ("sh=ar", "sh=lat"):
                    kk, bk, nbare, _fl = cw[i]
                    hits: set[int] = set()
                    flags: set[str] = set()
                    for x in kk:
                        o = occ.get(x)
                        if o is None:
                            continue
                        for sj, v in o.items():
                            if sj != si and lo <= sj <= hi:
                                hits.add(sj)
                                flags |= v
                    if hits:
                        cnt = len(hits)
                        f.append("cx=" + ("1" if cnt == 1 else "2" if cnt < 4 else "3"))
                        f.extend("cx:" + x for x in sorted(flags) if x != "o")
                    if i + 1 < len(words):
                        nb = cw[i + 1][2]
                        if any(sj != si and lo <= sj <= hi for b in bk for sj in bgs.get((b, nb), ())):
                            f.append("cxbg+")
                    if i > 0:
                        if any(sj != si and lo <= sj <= hi for b in cw[i - 1][1] for sj in bgs.get((b, nbare), ())):
                            f.append("cxbg-")
                per.append(f)
            full = []
            for i, f in enumerate(per):
                g = list(f)
                for d in (-1, 1):
                    j = i + d
                    if 0 <= j < len(per):
                        g.extend(f"{d}:" + x for x in per[j] if x.startswith(("cx:T=", "cx:G=", "cxbg", "cx=")))
                full.append(g)
            out.append(full)
        return out

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
        words, gaz, tit = prepared or self._prepare(tokens)
        gaz = [list(x) for x in gaz]  # extended below; the prepared lists are shared with the context index
        n = len(words)
        if rule_feats is None and self.rules is not None:
            rule_feats = self.rules.token_features(tokens)
        if self.names:
            tr = self._ngram(words, self.names, "tr", min_len=1)
            for i in range(n):
                gaz[i].extend(tr[i])
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
                f.extend(extra[i])
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
