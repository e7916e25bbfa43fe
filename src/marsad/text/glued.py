"""Two words written without a space (طرابلسوالجزائر، أبوبكرالبغدادي), found as an annotation.

Only unknown long words are tried, and only at the places where a space is typically lost:
before the conjunction و or before the article ال. Both parts must be known word forms or names.
"""
from __future__ import annotations

from marsad.document import GluedSplit, Token
from marsad.text.tokens import Lexicon, lexicon

_MIN_WORD = 7
_MIN_PART = 3
# Kunya/compound name heads that are written glued to the next name part (أبوبكر، عبدالله)
_NAME_HEADS = ("ابو", "عبد")
# Inflectional suffixes (normalised): a word that is a known stem plus one of them is not glued (موجودين)
_SUFFIXES = ("ين", "ون", "ان", "ات", "يه", "يين", "يون", "ها", "هم", "هما", "هن", "كم", "نا", "وا", "ي", "ه")


def _inflected_known(lex: Lexicon, w: str) -> bool:
    for suf in _SUFFIXES:
        if w.endswith(suf) and len(w) - len(suf) >= _MIN_PART:
            base = w[: -len(suf)]
            if lex.known(base) or lex.known(base + "ه") or lex.known("ال" + base):
                return True
    return False


def _known(lex: Lexicon, w: str) -> bool:
    if len(w) >= _MIN_PART + 1 and lex.known(w):
        return True
    for h in _NAME_HEADS:
        if w.startswith(h) and len(w) - len(h) >= _MIN_PART and lex.known(w[len(h):]):
            return True
    return False


def _right_known(lex: Lexicon, w: str) -> bool:
    """A right part is و/ال/وال + a known word; after a bare و only a place name counts
    (طرابلسوتونس), since و + word is also how plural verb endings look (يتذكرونها)."""
    rest = w[1:] if w.startswith("و") else w
    if rest.startswith("ال") and len(rest) - 2 >= _MIN_PART + 1:
        return lex.count(rest) >= 2 or lex.count(rest[2:]) >= 2
    return rest is not w and len(rest) >= _MIN_PART + 1 and rest in lex.places


def find_glued(tokens: list[Token], lex: Lexicon | None = None) -> list[GluedSplit]:
    lex = lex or lexicon()
    out: list[GluedSplit] = []
    for t in tokens:
        if t.kind != "word" or len(t.norm) < _MIN_WORD:
            continue
        stem = t.norm
        if lex.known(stem) or _known(lex, stem) or _inflected_known(lex, stem):
            continue
        best = None
        for i in range(_MIN_PART, len(stem) - _MIN_PART + 1):
            right = stem[i:]
            if not (right.startswith("و") or right.startswith("ال")):
                continue
            left = stem[:i]
            if _known(lex, left) and _right_known(lex, right):
                score = min(lex.count(left) or 1, lex.count(right.lstrip("و")) or 1)
                if best is None or score > best[0]:
                    best = (score, i)
        if best is None:
            continue
        cut = _surface_offset(t, best[1])
        s0 = t.stem_start
        out.append(GluedSplit(s0, t.end, t.text[s0 - t.start:],
                              [(s0, cut, t.text[s0 - t.start:cut - t.start]),
                               (cut, t.end, t.text[cut - t.start:])]))
    return out


def _surface_offset(t: Token, norm_index: int) -> int:
    """Offset in the text of the stem's normalised character ``norm_index`` (skipping marks)."""
    from marsad.text.normalize import normalize_with_map

    surface = t.text[t.stem_start - t.start:]
    _, index = normalize_with_map(surface)
    return t.stem_start + index[norm_index]
