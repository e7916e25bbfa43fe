"""The analyst's decisions taken in the web interface: event reviews, and entity merges/splits recorded with
who took them (the store's entity decisions have no user column, so the note names the user)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select

from marsad.store import Store
from marsad.store.access import Viewer, visible_documents
from marsad.store.schema import documents, event_reviews, events

DECISIONS = ("confirmed", "rejected")


def review_event(store: Store, viewer: Viewer, document_id: str, event_key: str, decision: str,
                 note: str | None = None) -> None:
    """Record ``decision`` on the event ``TYPE:trigger_start`` of a document the viewer may see; the latest
    review is the one shown. ValueError (naming the item) for an unknown decision or event."""
    if decision not in DECISIONS:
        raise ValueError(f"unknown decision {decision!r}; use one of: {', '.join(DECISIONS)}")
    typ, _, start = event_key.partition(":")
    if not start.lstrip("-").isdigit():
        raise ValueError(f"{event_key!r} is not an event key (TYPE:trigger_start)")
    with store.engine.connect().execution_options(marsad_write=True) as c:
        found = c.execute(select(events.c.id).select_from(events.join(documents, documents.c.id == events.c.document_id))
                          .where(events.c.document_id == document_id, events.c.type == typ,
                                 events.c.trigger_start == int(start), visible_documents(viewer, documents))).first()
        if found is None:
            raise ValueError(f"no event {event_key} in document {document_id} that you may see")
        c.execute(insert(event_reviews).values(
            document_id=document_id, event_key=event_key, decision=decision, user_id=viewer.user_id,
            user_name=viewer.name, note=(note or "").strip() or None, created_at=dt.datetime.now(dt.timezone.utc)))
        c.commit()


def who(viewer: Viewer) -> str:
    """How a decision's note names its author: ``web: NAME (user N)``."""
    return f"web: {viewer.name or 'unknown'} (user {viewer.user_id})"
