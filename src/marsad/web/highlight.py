"""The article reader's highlights, built server-side from character offsets.

The text is cut at every span boundary into segments; each segment carries the kinds of the spans that
cover it and points at the innermost one. Templates print segment text through Jinja2's autoescape, so an
article that contains ``<script>`` or ``&lt;`` shows those characters as text: no markup is ever taken
from the article.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str  # mention | date | quantity | claim | source | event
    ref: str  # the id of its entry in the side lists ("m3", "e0" …)
    label: str = ""  # a tooltip: entity name, date value …
    sub: str = ""  # a sub-kind for colour: PER, ORG, LOC …


@dataclass
class Segment:
    text: str
    kinds: list[str] = field(default_factory=list)
    ref: str | None = None  # the innermost span's list entry
    anchors: list[str] = field(default_factory=list)  # spans starting here: targets of links from the lists
    label: str = ""
    sub: str = ""

    @property
    def css(self) -> str:
        return " ".join(f"hl-{k}" for k in self.kinds) + (f" t-{self.sub}" if self.sub else "")


def spans_of(record: dict[str, Any]) -> list[Span]:
    """The highlightable spans of a contract-1 record (document.to_record())."""
    n = len(record["text"])
    out: list[Span] = []
    for i, m in enumerate(record.get("entities") or []):
        name = " · ".join(x for x in (m.get("canonical"), m.get("latin")) if x) or m.get("entity_id") or ""
        out.append(Span(m["start"], m["end"], "mention", f"m{i}", name, m.get("type") or ""))
    for i, d in enumerate(record.get("dates") or []):
        out.append(Span(d["start"], d["end"], "date", f"d{i}", d.get("value") or "؟"))
    for i, q in enumerate(record.get("quantities") or []):
        out.append(Span(q["start"], q["end"], "quantity", f"q{i}", str(q.get("unit") or "")))
    for i, c in enumerate(record.get("claims") or []):
        out.append(Span(c["start"], c["end"], "claim", f"c{i}", f"{c.get('source') or ''} ({c.get('source_kind')})"))
        if c.get("source_start") is not None and c.get("source_end") is not None:
            out.append(Span(c["source_start"], c["source_end"], "source", f"c{i}", c.get("source_kind") or ""))
    for i, e in enumerate(record.get("events") or []):
        t = e.get("trigger") or {}
        if t.get("start") is not None:
            out.append(Span(t["start"], t["end"], "event", f"e{i}", e.get("type") or ""))
    return [s for s in out if 0 <= s.start < s.end <= n]


# the order in which a segment's innermost span is chosen when two have the same length
_PRIORITY = {"event": 0, "mention": 1, "date": 2, "quantity": 3, "source": 4, "claim": 5}


def segments(text: str, spans: list[Span]) -> list[Segment]:
    """Cut ``text`` at every boundary; a segment lists the kinds covering it, innermost span first."""
    cuts = sorted({0, len(text), *(s.start for s in spans), *(s.end for s in spans)})
    by_start: dict[int, list[Span]] = {}
    for s in spans:
        by_start.setdefault(s.start, []).append(s)
    out: list[Segment] = []
    active: list[Span] = []
    for a, b in zip(cuts, cuts[1:]):
        active = [s for s in active if s.end > a] + by_start.get(a, [])
        if not active:
            out.append(Segment(text[a:b]))
            continue
        inner = min(active, key=lambda s: (s.end - s.start, _PRIORITY.get(s.kind, 9)))
        kinds = sorted({s.kind for s in active}, key=lambda k: _PRIORITY.get(k, 9))
        # innermost first: the segment's own id is the first, the others become empty markers before it
        starts_here = sorted(by_start.get(a, []), key=lambda s: (s.end - s.start, _PRIORITY.get(s.kind, 9)))
        anchors = [f"h-{s.ref}" for s in starts_here]
        mention = next((s for s in sorted(active, key=lambda s: s.end - s.start) if s.kind == "mention"), None)
        out.append(Segment(text[a:b], kinds, inner.ref, anchors, inner.label,
                           mention.sub if mention else ""))
    _unique_anchors(out)
    return out


def _unique_anchors(segs: list[Segment]) -> None:
    """An id may appear once in a page: the source span of a claim shares its claim's ref."""
    seen: set[str] = set()
    for s in segs:
        s.anchors = [a for a in dict.fromkeys(s.anchors) if a not in seen]
        seen.update(s.anchors)


def paragraphs(segs: list[Segment]) -> list[list[Segment]]:
    """Split segments at blank-line paragraph breaks so the reader shows paragraphs (text kept intact)."""
    out: list[list[Segment]] = [[]]
    for s in segs:
        if "\n" not in s.text or s.kinds:
            out[-1].append(s)
            continue
        parts = s.text.split("\n")
        for j, part in enumerate(parts):
            if j:
                out.append([])
            if part:
                out[-1].append(Segment(part))
    return [p for p in out if any(x.text.strip() for x in p)]
