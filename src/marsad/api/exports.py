"""Export endpoints under /api/export: the same files as `marsad export`, for what the caller may see
(their API key's viewer; without a key TLP:CLEAR only).

GET /api/export/                 → the formats and filters
GET /api/export/{format}?from=YYYY-MM-DD&to=…&actor=…&place=…&type=…&outlet=…&max_tlp=…
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from marsad.api.deps import get_store, get_viewer, presented_key
from marsad.exports import FORMATS
from marsad.store.access import Viewer

router = APIRouter()

MEDIA_TYPES = {
    "jsonl": ("application/x-ndjson; charset=utf-8", "jsonl"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "parquet": ("application/vnd.apache.parquet", "parquet"),
    "geojson": ("application/geo+json", "geojson"),
    "graphml": ("application/graphml+xml; charset=utf-8", "graphml"),
    "gexf": ("application/gexf+xml; charset=utf-8", "gexf"),
    "stix": ("application/stix+json;version=2.1", "json"),
}


def viewer_or_401(request: Request) -> Viewer:
    """The caller; a key that is presented but unknown or revoked is refused (not silently anonymous)."""
    viewer = get_viewer(request)
    if presented_key(request) and not viewer.authenticated:
        raise HTTPException(status_code=401, detail="unknown or revoked API key",
                            headers={"WWW-Authenticate": 'Basic realm="marsad"'})
    return viewer


def _date(value: Optional[str], name: str) -> Optional[dt.date]:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise HTTPException(status_code=422, detail=f"{name}={value!r} is not a date YYYY-MM-DD")


@router.get("/")
def formats() -> dict:
    return {"formats": list(FORMATS),
            "filters": ["from", "to", "actor", "place", "type", "outlet", "max_tlp"],
            "see": "docs/exports.md"}


@router.get("/{fmt}")
async def export(fmt: str, request: Request,
                 date_from: Optional[str] = Query(None, alias="from"), date_to: Optional[str] = Query(None, alias="to"),
                 actor: Optional[str] = None, place: Optional[str] = None, type: Optional[str] = None,
                 outlet: Optional[str] = None, max_tlp: Optional[str] = None,
                 viewer: Viewer = Depends(viewer_or_401)) -> Response:
    from marsad.exports.render import render
    from marsad.exports.select import ExportFilter

    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise HTTPException(status_code=404, detail=f"no export format {fmt!r}; use one of: {', '.join(FORMATS)}")
    try:
        flt = ExportFilter(date_from=_date(date_from, "from"), date_to=_date(date_to, "to"), actor=actor,
                           place=place, type=type, outlet=outlet, max_tlp=max_tlp)
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=str(exc))
    store = get_store(request)
    # the store proxy gives each worker thread its own Store: render in one thread from start to end
    data, _n = await run_in_threadpool(render, fmt, store, viewer, flt)
    media, ext = MEDIA_TYPES[fmt]
    return Response(content=data, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="marsad-export.{ext}"'})
