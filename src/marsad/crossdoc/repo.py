"""The SQL of the cross-document tables (stories, documents.story_id, event_groups, events.group_id),
run through the Store's own transactions (``Store._write``: BEGIN IMMEDIATE on SQLite)."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from marsad.crossdoc.event_groups import Group
from marsad.crossdoc.stories import Story, unpack_vector
from marsad.store import Store
from marsad.store.schema import documents, event_groups, events, stories


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def load_stories(store: Store) -> Iterator[Story]:
    with store._read() as s:
        rows = s.execute(select(stories.c.id, stories.c.title, stories.c.size, stories.c.first_published,
                                stories.c.last_published, stories.c.meta).order_by(stories.c.id)).all()
    for sid, title, size, first, last, meta in rows:
        meta = meta or {}
        yield Story(id=sid, title=title, first=_date(first), last=_date(last), size=size,
                    vsum=unpack_vector(meta["vsum"]) if meta.get("vsum") else None,
                    entities=Counter(meta.get("entities") or {}))


def load_members(store: Store) -> Iterator[tuple[str, int, bytes | None]]:
    """(document id, story id, minhash) in pages, no transaction held between them."""
    last = ""
    while True:
        with store._read() as s:
            page = s.execute(select(documents.c.id, documents.c.story_id, documents.c.minhash)
                             .where(documents.c.story_id.is_not(None), documents.c.id > last)
                             .order_by(documents.c.id).limit(5000)).all()
        if not page:
            return
        for doc_id, sid, mh in page:
            yield doc_id, sid, bytes(mh) if mh is not None else None
        last = page[-1][0]


def load_groups(store: Store) -> Iterator[Group]:
    with store._read() as s:
        rows = s.execute(select(event_groups).order_by(event_groups.c.id)).mappings().all()
    for r in rows:
        meta = r["meta"] or {}
        day = _date(r["date"])
        yield Group(id=r["id"], type=r["type"], mode=meta.get("mode"), day=day.toordinal() if day else None,
                    lat=r["lat"], lon=r["lon"], precision=meta.get("precision"), country=r["country"],
                    place_id=meta.get("place_id"), place=meta.get("place"),
                    in_sentence=bool(meta.get("in_sentence")), source=set(meta.get("source") or ()),
                    target=set(meta.get("target") or ()), n_reports=r["n_reports"], n_documents=r["n_documents"])


def pending(store: Store) -> tuple[list[str], list[str]]:
    """Documents without a story, and documents with events not in a group (a killed run, a
    re-analysis that replaced the events), each in ingest order."""
    order = (documents.c.ingested_at, documents.c.id)
    with store._read() as s:
        no_story = [r[0] for r in s.execute(select(documents.c.id).where(documents.c.story_id.is_(None))
                                            .order_by(*order))]
        loose = select(events.c.document_id).where(events.c.group_id.is_(None)).distinct().subquery()
        no_group = [r[0] for r in s.execute(select(documents.c.id).where(documents.c.id.in_(select(loose)))
                                            .order_by(*order))]
    return no_story, no_group


def document_keys(store: Store, doc_id: str) -> tuple[bytes | None, str | None]:
    with store._read() as s:
        row = s.execute(select(documents.c.minhash, documents.c.duplicate_of)
                        .where(documents.c.id == doc_id)).one()
    return (bytes(row[0]) if row[0] is not None else None), row[1]


def new_story(s: Session, title: str | None) -> int:
    t = now()
    return int(s.execute(insert(stories).values(title=title, size=0, created_at=t, updated_at=t)
                         .returning(stories.c.id)).scalar_one())


def save_story(s: Session, story: Story, doc_id: str) -> None:
    s.execute(update(stories).where(stories.c.id == story.id).values(
        title=story.title, size=story.size, first_published=story.first, last_published=story.last,
        updated_at=now(), meta=story.meta()))
    s.execute(update(documents).where(documents.c.id == doc_id).values(story_id=story.id))


def new_group(s: Session, type_: str) -> int:
    t = now()
    return int(s.execute(insert(event_groups).values(type=type_, n_reports=0, n_documents=0, created_at=t,
                                                     updated_at=t).returning(event_groups.c.id)).scalar_one())


def save_group(s: Session, g: Group) -> None:
    s.execute(update(event_groups).where(event_groups.c.id == g.id).values(
        date=dt.date.fromordinal(g.day).isoformat() if g.day else None, lat=g.lat, lon=g.lon,
        country=g.country, n_reports=g.n_reports, n_documents=g.n_documents, updated_at=now(), meta=g.meta()))


def set_group(s: Session, doc_id: str, seq: int, gid: int) -> None:
    s.execute(update(events).where(events.c.document_id == doc_id, events.c.seq == seq).values(group_id=gid))


def clear(store: Store) -> None:
    """Forget every grouping (``marsad stories --rebuild``); the articles and events stay."""
    with store._write() as s:
        s.execute(update(documents).values(story_id=None))
        s.execute(update(events).values(group_id=None))
        s.execute(stories.delete())
        s.execute(event_groups.delete())


def counts(store: Store) -> dict[str, int]:
    with store._read() as s:
        def n(q) -> int:  # noqa: ANN001
            return int(s.execute(q).scalar_one())

        return {
            "events": n(select(func.count()).select_from(events)),
            "event_groups": n(select(func.count()).select_from(event_groups)),
            "event_groups_multi_report": n(select(func.count()).select_from(event_groups)
                                           .where(event_groups.c.n_documents > 1)),
            "stories": n(select(func.count()).select_from(stories)),
            "stories_multi_article": n(select(func.count()).select_from(stories).where(stories.c.size > 1)),
        }


def list_stories(store: Store, *, min_size: int = 2, limit: int = 50) -> list[dict[str, Any]]:
    with store._read() as s:
        rows = s.execute(select(stories.c.id, stories.c.title, stories.c.size, stories.c.first_published,
                                stories.c.last_published).where(stories.c.size >= min_size)
                         .order_by(stories.c.size.desc(), stories.c.id).limit(limit)).all()
        ids = [r[0] for r in rows]
        members: dict[int, list] = {i: [] for i in ids}
        if ids:
            for sid, did, outlet, title in s.execute(
                    select(documents.c.story_id, documents.c.id, documents.c.outlet, documents.c.title)
                    .where(documents.c.story_id.in_(ids)).order_by(documents.c.published, documents.c.id)):
                members[sid].append({"id": did, "outlet": outlet, "title": title})
    return [{"id": r[0], "title": r[1], "size": r[2], "first": str(r[3]) if r[3] else None,
             "last": str(r[4]) if r[4] else None, "documents": members[r[0]]} for r in rows]


def list_groups(store: Store, *, min_documents: int = 2, type_: str | None = None,
                limit: int = 50) -> list[dict[str, Any]]:
    with store._read() as s:
        q = select(event_groups).where(event_groups.c.n_documents >= min_documents)
        if type_:
            q = q.where(event_groups.c.type == type_.upper())
        rows = s.execute(q.order_by(event_groups.c.n_documents.desc(), event_groups.c.id).limit(limit)).mappings().all()
        ids = [r["id"] for r in rows]
        reports: dict[int, list] = {i: [] for i in ids}
        if ids:
            for gid, did, trigger, outlet in s.execute(
                    select(events.c.group_id, events.c.document_id, events.c.trigger, documents.c.outlet)
                    .join(documents, documents.c.id == events.c.document_id)
                    .where(events.c.group_id.in_(ids)).order_by(events.c.document_id, events.c.seq)):
                reports[gid].append({"document": did, "trigger": trigger, "outlet": outlet})
    return [{"id": r["id"], "type": r["type"], "date": r["date"], "country": r["country"],
             "place": (r["meta"] or {}).get("place"), "source": (r["meta"] or {}).get("source"),
             "target": (r["meta"] or {}).get("target"), "mode": (r["meta"] or {}).get("mode"),
             "n_reports": r["n_reports"], "n_documents": r["n_documents"], "reports": reports[r["id"]]}
            for r in rows]
