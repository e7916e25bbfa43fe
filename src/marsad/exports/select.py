"""What an export may contain: the documents a viewer may see (store/access.py ``visible_documents``),
narrowed by the user's filters (dates, actor, place, event type, outlet, highest TLP marking), and the
events of those documents that pass the same filters.

Every export format and the TAXII server read through ``select_documents``: no other query of the
exports reaches the ``documents`` table, so nothing a viewer may not see can leak into a file.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, func, or_, select

from marsad.document import Document, Event
from marsad.store import Store
from marsad.store.access import TLP_LEVELS, Viewer, normalize_tlp, visible_documents
from marsad.store.schema import documents, events, mentions, organisations
from marsad.text.normalize import normalize_key

# event types are PLOVER names in upper case (ARCHITECTURE.md)
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class ExportFilter:
    """The user's filters. ``actor``/``place``: an entity id (``per:khalifa-haftar``, ``country:LBY``) or a
    name as written, canonical or Latin (``حفتر``, ``Haftar``). Dates are compared with the event's resolved
    day where it has one, else with the publication date. ``max_tlp``: only items marked at or below it."""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    actor: str | None = None
    place: str | None = None
    type: str | None = None
    outlet: str | None = None
    max_tlp: str | None = None
    # a page of the selected documents (oldest ingested first): what the API uses to bound one response
    limit: int | None = None
    offset: int = 0

    def __post_init__(self) -> None:
        if self.limit is not None and self.limit < 1:
            raise ValueError(f"limit={self.limit} must be at least 1")
        if self.offset < 0:
            raise ValueError(f"offset={self.offset} must not be negative")
        if self.max_tlp is not None:
            object.__setattr__(self, "max_tlp", normalize_tlp(self.max_tlp))
        if self.type:
            object.__setattr__(self, "type", self.type.strip().upper())

    @property
    def allowed_tlp(self) -> tuple[str, ...]:
        if self.max_tlp is None:
            return TLP_LEVELS
        return TLP_LEVELS[: TLP_LEVELS.index(self.max_tlp) + 1]


@dataclass(frozen=True)
class DocRef:
    """One selected document and the sharing facts every export carries along."""
    id: str
    tlp: str
    org: str | None
    published: dt.date | None
    ingested_at: dt.datetime
    duplicate_of: str | None
    external_id: str | None


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value


def _name_condition(value: str, *, places: bool):  # noqa: ANN202
    """Mentions that name ``value``: by entity id, or by the normalised written/canonical name, or Latin."""
    key = normalize_key(value)
    cond = or_(mentions.c.entity_id == value, mentions.c.norm == key,
               func.lower(mentions.c.latin) == value.strip().lower(), mentions.c.canonical == value.strip())
    kinds = ("GPE", "LOC", "FAC") if places else ("PER", "ORG", "GPE", "NORP", "TITLE", "FAC", "LOC")
    return and_(cond, mentions.c.type.in_(kinds))


def _selected(viewer: Viewer, flt: ExportFilter, d=documents):  # noqa: ANN001, ANN202
    """The condition on ``documents`` of what ``viewer`` may see and ``flt`` keeps (SQL part)."""
    conds = [visible_documents(viewer, d), d.c.tlp.in_(flt.allowed_tlp)]
    if flt.outlet:
        conds.append(d.c.outlet == flt.outlet)
    if flt.type:
        conds.append(exists().where(events.c.document_id == d.c.id, events.c.type == flt.type))
    if flt.actor:
        conds.append(exists().where(mentions.c.document_id == d.c.id, _name_condition(flt.actor, places=False)))
    if flt.place:
        conds.append(exists().where(mentions.c.document_id == d.c.id, _name_condition(flt.place, places=True)))
    if flt.date_from or flt.date_to:
        # a document passes when it was published in the range, or (unknown publication date / events dated
        # otherwise) when it has events; the event-level filter then decides per event
        cond = [d.c.published.is_(None), exists().where(events.c.document_id == d.c.id)]
        rng = []
        if flt.date_from:
            rng.append(d.c.published >= flt.date_from)
        if flt.date_to:
            rng.append(d.c.published <= flt.date_to)
        conds.append(or_(and_(*rng), *cond))
    return and_(*conds)


def count_documents(store: Store, viewer: Viewer, flt: ExportFilter | None = None) -> int:
    """How many documents ``select_documents`` gives without ``limit``/``offset`` (one COUNT query)."""
    flt = flt or ExportFilter()
    with store._read() as s:  # noqa: SLF001
        return int(s.execute(select(func.count()).select_from(documents)
                             .where(_selected(viewer, flt))).scalar_one())


def select_documents(store: Store, viewer: Viewer, flt: ExportFilter | None = None) -> list[DocRef]:
    """The documents ``viewer`` may see that pass ``flt``, oldest ingested first (a stable order, so two
    exports of the same data are the same file). ``duplicate_of`` is kept only when the viewer may see
    that document too (under the same TLP ceiling): a reference to an article they may not see is
    itself a fact about it."""
    flt = flt or ExportFilter()
    d = documents
    target = documents.alias("dup_target")
    q = (select(d.c.id, d.c.tlp, organisations.c.name, d.c.published, d.c.ingested_at, target.c.id,
                d.c.external_id)
         .select_from(d.outerjoin(organisations, organisations.c.id == d.c.org_id)
                      .outerjoin(target, and_(target.c.id == d.c.duplicate_of, visible_documents(viewer, target),
                                              target.c.tlp.in_(flt.allowed_tlp))))
         .where(_selected(viewer, flt, d))
         .order_by(d.c.ingested_at, d.c.id))
    if flt.offset:
        q = q.offset(flt.offset)
    if flt.limit is not None:
        q = q.limit(flt.limit)
    with store._read() as s:  # noqa: SLF001  (the store's own short read transaction)
        rows = s.execute(q).all()
    return [DocRef(id=r[0], tlp=r[1], org=r[2], published=r[3], ingested_at=_aware(r[4]), duplicate_of=r[5],
                   external_id=r[6]) for r in rows]


def load_documents(store: Store, refs: list[DocRef]) -> Iterator[tuple[DocRef, Document]]:
    """Each selected document with all its annotations (the store's own reader, so the records are the
    ones ``marsad show`` and the API give)."""
    for ref in refs:
        doc = store.get_document(ref.id)
        if doc is not None:  # deleted between the two reads
            yield ref, doc


# -- event-level filters ----------------------------------------------------------------------------


def event_day(e: Event, doc: Document) -> dt.date | None:
    """The event's day: its resolved date when that is a day, else the publication date; None if neither."""
    value = (e.date or {}).get("value") or ""
    if _DAY.match(value):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            pass
    return doc.published


