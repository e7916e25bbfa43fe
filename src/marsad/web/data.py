"""The web pages' read queries, each filtered by ``access.visible_documents(viewer)``.

Why here and not in ``store/queries.py``: the pages were written while the shared read layer was being
written; these queries answer exactly what the pages show (facet counts, a document's reviews, an entity's
co-actors) and read through their own connection from the engine's pool (the Store's single session is
not shared between the server's threads). Every query joins ``documents`` and applies the viewer's
condition, so nothing derived from a document the viewer may not see reaches a page.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, text
from sqlalchemy.engine import Connection

from marsad.store import Store, fts
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
)

PLACE_TYPES = ("LOC", "GPE", "FAC")
ACTOR_TYPES = ("PER", "ORG")
# the search form's facets, in the order they are shown
FACETS = ("type", "actor", "place", "country", "month", "outlet", "source_kind")


def _conn(store: Store) -> Connection:
    return store.engine.connect()


def _vis(viewer: Viewer):  # noqa: ANN202
    return visible_documents(viewer, documents)


def display_title(title: str | None, text: str | None) -> str | None:
    """A document's title, or (many articles come without one) its first words."""
    if title:
        return title
    words = (text or "").split()
    return " ".join(words[:10]) + (" …" if len(words) > 10 else "") if words else None


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


# ------------------------------------------------------------------------------------------ documents
def visible_document(store: Store, viewer: Viewer, doc_id: str) -> dict | None:
    """Title, outlet, dates, TLP and owner of one document the viewer may see; None otherwise."""
    q = (select(documents.c.id, documents.c.title, documents.c.outlet, documents.c.published, documents.c.url,
                documents.c.tlp, documents.c.org_id, organisations.c.name, documents.c.ingested_at,
                documents.c.duplicate_of, documents.c.pipeline_version, func.substr(documents.c.text, 1, 200))
         .select_from(documents.outerjoin(organisations, organisations.c.id == documents.c.org_id))
         .where(documents.c.id == doc_id, _vis(viewer)))
    with _conn(store) as c:
        r = c.execute(q).first()
    if r is None:
        return None
    return {"id": r[0], "title": display_title(r[1], r[11]), "outlet": r[2], "published": _iso(r[3]), "url": r[4], "tlp": r[5],
            "org_id": r[6], "org": r[7], "ingested_at": _iso(r[8]), "duplicate_of": r[9],
            "pipeline_version": r[10]}


def reviews_of(store: Store, doc_id: str) -> dict[str, dict]:
    """The latest review of each event of a document, by event key ``TYPE:trigger_start``."""
    q = (select(event_reviews).where(event_reviews.c.document_id == doc_id)
         .order_by(event_reviews.c.created_at, event_reviews.c.id))
    with _conn(store) as c:
        rows = c.execute(q).mappings().all()
    return {r["event_key"]: {"decision": r["decision"], "user": r["user_name"], "note": r["note"],
                             "at": _iso(r["created_at"])} for r in rows}


def list_documents(store: Store, viewer: Viewer, *, limit: int = 50, offset: int = 0) -> dict:
    n_events = select(func.count()).select_from(events).where(events.c.document_id == documents.c.id).scalar_subquery()
    q = (select(documents.c.id, documents.c.title, documents.c.outlet, documents.c.published, documents.c.tlp,
                n_events)
         .where(_vis(viewer)).order_by(documents.c.ingested_at.desc(), documents.c.id))
    with _conn(store) as c:
        total = c.execute(select(func.count()).select_from(documents).where(_vis(viewer))).scalar_one()
        rows = c.execute(q.limit(limit).offset(offset)).all()
    items = [{"id": r[0], "title": r[1], "outlet": r[2], "published": _iso(r[3]), "tlp": r[4], "events": int(r[5])}
             for r in rows]
    return {"items": items, "total": int(total), "limit": limit, "offset": offset}


# ------------------------------------------------------------------------------------------ search
def _fts_scores(store: Store, c: Connection, query: str) -> dict[str, float] | None:
    """Document id → rank for a full-text query (all words, else any word); None for an empty query."""
    parsed = fts.parse_query(query)
    if not parsed:
        return None

    def run(any_of: bool) -> dict[str, float]:
        if store.dialect == "sqlite":
            sql = text(f"SELECT document_id, -bm25({FTS_TABLE}) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :q")
            params = {"q": fts.fts5_query(parsed, any_of=any_of)}
        else:
            sql = text(f"SELECT f.document_id, ts_rank_cd(f.tsv, q) FROM {FTS_TABLE} f, "
                       "to_tsquery('simple', :q) q WHERE f.tsv @@ q")
            params = {"q": fts.tsquery(parsed, any_of=any_of)}
        return {r[0]: float(r[1]) for r in c.execute(sql, params)}

    got = run(False)
    if not got and len(parsed.groups) > 1:
        got = run(True)
    return got


