"""The JSON API under /api: documents, events, entities, claims, places, search, stats, timeline, network,
and the curation writes (event reviews, entity merge/split).

Reads go through store/queries.py, which applies the viewer's TLP visibility to every row: without an API
key only TLP:CLEAR documents and what derives from them are seen. Writes need an API key presented in a
header (``Authorization: Bearer``, ``X-API-Key`` or HTTP Basic): the web interface's session cookie is
for its own CSRF-protected forms, not for cross-site JSON requests. Every write records who and when.

Ids are stable: a document's id is its content hash, an event's ``<document id>:<seq>``, an entity's the
knowledge base's (``country:DZA``, ``per:…``) or a provisional ``new:TYPE:name``.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, Field

from marsad import PIPELINE_VERSION, __version__
from marsad.api.deps import get_store, viewer as viewer_dep
from marsad.store import queries as Q
from marsad.store.access import Viewer

router = APIRouter(prefix="/api", tags=["api"])

Limit = Annotated[int, Query(ge=0, le=Q.MAX_LIMIT, description="Page size (at most 500).")]
Offset = Annotated[int, Query(ge=0, le=Q.MAX_OFFSET, description="Items to skip (at most 10,000,000).")]
DateQ = Annotated[dt.date | None, Query(description="YYYY-MM-DD")]
ViewerDep = Annotated[Viewer, Depends(viewer_dep)]  # async: anonymous requests skip a thread hop
EventType = Annotated[str | None, Query(description="PLOVER type: ASSAULT, AGREE, FIGHT …")]
Actor = Annotated[str | None, Query(description="Entity id of a source or target actor (country:DZA, per:…)")]
Place = Annotated[str | None, Query(description="Entity id of a place (site:sabha, place:2210247 …)")]
Country = Annotated[str | None, Query(description="ISO 3166-1 alpha-3 (DZA, LBY …)")]
SourceKind = Annotated[str | None, Query(description="named_person | named_org | anonymous_official | anonymous | "
                                                     "none (stated without attribution)")]


def _call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Runs a query function, turning its errors into HTTP answers that name the item."""
    try:
        return fn(*args, **kwargs)
    except Q.Forbidden as exc:
        raise HTTPException(401, str(exc), headers={"WWW-Authenticate": "Bearer"})
    except LookupError as exc:
        raise HTTPException(404, str(exc).strip("'\""))
    except ValueError as exc:  # QueryError, EntityError: a request that cannot be done as asked
        raise HTTPException(422, str(exc))


class ResponseCache:
    """Recent GET answers as JSON bytes, keyed by who may see what, the path and the query, and valid
    while the data fingerprint (queries.data_version) is unchanged. The fingerprint is read at most every
    ``check_every`` seconds, so a change made by another process (an ingest) shows within that time; a
    write through this API clears the cache at once. MARSAD_API_CACHE=0 turns it off."""

    def __init__(self, size: int = 4096, check_every: float = 0.5) -> None:
        self.size, self.check_every = size, check_every
        self._items: OrderedDict[tuple, tuple[tuple, bytes]] = OrderedDict()
        self._lock = threading.Lock()
        self._version: tuple = ()
        self._checked = 0.0

    def version(self, store: Any) -> tuple:
        now = time.monotonic()
        if now - self._checked > self.check_every:
            self._version, self._checked = Q.data_version(store), now
        return self._version

    def get(self, key: tuple, version: tuple) -> bytes | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is None or hit[0] != version:
                return None
            self._items.move_to_end(key)
            return hit[1]

    def put(self, key: tuple, version: tuple, body: bytes) -> None:
        with self._lock:
            self._items[key] = (version, body)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._checked = 0.0


def _cache(request: Request) -> ResponseCache | None:
    state = request.app.state
    cache = getattr(state, "api_cache", None)
    if cache is None:
        setting = os.environ.get("MARSAD_API_CACHE", "4096").strip()
        cache = state.api_cache = ResponseCache(int(setting)) if setting not in ("", "0", "off") else False
    return cache or None


def _viewer_key(viewer: Viewer) -> tuple:
    # what decides visibility (store/access.py): authenticated or not, organisation, user, AMBER partners
    return (viewer.system, viewer.user_id, viewer.org_id, tuple(sorted(viewer.partners_of)))


def _cached(request: Request, viewer: Viewer, compute: Callable[[], Any]) -> Response:
    """The JSON answer of ``compute()``, from the cache when the data has not changed since."""
    cache = _cache(request)
    if cache is None:
        return _json(compute(), "off")
    key = (_viewer_key(viewer), request.url.path, tuple(sorted(request.query_params.multi_items())))
    version = cache.version(get_store(request))
    body = cache.get(key, version)
    if body is not None:
        return Response(body, media_type="application/json", headers={"X-Cache": "hit"})
    response = _json(compute(), "miss")
    cache.put(key, version, response.body)
    return response


