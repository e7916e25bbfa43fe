"""Tokens with their proclitics split off, each with offsets into the original text.

A word such as "والجزائر" becomes one Token whose ``prefixes`` are و and ال and whose stem is
"جزائر"; "للجزائر" has prefixes ل and ل(ال) — the article's alef is not written after lam.
Whether a leading و ف ب ل ك is a clitic or part of the word (وزير، وكالة، بريطانيا، لبنان) is
decided with word-form counts (text/data/vocab.tsv) and the single words of the knowledge base's names
(text/data/names.txt, built by text/build_vocab.py): a prefix is split off when the rest is a known word and the whole is not more
frequent. Future س is not split: without a morphological analyser it is too often part of the
word (سوريا، سجن).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from marsad.document import Token
from marsad.text.normalize import normalize_with_map

_DATA = Path(__file__).parent / "data"

# Arabic letters incl. Maghrebi/Persian ones and in-word marks (diacritics, tatweel)
_AR = "\u0621-\u063a\u0641-\u064a\u0640\u064b-\u065f\u0670\u0671-\u06d3\u06d5\u06ee\u06ef\u06fa-\u06ff"
_TOKEN_RE = re.compile(
    rf"(?P<word>[{_AR}]+)"
    r"|(?P<number>[0-9\u0660-\u0669\u06f0-\u06f9]+(?:[.,\u066b\u066c][0-9\u0660-\u0669\u06f0-\u06f9]+)*)"
    r"|(?P<latin>[A-Za-z\u00c0-\u024f]+(?:['’][A-Za-z]+)?)"
    r"|(?P<punct>[^\s])"
)

_CONJ = ("و", "ف")
_PREP = ("ب", "ل", "ك")
_MIN_STEM = 2
_NAME_COUNT = 3
_RATIO = 5  # split when the remainder is at least a fifth as frequent as the whole form


class Lexicon:
    """Known normalised word forms with counts; names from the KB can be added at start-up."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        with open(_DATA / "vocab.tsv", encoding="utf-8") as f:
            for line in f:
                if line.startswith("#"):
                    continue
                w, _, c = line.rstrip("\n").partition("\t")
                self.counts[w] = int(c or 1)
        # KB names count as known words (a fixed count: they are known, not frequent)
        self.places: set[str] = set()  # words of place names (for glued-word splits)
        with open(_DATA / "names.txt", encoding="utf-8") as f:
            for line in f:
                if line.startswith("#"):
                    continue
                w, _, kinds = line.rstrip("\n").partition("\t")
                self.add_known([w], count=_NAME_COUNT)
                if "place" in kinds:
                    self.places.add(w)
        with open(_DATA / "no_split.txt", encoding="utf-8") as f:
            self.no_split = {w.strip() for w in f if w.strip() and not w.startswith("#")}

    def add_known(self, words: "list[str] | set[str]", count: int = 5) -> None:
        for w in words:
            if w and self.counts.get(w, 0) < count:
                self.counts[w] = count

    def count(self, w: str) -> int:
        return self.counts.get(w, 0)

    def known(self, w: str) -> bool:
        return w in self.counts


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    return Lexicon()


def _known_stem(lex: Lexicon, rest: str) -> int:
    """Count of ``rest`` as a word, with or without the article."""
    c = lex.count(rest)
    if rest.startswith("ال"):
        c = max(c, lex.count(rest[2:]))
    else:
        c = max(c, lex.count("ال" + rest))
    return c