def _doc_filters(f: dict[str, str | None]) -> list:
    """SQL conditions on ``documents`` for the search filters (each: the document has such an item)."""
    conds: list = []
    if f.get("outlet"):
        conds.append(documents.c.outlet == f["outlet"])
    if f.get("month"):
        lo = dt.date.fromisoformat(f["month"] + "-01")
        hi = (lo.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        conds.append(and_(documents.c.published >= lo, documents.c.published < hi))
    if f.get("date_from"):
        conds.append(documents.c.published >= dt.date.fromisoformat(f["date_from"]))
    if f.get("date_to"):
        conds.append(documents.c.published <= dt.date.fromisoformat(f["date_to"]))
    for key in ("actor", "place"):
        if f.get(key):
            conds.append(exists().where(mentions.c.document_id == documents.c.id, mentions.c.entity_id == f[key]))
    if f.get("country"):
        conds.append(exists().where(mentions.c.document_id == documents.c.id, mentions.c.country == f["country"]))
    if f.get("type"):
        conds.append(exists().where(events.c.document_id == documents.c.id, events.c.type == f["type"]))
    if f.get("source_kind"):
        conds.append(exists().where(claims.c.document_id == documents.c.id, claims.c.source_kind == f["source_kind"]))
    return conds


def search(store: Store, viewer: Viewer, q: str | None, filters: dict[str, str | None], *,
           limit: int = 20, offset: int = 0) -> dict:
    """Hits (ranked by full-text score when there is a query, else newest first) and, for each facet,
    the values found in the matching documents with how many documents have each."""
    with _conn(store) as c:
        scores = _fts_scores(store, c, q or "")
        where = [_vis(viewer), *_doc_filters(filters)]
        if scores is not None:
            where.append(documents.c.id.in_(list(scores)) if scores else documents.c.id.is_(None))
        rows = c.execute(select(documents.c.id, documents.c.title, documents.c.text, documents.c.outlet,
                                documents.c.published, documents.c.tlp).where(*where)).all()
        ids = [r[0] for r in rows]
        facets = _facets(c, ids)
    if scores is not None:
        rows.sort(key=lambda r: (-scores.get(r[0], 0.0), r[0]))
    else:
        rows.sort(key=lambda r: (_iso(r[4]) or "", r[0]), reverse=True)  # newest first, undated last
    parsed = fts.parse_query(q or "")
    items = []
    for r in rows[offset:offset + limit]:
        span = fts.first_hit(r[2], parsed) if parsed else None
        items.append({"id": r[0], "title": display_title(r[1], r[2][:200]), "outlet": r[3],
                      "published": _iso(r[4]), "tlp": r[5], "snippet": fts.snippet(r[2], span)})
    return {"items": items, "total": len(rows), "limit": limit, "offset": offset, "facets": facets}


def _chunks(ids: list[str], n: int = 500) -> Iterable[list[str]]:
    for i in range(0, len(ids), n):
        yield ids[i:i + n]


def _facets(c: Connection, ids: list[str]) -> dict[str, list[dict]]:
    """Facet values with document counts over the documents ``ids`` (already visible and filtered)."""
    out: dict[str, Counter] = {k: Counter() for k in FACETS}
    labels: dict[tuple[str, str], str] = {}
    for part in _chunks(ids):
        for eid, typ, canon, latin, country, n in c.execute(
                select(mentions.c.entity_id, func.min(mentions.c.type), func.max(mentions.c.canonical),
                       func.max(mentions.c.latin), func.max(mentions.c.country),
                       func.count(func.distinct(mentions.c.document_id)))
                .where(mentions.c.document_id.in_(part), mentions.c.entity_id.is_not(None))
                .group_by(mentions.c.entity_id)):
            key = "actor" if typ in ACTOR_TYPES else "place" if typ in PLACE_TYPES else None
            if key:
                out[key][eid] += n
                labels[(key, eid)] = " · ".join(x for x in (canon, latin) if x) or eid
        for country, n in c.execute(select(mentions.c.country, func.count(func.distinct(mentions.c.document_id)))
                                    .where(mentions.c.document_id.in_(part), mentions.c.country.is_not(None))
                                    .group_by(mentions.c.country)):
            out["country"][country] += n
        for typ, n in c.execute(select(events.c.type, func.count(func.distinct(events.c.document_id)))
                                .where(events.c.document_id.in_(part)).group_by(events.c.type)):
            out["type"][typ] += n
        for kind, n in c.execute(select(claims.c.source_kind, func.count(func.distinct(claims.c.document_id)))
                                 .where(claims.c.document_id.in_(part), claims.c.source_kind.is_not(None))
                                 .group_by(claims.c.source_kind)):
            out["source_kind"][kind] += n
        for outlet, published in c.execute(select(documents.c.outlet, documents.c.published)
                                           .where(documents.c.id.in_(part))):
            if outlet:
                out["outlet"][outlet] += 1
            if published:
                out["month"][_iso(published)[:7]] += 1
    result: dict[str, list[dict]] = {}
    for key, counter in out.items():
        ordered = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:15]
        if key == "month":
            ordered = sorted(counter.items(), reverse=True)[:24]
        result[key] = [{"value": v, "label": labels.get((key, v), v), "count": n} for v, n in ordered]
    return result