def _json(data: Any, state: str) -> Response:
    # The read layer returns JSON-ready dicts: json.dumps them as they are and let jsonable_encoder handle
    # only what json cannot (dates, models). Running jsonable_encoder over the whole tree first cost ~20x
    # more on large answers (an entity page: 45 ms vs 2 ms). Non-string dict keys fall back to it entirely.
    try:
        text_ = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=jsonable_encoder)
    except TypeError:
        text_ = json.dumps(jsonable_encoder(data), ensure_ascii=False, separators=(",", ":"))
    body = text_.encode("utf-8")
    return Response(body, media_type="application/json", headers={"X-Cache": state})


def _written(request: Request, result: Any) -> Any:
    cache = _cache(request)
    if cache is not None:
        cache.clear()
    return result


def _found(item: Any, what: str) -> Any:
    if item is None:
        # the same answer for "absent" and "not yours to see", so ids of hidden items leak nothing
        raise HTTPException(404, f"no {what}")
    return item


def require_writer(request: Request, viewer: ViewerDep) -> Viewer:
    """An authenticated user, from an API key in a request header (not the web session)."""
    from marsad.api.deps import presented_key

    headers = request.headers
    in_header = bool(headers.get("x-api-key")) or headers.get("authorization", "").split(" ")[0].lower() in (
        "bearer", "basic")
    if not viewer.authenticated or not in_header or presented_key(request) is None:
        raise HTTPException(401, "writes need a valid API key (Authorization: Bearer mk_…, or X-API-Key)",
                            headers={"WWW-Authenticate": "Bearer"})
    return viewer


WriterDep = Annotated[Viewer, Depends(require_writer)]


# ------------------------------------------------------------------------------------------ reads

@router.get("", summary="Version and who is asking")
@router.get("/me", summary="Version and who is asking")
def me(viewer: ViewerDep) -> dict[str, Any]:
    return {"version": __version__, "pipeline_version": PIPELINE_VERSION, "authenticated": viewer.authenticated,
            "user": viewer.name, "user_id": viewer.user_id, "org_id": viewer.org_id}


@router.get("/stats", summary="Counts over what you may see")
def stats(request: Request, viewer: ViewerDep) -> Response:
    return _cached(request, viewer, lambda: Q.stats(get_store(request), viewer))


@router.get("/documents", summary="Documents, newest first")
def documents(request: Request, viewer: ViewerDep,
              q: Annotated[str | None, Query(description="Full-text query (Arabic-normalised)")] = None,
              outlet: str | None = None, date_from: DateQ = None, date_to: DateQ = None,
              limit: Limit = 50, offset: Offset = 0) -> Response:
    return _cached(request, viewer, lambda: _call(Q.list_documents, get_store(request), viewer, q=q, outlet=outlet, date_from=date_from,
                 date_to=date_to, limit=limit, offset=offset))


@router.get("/documents/{doc_id}", summary="One document: text and all its annotations (contract 1)")
def document(request: Request, viewer: ViewerDep, doc_id: str) -> Response:
    return _cached(request, viewer, lambda: _found(Q.get_document(get_store(request), viewer, doc_id), f"document {doc_id}"))


@router.get("/events", summary="Events with their claim sources, newest first")
def events(request: Request, viewer: ViewerDep, type: EventType = None, actor: Actor = None, place: Place = None,
           country: Country = None, date_from: DateQ = None, date_to: DateQ = None, source_kind: SourceKind = None,
           min_confidence: Annotated[float | None, Query(ge=0, le=1)] = None, mode: str | None = None,
           document_id: str | None = None, limit: Limit = 50, offset: Offset = 0) -> Response:
    return _cached(request, viewer, lambda: _call(Q.list_events, get_store(request), viewer, type=type, actor=actor, place=place, country=country,
                 date_from=date_from, date_to=date_to, source_kind=source_kind, min_confidence=min_confidence,
                 mode=mode, document_id=document_id, limit=limit, offset=offset))


@router.get("/events/{event_id}", summary="One event (id: <document id>:<seq>)")
def event(request: Request, viewer: ViewerDep, event_id: str) -> Response:
    return _cached(request, viewer, lambda: _found(_call(Q.get_event, get_store(request), viewer, event_id), f"event {event_id}"))


@router.get("/events/{event_id}/reviews", summary="Every review of an event, oldest first")
def event_reviews(request: Request, viewer: ViewerDep, event_id: str) -> Response:
    return _cached(request, viewer, lambda: {"event_id": event_id, "reviews": _call(Q.event_reviews_of, get_store(request), viewer, event_id)})


@router.get("/entities", summary="Entities, most documents first")
def entities(request: Request, viewer: ViewerDep,
             q: Annotated[str | None, Query(description="Part of a name, Arabic or Latin")] = None,
             type: Annotated[str | None, Query(description="PER ORG GPE LOC FAC")] = None,
             country: Country = None, limit: Limit = 50, offset: Offset = 0) -> Response:
    return _cached(request, viewer, lambda: _call(Q.list_entities, get_store(request), viewer, q=q, type=type, country=country, limit=limit,
                 offset=offset))


