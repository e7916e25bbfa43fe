"""The Document and the annotation records every pipeline stage may add.

All offsets are character offsets into ``Document.text`` — the cleaned text that is stored and
shown — never into a normalised copy. Stages add records; they never change ``text``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Sentence:
    start: int
    end: int
    kind: str = "sentence"  # "headline" for a short first line without final punctuation


@dataclass
class Token:
    """A surface word, number or punctuation mark, with its clitics split off as segments.

    ``prefixes`` are (start, end, form) of proclitics (و ف ب ل ك س ال لل …) in order; the stem is
    ``stem_start..end``. ``norm`` is the matching form of the stem (see text.normalize).
    """
    start: int
    end: int
    text: str
    kind: str = "word"  # word | number | punct | latin
    stem_start: int = -1
    norm: str = ""
    prefixes: list[tuple[int, int, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.stem_start < 0:
            self.stem_start = self.start


@dataclass
class GluedSplit:
    """A run of two words written without a space (طرابلسوالجزائر): an annotation, text unchanged."""
    start: int
    end: int
    text: str
    parts: list[tuple[int, int, str]]  # (start, end, text) of each part, connectors (و، ال) included in the part


@dataclass
class Mention:
    start: int
    end: int
    text: str
    type: str  # PER, ORG, LOC, GPE, FAC, NORP, TITLE
    confidence: float
    entity_id: str | None = None
    title: str | None = None  # role/title attached to a person where the text gives one (اللواء المتقاعد)
    title_start: int | None = None
    title_end: int | None = None
    country: str | None = None  # ISO 3166-1 alpha-3 where known
    sector: str | None = None
    method: str = "gazetteer"  # gazetteer | rule | model | role (a title phrase resolved to its holder)
    # linking (pipeline/link.py): the knowledge-base entity ("new:…" = a provisional one), how sure the
    # link is, its display names, and for places the coordinates and ACLED geo_precision (1 town/site,
    # 2 region/district, 3 country)
    canonical: str | None = None
    latin: str | None = None
    link_confidence: float | None = None
    link_method: str | None = None  # kb | kb-context | coref | role | epithet | user | new
    lat: float | None = None
    lon: float | None = None
    geo_precision: int | None = None


@dataclass
class TimeExpression:
    start: int
    end: int
    text: str
    # ISO 8601: 2011-08-29, 2012-05, 2015, 2015-W20, 2012-SU, P3D, or an interval START/END where the
    # expression covers a span that is not a Gregorian unit (a Hijri year: 2014-10-25/2015-10-13);
    # None when unresolved
    value: str | None
    granularity: str  # day | week | month | season | year | decade | century | duration | time
    kind: str  # absolute | relative | duration
    anchor: str | None = None  # the publication date used to resolve a relative expression
    calendar: str = "gregorian"  # gregorian | hijri
    mod: str | None = None  # START | MID | END | APPROX | BEFORE | AFTER …
    confidence: float = 0.9


@dataclass
class Quantity:
    start: int
    end: int
    text: str
    value: float | None = None
    low: float | None = None
    high: float | None = None
    unit: str | None = None
    confidence: float = 0.8


@dataclass
class Claim:
    start: int  # span of the reported content
    end: int
    cue: str
    cue_start: int
    cue_end: int
    source: str
    source_kind: str  # named_person | named_org | anonymous_official | anonymous
    source_start: int | None = None
    source_end: int | None = None
    via: str | None = None  # outlet/agency that conveyed the source (لـ«الخبر», وفقا للأناضول)
    confidence: float = 0.8
    # a source that continues an earlier one (وأضاف المصدر، وأضاف أن، أكدت الصحيفة): the index in
    # Document.claims of the claim that named it, and what it resolves to (that claim's source, the
    # organisation named earlier, or the document's outlet); None when it names its source itself
    refers_to: int | None = None
    source_ref: str | None = None


@dataclass
class Event:
    type: str
    trigger: str
    trigger_start: int
    trigger_end: int
    sentence_start: int
    sentence_end: int
    mode: str | None = None
    source: list[dict[str, Any]] = field(default_factory=list)
    target: list[dict[str, Any]] = field(default_factory=list)
    location: dict[str, Any] | None = None
    date: dict[str, Any] | None = None
    dead: float | None = None
    injured: float | None = None
    size: float | None = None
    claim: int | None = None  # index into Document.claims
    confidence: float = 0.5


@dataclass
class Document:
    id: str
    text: str
    title: str | None = None
    published: dt.date | None = None
    url: str | None = None
    outlet: str | None = None
    source: str | None = None  # the item key: /abs/path, /abs/path.jsonl:LINE, /abs/feed.xml#N, <stdin>:HASH
    meta: dict[str, Any] = field(default_factory=dict)

    sentences: list[Sentence] = field(default_factory=list)
    tokens: list[Token] = field(default_factory=list)
    glued: list[GluedSplit] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    dates: list[TimeExpression] = field(default_factory=list)
    quantities: list[Quantity] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    # the place the document is mostly about (pipeline/link.py): entity_id, canonical, latin, country,
    # lat, lon, geo_precision, score; None when it names no place
    focus: dict[str, Any] | None = None
    pipeline_version: str | None = None

    def span(self, start: int, end: int) -> str:
        return self.text[start:end]

    def sentence_at(self, offset: int) -> Sentence | None:
        for s in self.sentences:
            if s.start <= offset < s.end:
                return s
        return None

    def to_record(self) -> dict[str, Any]:
        """Contract 1 (ARCHITECTURE.md): the analysis of one document as plain JSON types."""
        return {
            "id": self.id,
            "text": self.text,
            "title": self.title,
            "published": self.published.isoformat() if self.published else None,
            "url": self.url,
            "outlet": self.outlet,
            "pipeline_version": self.pipeline_version,
            "sentences": [asdict(s) for s in self.sentences],
            "glued": [asdict(g) for g in self.glued],
            "entities": [asdict(m) for m in self.mentions],
            "dates": [asdict(d) for d in self.dates],
            "quantities": [asdict(q) for q in self.quantities],
            "claims": [asdict(c) for c in self.claims],
            "events": [_event_record(e) for e in self.events],
            "focus": self.focus,
        }


def _event_record(e: Event) -> dict[str, Any]:
    rec = asdict(e)
    rec["trigger"] = {"text": e.trigger, "start": e.trigger_start, "end": e.trigger_end}
    rec["sentence"] = {"start": e.sentence_start, "end": e.sentence_end}
    for k in ("trigger_start", "trigger_end", "sentence_start", "sentence_end"):
        rec.pop(k)
    return rec