# ------------------------------------------------------------------------------------------ events
def _claim_of(c: Connection, pairs: set[tuple[str, int]]) -> dict[tuple[str, int], dict]:
    """(document id, claim seq) → the claim's source, kind, cue and outlet it came through."""
    out: dict[tuple[str, int], dict] = {}
    for part in _chunks(sorted({d for d, _ in pairs})):
        for r in c.execute(select(claims.c.document_id, claims.c.seq, claims.c.source, claims.c.source_kind,
                                  claims.c.cue, claims.c.via).where(claims.c.document_id.in_(part))):
            if (r[0], r[1]) in pairs:
                out[(r[0], r[1])] = {"source": r[2], "source_kind": r[3], "cue": r[4], "via": r[5]}
    return out


def _actors(items: list[dict] | None) -> list[dict]:
    return [{"text": a.get("text"), "entity_id": a.get("entity_id"), "country": a.get("country")}
            for a in (items or [])]


def list_events(store: Store, viewer: Viewer, *, type: str | None = None, actor: str | None = None,
                place: str | None = None, country: str | None = None, date_from: str | None = None,
                date_to: str | None = None, source_kind: str | None = None, document_id: str | None = None,
                decision: str | None = None, limit: int | None = 100, offset: int = 0) -> dict:
    """Events of visible documents, each with its document, its claim's source and kind, its review.

    Actor, place and country are matched on the event's JSON (source/target/location), in Python: simple,
    and fast enough for the thousands of events a newsroom's database holds (not for millions)."""
    where = [_vis(viewer)]
    if type:
        where.append(events.c.type == type)
    if document_id:
        where.append(events.c.document_id == document_id)
    q = (select(events, documents.c.title, documents.c.outlet, documents.c.published, documents.c.tlp,
                func.substr(documents.c.text, 1, 200).label("head"))
         .select_from(events.join(documents, documents.c.id == events.c.document_id))
         .where(*where).order_by(documents.c.published.desc(), events.c.document_id, events.c.seq))
    with _conn(store) as c:
        rows = c.execute(q).mappings().all()
        claim_map = _claim_of(c, {(r["document_id"], r["claim"]) for r in rows if r["claim"] is not None})
        review_rows = c.execute(select(event_reviews).where(event_reviews.c.document_id.in_(
            {r["document_id"] for r in rows})).order_by(event_reviews.c.created_at, event_reviews.c.id)).mappings().all() \
            if rows else []
    reviews = {(r["document_id"], r["event_key"]): r for r in review_rows}
    items = []
    for r in rows:
        src, tgt, loc = _actors(r["source"]), _actors(r["target"]), r["location"] or {}
        ids = {a["entity_id"] for a in src + tgt}
        countries = {a["country"] for a in src + tgt} | {loc.get("country")}
        day = (r["date"] or {}).get("value") or _iso(r["published"])
        if actor and actor not in ids:
            continue
        if place and loc.get("entity_id") != place:
            continue
        if country and country not in countries:
            continue
        if date_from and (not day or day[:len(date_from)] < date_from):
            continue
        if date_to and (not day or day[:len(date_to)] > date_to):
            continue
        claim = claim_map.get((r["document_id"], r["claim"])) if r["claim"] is not None else None
        if source_kind and (claim or {}).get("source_kind") != source_kind:
            continue
        key = f"{r['type']}:{r['trigger_start']}"
        rev = reviews.get((r["document_id"], key))
        if decision and (rev["decision"] if rev else "unreviewed") != decision:
            continue
        items.append({
            "id": f"{r['document_id']}:{r['seq']}", "event_key": key, "document_id": r["document_id"],
            "title": display_title(r["title"], r["head"]), "outlet": r["outlet"], "published": _iso(r["published"]), "tlp": r["tlp"],
            "type": r["type"], "mode": r["mode"], "trigger": r["trigger"], "trigger_start": r["trigger_start"],
            "source": src, "target": tgt, "location": loc or None, "date": day,
            "dead": r["dead"], "injured": r["injured"], "size": r["size"], "confidence": r["confidence"],
            "claim": claim, "review": ({"decision": rev["decision"], "user": rev["user_name"],
                                        "at": _iso(rev["created_at"])} if rev else None)})
    page = items[offset:offset + limit] if limit else items[offset:]
    return {"items": page, "total": len(items), "limit": limit, "offset": offset}


