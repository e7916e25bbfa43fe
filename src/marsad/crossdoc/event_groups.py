"""Event de-duplication: the reports of one real event (many articles, or one article twice) become
one event group, so counts of events are not counts of articles. Every report stays an ``events`` row
with its document, claim and source; ``events.group_id`` says which happening it reports.

A report joins a group when all hold (thresholds in data/crossdoc.json):
- same PLOVER type and the same mode (asserted, negated, intended);
- dates within a window: the event's own day, or its article's publication day when the text gives
  none; a month- or year-only date is not precise enough to merge on and gets a group of its own;
- compatible actors: where both sides name source (or target) entities, they share one;
- place: two precise places (town, site, region) within a distance, named in the event's own
  sentence and on the same day; otherwise (a place that is only a country, the article's focus
  place or dateline, or none) the report must also share an actor with the group that is not a
  whole country (in the Saudi press "السعودية" is a party to half the events).
The best-scoring compatible group wins (shared actors, then nearest day, then oldest group).
"""
from __future__ import annotations

import datetime as dt
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from marsad.crossdoc import params
from marsad.document import Event

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")  # a day, possibly with a part of it (2015-07-21TMO)


@dataclass
class Group:
    id: int
    type: str
    mode: str | None
    day: int | None  # date ordinal
    lat: float | None = None
    lon: float | None = None
    precision: int | None = None
    country: str | None = None
    place_id: str | None = None
    place: str | None = None
    in_sentence: bool = False
    source: set[str] = field(default_factory=set)
    target: set[str] = field(default_factory=set)
    n_reports: int = 0
    n_documents: int = 0

    def meta(self) -> dict[str, Any]:
        return {"mode": self.mode, "precision": self.precision, "place_id": self.place_id, "place": self.place,
                "in_sentence": self.in_sentence,
                "source": sorted(self.source), "target": sorted(self.target)}


def event_day(e: Event, published: dt.date | None) -> int | None:
    """The day a report puts its event on (ordinal), or None when it cannot say to the day."""
    value = (e.date or {}).get("value") if e.date else None
    if value:
        return dt.date.fromisoformat(value[:10]).toordinal() if _DAY.match(value) else None
    if e.date and e.date.get("text"):  # a date named but not resolved (no anchor): unknown
        return None
    return published.toordinal() if published else None


def _ids(actors: list[dict[str, Any]]) -> set[str]:
    return {a["entity_id"] for a in actors or () if a.get("entity_id")}


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(min(1.0, a)))


@dataclass(frozen=True)
class Report:
    """One event as the grouping sees it."""
    type: str
    mode: str | None
    day: int | None
    lat: float | None
    lon: float | None
    precision: int | None
    country: str | None
    place_id: str | None
    place: str | None
    in_sentence: bool  # the place is named in the event's sentence (not the article's focus)
    source: frozenset[str]
    target: frozenset[str]

    @classmethod
    def of(cls, e: Event, published: dt.date | None) -> Report:
        loc = e.location or {}
        return cls(type=e.type, mode=e.mode, day=event_day(e, published), lat=loc.get("lat"), lon=loc.get("lon"),
                   precision=loc.get("geo_precision"), country=loc.get("country"), place_id=loc.get("entity_id"),
                   place=loc.get("canonical") or loc.get("text"),
                   in_sentence=loc.get("from") == "sentence", source=frozenset(_ids(e.source)),
                   target=frozenset(_ids(e.target)))


class EventGrouper:
    def __init__(self, p: dict[str, Any] | None = None) -> None:
        self.p = p or params()["event_groups"]
        self.groups: dict[int, Group] = {}
        self._by_day: dict[tuple[str, str | None, int], list[int]] = defaultdict(list)
        self._weak = tuple(self.p["weak_actors"])

    def put(self, g: Group) -> None:
        old = self.groups.get(g.id)
        self.groups[g.id] = g
        if g.day is not None and (old is None or old.day != g.day):
            self._by_day[(g.type, g.mode, g.day)].append(g.id)

    def _place(self, g: Group, r: Report) -> bool | None:
        """True/False when both have a place, None when one has none."""
        if r.lat is None and r.country is None or g.lat is None and g.country is None:
            return None
        precise = self.p["precise_below"]
        if r.place_id and r.place_id == g.place_id:
            return True
        if (r.precision or precise) < precise and (g.precision or precise) < precise \
                and None not in (r.lat, r.lon, g.lat, g.lon):
            return _km(r.lat, r.lon, g.lat, g.lon) <= self.p["max_km"]
        return r.country is not None and r.country == g.country

    def _precise(self, g: Group, r: Report) -> bool:
        p = self.p["precise_below"]
        return (r.precision or p) < p and (g.precision or p) < p

    def match(self, r: Report) -> int | None:
        """The id of the group this report joins, or None for a new group."""
        if r.day is None:
            return None
        w = self.p["window_days"]
        best: tuple | None = None
        for day in range(r.day - w, r.day + w + 1):
            for gid in self._by_day.get((r.type, r.mode, day), ()):
                g = self.groups[gid]
                if g.day != day:  # moved (a group's day never changes today; kept safe)
                    continue
                if r.source and g.source and not r.source & g.source:
                    continue
                if r.target and g.target and not r.target & g.target:
                    continue
                shared = sum(1 for x in (r.source & g.source) | (r.target & g.target) if not x.startswith(self._weak))
                place = self._place(g, r)
                if place is False or shared == 0 and not (place and self._precise(g, r) and r.in_sentence
                                                          and g.in_sentence and day == r.day):
                    continue
                key = (shared, place is True, -abs(day - r.day), -gid)
                if best is None or key > best[0]:
                    best = (key, gid)
        return best[1] if best else None

    def joined(self, g: Group | None, new_id: int | None, r: Report, new_document: bool) -> Group:
        """The group after ``r`` joins it (``g`` None: a new group with ``new_id``)."""
        if g is None:
            g = Group(id=int(new_id), type=r.type, mode=r.mode, day=r.day)
        precise = self.p["precise_below"]
        # a group's place is its first report's, refined once by a more precise one in the same country
        take_place = g.lat is None and g.country is None or (
            (g.precision or precise) >= precise and (r.precision or precise) < precise
            and r.country is not None and r.country == g.country)
        out = Group(id=g.id, type=g.type, mode=g.mode, day=g.day, lat=g.lat, lon=g.lon, precision=g.precision,
                    country=g.country, place_id=g.place_id, place=g.place, in_sentence=g.in_sentence,
                    source=g.source | r.source,
                    target=g.target | r.target, n_reports=g.n_reports + 1,
                    n_documents=g.n_documents + (1 if new_document else 0))
        if take_place and (r.lat is not None or r.country is not None):
            out.lat, out.lon, out.precision, out.country, out.place_id, out.place, out.in_sentence = (
                r.lat, r.lon, r.precision, r.country, r.place_id, r.place, r.in_sentence)
        return out