def split_clitics(norm: str, lex: Lexicon | None = None) -> list[tuple[int, int, str]]:
    """Proclitic segments of a normalised word as (start, end, form) in the normalised string.

    Forms: و ف (conjunctions), ب ل ك (prepositions), ال (article), لل (ل + article).
    """
    lex = lex or lexicon()
    out: list[tuple[int, int, str]] = []
    i = 0
    if norm in lex.no_split:
        return out
    whole = lex.count(norm)

    def rest_ok(j: int, min_len: int) -> bool:
        rest = norm[j:]
        if len(rest) < min_len:
            return False
        if rest.startswith("ال") and len(rest) - 2 >= _MIN_STEM:
            return True
        rc = _known_stem(lex, rest)
        # a word that really begins with و/ب/ل… (وزير، لبنان) has a rare or unknown remainder
        return rc > 0 and rc * _RATIO >= whole

    # conjunction: و/ف — split when what follows is known (or starts with the article)
    if len(norm) > 3 and norm[0] in _CONJ:
        if rest_ok(1, 3) or (not whole and norm[1] in _PREP and rest_ok(2, 3)):
            out.append((0, 1, norm[0]))
            i = 1
    # preposition: ب ل ك, and لل = ل + article
    if len(norm) - i > 3 and norm[i] in _PREP:
        # لل is ل + article (للجزائر) unless ل precedes a word that itself starts with ل (لليبيا)
        if norm.startswith("لل", i) and len(norm) - i - 2 >= _MIN_STEM + 1 and (
            _known_stem(lex, norm[i + 1:]) <= _known_stem(lex, "ال" + norm[i + 2:])
        ) and (not lex.count(norm[i:]) or _known_stem(lex, "ال" + norm[i + 2:]) > lex.count(norm[i:])):
            out.append((i, i + 1, "ل"))
            out.append((i + 1, i + 2, "ال"))
            return out
        if rest_ok(i + 1, 3):
            out.append((i, i + 1, norm[i]))
            i += 1
    # article
    if norm.startswith("ال", i) and len(norm) - i - 2 >= _MIN_STEM:
        out.append((i, i + 2, "ال"))
    return out


def name_start(tok: Token) -> int:
    """Where a name that begins on ``tok`` starts: after و ف ب ل ك, on a written article
    (والجزائر → الجزائر), on the stem after a fused لل (للجزائر → جزائر, the article's alef is not
    written). The span convention shared by the rule and model mention stages."""
    article = tok.prefixes[-1] if tok.prefixes and tok.prefixes[-1][2] == "ال" else None
    if article is not None and article[1] - article[0] >= 2:
        return article[0]
    return tok.stem_start


def tokenize(text: str, lex: Lexicon | None = None) -> list[Token]:
    """All tokens of ``text`` (words, numbers, Latin words, punctuation) with clitic segments."""
    lex = lex or lexicon()
    tokens: list[Token] = []
    for m in _TOKEN_RE.finditer(text):
        kind = m.lastgroup or "punct"
        start, end = m.start(), m.end()
        surface = m.group()
        if kind != "word":
            norm, _ = normalize_with_map(surface)
            tokens.append(Token(start, end, surface, kind, start, norm))
            continue
        norm, index = normalize_with_map(surface)
        if not norm:  # a run of diacritics/tatweel only
            tokens.append(Token(start, end, surface, "punct", start, ""))
            continue
        segs = split_clitics(norm, lex)
        prefixes = [(start + index[a], start + (index[b] if b < len(index) else len(surface)), form)
                    for a, b, form in segs]
        stem_from = segs[-1][1] if segs else 0
        stem_start = start + index[stem_from] if stem_from < len(index) else end
        tokens.append(Token(start, end, surface, "word", stem_start, norm[stem_from:], prefixes))
    return tokens


def search_terms(text: str) -> list[str]:
    """Index/query terms: normalised word stems without clitics, numbers and Latin words lower-cased."""
    terms: list[str] = []
    for t in tokenize(text):
        if t.kind == "word" and t.norm:
            terms.append(t.norm)
        elif t.kind in ("number", "latin"):
            terms.append(t.norm.lower())
    return terms


def variant_terms(text: str) -> list[str]:
    """Extra index terms for other readings of a word.

    Maghrebi ڤ is /g/ in Algerian names (ڤايد = قايد) but /v/ elsewhere (ڤيينا = فيينا); matching
    normalises it to ف, so the index also carries the ق reading of words written with ڤ.
    """
    out: list[str] = []
    if "ڤ" not in text:
        return out
    for t in tokenize(text):
        if t.kind == "word" and "ڤ" in t.text:
            variant = normalize_with_map(t.text[t.stem_start - t.start:].replace("ڤ", "ق"))[0]
            if variant != t.norm:
                out.append(variant)
    return out