# ------------------------------------------------------------------------------------------ entities
def list_entities(store: Store, viewer: Viewer, *, q: str | None = None, type: str | None = None,
                  limit: int = 100, offset: int = 0) -> dict:
    from marsad.text.normalize import normalize_key

    where = [_vis(viewer), mentions.c.entity_id.is_not(None), mentions.c.type != "NORP"]
    if type:
        where.append(mentions.c.type == type)
    if q:
        k = normalize_key(q)
        where.append(or_(mentions.c.norm.contains(k), mentions.c.canonical.contains(q.strip()),
                         mentions.c.latin.ilike(f"%{q.strip()}%")))
    ndocs = func.count(func.distinct(mentions.c.document_id))
    base = (select(mentions.c.entity_id, func.min(mentions.c.type), func.max(mentions.c.canonical),
                   func.max(mentions.c.latin), func.max(mentions.c.country), func.count(), ndocs)
            .select_from(mentions.join(documents, documents.c.id == mentions.c.document_id))
            .where(*where).group_by(mentions.c.entity_id))
    with _conn(store) as c:
        total = c.execute(select(func.count()).select_from(base.subquery())).scalar_one()
        rows = c.execute(base.order_by(ndocs.desc(), mentions.c.entity_id).limit(limit).offset(offset)).all()
    return {"items": [{"id": r[0], "type": r[1], "canonical": r[2], "latin": r[3], "country": r[4],
                       "mentions": int(r[5]), "documents": int(r[6])} for r in rows],
            "total": int(total), "limit": limit, "offset": offset}