def actor_matches(actor: dict[str, Any], value: str, doc: Document) -> bool:
    """Whether an event participant is ``value``: its entity id, its words as written, or its canonical or
    Latin name (``السلطات الجزائرية`` linked to country:DZA matches ``الجزائر`` and ``Algeria``)."""
    from marsad.exports.common import actor_of

    if not value:
        return True
    v = value.strip()
    if actor.get("entity_id") == v:
        return True
    key = normalize_key(v)
    if actor.get("text") and normalize_key(actor["text"]) == key:
        return True
    a = actor_of(actor, doc)
    return bool(a.id) and (normalize_key(a.name) == key or a.latin.lower() == v.lower())


def place_matches(loc: dict[str, Any] | None, value: str) -> bool:
    """Whether an event's place is ``value``: entity id, words as written, canonical or Latin name (the
    knowledge base supplies the names a location record lacks)."""
    from marsad.exports.common import kb_entity

    if not loc:
        return False
    v = value.strip()
    key = normalize_key(v)
    kb = kb_entity(loc.get("entity_id"))
    names = [loc.get("text"), loc.get("canonical"), kb.name if kb else None]
    latins = [loc.get("latin"), kb.display_latin if kb else None]
    return (loc.get("entity_id") == v or any(n and normalize_key(n) == key for n in names)
            or any(n and n.lower() == v.lower() for n in latins))


def event_passes(e: Event, doc: Document, flt: ExportFilter) -> bool:
    if flt.type and e.type != flt.type:
        return False
    if flt.actor and not any(actor_matches(a, flt.actor, doc) for a in (*e.source, *e.target)):
        return False
    if flt.place and not place_matches(e.location, flt.place):
        return False
    if flt.date_from or flt.date_to:
        day = event_day(e, doc)
        if day is None or (flt.date_from and day < flt.date_from) or (flt.date_to and day > flt.date_to):
            return False
    return True


def selected_events(doc: Document, flt: ExportFilter) -> list[tuple[int, Event]]:
    """(seq, event) of the document's events passing ``flt``; seq is the event's position in the document,
    the second half of its stable id ``<doc_id>:<seq>``."""
    return [(i, e) for i, e in enumerate(doc.events) if event_passes(e, doc, flt)]


def event_id(doc_id: str, seq: int) -> str:
    return f"{doc_id}:{seq}"


def event_key(e: Event) -> str:
    """The key an event keeps across re-analysis (event_reviews.event_key): ``TYPE:trigger_start``."""
    return f"{e.type}:{e.trigger_start}"


__all__ = ["DocRef", "ExportFilter", "actor_matches", "count_documents", "document_passes", "event_day", "event_id", "event_key", "event_passes",
           "load_documents", "place_matches", "select_documents", "selected_events"]


def document_passes(doc: Document, flt: ExportFilter) -> bool:
    """For document-level exports (JSONL, STIX reports): with a date range, a document passes when it was
    published in it or one of its events is dated in it (the SQL selection already applied the rest)."""
    if not (flt.date_from or flt.date_to):
        return True

    def inside(day: dt.date | None) -> bool:
        return day is not None and not (flt.date_from and day < flt.date_from) \
            and not (flt.date_to and day > flt.date_to)

    return inside(doc.published) or any(inside(event_day(e, doc)) for e in doc.events)
