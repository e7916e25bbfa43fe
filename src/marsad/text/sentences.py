"""Sentences with offsets: every line is a paragraph, sentencex splits inside paragraphs.

Short first lines with no closing punctuation are headlines; other such lines (section titles,
related-article titles) are "heading" — later stages may treat them as less reliable context.
"""
from __future__ import annotations

import re

from sentencex import get_sentence_boundaries

from marsad.document import Sentence

_LINE = re.compile(r"[^\n]+")
_END_PUNCT = set(".!?؟…:؛;»\"”)")
_HEADLINE_MAX_WORDS = 20


def split_sentences(text: str) -> list[Sentence]:
    out: list[Sentence] = []
    first_line = True
    for line in _LINE.finditer(text):
        seg = line.group()
        if not seg.strip():
            continue
        base = line.start()
        stripped = seg.rstrip()
        if len(stripped.split()) <= _HEADLINE_MAX_WORDS and stripped[-1] not in _END_PUNCT:
            lead = len(seg) - len(seg.lstrip())
            out.append(Sentence(base + lead, base + len(stripped), "headline" if first_line else "heading"))
            first_line = False
            continue
        first_line = False
        for b in get_sentence_boundaries("ar", seg):
            s, e = b["start_index"], b["end_index"]
            chunk = seg[s:e]
            lead = len(chunk) - len(chunk.lstrip())
            trail = len(chunk) - len(chunk.rstrip())
            if e - trail > s + lead:
                out.append(Sentence(base + s + lead, base + e - trail))
    return out
