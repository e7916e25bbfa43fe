"""A read-only TAXII 2.1 server under /taxii2, serving the STIX export (marsad.exports.stix) of what the
caller may see.

- GET /taxii2/                                     discovery
- GET /taxii2/api/                                 the API root
- GET /taxii2/api/collections/                     one collection: the knowledge base
- GET /taxii2/api/collections/{id}/                that collection
- GET /taxii2/api/collections/{id}/objects/        envelope; added_after, limit/next, match[id|type|version|spec_version]
- GET /taxii2/api/collections/{id}/objects/{oid}/  envelope of one object
- GET /taxii2/api/collections/{id}/objects/{oid}/versions/
- GET /taxii2/api/collections/{id}/manifest/

Authentication: an API key as the password of HTTP Basic (what TAXII clients send), or ``Authorization:
Bearer``/``X-API-Key``. Without a key the caller sees TLP:CLEAR only; a wrong key is a 401. Every object
comes from the documents ``visible_documents(viewer)`` admits (exports.select). Built objects are cached per
visibility class (``visibility_class``), not per caller.
"""
from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from collections import OrderedDict
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from marsad.api.deps import UnknownKey, get_store, get_viewer
from marsad.exports.stix import NAMESPACE, build
from marsad.store.access import ANONYMOUS, SYSTEM, Viewer, visible_documents
from marsad.store.schema import documents, entity_decisions, runs

router = APIRouter()

TAXII = "application/taxii+json;version=2.1"
STIX = "application/stix+json;version=2.1"
COLLECTION_ID = str(uuid.uuid5(NAMESPACE, "taxii:collection:knowledge-base"))
MAX_PAGE = 1000  # objects per response at most (a client's larger limit is lowered to this)


class TaxiiError(Exception):
    def __init__(self, status: int, title: str, description: str = "") -> None:
        super().__init__(title)
        self.status, self.title, self.description = status, title, description


def error_response(status: int, title: str, description: str = "") -> JSONResponse:
    body = {"title": title, "http_status": str(status)}
    if description:
        body["description"] = description
    headers = {"WWW-Authenticate": 'Basic realm="marsad TAXII"'} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=TAXII, headers=headers)


def _taxii(body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, media_type=TAXII, headers=headers)


def _check(request: Request) -> Viewer:
    """The caller, after the TAXII checks every request gets: an acceptable Accept header and a valid key
    when one is presented."""
    accept = request.headers.get("accept", "").replace(" ", "")
    if accept and not any(a in accept for a in ("application/taxii+json", "*/*", "application/*", "application/json")):
        raise TaxiiError(406, "Not Acceptable", f"this server answers {TAXII}; the request accepts {accept!r}")
    if "version=" in accept and "application/taxii+json" in accept and "version=2.1" not in accept:
        raise TaxiiError(406, "Not Acceptable", "only TAXII version 2.1 is served")
    try:
        return get_viewer(request)
    except UnknownKey:
        raise TaxiiError(401, "Unauthorized", "unknown or revoked API key")