@router.get("/entities/{entity_id:path}", summary="One entity: names, roles, documents, events, co-actors, sources")
def entity(request: Request, viewer: ViewerDep, entity_id: str) -> Response:
    return _cached(request, viewer, lambda: _found(Q.get_entity(get_store(request), viewer, entity_id), f"entity {entity_id}"))


@router.get("/claims", summary="Claims: who says what")
def claims_(request: Request, viewer: ViewerDep, source_kind: SourceKind = None, document_id: str | None = None,
            q: Annotated[str | None, Query(description="Part of the source or of the reported content")] = None,
            limit: Limit = 50, offset: Offset = 0) -> Response:
    return _cached(request, viewer, lambda: _call(Q.list_claims, get_store(request), viewer, source_kind=source_kind, document_id=document_id, q=q,
                 limit=limit, offset=offset))


@router.get("/places", summary="Geocoded places with mention and event counts")
def places(request: Request, viewer: ViewerDep, country: Country = None, limit: Limit = 50,
           offset: Offset = 0) -> Response:
    return _cached(request, viewer, lambda: _call(Q.list_places, get_store(request), viewer, country=country, limit=limit, offset=offset))


@router.get("/search", summary="Full-text search with filters and facet counts")
def search(request: Request, viewer: ViewerDep,
           q: Annotated[str | None, Query(description='Words (all must match), "a phrase" or «عبارة»')] = None,
           type: EventType = None, country: Country = None, outlet: str | None = None, source_kind: SourceKind = None,
           actor: Actor = None, place: Place = None, date_from: DateQ = None, date_to: DateQ = None,
           limit: Limit = 20, offset: Offset = 0) -> Response:
    return _cached(request, viewer, lambda: _call(Q.search, get_store(request), viewer, q, type=type, country=country, outlet=outlet,
                 source_kind=source_kind, actor=actor, place=place, date_from=date_from, date_to=date_to,
                 limit=limit, offset=offset))


@router.get("/timeline", summary="Event counts by period and type")
def timeline(request: Request, viewer: ViewerDep, granularity: Literal["day", "month", "year"] = "month",
             type: EventType = None, actor: Actor = None, place: Place = None, country: Country = None,
             date_from: DateQ = None, date_to: DateQ = None, source_kind: SourceKind = None) -> Response:
    return _cached(request, viewer, lambda: _call(Q.timeline, get_store(request), viewer, granularity=granularity, type=type, actor=actor,
                 place=place, country=country, date_from=date_from, date_to=date_to, source_kind=source_kind))


@router.get("/network", summary="Who acts on whom, weighted by events")
def network(request: Request, viewer: ViewerDep, min_weight: Annotated[int, Query(ge=1)] = 1,
            type: EventType = None, actor: Actor = None, country: Country = None, date_from: DateQ = None,
            date_to: DateQ = None, source_kind: SourceKind = None) -> Response:
    return _cached(request, viewer, lambda: _call(Q.network, get_store(request), viewer, min_weight=min_weight, type=type, actor=actor,
                 country=country, date_from=date_from, date_to=date_to, source_kind=source_kind))


# ------------------------------------------------------------------------------------------ curation (writes)

class ReviewIn(BaseModel):
    decision: Literal["confirm", "reject", "confirmed", "rejected"]
    note: str | None = Field(None, max_length=2000)


class MergeIn(BaseModel):
    into: str = Field(..., min_length=1, description="The entity that absorbs this one")
    note: str | None = Field(None, max_length=2000)


class SplitIn(BaseModel):
    documents: list[str] = Field(..., min_length=1, description="Documents whose mentions become a new entity")
    name: str | None = Field(None, max_length=255)
    note: str | None = Field(None, max_length=2000)


@router.post("/events/{event_id}/review", summary="Confirm or reject an event (recorded with who and when)")
def review_event(request: Request, viewer: WriterDep, event_id: str, body: ReviewIn) -> dict[str, Any]:
    return _written(request, _call(Q.review_event, get_store(request), viewer, event_id, body.decision, body.note))


@router.post("/entities/{entity_id:path}/merge", summary="Merge this entity into another")
def merge_entity(request: Request, viewer: WriterDep, entity_id: str, body: MergeIn) -> dict[str, Any]:
    return _written(request, _call(Q.merge_entities, get_store(request), viewer, entity_id, body.into, body.note))


@router.post("/entities/{entity_id:path}/split", summary="Split some documents' mentions off into a new entity")
def split_entity(request: Request, viewer: WriterDep, entity_id: str, body: SplitIn) -> dict[str, Any]:
    return _written(request, _call(Q.split_entity, get_store(request), viewer, entity_id, body.documents, body.name, body.note))
