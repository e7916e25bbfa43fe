"""Export endpoints under /api/export: the same files as `marsad export`, for what the caller may see
(their API key's viewer; without a key TLP:CLEAR only).

GET /api/export/                 → the formats and filters
GET /api/export/{format}?from=YYYY-MM-DD&to=…&actor=…&place=…&type=…&outlet=…&max_tlp=…&limit=…&offset=…

One response holds at most ``MAX_DOCUMENTS`` documents: the file is built in memory, so a larger selection
is a 413 naming its size, unless the caller pages it (``limit`` ≤ MAX_DOCUMENTS, ``offset``; headers
``X-Total-Documents`` and ``X-Next-Offset``). Whole-database exports are `marsad export` on the server.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Optional

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from marsad.api.deps import get_store, get_viewer
from marsad.exports import FORMATS
from marsad.store.access import Viewer

router = APIRouter()

MAX_DOCUMENTS = 1000  # documents in one API export response (read at request time: tests lower it)

MEDIA_TYPES = {
    "jsonl": ("application/x-ndjson; charset=utf-8", "jsonl"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "parquet": ("application/vnd.apache.parquet", "parquet"),
    "geojson": ("application/geo+json", "geojson"),
    "graphml": ("application/graphml+xml; charset=utf-8", "graphml"),
    "gexf": ("application/gexf+xml; charset=utf-8", "gexf"),
    "stix": ("application/stix+json;version=2.1", "json"),
}


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
            "paging": {"limit": f"1 to {MAX_DOCUMENTS} documents", "offset": "documents to skip"},
            "see": "docs/exports.md"}


@router.get("/{fmt}")
async def export(fmt: str, request: Request,
                 date_from: Optional[str] = Query(None, alias="from"), date_to: Optional[str] = Query(None, alias="to"),
                 actor: Optional[str] = None, place: Optional[str] = None, type: Optional[str] = None,
                 outlet: Optional[str] = None, max_tlp: Optional[str] = None,
                 limit: Optional[int] = Query(None, ge=1), offset: int = Query(0, ge=0),
                 viewer: Viewer = Depends(get_viewer)) -> Response:
    from marsad.exports.render import render
    from marsad.exports.select import ExportFilter, count_documents

    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise HTTPException(status_code=404, detail=f"no export format {fmt!r}; use one of: {', '.join(FORMATS)}")
    try:
        flt = ExportFilter(date_from=_date(date_from, "from"), date_to=_date(date_to, "to"), actor=actor,
                           place=place, type=type, outlet=outlet, max_tlp=max_tlp)
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=str(exc))
    cap = MAX_DOCUMENTS
    if limit is not None and limit > cap:
        raise HTTPException(status_code=400, detail=f"limit={limit} is more than the {cap} documents one export "
                                                    "request may hold")
    store = get_store(request)

    def run() -> tuple[bytes, int, int]:
        # the store proxy gives each worker thread its own Store: count and render in one thread
        total = count_documents(store, viewer, flt)
        if limit is None and total - offset > cap:
            raise HTTPException(status_code=413, detail=(
                f"this export holds {total} documents, more than the {cap} one request may return: narrow it "
                f"(from, to, actor, place, type, outlet, max_tlp), page it (limit≤{cap}, offset), or run "
                "`marsad export` on the server"))
        page = dataclasses.replace(flt, limit=limit or cap, offset=offset)
        data, _n = render(fmt, store, viewer, page)
        return data, total, offset + (limit or cap)

    data, total, end = await run_in_threadpool(run)
    media, ext = MEDIA_TYPES[fmt]
    headers = {"Content-Disposition": f'attachment; filename="marsad-export.{ext}"',
               "X-Total-Documents": str(total)}
    if end < total:
        headers["X-Next-Offset"] = str(end)
    return Response(content=data, media_type=media, headers=headers)