def _ts(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_ts(value: str, name: str) -> dt.datetime:
    try:
        got = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise TaxiiError(400, "Bad Request", f"{name}={value!r} is not a timestamp (2024-01-31T12:00:00.000Z)")
    return got if got.tzinfo else got.replace(tzinfo=dt.timezone.utc)


# -- the objects a viewer sees, cached while the database does not change ------------------------------

_cache: OrderedDict[tuple, list[tuple[dt.datetime, dict[str, Any]]]] = OrderedDict()
_cache_lock = threading.Lock()


def visibility_class(store: Any, viewer: Viewer) -> Viewer:
    """The smallest viewer that sees exactly what ``viewer`` sees: the cache key and the viewer the objects
    are built for, so that callers who see the same documents share one entry (every anonymous caller;
    every user whose organisation owns nothing restricted; the users of one organisation who ingested no
    RED article themselves), and rotating callers do not force rebuilds."""
    if viewer.system:
        return SYSTEM
    if not viewer.authenticated:
        return ANONYMOUS
    restricted = ("AMBER", "AMBER+STRICT", "RED")
    d = documents
    with store._read() as s:  # noqa: SLF001
        owners = set(s.execute(select(d.c.org_id).distinct().where(
            d.c.tlp.in_(restricted), d.c.org_id.in_([viewer.org_id, *viewer.partners_of]))).scalars())
        own_red = s.execute(select(func.count()).select_from(d).where(
            d.c.tlp == "RED", d.c.created_by == viewer.user_id)).scalar_one()
    # user -1 matches no created_by: the same view as a user who ingested no RED article
    return Viewer(user_id=viewer.user_id if own_red else -1,
                  org_id=viewer.org_id if viewer.org_id in owners else None,
                  partners_of=frozenset(viewer.partners_of & owners))


def _state(store: Any, viewer: Viewer) -> tuple:
    """What the viewer's objects depend on: their visible documents, the latest run (ingest, reanalyse,
    import) and the entity decisions. Cheap to ask for; a change makes a new cache entry."""
    with store._read() as s:  # noqa: SLF001
        n, last = s.execute(select(func.count(), func.max(documents.c.ingested_at))
                            .where(visible_documents(viewer, documents))).one()
        run = s.execute(select(func.max(runs.c.id), func.max(runs.c.finished_at))).one()
        dec = s.execute(select(func.count(), func.count(entity_decisions.c.undone_at))).one()
    return (store.url, viewer, n, str(last), tuple(map(str, run)), tuple(dec))


def objects_for(store: Any, viewer: Viewer) -> list[tuple[dt.datetime, dict[str, Any]]]:
    """(date_added, object) of every STIX object ``viewer`` may see, oldest added first."""
    viewer = visibility_class(store, viewer)
    key = _state(store, viewer)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    built = build(store, viewer)
    rows = sorted(((built.date_added[o.id], json.loads(o.serialize())) for o in built.objects),
                  key=lambda r: (r[0], r[1]["id"]))
    with _cache_lock:
        _cache[key] = rows
        while len(_cache) > 8:
            _cache.popitem(last=False)
    return rows


def _version(obj: dict[str, Any]) -> str:
    return obj.get("modified") or obj.get("created") or ""


def _filtered(rows: list[tuple[dt.datetime, dict[str, Any]]], params: Any, *,
              object_id: str | None = None) -> list[tuple[dt.datetime, dict[str, Any]]]:
    added_after = params.get("added_after")
    after = _parse_ts(added_after, "added_after") if added_after else None
    ids = {object_id} if object_id else set(filter(None, (params.get("match[id]") or "").split(",")))
    types = set(filter(None, (params.get("match[type]") or "").split(",")))
    specs = set(filter(None, (params.get("match[spec_version]") or "").split(",")))
    versions = [v for v in (params.get("match[version]") or "last").split(",") if v]
    stamps = {_parse_ts(v, "match[version]") for v in versions if v not in ("last", "first", "all")}
    out = []
    for added, obj in rows:
        if after and added <= after:
            continue
        if ids and obj["id"] not in ids:
            continue
        if types and obj["type"] not in types:
            continue
        if specs and obj.get("spec_version", "2.1") not in specs:
            continue
        # one version per object: last, first and all are that version; a timestamp must equal it
        if stamps and not any(_version(obj) and _parse_ts(_version(obj), "modified") == t for t in stamps):
            if not {"last", "first", "all"} & set(versions):
                continue
        out.append((added, obj))
    return out


def _page(rows: list, params: Any) -> tuple[list, bool, str | None]:
    try:
        limit = int(params.get("limit") or MAX_PAGE)
        start = int(params.get("next") or 0)
    except ValueError:
        raise TaxiiError(400, "Bad Request", "limit must be a number, next a token this server gave")
    if limit < 1 or start < 0:
        raise TaxiiError(400, "Bad Request", "limit must be at least 1")
    limit = min(limit, MAX_PAGE)
    page = rows[start:start + limit]
    more = start + limit < len(rows)
    return page, more, str(start + limit) if more else None


def _page_headers(page: list) -> dict[str, str]:
    if not page:
        return {}
    return {"X-TAXII-Date-Added-First": _ts(page[0][0]), "X-TAXII-Date-Added-Last": _ts(page[-1][0])}


def _collection() -> dict[str, Any]:
    return {"id": COLLECTION_ID, "title": "marsad knowledge base",
            "description": "Articles (report), actors (identity, threat-actor), places (location), events "
                           "(relationship) and claims (note) as STIX 2.1, each with its document's TLP marking.",
            "can_read": True, "can_write": False, "media_types": [STIX]}


def _need_collection(cid: str) -> None:
    if cid != COLLECTION_ID:
        raise TaxiiError(404, "Not Found", f"no collection {cid!r} (see /taxii2/api/collections/)")


async def _run(request: Request, handler: Any, *args: Any) -> JSONResponse:
    """Checks, then the handler in a worker thread (the store proxy gives it its own Store); TAXII errors
    become TAXII error messages."""
    try:
        viewer = _check(request)
        return await run_in_threadpool(handler, request, viewer, *args)
    except TaxiiError as exc:
        return error_response(exc.status, exc.title, exc.description)


# -- endpoints -------------------------------------------------------------------------------------------


@router.get("/")
async def discovery(request: Request) -> JSONResponse:
    def handler(req: Request, _viewer: Viewer) -> JSONResponse:
        root = str(req.url_for("taxii_api_root"))
        return _taxii({"title": "marsad TAXII 2.1", "description": "The marsad knowledge base as STIX 2.1",
                       "default": root, "api_roots": [root]})
    return await _run(request, handler)


@router.get("/api/", name="taxii_api_root")
async def api_root(request: Request) -> JSONResponse:
    def handler(_req: Request, _viewer: Viewer) -> JSONResponse:
        return _taxii({"title": "marsad", "description": "Read-only: articles, actors, places, events, claims",
                       "versions": [TAXII], "max_content_length": 10 * 1024 * 1024})
    return await _run(request, handler)


@router.get("/api/collections/")
async def collections(request: Request) -> JSONResponse:
    return await _run(request, lambda _r, _v: _taxii({"collections": [_collection()]}))


@router.get("/api/collections/{cid}/")
async def collection(request: Request, cid: str) -> JSONResponse:
    def handler(_req: Request, _viewer: Viewer) -> JSONResponse:
        _need_collection(cid)
        return _taxii(_collection())
    return await _run(request, handler)


def _objects(req: Request, viewer: Viewer, cid: str, object_id: str | None = None) -> JSONResponse:
    _need_collection(cid)
    rows = _filtered(objects_for(get_store(req), viewer), req.query_params, object_id=object_id)
    if object_id and not rows:
        raise TaxiiError(404, "Not Found", f"no object {object_id!r} that you may see in this collection")
    page, more, nxt = _page(rows, req.query_params)
    body: dict[str, Any] = {"more": more}
    if nxt:
        body["next"] = nxt
    if page:
        body["objects"] = [o for _, o in page]
    return _taxii(body, _page_headers(page))


@router.get("/api/collections/{cid}/objects/")
async def get_objects(request: Request, cid: str) -> JSONResponse:
    return await _run(request, _objects, cid)


@router.get("/api/collections/{cid}/objects/{object_id}/")
async def get_object(request: Request, cid: str, object_id: str) -> JSONResponse:
    return await _run(request, _objects, cid, object_id)


@router.get("/api/collections/{cid}/objects/{object_id}/versions/")
async def get_versions(request: Request, cid: str, object_id: str) -> JSONResponse:
    def handler(req: Request, viewer: Viewer) -> JSONResponse:
        _need_collection(cid)
        rows = [r for r in objects_for(get_store(req), viewer) if r[1]["id"] == object_id]
        if not rows:
            raise TaxiiError(404, "Not Found", f"no object {object_id!r} that you may see in this collection")
        return _taxii({"more": False, "versions": [_version(rows[0][1])]}, _page_headers(rows))
    return await _run(request, handler)


@router.get("/api/collections/{cid}/manifest/")
async def get_manifest(request: Request, cid: str) -> JSONResponse:
    def handler(req: Request, viewer: Viewer) -> JSONResponse:
        _need_collection(cid)
        rows = _filtered(objects_for(get_store(req), viewer), req.query_params)
        page, more, nxt = _page(rows, req.query_params)
        body: dict[str, Any] = {"more": more}
        if nxt:
            body["next"] = nxt
        if page:
            body["objects"] = [{"id": o["id"], "date_added": _ts(a), "version": _version(o), "media_type": STIX}
                               for a, o in page]
        return _taxii(body, _page_headers(page))
    return await _run(request, handler)


@router.post("/api/collections/{cid}/objects/")
async def add_objects(request: Request, cid: str) -> JSONResponse:
    def handler(_req: Request, _viewer: Viewer) -> JSONResponse:
        _need_collection(cid)
        raise TaxiiError(403, "Forbidden", "this collection is read-only (can_write: false); "
                                           "import bundles with `marsad import`")
    return await _run(request, handler)


@router.delete("/api/collections/{cid}/objects/{object_id}/")
async def delete_object(request: Request, cid: str, object_id: str) -> JSONResponse:
    return await add_objects(request, cid)


@router.get("/api/status/{status_id}/")
async def status(request: Request, status_id: str) -> JSONResponse:
    def handler(_req: Request, _viewer: Viewer) -> JSONResponse:
        raise TaxiiError(404, "Not Found", f"no status {status_id!r}: this server accepts no writes")
    return await _run(request, handler)
