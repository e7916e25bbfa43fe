"""The read layer of the API and the web interface: every function takes ``(store, viewer, ...)``, applies
``visible_documents(viewer)`` (store/access.py) to every row it returns (annotations are reached through
their document) and returns JSON-ready dicts. Pages are ``{"items", "total", "limit", "offset"}``.

A claim never becomes a fact: each event carries its claim's source text and source kind (``None`` when
the article states it without attribution, i.e. the outlet's own account).

At the end, the curation writes that the API and the web share (event reviews, entity merge/split), each
recorded with who made it and when.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from bisect import bisect_left
from collections import Counter, defaultdict
from functools import lru_cache
from typing import Any

from sqlalchemy import String, and_, bindparam, case, cast, exists, false, func, literal, literal_column, or_, select, text
from sqlalchemy.sql.elements import ColumnElement

from marsad.store import fts
from marsad.store.access import Viewer, visible_documents
from marsad.store.schema import (
    FTS_TABLE,
    claims,
    dates,
    documents,
    event_reviews,
    events,
    mentions,
    organisations,
    quantities,
    users,
)
from marsad.text.normalize import normalize_key
from marsad.text.tokens import search_terms, variant_terms

_WORD = re.compile(r"[^\W_]+")  # as fts.first_hit

MAX_LIMIT = 500
MAX_OFFSET = 10_000_000  # paging further is a scan, not a read: callers bound offsets by it
MAX_EXPORT = 50_000  # most rows one unpaged read (the web events CSV) returns
FACET_SIZE = 15
PLACE_TYPES = ("GPE", "LOC", "FAC")
DECISIONS = ("confirmed", "rejected")
NO_SOURCE = "none"  # source_kind filter value for events stated without attribution


class QueryError(ValueError):
    """A request the read layer cannot answer as asked (a bad id, a bad filter); the message says why."""


class Forbidden(PermissionError):
    """The viewer may not make this change (not signed in, or the item is not visible to them)."""


# ------------------------------------------------------------------------------------------ helpers

def _page(items: list, total: int, limit: int, offset: int) -> dict[str, Any]:
    return {"items": items, "total": int(total), "limit": limit, "offset": offset}


def _bounds(limit: int, offset: int) -> tuple[int, int]:
    return max(0, min(int(limit), MAX_LIMIT)), max(0, min(int(offset), MAX_OFFSET))


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def _day(value: dt.date | str | None, name: str, *, end: bool = False) -> str | None:
    """A date filter as 'YYYY-MM-DD' (or a shorter ISO prefix: '2012', '2012-05'); QueryError names it.
    With ``end`` (a ``date_to``), a partial date stands for the end of its period: "2012-05" becomes
    "2012-05~", which sorts after every date string inside May 2012 ("2012-05-13", "2012-05"), where the
    bare prefix would sort before them and leave them out."""
    if value is None or value == "":
        return None
    s = value.isoformat() if isinstance(value, dt.date) else str(value).strip()
    parts = s.split("-")
    if not (1 <= len(parts) <= 3 and all(p.isdigit() for p in parts) and len(parts[0]) == 4):
        raise QueryError(f"{name}={value!r} is not a date (YYYY-MM-DD, YYYY-MM or YYYY)")
    return s + "~" if end and len(parts) < 3 else s


def _visible(viewer: Viewer, table=None) -> list[ColumnElement[bool]]:  # noqa: ANN001
    """The visibility condition, joined to ``table`` through its document_id."""
    conds = [visible_documents(viewer, documents)]
    if table is not None:
        conds.insert(0, table.c.document_id == documents.c.id)
    return conds


def _sees_all(s, viewer: Viewer) -> bool:  # noqa: ANN001
    """Whether ``viewer`` may see every stored document, so that the visibility condition (a lookup of each
    row's document) can be left out. One DISTINCT over the (tlp, org_id) index, in the caller's transaction,
    so the answer holds for the rest of its queries."""
    if viewer.system:
        return True
    open_levels = ("CLEAR", "GREEN") if viewer.authenticated else ("CLEAR",)
    # asked once per transaction (one route may ask several times): the stored markings, remembered on the
    # session with the transaction they were read in
    memo = s.info.get("marsad_tlps")
    txn = s.get_transaction()
    if memo is None or txn is None or memo[0] is not txn:
        tlps = frozenset(s.execute(_DISTINCT_TLP).scalars())
        s.info["marsad_tlps"] = memo = (s.get_transaction(), tlps)
    return all(t in open_levels for t in memo[1])


_DISTINCT_TLP = select(documents.c.tlp).distinct()


def _vis(s, viewer: Viewer, table=None) -> list[ColumnElement[bool]]:  # noqa: ANN001
    """``_visible(viewer, table)``, or no condition at all when the viewer sees every document (every
    annotation row has its document: ON DELETE CASCADE)."""
    return [] if _sees_all(s, viewer) else _visible(viewer, table)


def _json_has(column, key: str, value: str, dialect: str) -> ColumnElement[bool]:  # noqa: ANN001
    """``column`` (a JSON list/object stored by SQLAlchemy) holds ``"key": value`` somewhere. JSON text is
    what both backends compare: SQLite keeps SQLAlchemy's json.dumps (ASCII-escaped), PostgreSQL's JSONB
    prints unescaped with the same ``": "`` separator."""
    needle = f'"{key}": {json.dumps(value, ensure_ascii=dialect != "postgresql")}'
    if dialect == "sqlite":  # instr: a plain substring test, several times cheaper than LIKE '%…%' per row
        return func.instr(cast(column, String), literal(needle, String)) > 0
    return cast(column, String).contains(needle, autoescape=True)


def _json_prefilter(column, key: str, value: str, dialect: str) -> list[ColumnElement[bool]]:  # noqa: ANN001
    """On SQLite, a substring test that every row whose JSON has ``"key": value`` passes: it spares
    json_extract on most rows (the exact test follows it)."""
    return [_json_has(column, key, value, dialect)] if dialect == "sqlite" else []


def _event_date(dialect: str) -> ColumnElement:  # noqa: ARG001
    """The event's own date value where it is a date (ISO, possibly partial: 2012-05, 2012-SU), else its
    article's publication date (a duration such as P3D is no date)."""
    value = events.c.date["value"].as_string()
    own = case((func.substr(value, 1, 1).between("0", "9"), value), else_=None)
    return func.coalesce(own, cast(documents.c.published, String))


def _date_range(col: ColumnElement, date_from: str | None, date_to: str | None) -> list[ColumnElement[bool]]:
    # ISO strings compare as dates; a partial value (2012-05) overlaps a range if its period does:
    # "2012-05" <= to, and "2012-05~" >= from ("~" sorts after every digit and "-").
    out = []
    if date_from:
        out.append(col + "~" >= date_from)
    if date_to:
        out.append(col <= date_to)
    return out


def _fts_match(store, q: fts.ParsedQuery, *, any_of: bool):  # noqa: ANN001, ANN202
    """(match condition, score expression) on the full-text table for a parsed query."""
    if store.dialect == "sqlite":
        cond = literal_column(FTS_TABLE).op("MATCH")(fts.fts5_query(q, any_of=any_of))
        score = literal_column(f"-bm25({FTS_TABLE})")
    elif store.dialect == "postgresql":
        tsq = func.to_tsquery("simple", fts.tsquery(q, any_of=any_of))
        cond = literal_column(f"{FTS_TABLE}.tsv").op("@@")(tsq)
        score = func.ts_rank_cd(literal_column(f"{FTS_TABLE}.tsv"), tsq)
    else:  # pragma: no cover
        raise NotImplementedError(f"search on {store.dialect}")
    return cond, score


def _fts_ids(store, q: str | None, where: list[ColumnElement[bool]] | None = None):  # noqa: ANN001, ANN202
    """A subquery of the ids of documents matching ``q`` (all words; any word when no document satisfying
    ``where`` matches all), or None without a query. ``where`` (conditions on ``documents``) must carry the
    viewer's visibility: deciding "all, else any" over every stored document would tell an anonymous
    visitor whether words occur together in a hidden article."""
    if not q or not q.strip():
        return None
    parsed = fts.parse_query(q)
    if not parsed:
        return select(documents.c.id).where(False)  # only punctuation: nothing can match
    doc_col = literal_column(f"{FTS_TABLE}.document_id")
    src = text(FTS_TABLE)
    cond, _ = _fts_match(store, parsed, any_of=False)
    ids = select(doc_col).select_from(src).where(cond)
    if len(parsed.groups) > 1:
        probe = (select(doc_col).select_from(src).join(documents, documents.c.id == doc_col)
                 .where(cond, *(where or [false()])))
        with store._read() as s:
            if s.execute(probe.limit(1)).first() is None:
                cond, _ = _fts_match(store, parsed, any_of=True)
                ids = select(doc_col).select_from(src).where(cond)
    return ids


def _doc_filters(store, viewer: Viewer, *, q: str | None = None, outlet: str | None = None,  # noqa: ANN001
                 date_from: Any = None, date_to: Any = None, type: str | None = None,
                 actor: str | None = None, place: str | None = None, country: str | None = None,
                 source_kind: str | None = None) -> list[ColumnElement[bool]]:
    """Conditions on ``documents`` for the document-level filters (search, document lists); the
    visibility condition comes first."""
    conds = [visible_documents(viewer, documents)]
    if outlet:
        conds.append(documents.c.outlet == outlet)
    conds += _date_range(cast(documents.c.published, String), _day(date_from, "date_from"),
                         _day(date_to, "date_to", end=True))
    if type:
        # ``|| ''``: SQLite would otherwise probe ix_events_type (every event of the type) per document
        conds.append(exists().where(events.c.document_id == documents.c.id, events.c.type.concat("") == type.upper()))
    for eid in (actor, place):
        if eid:
            conds.append(exists().where(mentions.c.document_id == documents.c.id, mentions.c.entity_id == eid))
    if country:
        conds.append(exists().where(mentions.c.document_id == documents.c.id, mentions.c.country == country.upper()))
    if source_kind:
        conds.append(exists().where(claims.c.document_id == documents.c.id, claims.c.source_kind == source_kind))
    ids = _fts_ids(store, q, conds)  # "all words, else any" decided over what these conditions let through
    if ids is not None:
        conds.append(documents.c.id.in_(ids))
    return conds


def _org_names(store) -> dict[int, str]:  # noqa: ANN001
    with store._read() as s:
        return dict(s.execute(select(organisations.c.id, organisations.c.name)).all())


def _doc_summary(r: Any, orgs: dict[int, str]) -> dict[str, Any]:
    return {"id": r.id, "title": r.title, "outlet": r.outlet, "published": _iso(r.published), "url": r.url,
            "tlp": r.tlp, "org": orgs.get(r.org_id) if r.org_id is not None else None,
            "duplicate_of": r.duplicate_of, "ingested_at": _iso(r.ingested_at)}


def _summary_hint(stmt):  # noqa: ANN001, ANN202
    """On SQLite, read documents' summary columns from the covering index ix_documents_summary (0004): the
    planner would pick the primary key and then walk each row past its article text (overflow pages)."""
    return stmt.with_hint(documents, "INDEXED BY ix_documents_summary", "sqlite")


_DOC_COLS = (documents.c.id, documents.c.title, documents.c.outlet, documents.c.published, documents.c.url,
             documents.c.tlp, documents.c.org_id, documents.c.duplicate_of, documents.c.ingested_at)


def _doc_cols(viewer: Viewer) -> tuple:
    """``_DOC_COLS`` with ``duplicate_of`` kept only where the viewer may see that document too: the id of
    a hidden original would tell that it exists (and that it holds this text)."""
    if viewer.system:
        return _DOC_COLS
    orig = documents.alias("dup_of")
    dup = case((exists().where(orig.c.id == documents.c.duplicate_of, visible_documents(viewer, orig)),
                documents.c.duplicate_of), else_=None).label("duplicate_of")
    return tuple(dup if c is documents.c.duplicate_of else c for c in _DOC_COLS)


# ------------------------------------------------------------------------------------------ documents

def list_documents(store, viewer: Viewer, *, q: str | None = None, outlet: str | None = None,  # noqa: ANN001
                   date_from: Any = None, date_to: Any = None, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """Visible documents, newest published first (then newest ingested), with annotation counts."""
    limit, offset = _bounds(limit, offset)
    conds = _doc_filters(store, viewer, q=q, outlet=outlet, date_from=date_from, date_to=date_to)
    n_m = select(func.count()).select_from(mentions).where(mentions.c.document_id == documents.c.id).scalar_subquery()
    n_e = select(func.count()).select_from(events).where(events.c.document_id == documents.c.id).scalar_subquery()
    n_c = select(func.count()).select_from(claims).where(claims.c.document_id == documents.c.id).scalar_subquery()
    with store._read() as s:
        total = s.execute(select(func.count()).select_from(documents).where(*conds)).scalar_one()
        rows = s.execute(select(*_doc_cols(viewer), n_m.label("n_mentions"), n_e.label("n_events"), n_c.label("n_claims"))
                         .where(*conds)
                         .order_by(documents.c.published.desc().nulls_last(), documents.c.ingested_at.desc(),
                                   documents.c.id)
                         .limit(limit).offset(offset)).all()
    orgs = _org_names(store) if rows else {}
    items = [{**_doc_summary(r, orgs), "mentions": int(r.n_mentions), "events": int(r.n_events),
              "claims": int(r.n_claims)} for r in rows]
    return _page(items, total, limit, offset)


def _visible_row(store, viewer: Viewer, doc_id: str) -> Any:  # noqa: ANN001
    with store._read() as s:
        return s.execute(select(*_doc_cols(viewer), documents.c.created_by, documents.c.story_id)
                         .where(documents.c.id == doc_id, visible_documents(viewer, documents))).first()


def get_document(store, viewer: Viewer, doc_id: str) -> dict[str, Any] | None:  # noqa: ANN001
    """The contract-1 record of a visible document, with title/outlet/published/tlp/org, and each event
    given its stable id, event key, claim source and review; None if absent or not visible."""
    row = _visible_row(store, viewer, doc_id)
    if row is None:
        return None
    doc = store.get_document(doc_id)
    if doc is None:  # deleted in between
        return None
    rec = doc.to_record()
    orgs = _org_names(store)
    rec.update(_doc_summary(row, orgs))
    rec["story_id"] = row.story_id
    reviews = _reviews(store, viewer, [doc_id])
    for seq, ev in enumerate(rec["events"]):
        _decorate_event(ev, doc_id, seq, doc.claims, reviews)
    return rec


def _event_key(type_: str, trigger_start: int | None) -> str:
    return f"{type_}:{trigger_start}"


def _claim_dict(c: Any) -> dict[str, Any] | None:
    if c is None:
        return None
    get = (lambda k: getattr(c, k)) if not isinstance(c, dict) else c.get
    return {"source": get("source"), "source_ref": get("source_ref"), "source_kind": get("source_kind"),
            "cue": get("cue"), "via": get("via"),
            "start": get("start"), "end": get("end"), "confidence": get("confidence")}


def _decorate_event(ev: dict[str, Any], doc_id: str, seq: int, doc_claims: list, reviews: dict) -> None:
    claim = doc_claims[ev["claim"]] if ev.get("claim") is not None and 0 <= ev["claim"] < len(doc_claims) else None
    key = _event_key(ev["type"], (ev.get("trigger") or {}).get("start"))
    ev["id"] = f"{doc_id}:{seq}"
    ev["document_id"] = doc_id
    ev["event_key"] = key
    ev["claim_source"] = _claim_dict(claim)
    ev["source_kind"] = claim.source_kind if claim is not None else None
    ev["review"] = reviews.get((doc_id, key))


def _review_privacy(viewer: Viewer):  # noqa: ANN202
    """(column of the reviewer's organisation, test) for showing who reviewed and their note: a review's
    reviewer and note are their organisation's business; others who see the event see the decision and
    its time only."""
    org = select(users.c.org_id).where(users.c.id == event_reviews.c.user_id).scalar_subquery().label("r_org")

    def shows(r_org: int | None) -> bool:
        return viewer.system or (viewer.org_id is not None and r_org == viewer.org_id)
    return org, shows


def _review_dict(r: Any, shows: Any) -> dict[str, Any]:
    own = shows(r["r_org"])
    return {"decision": r["decision"], "by": r["user_name"] if own else None, "at": _iso(r["created_at"]),
            "note": r["note"] if own else None}


def _reviews(store, viewer: Viewer, doc_ids: list[str]) -> dict[tuple[str, str], dict[str, Any]]:  # noqa: ANN001
    """The latest review of each (document, event key) among ``doc_ids``, its reviewer and note shown to
    the reviewer's organisation only."""
    if not doc_ids:
        return {}
    org, shows = _review_privacy(viewer)
    out: dict[tuple[str, str], dict[str, Any]] = {}
    with store._read() as s:
        for i in range(0, len(doc_ids), 500):
            rows = s.execute(select(event_reviews, org).where(event_reviews.c.document_id.in_(doc_ids[i:i + 500]))
                             .order_by(event_reviews.c.created_at, event_reviews.c.id)).mappings().all()
            for r in rows:
                out[(r["document_id"], r["event_key"])] = _review_dict(r, shows)
    return out


# ------------------------------------------------------------------------------------------ events

def _event_conds(store, viewer: Viewer, *, type: str | None = None, actor: str | None = None,  # noqa: ANN001, C901
                 place: str | None = None, country: str | None = None, date_from: Any = None,
                 date_to: Any = None, source_kind: str | None = None, min_confidence: float | None = None,
                 mode: str | None = None, document_id: str | None = None, s: Any = None, **_ignored: Any
                 ) -> tuple[list[ColumnElement[bool]], bool]:
    """Conditions on events (joined to documents), and whether claims must be joined. Given the read
    session ``s``, the join to documents is left out where the viewer sees every document and no date
    filter needs the article's publication date."""
    d = store.dialect
    if s is not None and _sees_all(s, viewer):
        conds = [events.c.document_id == documents.c.id] if (date_from or date_to) else []
    else:
        conds = _visible(viewer, events)
    need_claims = False
    if type:
        conds.append(events.c.type == type.upper())
    if actor:
        conds.append(or_(_json_has(events.c.source, "entity_id", actor, d),
                         _json_has(events.c.target, "entity_id", actor, d)))
    if place:
        conds += [*_json_prefilter(events.c.location, "entity_id", place, d),
                  events.c.location["entity_id"].as_string() == place]
    if country:
        conds += [*_json_prefilter(events.c.location, "country", country.upper(), d),
                  events.c.location["country"].as_string() == country.upper()]
    conds += _date_range(_event_date(d), _day(date_from, "date_from"), _day(date_to, "date_to", end=True))
    if source_kind:
        if source_kind == NO_SOURCE:
            conds.append(events.c.claim.is_(None))
        else:
            need_claims = True
            conds.append(claims.c.source_kind == source_kind)
    if min_confidence is not None:
        conds.append(events.c.confidence >= float(min_confidence))
    if mode:
        conds.append(events.c.mode == mode)
    if document_id:
        conds.append(events.c.document_id == document_id)
    return conds, need_claims


def _claim_join():  # noqa: ANN202
    return events.outerjoin(claims, and_(claims.c.document_id == events.c.document_id, claims.c.seq == events.c.claim))


def _event_rows_select():  # noqa: ANN202
    """Events with their claim's source, their document's summary and the evidence sentence (one query)."""
    evidence = func.substr(documents.c.text, events.c.sentence_start + 1, events.c.sentence_end - events.c.sentence_start)
    return (select(events, claims.c.source.label("c_source"), claims.c.source_kind.label("c_kind"),
                   claims.c.cue.label("c_cue"), claims.c.via.label("c_via"), claims.c.source_ref.label("c_ref"),
                   documents.c.title.label("d_title"), documents.c.outlet.label("d_outlet"),
                   documents.c.published.label("d_published"), documents.c.tlp.label("d_tlp"),
                   evidence.label("evidence"))
            .select_from(_claim_join().join(documents, documents.c.id == events.c.document_id)))


_EVENT_ROWS = _event_rows_select()  # built once: routes add their WHERE to it


def _event_item(r: Any, reviews: dict) -> dict[str, Any]:
    key = _event_key(r.type, r.trigger_start)
    return {
        "id": f"{r.document_id}:{r.seq}", "document_id": r.document_id, "event_key": key,
        "type": r.type, "mode": r.mode,
        "trigger": {"text": r.trigger, "start": r.trigger_start, "end": r.trigger_end},
        "sentence": {"start": r.sentence_start, "end": r.sentence_end},
        "source": r.source or [], "target": r.target or [], "location": r.location, "date": r.date,
        "dead": r.dead, "injured": r.injured, "size": r.size, "confidence": r.confidence, "group_id": r.group_id,
        "claim": r.claim,
        "claim_source": ({"source": r.c_source, "source_ref": r.c_ref, "source_kind": r.c_kind, "cue": r.c_cue,
                          "via": r.c_via}
                         if r.claim is not None and r.c_kind is not None else None),
        "source_kind": r.c_kind if r.claim is not None else None,
        "document": {"title": r.d_title, "outlet": r.d_outlet, "published": _iso(r.d_published), "tlp": r.d_tlp},
        "evidence": r.evidence,
        "review": reviews.get((r.document_id, key)),
    }


def list_events(store, viewer: Viewer, *, type: str | None = None, actor: str | None = None,  # noqa: ANN001
                place: str | None = None, country: str | None = None, date_from: Any = None, date_to: Any = None,
                source_kind: str | None = None, min_confidence: float | None = None, mode: str | None = None,
                document_id: str | None = None, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """Visible events, most recently stored first, each with its stable id
    ``<doc_id>:<seq>``, its event key, its claim's source and source kind, the evidence sentence and
    its latest review."""
    limit, offset = _bounds(limit, offset)
    with store._read() as s:
        conds, need_claims = _event_conds(store, viewer, type=type, actor=actor, place=place, country=country,
                                          date_from=date_from, date_to=date_to, source_kind=source_kind,
                                          min_confidence=min_confidence, mode=mode, document_id=document_id, s=s)
        base = _claim_join() if need_claims else events
        # the page's ids first (newest stored first), then only those rows with their evidence sentence: cutting
        # the sentence out of every matching document before sorting would read them all
        page_q = select(events.c.id).select_from(base).where(*conds).order_by(events.c.id.desc())
        if actor or place or country:
            # a JSON filter tests every event row: count them in the same scan as the page (a window count
            # is taken before LIMIT/OFFSET), and count apart only when the page is empty
            got = s.execute(page_q.add_columns(func.count().over()).limit(limit).offset(offset)).all()
            page = [r[0] for r in got]
            total = got[0][1] if got else None
        else:
            page = [r[0] for r in s.execute(page_q.limit(limit).offset(offset)).all()]
            total = None
        if total is None:
            total = s.execute(select(func.count()).select_from(base).where(*conds)).scalar_one()
        rows = s.execute(
            _EVENT_ROWS.where(events.c.id.in_(page)).order_by(events.c.id.desc())).all() if page else []
    reviews = _reviews(store, viewer, sorted({r.document_id for r in rows}))
    return _page([_event_item(r, reviews) for r in rows], total, limit, offset)


def parse_event_id(event_id: str) -> tuple[str, int]:
    """``"<doc_id>:<seq>"`` → (doc_id, seq); QueryError names a malformed id."""
    doc_id, sep, seq = event_id.rpartition(":")
    if not sep or not doc_id or not seq.isdigit():
        raise QueryError(f"{event_id!r} is not an event id (<document id>:<number>)")
    return doc_id, int(seq)


def get_event(store, viewer: Viewer, event_id: str) -> dict[str, Any] | None:  # noqa: ANN001
    """One visible event by its id ``<doc_id>:<seq>`` (looked up by that key, whatever the document's size);
    None if absent or not visible."""
    doc_id, seq = parse_event_id(event_id)
    with store._read() as s:
        row_id = s.execute(select(events.c.id).where(*_visible(viewer, events), events.c.document_id == doc_id,
                                                     events.c.seq == seq)).scalar_one_or_none()
        rows = _event_rows(s, [row_id]) if row_id is not None else []
    if not rows:
        return None
    return _event_item(rows[0], _reviews(store, viewer, [doc_id]))


# ------------------------------------------------------------------------------------------ entities

def list_entities(store, viewer: Viewer, *, q: str | None = None, type: str | None = None,  # noqa: ANN001
                  country: str | None = None, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """Entities named in visible documents, most documents first; ``q`` matches the canonical name or any
    surface form (normalised), ``type`` PER ORG GPE LOC FAC, ``country`` ISO alpha-3."""
    limit, offset = _bounds(limit, offset)
    conds = [*_visible(viewer, mentions), mentions.c.entity_id.is_not(None), mentions.c.type != "NORP"]
    if type:
        conds.append(mentions.c.type == type.upper())
    if country:
        conds.append(mentions.c.country == country.upper())
    if q and q.strip():
        k = normalize_key(q)
        # the names matched must come from visible documents too: a surface form found only in a hidden
        # article would otherwise tell that the article names the entity
        m2, d2 = mentions.alias("qm"), documents.alias("qd")
        ids = (select(m2.c.entity_id).select_from(m2.join(d2, d2.c.id == m2.c.document_id))
               .where(visible_documents(viewer, d2),
                      or_(m2.c.norm.contains(k, autoescape=True), m2.c.canonical.contains(q.strip(), autoescape=True),
                          m2.c.latin.icontains(q.strip(), autoescape=True))))
        conds.append(mentions.c.entity_id.in_(ids))
    n_docs = func.count(func.distinct(mentions.c.document_id))
    with store._read() as s:
        total = s.execute(select(func.count(func.distinct(mentions.c.entity_id))).select_from(mentions)
                          .where(*conds)).scalar_one()
        rows = s.execute(select(mentions.c.entity_id, func.min(mentions.c.type), func.max(mentions.c.canonical),
                                func.max(mentions.c.latin), func.max(mentions.c.country), func.count(), n_docs)
                         .where(*conds).group_by(mentions.c.entity_id)
                         .order_by(n_docs.desc(), func.count().desc(), mentions.c.entity_id)
                         .limit(limit).offset(offset)).all()
    items = [{"id": r[0], "type": r[1], "name": r[2], "latin": r[3], "country": r[4], "mentions": int(r[5]),
              "documents": int(r[6])} for r in rows]
    return _page(items, total, limit, offset)


def _kb_entity(entity_id: str) -> Any:
    from marsad.kb.entities import load as load_kb

    return load_kb().get(entity_id)


def _kb_roles(entity_id: str) -> list[dict[str, Any]]:
    """The offices the knowledge base says the entity held, oldest first, each with its source."""
    from marsad.kb.entities import load as load_kb

    kb = load_kb()
    out = []
    for r in kb.roles:
        if r.holder == entity_id:
            org = kb.get(r.org) if r.org else None
            out.append({"role_id": r.role_id, "role": r.name, "country": r.country, "org": r.org,
                        "org_name": org.name if org else None, "start": r.start or None, "end": r.end or None,
                        "source": r.source})
    return sorted(out, key=lambda x: (x["start"] or "", x["role_id"]))


def get_entity(store, viewer: Viewer, entity_id: str, *, max_items: int = 50) -> dict[str, Any] | None:  # noqa: ANN001, C901
    """Everything about one entity in the visible documents: names and aliases with counts, Latin name,
    the knowledge base's record and offices over time, documents, events where it is source or target,
    co-actors (whom it acts on and who acts on it, weighted by events), and the claim sources that speak
    of it (claims whose reported content names it) and the claims it makes; the lists of documents, events
    and claims made stop at ``max_items`` (the counts say how many there are: page through them with
    list_events(actor=…) and list_documents). None when no visible document names it."""
    d = store.dialect
    with store._read() as s:
        ms = s.execute(select(mentions.c.document_id, mentions.c.text, mentions.c.type, mentions.c.canonical,
                              mentions.c.latin, mentions.c.country, mentions.c.sector, mentions.c.lat,
                              mentions.c.lon, mentions.c.start, mentions.c.end, mentions.c.title)
                       .where(*_vis(s, viewer, mentions), mentions.c.entity_id == entity_id)).all()
        if not ms:
            return None
        doc_ids = sorted({m.document_id for m in ms})
        docs = {r.id: r for r in s.execute(_summary_hint(select(*_doc_cols(viewer)).where(documents.c.id.in_(doc_ids)))).all()}
        # every event naming it (light columns, for the co-actor weights), then the full rows of the first
        # ``max_items`` with their evidence sentences
        evs = s.execute(
            select(events.c.id, events.c.document_id, events.c.type, events.c.source, events.c.target)
            .select_from(events.join(documents, documents.c.id == events.c.document_id))
            .where(*_vis(s, viewer, events), events.c.document_id.in_(doc_ids),
                   or_(_json_has(events.c.source, "entity_id", entity_id, d),
                       _json_has(events.c.target, "entity_id", entity_id, d)))
            .order_by(_event_date(d), events.c.document_id, events.c.seq)).all()
        shown = [e.id for e in evs[:max_items]]
        full = {r.id: r for r in s.execute(
            select(events, claims.c.source.label("c_source"), claims.c.source_kind.label("c_kind"),
                   claims.c.cue.label("c_cue"), claims.c.via.label("c_via"), claims.c.source_ref.label("c_ref"),
                   documents.c.title.label("d_title"),
                   documents.c.outlet.label("d_outlet"), documents.c.published.label("d_published"),
                   documents.c.tlp.label("d_tlp"),
                   func.substr(documents.c.text, events.c.sentence_start + 1,
                               events.c.sentence_end - events.c.sentence_start).label("evidence"))
            .select_from(_claim_join().join(documents, documents.c.id == events.c.document_id))
            .where(events.c.id.in_(shown))).all()} if shown else {}
        cls = s.execute(select(claims.c.document_id, claims.c.seq, claims.c.start, claims.c.end, claims.c.cue,
                               claims.c.source, claims.c.source_kind, claims.c.source_start, claims.c.source_end)
                        .where(claims.c.document_id.in_(doc_ids))).mappings().all()
    orgs = _org_names(store)
    names = Counter(" ".join(m.text.split()) for m in ms)
    per_doc = Counter(m.document_id for m in ms)
    canon = Counter(m.canonical for m in ms if m.canonical)
    kb = _kb_entity(entity_id)
    titles = Counter(m.title for m in ms if m.title)

    reviews = _reviews(store, viewer, sorted({full[i].document_id for i in shown}))
    event_items, acts_on, acted_on_by = [], defaultdict(Counter), defaultdict(Counter)
    co_names: dict[str, str] = {}
    for e in evs:
        source, target = e.source or [], e.target or []
        src_ids = {a.get("entity_id") for a in source}
        tgt_ids = {a.get("entity_id") for a in target}
        if e.id in full:
            item = _event_item(full[e.id], reviews)
            item["role"] = "source" if entity_id in src_ids else "target"
            event_items.append(item)
        if entity_id in src_ids:
            for a in target:
                if a.get("entity_id") and a["entity_id"] != entity_id:
                    acts_on[a["entity_id"]][e.type] += 1
                    co_names.setdefault(a["entity_id"], a.get("text"))
        if entity_id in tgt_ids:
            for a in source:
                if a.get("entity_id") and a["entity_id"] != entity_id:
                    acted_on_by[a["entity_id"]][e.type] += 1
                    co_names.setdefault(a["entity_id"], a.get("text"))
    co_display = _display_names(store, viewer, list(co_names))

    def co(table: dict[str, Counter]) -> list[dict[str, Any]]:
        rows = [{"id": k, "name": co_display.get(k, co_names.get(k)), "weight": sum(c.values()), "types": dict(c)}
                for k, c in table.items()]
        return sorted(rows, key=lambda x: (-x["weight"], x["id"]))

    # claims about it: the mention lies inside the reported content; claims by it: inside the source span
    starts: dict[str, list[int]] = defaultdict(list)
    for m in ms:
        starts[m.document_id].append(m.start)
    for v in starts.values():
        v.sort()

    def starts_within(doc_id: str, lo: int, hi: float) -> bool:  # some mention starts in [lo, hi)
        sp = starts.get(doc_id, ())
        i = bisect_left(sp, lo)
        return i < len(sp) and sp[i] < hi

    about, by = Counter(), []
    for c in cls:
        if c["source_start"] is not None and starts_within(c["document_id"], c["source_start"],
                                                           c["source_end"] or float("inf")):
            by.append({"document_id": c["document_id"], "claim": c["seq"], "cue": c["cue"], "source": c["source"],
                       "source_kind": c["source_kind"], "start": c["start"], "end": c["end"]})
        elif starts_within(c["document_id"], c["start"], c["end"]):
            about[(c["source"], c["source_kind"])] += 1
    typ = Counter(m.type for m in ms).most_common(1)[0][0]
    return {
        "id": entity_id, "type": typ,
        "name": canon.most_common(1)[0][0] if canon else (kb.name if kb else names.most_common(1)[0][0]),
        "latin": next((m.latin for m in ms if m.latin), None) or (kb.display_latin if kb else None),
        "country": next((m.country for m in ms if m.country), None) or (kb.country if kb else None),
        "sector": next((m.sector for m in ms if m.sector), None) or (kb.sector if kb else None),
        "lat": next((m.lat for m in ms if m.lat is not None), None),
        "lon": next((m.lon for m in ms if m.lon is not None), None),
        "mentions": len(ms), "documents_count": len(per_doc),
        "names": [{"name": n, "count": c} for n, c in names.most_common()],
        "titles": [{"title": t, "count": c} for t, c in titles.most_common()],
        "kb": None if kb is None else {"name": kb.name, "latin": kb.display_latin, "aliases": list(kb.aliases),
                                       "wikidata": kb.wikidata, "description": kb.description or None,
                                       "kind": kb.kind, "source": kb.source},
        "roles": _kb_roles(entity_id),
        "documents": [{**_doc_summary(docs[i], orgs), "mentions": n}
                      for i, n in sorted(per_doc.items(), key=lambda x: (-x[1], x[0]))[:max_items] if i in docs],
        "events": event_items, "events_count": len(evs),
        "acts_on": co(acts_on), "acted_on_by": co(acted_on_by),
        "sources_about": [{"source": s_, "source_kind": k, "claims": n} for (s_, k), n in about.most_common()],
        "claims_by": by[:max_items],
    }


def _entity_info(store, viewer: Viewer, entity_ids: list[str]) -> dict[str, tuple[str | None, str]]:  # noqa: ANN001
    """(canonical name, mention type) of each entity as its visible mentions give them."""
    out: dict[str, tuple[str | None, str]] = {}
    with store._read() as s:
        vis = _vis(s, viewer, mentions)
        for i in range(0, len(entity_ids), 500):
            for eid, name, typ in s.execute(
                    select(mentions.c.entity_id, func.max(mentions.c.canonical), func.min(mentions.c.type))
                    .where(*vis, mentions.c.entity_id.in_(entity_ids[i:i + 500]))
                    .group_by(mentions.c.entity_id)).all():
                out[eid] = (name, typ)
    return out


def _display_names(store, viewer: Viewer, entity_ids: list[str]) -> dict[str, str]:  # noqa: ANN001
    return {k: name for k, (name, _) in _entity_info(store, viewer, entity_ids).items() if name}


# ------------------------------------------------------------------------------------------ claims, places

def list_claims(store, viewer: Viewer, *, source_kind: str | None = None, document_id: str | None = None,  # noqa: ANN001
                q: str | None = None, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """Visible claims (who says what), each with its source, source kind, cue and the reported content."""
    limit, offset = _bounds(limit, offset)
    content = func.substr(documents.c.text, claims.c.start + 1, claims.c.end - claims.c.start)
    conds = _visible(viewer, claims)
    if source_kind:
        conds.append(claims.c.source_kind == source_kind)
    if document_id:
        conds.append(claims.c.document_id == document_id)
    if q and q.strip():
        conds.append(or_(claims.c.source.contains(q.strip(), autoescape=True), content.contains(q.strip(), autoescape=True)))
    with store._read() as s:
        total = s.execute(select(func.count()).select_from(claims).where(*conds)).scalar_one()
        page = [r[0] for r in s.execute(
            select(claims.c.id).where(*conds)
            .order_by(documents.c.published.desc().nulls_last(), claims.c.document_id, claims.c.seq)
            .limit(limit).offset(offset)).all()]
        rows = s.execute(select(claims, content.label("content"), documents.c.title.label("d_title"),
                                documents.c.outlet.label("d_outlet"), documents.c.published.label("d_published"),
                                documents.c.tlp.label("d_tlp"))
                         .where(claims.c.document_id == documents.c.id, claims.c.id.in_(page))
                         .order_by(documents.c.published.desc().nulls_last(), claims.c.document_id, claims.c.seq)
                         ).mappings().all() if page else []
    items = [{"id": f"{r['document_id']}:{r['seq']}", "document_id": r["document_id"], "seq": r["seq"],
              "source": r["source"], "source_ref": r["source_ref"], "source_kind": r["source_kind"],
              "cue": r["cue"], "via": r["via"],
              "start": r["start"], "end": r["end"], "source_start": r["source_start"], "source_end": r["source_end"],
              "confidence": r["confidence"], "content": r["content"],
              "document": {"title": r["d_title"], "outlet": r["d_outlet"], "published": _iso(r["d_published"]),
                           "tlp": r["d_tlp"]}} for r in rows]
    return _page(items, total, limit, offset)


def list_places(store, viewer: Viewer, *, country: str | None = None, limit: int = 50,  # noqa: ANN001
                offset: int = 0) -> dict[str, Any]:
    """Geocoded places named in visible documents, most mentioned first: entity, name, lat, lon, mention
    count and the number of events located there."""
    limit, offset = _bounds(limit, offset)
    conds = [*_visible(viewer, mentions), mentions.c.entity_id.is_not(None), mentions.c.lat.is_not(None),
             mentions.c.type.in_(PLACE_TYPES)]
    if country:
        conds.append(mentions.c.country == country.upper())
    with store._read() as s:
        total = s.execute(select(func.count(func.distinct(mentions.c.entity_id))).select_from(mentions)
                          .where(*conds)).scalar_one()
        rows = s.execute(select(mentions.c.entity_id, func.max(mentions.c.canonical), func.max(mentions.c.latin),
                                func.max(mentions.c.country), func.max(mentions.c.lat), func.max(mentions.c.lon),
                                func.min(mentions.c.geo_precision), func.count(),
                                func.count(func.distinct(mentions.c.document_id)))
                         .where(*conds).group_by(mentions.c.entity_id)
                         .order_by(func.count().desc(), mentions.c.entity_id).limit(limit).offset(offset)).all()
        ids = [r[0] for r in rows]
        loc = events.c.location["entity_id"].as_string()
        n_events = dict(s.execute(select(loc, func.count()).where(*_visible(viewer, events), loc.in_(ids))
                                  .group_by(loc)).all()) if ids else {}
    items = [{"id": r[0], "name": r[1], "latin": r[2], "country": r[3], "lat": r[4], "lon": r[5],
              "geo_precision": r[6], "mentions": int(r[7]), "documents": int(r[8]), "events": int(n_events.get(r[0], 0))}
             for r in rows]
    return _page(items, total, limit, offset)


# ------------------------------------------------------------------------------------------ search

def search(store, viewer: Viewer, q: str | None, *, type: str | None = None, country: str | None = None,  # noqa: ANN001
           outlet: str | None = None, source_kind: str | None = None, actor: str | None = None,
           place: str | None = None, date_from: Any = None, date_to: Any = None, limit: int = 20,
           offset: int = 0) -> dict[str, Any]:
    """Full-text search over visible documents (all words; any word when none matches all; «…» or "…" a
    phrase), narrowed by the filters, ranked; with facet counts over all the hits: outlets, event types,
    actors, places, countries, source kinds and publication months. Without ``q``: the filtered documents,
    newest first."""
    limit, offset = _bounds(limit, offset)
    parsed = fts.parse_query(q) if q and q.strip() else None
    filters = dict(outlet=outlet, date_from=date_from, date_to=date_to, type=type, actor=actor, place=place,
                   country=country, source_kind=source_kind)
    with store._read() as s:
        conds = _doc_filters(store, viewer, **filters)
        if _sees_all(s, viewer):
            conds = conds[1:]  # the visibility condition comes first
        # every hit's id, best first, fetched once: the page is a slice of it and the facets count over it
        # through the annotation tables' document_id indexes (cheaper than repeating the match per facet)
        ranked: list[tuple[str, float]] = []
        if parsed:
            doc_col = literal_column(f"{FTS_TABLE}.document_id")
            for any_of in ((False, True) if len(parsed.groups) > 1 else (False,)):
                cond, score = _fts_match(store, parsed, any_of=any_of)
                ranked = [(r[0], float(r[1] or 0.0)) for r in s.execute(
                    select(doc_col, score.label("score")).select_from(text(FTS_TABLE))
                    .join(documents, documents.c.id == doc_col).where(cond, *conds)
                    .order_by(literal_column("score").desc(), documents.c.id)).all()]
                if ranked:
                    break
        else:
            ranked = [(r[0], 0.0) for r in s.execute(
                select(documents.c.id).where(*conds)
                .order_by(documents.c.published.desc().nulls_last(), documents.c.ingested_at.desc(),
                          documents.c.id)).all()]
        page = ranked[offset:offset + limit]
        rows = {r.id: r for r in s.execute(select(*_doc_cols(viewer), documents.c.text)
                                           .where(documents.c.id.in_([i for i, _ in page]))).all()} if page else {}
        facets = _facets(s, [i for i, _ in ranked]) if ranked else {}
    orgs = _org_names(store) if rows else {}
    hits = []
    for doc_id, score in page:
        r = rows[doc_id]
        span = _first_hit(r.text, parsed) if parsed else None
        hits.append({**_doc_summary(r, orgs), "score": score, "snippet": fts.snippet(r.text, span),
                     "hit": list(span) if span else None})
    return {**_page(hits, len(ranked), limit, offset), "query": q, "facets": facets}


@lru_cache(maxsize=200_000)
def _word_terms(word: str) -> frozenset[str]:
    return frozenset(search_terms(word) + variant_terms(word))


def _first_hit(text_: str, q: fts.ParsedQuery) -> tuple[int, int] | None:
    """fts.first_hit with each word's search forms remembered (snippets of every hit page ask again)."""
    wanted = set(q.terms)
    for m in _WORD.finditer(text_):
        if wanted & _word_terms(m.group()):
            return m.start(), m.end()
    return None


def _facets(s, doc_ids: list[str]) -> dict[str, list[dict[str, Any]]]:  # noqa: ANN001
    """Counts of the documents ``doc_ids`` per value of each facet (top FACET_SIZE; months all)."""
    if s.get_bind().dialect.name == "sqlite":
        # the hits as one JSON parameter read by json_each: an expanding IN list would render (and SQLite
        # parse) a statement with one placeholder per hit, for each of the six facet queries
        ids = select(literal_column("value")).select_from(
            func.json_each(bindparam("facet_ids", json.dumps(doc_ids), type_=String))).scalar_subquery()
    else:
        ids = bindparam("facet_ids", doc_ids, expanding=True)

    def top(stmt) -> list[tuple]:  # noqa: ANN001
        return s.execute(stmt.limit(FACET_SIZE)).all()

    n_docs = func.count(func.distinct(mentions.c.document_id))
    out: dict[str, list[dict[str, Any]]] = {}
    out["outlet"] = [{"value": v, "count": int(n)} for v, n in top(
        select(documents.c.outlet, func.count()).where(documents.c.id.in_(ids), documents.c.outlet.is_not(None))
        .group_by(documents.c.outlet).order_by(func.count().desc(), documents.c.outlet))]
    month = func.substr(cast(documents.c.published, String), 1, 7)
    out["month"] = [{"value": v, "count": int(n)} for v, n in s.execute(
        select(month, func.count()).where(documents.c.id.in_(ids), documents.c.published.is_not(None))
        .group_by(month).order_by(month)).all()]
    ev_docs = func.count(func.distinct(events.c.document_id))
    out["type"] = [{"value": v, "count": int(n)} for v, n in top(
        select(events.c.type, ev_docs).where(events.c.document_id.in_(ids))
        .group_by(events.c.type).order_by(ev_docs.desc(), events.c.type))]
    # actors and places in one pass over the hits' linked mentions
    per_entity = s.execute(
        select(mentions.c.entity_id, func.min(mentions.c.type), func.max(mentions.c.canonical), n_docs)
        .where(mentions.c.document_id.in_(ids), mentions.c.entity_id.is_not(None),
               # ``|| ''``: SQLite would otherwise walk ix_mentions_type over every PER/ORG/place mention
               mentions.c.type.concat("").in_(("PER", "ORG", *PLACE_TYPES)))
        .group_by(mentions.c.entity_id)).all()
    per_entity.sort(key=lambda r: (-r[3], r[0]))
    for name, types in (("actor", ("PER", "ORG")), ("place", PLACE_TYPES)):
        out[name] = [{"value": v, "label": lab, "count": int(n)} for v, t, lab, n in per_entity
                     if t in types][:FACET_SIZE]
    out["country"] = [{"value": v, "count": int(n)} for v, n in top(
        select(mentions.c.country, n_docs).where(mentions.c.document_id.in_(ids), mentions.c.country.is_not(None))
        .group_by(mentions.c.country).order_by(n_docs.desc(), mentions.c.country))]
    c_docs = func.count(func.distinct(claims.c.document_id))
    out["source_kind"] = [{"value": v, "count": int(n)} for v, n in top(
        select(claims.c.source_kind, c_docs).where(claims.c.document_id.in_(ids))
        .group_by(claims.c.source_kind).order_by(c_docs.desc(), claims.c.source_kind))]
    return out


# ------------------------------------------------------------------------------------------ stats, timeline, network

def stats(store, viewer: Viewer) -> dict[str, Any]:  # noqa: ANN001
    """Counts over what the viewer may see."""
    with store._read() as s:
        def count(table) -> int:  # noqa: ANN001
            return int(s.execute(select(func.count()).select_from(table).where(*_visible(viewer, table))).scalar_one())

        vis = visible_documents(viewer, documents)
        n_docs = int(s.execute(select(func.count()).select_from(documents).where(vis)).scalar_one())
        dups = int(s.execute(select(func.count()).select_from(documents)
                             .where(vis, documents.c.duplicate_of.is_not(None))).scalar_one())
        by_tlp = dict(s.execute(select(documents.c.tlp, func.count()).where(vis).group_by(documents.c.tlp)).all())
        first, last = s.execute(select(func.min(documents.c.published), func.max(documents.c.published))
                                .where(vis)).one()
        by_type = dict(s.execute(select(mentions.c.type, func.count()).where(*_visible(viewer, mentions))
                                 .group_by(mentions.c.type)).all())
        ev_type = dict(s.execute(select(events.c.type, func.count()).where(*_visible(viewer, events))
                                 .group_by(events.c.type)).all())
        kinds = dict(s.execute(select(claims.c.source_kind, func.count()).where(*_visible(viewer, claims))
                               .group_by(claims.c.source_kind)).all())
        n_ent = int(s.execute(select(func.count(func.distinct(mentions.c.entity_id)))
                              .where(*_visible(viewer, mentions), mentions.c.entity_id.is_not(None))).scalar_one())
        outlets = int(s.execute(select(func.count(func.distinct(documents.c.outlet))).where(vis)).scalar_one())
        return {"documents": n_docs, "duplicates": dups, "mentions": count(mentions), "entities": n_ent,
                "dates": count(dates), "quantities": count(quantities), "claims": count(claims),
                "events": count(events), "outlets": outlets,
                "published": {"first": _iso(first), "last": _iso(last)},
                "by_tlp": {k: int(v) for k, v in sorted(by_tlp.items())},
                "by_type": {k: int(v) for k, v in sorted(by_type.items())},
                "events_by_type": {k: int(v) for k, v in sorted(ev_type.items())},
                "claims_by_source_kind": {(k or "unknown"): int(v) for k, v in sorted(kinds.items(), key=lambda x: x[0] or "")}}


def timeline(store, viewer: Viewer, *, granularity: str = "month", **filters: Any) -> dict[str, Any]:  # noqa: ANN001
    """Event counts by (period, type); period = the event's date (else its article's) cut to a month
    (``granularity="month"``) or year. ``filters`` as ``list_events``. Events without any date are counted
    under ``undated``."""
    if granularity not in ("month", "year", "day"):
        raise QueryError(f"granularity={granularity!r}: use day, month or year")
    width = {"year": 4, "month": 7, "day": 10}[granularity]
    conds, need_claims = _event_conds(store, viewer, **filters)
    day = _event_date(store.dialect)
    # a week (2012-W05) or season (2012-SU) has no month: it counts in its year, not as "2012-W0"
    period = func.substr(day, 1, width) if width == 4 else case(
        (func.substr(day, 6, 1).between("0", "9"), func.substr(day, 1, width)), else_=func.substr(day, 1, 4))
    with store._read() as s:
        base = _claim_join() if need_claims else events
        rows = s.execute(select(period, events.c.type, func.count()).select_from(base).where(*conds)
                         .group_by(period, events.c.type).order_by(period, events.c.type)).all()
    items = [{"period": p, "type": t, "count": int(n)} for p, t, n in rows if p]
    undated = sum(int(n) for p, _, n in rows if not p)
    return {"granularity": granularity, "items": items, "undated": undated}


def network(store, viewer: Viewer, *, min_weight: int = 1, **filters: Any) -> dict[str, Any]:  # noqa: ANN001
    """Who acts on whom: an edge source → target per pair of linked actors of an event, weighted by the
    number of events, with the count per event type; nodes with their display name, type, country and
    number of events. ``filters`` as ``list_events``."""
    conds, need_claims = _event_conds(store, viewer, **filters)
    with store._read() as s:
        base = _claim_join() if need_claims else events
        rows = s.execute(select(events.c.type, events.c.source, events.c.target).select_from(base).where(*conds)).all()
    edges: dict[tuple[str, str], Counter] = defaultdict(Counter)
    node_events: Counter = Counter()
    info: dict[str, dict[str, Any]] = {}
    for typ, src, tgt in rows:
        srcs = {a["entity_id"]: a for a in (src or []) if a.get("entity_id")}
        tgts = {a["entity_id"]: a for a in (tgt or []) if a.get("entity_id")}
        for eid, a in {**srcs, **tgts}.items():
            node_events[eid] += 1
            info.setdefault(eid, {"text": a.get("text"), "country": a.get("country"), "sector": a.get("sector")})
        for a in srcs:
            for b in tgts:
                if a != b:
                    edges[(a, b)][typ] += 1
    kept = {k: c for k, c in edges.items() if sum(c.values()) >= min_weight}
    ids = sorted({x for k in kept for x in k})
    known = _entity_info(store, viewer, ids)
    nodes = [{"id": i, "name": known.get(i, (None, None))[0] or info[i]["text"], "type": known.get(i, (None, None))[1],
              "country": info[i]["country"], "sector": info[i]["sector"], "events": node_events[i]} for i in ids]
    out_edges = [{"source": a, "target": b, "weight": sum(c.values()), "types": dict(c)}
                 for (a, b), c in sorted(kept.items(), key=lambda x: (-sum(x[1].values()), x[0]))]
    return {"nodes": nodes, "edges": out_edges}


# ------------------------------------------------------------------------------------------ curation (writes)

def _require_user(viewer: Viewer) -> None:
    if not viewer.authenticated:
        raise Forbidden("sign in (an API key) to make changes")


def _visible_event_key(s, viewer: Viewer, event_id: str) -> tuple[str, str]:  # noqa: ANN001
    """(document id, event key) of a visible event; LookupError when it does not exist or is hidden."""
    doc_id, seq = parse_event_id(event_id)
    row = s.execute(select(events.c.type, events.c.trigger_start)
                    .where(*_visible(viewer, events), events.c.document_id == doc_id, events.c.seq == seq)).first()
    if row is None:
        raise LookupError(f"no event {event_id}")
    return doc_id, _event_key(row.type, row.trigger_start)


def review_event(store, viewer: Viewer, event_id: str, decision: str, note: str | None = None) -> dict[str, Any]:  # noqa: ANN001
    """Records ``viewer``'s decision (confirmed | rejected; confirm/reject accepted) on a visible event,
    keyed by its event key so that it survives re-analysis. Returns the event with its new review."""
    _require_user(viewer)
    decision = {"confirm": "confirmed", "reject": "rejected"}.get(decision, decision)
    if decision not in DECISIONS:
        raise QueryError(f"decision={decision!r}: use confirm or reject")
    with store._read() as s:
        doc_id, key = _visible_event_key(s, viewer, event_id)
    with store._write() as s:
        s.execute(event_reviews.insert().values(
            document_id=doc_id, event_key=key, decision=decision,
            user_id=viewer.user_id, user_name=viewer.name, note=note,
            created_at=dt.datetime.now(dt.timezone.utc)))
    return get_event(store, viewer, event_id)  # type: ignore[return-value]


def event_reviews_of(store, viewer: Viewer, event_id: str) -> list[dict[str, Any]]:  # noqa: ANN001
    """Every review of a visible event, oldest first (the history behind ``review``)."""
    with store._read() as s:
        doc_id, key = _visible_event_key(s, viewer, event_id)
        org, shows = _review_privacy(viewer)
        rows = s.execute(select(event_reviews, org).where(event_reviews.c.document_id == doc_id,
                                                          event_reviews.c.event_key == key)
                         .order_by(event_reviews.c.created_at, event_reviews.c.id)).mappings().all()
    return [{**_review_dict(r, shows), "user_id": r["user_id"] if shows(r["r_org"]) else None} for r in rows]


def _who(viewer: Viewer, note: str | None) -> str:
    # entity_decisions has no user column: who made the decision goes first in its note
    who = f"by {viewer.name or 'system'}" + (f" (user {viewer.user_id})" if viewer.user_id is not None else "")
    return f"{who}: {note}" if note else who


def _entity_visible(store, viewer: Viewer, entity_id: str) -> bool:  # noqa: ANN001
    with store._read() as s:
        return s.execute(select(mentions.c.id).where(*_visible(viewer, mentions), mentions.c.entity_id == entity_id)
                         .limit(1)).first() is not None


def merge_entities(store, viewer: Viewer, source: str, target: str, note: str | None = None) -> dict[str, Any]:  # noqa: ANN001
    """Every mention of ``source`` becomes ``target`` (store.merge_entities), recorded with who. The viewer
    must see ``source`` in some document; ``target`` may be a knowledge-base entity not yet named."""
    _require_user(viewer)
    # one answer for an absent entity and one known only from documents the viewer may not see
    for e in (source, target):
        if not _entity_visible(store, viewer, e) and (e == source or _kb_entity(e) is None):
            raise LookupError(f"no entity {e}")
    decision, changed = store.merge_entities(source, target, note=_who(viewer, note), viewer=viewer)
    return {"decision": decision, "changed": changed, "source": source, "target": target}


def split_entity(store, viewer: Viewer, entity_id: str, document_ids: list[str], name: str | None = None,  # noqa: ANN001
                 note: str | None = None) -> dict[str, Any]:
    """The mentions of ``entity_id`` in ``document_ids`` (all visible to the viewer) become a new entity."""
    _require_user(viewer)
    if not document_ids:
        raise QueryError("a split needs the documents whose mentions become the new entity")
    with store._read() as s:
        seen = {r[0] for r in s.execute(select(documents.c.id).where(documents.c.id.in_(document_ids),
                                                                     visible_documents(viewer, documents)))}
    missing = [d for d in document_ids if d not in seen]
    if missing:
        raise LookupError(f"no document {missing[0]}")
    if not _entity_visible(store, viewer, entity_id):
        raise LookupError(f"no entity {entity_id}")
    decision, new_id, changed = store.split_entity(entity_id, document_ids, name=name, note=_who(viewer, note),
                                                   viewer=viewer)
    return {"decision": decision, "changed": changed, "entity_id": entity_id, "new_id": new_id}


__all__ = ["Forbidden", "MAX_LIMIT", "QueryError", "data_version", "event_reviews_of", "get_document", "get_entity", "get_event",
           "list_claims", "list_documents", "list_entities", "list_events", "list_places", "merge_entities",
           "network", "parse_event_id", "review_event", "search", "split_entity", "stats", "timeline"]


def data_version(store) -> tuple:  # noqa: ANN001
    """A cheap fingerprint of the stored data: it changes when documents are stored, a run starts or
    finishes (ingest, reanalyse), an entity decision is made or undone, or an event is reviewed. Caches of
    query results key on it (a reanalysis in progress shows once its run finishes)."""
    from marsad.store.schema import entity_decisions, runs

    with store._read() as s:
        row = s.execute(select(
            select(func.count()).select_from(documents).scalar_subquery(),
            select(func.max(documents.c.ingested_at)).scalar_subquery(),
            select(func.max(runs.c.id)).scalar_subquery(),
            select(func.max(runs.c.finished_at)).scalar_subquery(),
            select(func.max(entity_decisions.c.id)).scalar_subquery(),
            select(func.max(entity_decisions.c.undone_at)).scalar_subquery(),
            select(func.max(event_reviews.c.id)).scalar_subquery())).one()
    return tuple(_iso(v) if isinstance(v, (dt.date, dt.datetime)) else v for v in row)


# ------------------------------------------------------------------------------------------ browsing (web pages)
# Added for the web interface (web/routes.py), which reads through this module only: the events table with a
# review filter in the order a newsroom reads (newest published first), all of it for its CSV, the events a map
# can place, and the opening words of untitled documents.

REVIEW_FILTERS = ("confirmed", "rejected", "unreviewed")


def _latest_decision() -> Any:
    """The decision of an event's latest review (correlated on ``events``); NULL when never reviewed."""
    key = events.c.type + ":" + cast(events.c.trigger_start, String)
    return (select(event_reviews.c.decision)
            .where(event_reviews.c.document_id == events.c.document_id, event_reviews.c.event_key == key)
            .order_by(event_reviews.c.created_at.desc(), event_reviews.c.id.desc()).limit(1).scalar_subquery())


def _event_rows(s, ids: list[int]) -> list[Any]:  # noqa: ANN001
    """The rows ``_event_item`` reads, for the event row ids ``ids`` (in no particular order)."""
    if not ids:
        return []
    out: list[Any] = []
    for i in range(0, len(ids), MAX_LIMIT):
        out += s.execute(
            _EVENT_ROWS.where(events.c.id.in_(ids[i:i + MAX_LIMIT]))).all()
    return out


def browse_events(store, viewer: Viewer, *, decision: str | None = None, limit: int | None = 100,  # noqa: ANN001
                  offset: int = 0, **filters: Any) -> dict[str, Any]:
    """Visible events as ``list_events`` gives them (same filters, same items), narrowed by their latest
    review (``decision``: confirmed, rejected or unreviewed), newest published first (then document, order
    in it). ``limit=None``: every matching event up to MAX_EXPORT (a CSV download; ``total`` says how many
    match, so the caller can say the list was cut), else at most MAX_LIMIT."""
    if decision and decision not in REVIEW_FILTERS:
        raise QueryError(f"decision={decision!r}: use one of {', '.join(REVIEW_FILTERS)}")
    offset = max(0, min(int(offset), MAX_OFFSET))
    if limit is not None:
        limit, offset = _bounds(limit, offset)
    cap = MAX_EXPORT if limit is None else limit
    conds, need_claims = _event_conds(store, viewer, **filters)
    if decision:
        latest = _latest_decision()
        conds.append(latest.is_(None) if decision == "unreviewed" else latest == decision)
    with store._read() as s:
        base = (_claim_join() if need_claims else events).join(documents, documents.c.id == events.c.document_id)
        total = s.execute(select(func.count()).select_from(base).where(*conds)).scalar_one()
        q = (select(events.c.id).select_from(base).where(*conds)
             .order_by(documents.c.published.desc().nulls_last(), events.c.document_id, events.c.seq).offset(offset))
        ids = [r[0] for r in s.execute(q.limit(cap)).all()]
        rows = {r.id: r for r in _event_rows(s, ids)}
    reviews = _reviews(store, viewer, sorted({r.document_id for r in rows.values()}))
    return _page([_event_item(rows[i], reviews) for i in ids if i in rows], total, limit, offset)  # type: ignore[arg-type]


def event_points(store, viewer: Viewer, **filters: Any) -> list[dict[str, Any]]:  # noqa: ANN001
    """Visible events whose location has coordinates (``filters`` as ``list_events``), for a map: id, type,
    trigger, lat, lon, place, document, date (the event's, else its article's) and its claim's source."""
    conds, _ = _event_conds(store, viewer, **filters)
    lat, lon = events.c.location["lat"].as_float(), events.c.location["lon"].as_float()
    with store._read() as s:
        rows = s.execute(
            select(events.c.document_id, events.c.seq, events.c.type, events.c.trigger, lat.label("lat"),
                   lon.label("lon"), events.c.location["text"].as_string().label("place"),
                   _event_date(store.dialect).label("day"), events.c.claim, claims.c.source.label("c_source"),
                   claims.c.source_kind.label("c_kind"))
            .select_from(_claim_join().join(documents, documents.c.id == events.c.document_id))
            .where(*conds, lat.is_not(None), lon.is_not(None))
            .order_by(events.c.document_id, events.c.seq)).all()
    return [{"id": f"{r.document_id}:{r.seq}", "type": r.type, "trigger": r.trigger, "lat": float(r.lat),
             "lon": float(r.lon), "place": r.place, "document_id": r.document_id, "date": r.day,
             "source": r.c_source if r.claim is not None else None,
             "source_kind": r.c_kind if r.claim is not None else None} for r in rows]


def document_openings(store, viewer: Viewer, doc_ids: list[str], *, chars: int = 200) -> dict[str, str]:  # noqa: ANN001
    """The first ``chars`` characters of each visible document of ``doc_ids`` (a page names an untitled
    article by its opening words)."""
    out: dict[str, str] = {}
    ids = sorted(set(doc_ids))
    with store._read() as s:
        for i in range(0, len(ids), MAX_LIMIT):
            out.update(s.execute(select(documents.c.id, func.substr(documents.c.text, 1, chars))
                                 .where(documents.c.id.in_(ids[i:i + MAX_LIMIT]),
                                        visible_documents(viewer, documents))).all())
    return out
