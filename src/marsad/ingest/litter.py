"""Web litter removal: comment widgets, "read also" links, image file names, share buttons, and a
trailing run of related-article headlines when it is clearly litter.

Patterns live in ``data/litter.tsv`` (kind, regex, comment). Only whole lines are removed, so the
paragraph structure of the article stays; trailing spaces are stripped and runs of blank lines
collapse to one blank line. ``clean_text`` returns the clean text and the removed lines.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

# A trailing related-headlines run is removed only when all of these hold (see _related_tail).
HEADLINE_MIN_WORDS = 3
HEADLINE_MAX_WORDS = 16
HEADLINE_MAX_CHARS = 110
_FINAL_PUNCT = tuple(".!?؟…:؛،,;\"»”)")
_BULLET = re.compile(r"^(?:[-–—•*·▪►]|[\d٠-٩]+\s*[.)\-–:])")
# bidi and other format marks that scrapers leave around lines; ignored when judging a line
_FORMAT_MARKS = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_ARABIC = re.compile(r"[\u0600-\u06FF]")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Rule:
    kind: str  # line | label | tail
    regex: re.Pattern
    comment: str


@lru_cache(maxsize=None)
def load_rules(path: str | None = None) -> tuple[Rule, ...]:
    if path is None:
        text = resources.files("marsad.ingest").joinpath("data/litter.tsv").read_text(encoding="utf-8")
    else:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    rules = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 2 or parts[0] not in ("line", "label", "tail"):
            raise ValueError(f"litter.tsv line {n}: expected 'kind<TAB>regex<TAB>comment'")
        rules.append(Rule(parts[0], re.compile(parts[1], re.IGNORECASE), parts[2] if len(parts) > 2 else ""))
    return tuple(rules)


def _match(line: str, rules: tuple[Rule, ...], kinds: tuple[str, ...]) -> Rule | None:
    s = line.strip()
    if not s:
        return None
    for r in rules:
        if r.kind in kinds and r.regex.fullmatch(s):
            return r
    return None


def _is_headline(line: str) -> bool:
    """Short Arabic line without final punctuation that is not a list item."""
    s = _FORMAT_MARKS.sub("", line).strip()
    words = s.split()
    letters = len(_LETTER.findall(s))
    return (
        HEADLINE_MIN_WORDS <= len(words) <= HEADLINE_MAX_WORDS
        and len(s) <= HEADLINE_MAX_CHARS
        and not s.endswith(_FINAL_PUNCT)
        and not _BULLET.match(s)
        and letters > 0 and len(_ARABIC.findall(s)) / letters >= 0.6
    )


def _ends_paragraph(line: str) -> bool:
    return _FORMAT_MARKS.sub("", line).rstrip().endswith(tuple(".!?؟…\"»”)"))


def clean_text(text: str, rules: tuple[Rule, ...] | None = None) -> tuple[str, list[dict]]:
    """Return (clean text, removed) where removed lists {"line", "kind", "rule"} dicts."""
    rules = load_rules() if rules is None else rules
    lines = [ln.rstrip() for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = [ln if ln.strip() else "" for ln in lines]  # NBSP-only lines are blank lines
    keep = [True] * len(lines)
    removed: list[dict] = []
    saw_related = False

    def drop(i: int, kind: str, rule: str) -> None:
        keep[i] = False
        removed.append({"line": lines[i].strip()[:200], "kind": kind, "rule": rule})

    # 1. lines and labels, anywhere
    i = 0
    while i < len(lines):
        r = _match(lines[i], rules, ("line", "label"))
        if r is not None:
            drop(i, r.kind, r.comment)
            if r.kind == "label":
                saw_related = True
                s = lines[i].strip()
                if not re.search(r"[:：\-–]\s*\S", s):  # label alone: its headline is on the next line
                    j = i + 1
                    while j < len(lines) and not lines[j]:
                        j += 1
                    if j < len(lines) and _is_headline(lines[j]):
                        drop(j, "label", "headline after " + r.comment)
                        i = j
        i += 1

    # 2. the trailing block: tail rules and related headlines, repeated until nothing changes
    changed = True
    while changed:
        changed = False
        idx = [k for k in range(len(lines)) if keep[k] and lines[k]]
        if not idx:
            break
        last = idx[-1]
        r = _match(lines[last], rules, ("tail",))
        if r is not None:
            drop(last, "tail", r.comment)
            saw_related = saw_related or "تعليق" in lines[last]
            changed = True
            continue
        run = _related_tail(lines, idx, saw_related)
        if run:
            for k in run:
                drop(k, "related", "trailing related-article headlines")
            changed = True

    out = [lines[k] for k in range(len(lines)) if keep[k]]
    clean = re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip("\n")
    return clean, removed


def _related_tail(lines: list[str], idx: list[int], saw_related: bool) -> list[int]:
    """Indices of a trailing run of headline-like lines that is clearly litter: the page showed
    other related-links or comment-widget litter (``saw_related``), the run has at least 2 lines,
    each 3-16 mostly-Arabic words without final punctuation and not a list item, and the line
    before the run ends a paragraph. Otherwise nothing is removed (a trailing list of names or
    points in a real article is left alone)."""
    if not saw_related:
        return []
    run: list[int] = []
    for k in reversed(idx):
        s = lines[k].strip()
        if _is_headline(s):
            run.append(k)
        else:
            break
    if len(run) == len(idx):  # the whole text is headline-like: not ours to judge
        return []
    before = lines[idx[len(idx) - len(run) - 1]]
    if len(run) >= 2 and _ends_paragraph(before):
        return sorted(run)
    return []