def get_entity(store: Store, viewer: Viewer, entity_id: str) -> dict | None:
    """Names, documents, events where it acts or is acted on, co-actors (weighted), claims that name it,
    and its roles over time from the knowledge base."""
    with _conn(store) as c:
        rows = c.execute(select(mentions.c.document_id, mentions.c.text, mentions.c.type, mentions.c.canonical,
                                mentions.c.latin, mentions.c.country, mentions.c.sector, mentions.c.lat,
                                mentions.c.lon, mentions.c.start, mentions.c.end)
                         .select_from(mentions.join(documents, documents.c.id == mentions.c.document_id))
                         .where(mentions.c.entity_id == entity_id, _vis(viewer))).all()
        if not rows:
            return None
        doc_ids = sorted({r[0] for r in rows})
        docs = {r[0]: r for r in c.execute(select(documents.c.id, documents.c.title, documents.c.outlet,
                                                  documents.c.published, documents.c.tlp,
                                                  func.substr(documents.c.text, 1, 200))
                                           .where(documents.c.id.in_(doc_ids)))}
        claim_rows = c.execute(select(claims.c.document_id, claims.c.source, claims.c.source_kind, claims.c.cue,
                                      claims.c.source_start, claims.c.source_end, claims.c.start, claims.c.end,
                                      claims.c.via)
                               .where(claims.c.document_id.in_(doc_ids))).all()
    names = Counter(" ".join(r[1].split()) for r in rows)
    per_doc = Counter(r[0] for r in rows)
    spans = defaultdict(list)
    for r in rows:
        spans[r[0]].append((r[9], r[10]))
    # the claims whose source is this entity (its mention lies in the source span) or whose content names it
    speaks, spoken_of = [], []
    for d, source, kind, cue, s0, s1, c0, c1, via in claim_rows:
        inside = spans.get(d, [])
        item = {"document_id": d, "source": source, "source_kind": kind, "cue": cue, "via": via}
        if s0 is not None and any(s0 <= a and b <= s1 for a, b in inside):
            speaks.append(item)
        elif any(c0 <= a and b <= c1 for a, b in inside):
            spoken_of.append(item)
    evs = list_events(store, viewer, actor=entity_id, limit=None)["items"]
    evs += [e for e in list_events(store, viewer, place=entity_id, limit=None)["items"] if e not in evs]
    acts_on, acted_by = Counter(), Counter()
    labels: dict[str, str] = {}
    for e in evs:
        src_ids = {a["entity_id"] for a in e["source"] if a["entity_id"]}
        tgt_ids = {a["entity_id"] for a in e["target"] if a["entity_id"]}
        for a in e["source"] + e["target"]:
            if a["entity_id"]:
                labels.setdefault(a["entity_id"], a["text"])
        if entity_id in src_ids:
            acts_on.update(tgt_ids - {entity_id})
        if entity_id in tgt_ids:
            acted_by.update(src_ids - {entity_id})
    typ = Counter(r[2] for r in rows).most_common(1)[0][0]
    canon = next((r[3] for r in rows if r[3]), None)
    return {
        "id": entity_id, "type": typ, "canonical": canon, "latin": next((r[4] for r in rows if r[4]), None),
        "country": next((r[5] for r in rows if r[5]), None), "sector": next((r[6] for r in rows if r[6]), None),
        "lat": next((r[7] for r in rows if r[7] is not None), None),
        "lon": next((r[8] for r in rows if r[8] is not None), None),
        "mentions": len(rows), "names": names.most_common(),
        "documents": [{"id": d, "title": display_title(docs[d][1], docs[d][5]), "outlet": docs[d][2], "published": _iso(docs[d][3]),
                       "tlp": docs[d][4], "mentions": n} for d, n in per_doc.most_common()],
        "events": sorted(evs, key=lambda e: (e["date"] or "", e["id"])),
        "acts_on": [{"id": k, "label": labels.get(k, k), "weight": n} for k, n in acts_on.most_common()],
        "acted_by": [{"id": k, "label": labels.get(k, k), "weight": n} for k, n in acted_by.most_common()],
        "speaks": speaks, "spoken_of": spoken_of[:50],
        "roles": kb_roles(entity_id), "kb": kb_entry(entity_id),
    }


def kb_roles(entity_id: str) -> list[dict]:
    """The offices the knowledge base says an entity held, with dates and the reference (kb/data/actors)."""
    kb = _kb()
    if kb is None:
        return []
    out = [{"title": r.name, "country": r.country, "org": r.org, "start": r.start or None, "end": r.end or None,
            "source": r.source} for r in kb.roles if r.holder == entity_id]
    return sorted(out, key=lambda r: r["start"] or "")


def kb_entry(entity_id: str) -> dict | None:
    """The knowledge base's record of an entity: aliases, Latin name, Wikidata id, description, source."""
    kb = _kb()
    e = kb.get(entity_id) if kb else None
    if e is None:
        return None
    return {"name": e.name, "latin": e.display_latin, "aliases": list(e.aliases), "wikidata": e.wikidata,
            "description": e.description, "source": e.source, "kind": e.kind, "sector": e.sector}


def _kb():  # noqa: ANN202
    try:
        from marsad.kb.entities import load
        return load()
    except Exception:  # the knowledge base is data: a page still renders without it
        return None


# ------------------------------------------------------------------------------------------ views
def timeline(store: Store, viewer: Viewer, **filters: Any) -> dict:
    """Event counts by (month, type): the month of the event's date, else of the article's publication."""
    counts: Counter = Counter()
    for e in list_events(store, viewer, limit=None, **filters)["items"]:
        day = e["date"] or ""
        if re.match(r"\d{4}-\d{2}", day):
            counts[(day[:7], e["type"])] += 1
        elif re.match(r"\d{4}", day):  # a year, a season (2012-SU) or a week: counted in its year
            counts[(day[:4], e["type"])] += 1
    periods = sorted({p for p, _ in counts})
    types = sorted({t for _, t in counts})
    return {"periods": periods, "types": types,
            "counts": [{"period": p, "type": t, "count": n} for (p, t), n in sorted(counts.items())]}


