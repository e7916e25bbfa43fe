"""Arabic normalisation for *matching only*.

The stored text and every offset stay untouched: callers normalise a copy and, when they need to
point back into the original, use ``normalize_with_map`` which returns, for every normalised
character, the index of the original character it came from.
"""
from __future__ import annotations

import re

# Diacritics (harakat, tanwin, shadda, sukun, superscript alef, Quranic marks) and tatweel are dropped.
_DROP = set(
    [chr(c) for c in range(0x0610, 0x061B)]
    + [chr(c) for c in range(0x064B, 0x0660)]
    + ["\u0670", "\u0640"]
    + [chr(c) for c in range(0x06D6, 0x06EE)]
    + ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u061c", "\ufeff"]
)

_MAP = {
    # hamza and alef forms
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا",
    "ؤ": "و", "ئ": "ي",
    # alef maqsura / ya, ta marbuta / ha
    "ى": "ي", "ة": "ه",
    # Maghrebi and Persian letters written in Arabic news (ڤايد صالح، ڨالمة)
    "ڤ": "ف", "ڨ": "ق", "گ": "ك", "ک": "ك", "پ": "ب", "چ": "ج", "ژ": "ز", "ی": "ي", "ۀ": "ه", "ە": "ه",
    # Arabic punctuation and quotes
    "،": ",", "؛": ";", "؟": "?", "٪": "%", "٫": ".", "٬": ",", "۔": ".",
    "«": '"', "»": '"', "“": '"', "”": '"', "„": '"', "″": '"', "‘": "'", "’": "'",
    "\u00a0": " ", "\u2009": " ", "\u202f": " ",
}
for _i in range(10):
    _MAP[chr(0x0660 + _i)] = str(_i)  # Eastern Arabic digits
    _MAP[chr(0x06F0 + _i)] = str(_i)  # Persian digits

_TABLE = str.maketrans({**_MAP, **{c: None for c in _DROP}})


def normalize(text: str) -> str:
    """Matching form of ``text``: same letters an Arabic reader would see as the same."""
    return text.translate(_TABLE)


def normalize_with_map(text: str) -> tuple[str, list[int]]:
    """Normalised text and, for each of its characters, the offset of the source character."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if ch in _DROP:
            continue
        out.append(_MAP.get(ch, ch))
        index.append(i)
    return "".join(out), index


_SPACE = re.compile(r"\s+")


def normalize_key(text: str) -> str:
    """A lookup key: normalised, whitespace collapsed, stripped (for gazetteer and lexicon keys)."""
    return _SPACE.sub(" ", normalize(text)).strip()
