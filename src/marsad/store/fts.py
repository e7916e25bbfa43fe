"""Search form of text for the full-text index, query building for both backends, and snippets.

Index text and queries go through the same function, ``marsad.text.tokens.search_terms``
(normalised words with proclitics stripped), so «بالقاهرة» finds «القاهرة» and «ليبيا» finds
«لليبيا». Both backends then only need a whitespace tokenizer: SQLite FTS5 ``unicode61`` and
PostgreSQL's ``simple`` configuration.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from marsad.text.tokens import search_terms, variant_terms

_WORD = re.compile(r"[^\W_]+")
_PHRASE = re.compile(r'"([^"]*)"|«([^»]*)»')


def index_text(title: str | None, text: str) -> str:
    """What goes into the full-text index for a document: search terms of title + text."""
    full = f"{title}\n{text}" if title else text
    # variants go after the text so phrase queries keep matching adjacent words
    return " ".join(search_terms(full) + variant_terms(full))


@dataclass
class ParsedQuery:
    """Terms of a user query: ``groups`` is a list of phrases, each a list of search terms.

    A quoted part ("…" or «…») is one phrase; every other word is a phrase of one term. All groups
    must match (AND); ``any_of`` is the OR fallback used when the AND query finds nothing.
    """
    groups: list[list[str]]

    @property
    def terms(self) -> list[str]:
        return [t for g in self.groups for t in g]

    def __bool__(self) -> bool:
        return bool(self.groups)


def parse_query(query: str) -> ParsedQuery:
    groups: list[list[str]] = []
    rest = []
    pos = 0
    for m in _PHRASE.finditer(query):
        rest.append(query[pos:m.start()])
        phrase = _clean_terms(m.group(1) if m.group(1) is not None else m.group(2))
        if phrase:
            groups.append(phrase)
        pos = m.end()
    rest.append(query[pos:])
    for t in _clean_terms(" ".join(rest)):
        if [t] not in groups:
            groups.append([t])
    return ParsedQuery(groups)


def _clean_terms(text: str) -> list[str]:
    # Keep only word characters: the terms are then safe to quote in either query language.
    out = []
    for t in search_terms(text):
        out.extend(_WORD.findall(t))
    return out


def fts5_query(q: ParsedQuery, *, any_of: bool = False) -> str:
    parts = ['"' + " ".join(g) + '"' for g in q.groups]
    return (" OR " if any_of else " AND ").join(parts)


def tsquery(q: ParsedQuery, *, any_of: bool = False) -> str:
    def lex(t: str) -> str:
        return "'" + t.replace("'", "''") + "'"

    parts = []
    for g in q.groups:
        parts.append(lex(g[0]) if len(g) == 1 else "(" + " <-> ".join(lex(t) for t in g) + ")")
    return (" | " if any_of else " & ").join(parts)


def first_hit(text: str, q: ParsedQuery) -> tuple[int, int] | None:
    """Span of the first word of ``text`` whose search form is one of the query's terms."""
    wanted = set(q.terms)
    if not wanted:
        return None
    for m in _WORD.finditer(text):
        if wanted.intersection(search_terms(m.group()) + variant_terms(m.group())):
            return m.start(), m.end()
    return None


def snippet(text: str, hit: tuple[int, int] | None, width: int = 80) -> str:
    """A window of the original text around ``hit``, cut at spaces, with … where it was cut."""
    if not text:
        return ""
    if hit is None:
        hit = (0, 0)
    start = max(0, hit[0] - width)
    end = min(len(text), hit[1] + width)
    if start > 0:
        sp = text.find(" ", start, hit[0])
        start = sp + 1 if sp != -1 else start
    if end < len(text):
        sp = text.rfind(" ", hit[1], end)
        end = sp if sp != -1 else end
    out = " ".join(text[start:end].split())
    return ("… " if start > 0 else "") + out + (" …" if end < len(text) else "")