def network(store: Store, viewer: Viewer, **filters: Any) -> dict:
    """Who acts on whom: an edge per (source actor, target actor), weighted by the events linking them."""
    weights: Counter = Counter()
    types: dict[tuple[str, str], Counter] = defaultdict(Counter)
    labels: dict[str, str] = {}
    for e in list_events(store, viewer, limit=None, **filters)["items"]:
        for s in e["source"]:
            for t in e["target"]:
                if s["entity_id"] and t["entity_id"] and s["entity_id"] != t["entity_id"]:
                    weights[(s["entity_id"], t["entity_id"])] += 1
                    types[(s["entity_id"], t["entity_id"])][e["type"]] += 1
                    labels.setdefault(s["entity_id"], s["text"])
                    labels.setdefault(t["entity_id"], t["text"])
    names = _display_names(store, set(labels))
    degree: Counter = Counter()
    for (a, b), w in weights.items():
        degree[a] += w
        degree[b] += w
    return {"nodes": [{"id": k, "label": names.get(k, (labels[k], None))[0] or labels[k],
                       "latin": names.get(k, (None, None))[1], "weight": degree[k]} for k in sorted(labels)],
            "edges": [{"source": a, "target": b, "weight": w, "types": dict(types[(a, b)])}
                      for (a, b), w in sorted(weights.items())]}


def _display_names(store: Store, ids: set[str]) -> dict[str, tuple[str | None, str | None]]:
    if not ids:
        return {}
    with _conn(store) as c:
        rows = c.execute(select(mentions.c.entity_id, func.max(mentions.c.canonical), func.max(mentions.c.latin))
                         .where(mentions.c.entity_id.in_(sorted(ids))).group_by(mentions.c.entity_id)).all()
    return {r[0]: (r[1], r[2]) for r in rows}


def places(store: Store, viewer: Viewer) -> list[dict]:
    """Geocoded places the visible documents name, with mention and event counts (for the map)."""
    with _conn(store) as c:
        rows = c.execute(select(mentions.c.entity_id, func.max(mentions.c.canonical), func.max(mentions.c.latin),
                                func.max(mentions.c.lat), func.max(mentions.c.lon), func.min(mentions.c.geo_precision),
                                func.count(), func.count(func.distinct(mentions.c.document_id)))
                         .select_from(mentions.join(documents, documents.c.id == mentions.c.document_id))
                         .where(_vis(viewer), mentions.c.lat.is_not(None), mentions.c.lon.is_not(None),
                                mentions.c.entity_id.is_not(None))
                         .group_by(mentions.c.entity_id)).all()
    n_events = Counter()
    for e in list_events(store, viewer, limit=None)["items"]:
        if e["location"] and e["location"].get("entity_id"):
            n_events[e["location"]["entity_id"]] += 1
    return [{"id": r[0], "name": r[1], "latin": r[2], "lat": float(r[3]), "lon": float(r[4]), "precision": r[5],
             "mentions": int(r[6]), "documents": int(r[7]), "events": n_events[r[0]]} for r in rows]


def event_points(store: Store, viewer: Viewer, **filters: Any) -> list[dict]:
    """Events with coordinates (their location's), for the map."""
    out = []
    for e in list_events(store, viewer, limit=None, **filters)["items"]:
        loc = e["location"] or {}
        if loc.get("lat") is not None and loc.get("lon") is not None:
            out.append({"id": e["id"], "type": e["type"], "trigger": e["trigger"], "lat": loc["lat"],
                        "lon": loc["lon"], "place": loc.get("text"), "document_id": e["document_id"],
                        "date": e["date"], "source": (e["claim"] or {}).get("source"),
                        "source_kind": (e["claim"] or {}).get("source_kind")})
    return out


def stats(store: Store, viewer: Viewer) -> dict:
    with _conn(store) as c:
        def count(table) -> int:  # noqa: ANN001
            if table is documents:
                return int(c.execute(select(func.count()).select_from(documents).where(_vis(viewer))).scalar_one())
            return int(c.execute(select(func.count()).select_from(table.join(documents, documents.c.id ==
                                                                              table.c.document_id))
                                 .where(_vis(viewer))).scalar_one())
        return {"documents": count(documents), "mentions": count(mentions), "dates": count(dates),
                "quantities": count(quantities), "claims": count(claims), "events": count(events)}
