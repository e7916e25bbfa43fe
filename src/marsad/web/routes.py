"""HTML pages under / and static files under /static: the Arabic, right-to-left web interface.

Every page reads through ``web/data.py`` with the request's viewer (``api.deps.get_viewer``: the API key kept
in the signed session after login), so a visitor who is not logged in sees TLP:CLEAR documents only. Pages
are rendered by Jinja2 with autoescape on; article text reaches the page only as escaped segment text
(``web/highlight.py``). Every POST checks the session's CSRF token (``web/security.py``).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from marsad.api.deps import get_store, get_viewer
from marsad.store.access import TLP_LEVELS, Sharing, Viewer
from marsad.web import charts, curation, data
from marsad.web.highlight import paragraphs, segments, spans_of
from marsad.web.ingest import JobRunner, read_upload
from marsad.web.security import CSRF_FIELD, check_csrf, csrf_token

HERE = Path(__file__).parent
STATIC = (HERE / "static").resolve()

router = APIRouter()

_env = Environment(loader=FileSystemLoader(str(HERE / "templates")),
                   autoescape=select_autoescape(["html", "xml", "svg"], default_for_string=True, default=True))
templates = Jinja2Templates(env=_env)

# Arabic labels for the values the pages show (data, not logic: one place to translate)
SOURCE_KINDS = {"named_person": "شخص مسمّى", "named_org": "جهة مسمّاة", "anonymous_official": "مسؤول مجهول",
                "anonymous": "مصدر مجهول", "outlet": "الوسيلة الإعلامية"}
TYPES_AR = {"PER": "شخص", "ORG": "منظمة", "GPE": "كيان سياسي", "LOC": "مكان", "FAC": "منشأة", "NORP": "جماعة",
            "TITLE": "صفة"}
FACET_NAMES = {"type": "نوع الحدث", "actor": "الفاعل", "place": "المكان", "country": "البلد", "month": "التاريخ",
               "outlet": "الوسيلة", "source_kind": "نوع المصدر"}
_env.globals.update(SOURCE_KINDS=SOURCE_KINDS, TYPES_AR=TYPES_AR, FACET_NAMES=FACET_NAMES, TLP_LEVELS=TLP_LEVELS,
                    colour=charts.colour, CSRF_FIELD=CSRF_FIELD)

_jobs = JobRunner()


def _render(request: Request, name: str, viewer: Viewer, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    flash = request.session.pop("flash", None)
    return templates.TemplateResponse(request, name, {"viewer": viewer, "csrf": csrf_token(request),
                                                      "flash": flash, "path": request.url.path, **ctx},
                                      status_code=status_code)


def _flash(request: Request, message: str, kind: str = "ok") -> None:
    request.session["flash"] = {"message": message, "kind": kind}


def _back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _not_found(request: Request, viewer: Viewer, what: str) -> HTMLResponse:
    return _render(request, "error.html", viewer, status_code=404,
                   message=f"{what} غير موجود أو غير متاح لك. {'' if viewer.authenticated else 'سجّل الدخول لرؤية المزيد.'}")


def _require_user(request: Request, viewer: Viewer) -> RedirectResponse | None:
    if viewer.authenticated:
        return None
    _flash(request, "هذه الصفحة تتطلب تسجيل الدخول بمفتاح API.", "error")
    return _back(f"/login?{urlencode({'next': request.url.path})}")


# ------------------------------------------------------------------------------------------ static
@router.get("/static/{path:path}", include_in_schema=False)
def static(path: str) -> FileResponse:
    target = (STATIC / path).resolve()
    if STATIC not in target.parents or not target.is_file():
        raise HTTPException(status_code=404, detail=f"no static file {path!r}")
    media = "application/geo+json" if target.suffix == ".geojson" else None
    return FileResponse(target, media_type=media, headers={"Cache-Control": "public, max-age=3600"})


# ------------------------------------------------------------------------------------------ login
@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_form(request: Request, next: str = "/", viewer: Viewer = Depends(get_viewer)) -> HTMLResponse:
    return _render(request, "login.html", viewer, next=next if next.startswith("/") else "/")


@router.post("/login", include_in_schema=False, dependencies=[Depends(check_csrf)])
def login(request: Request, api_key: str = Form(...), next: str = Form("/"), store=Depends(get_store)) -> Response:
    viewer = store.viewer_for_key(api_key.strip())
    if viewer is None:
        _flash(request, "مفتاح API غير صالح أو ملغى.", "error")
        return _back("/login")
    request.session["api_key"] = api_key.strip()
    request.session.pop("csrf", None)  # a new token once logged in
    _flash(request, f"مرحبا {viewer.name}.")
    return _back(next if next.startswith("/") and not next.startswith("//") else "/")


@router.post("/logout", include_in_schema=False, dependencies=[Depends(check_csrf)])
def logout(request: Request) -> Response:
    request.session.clear()
    _flash(request, "تم تسجيل الخروج.")
    return _back("/")


# ------------------------------------------------------------------------------------------ search
def _filters(request: Request, names: tuple[str, ...]) -> dict[str, str | None]:
    return {k: (request.query_params.get(k) or None) for k in names}


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request, q: str = "", page: int = 1, store=Depends(get_store),
         viewer: Viewer = Depends(get_viewer)) -> HTMLResponse:
    filters = _filters(request, (*data.FACETS, "date_from", "date_to"))
    try:
        result = data.search(store, viewer, q, filters, limit=20, offset=(max(page, 1) - 1) * 20)
    except ValueError as exc:  # a date that is not YYYY-MM-DD
        _flash(request, f"مرشح غير صالح: {exc}", "error")
        return _back("/")
    active = {k: v for k, v in filters.items() if v}

    def link(**change: str | None) -> str:
        params = {"q": q, **active, **change}
        return "/?" + urlencode({k: v for k, v in params.items() if v})

    return _render(request, "search.html", viewer, q=q, result=result, active=active, link=link, page=page,
                   stats=data.stats(store, viewer))


# ------------------------------------------------------------------------------------------ reader
@router.get("/documents/{doc_id}", response_class=HTMLResponse, include_in_schema=False)
def document(request: Request, doc_id: str, store=Depends(get_store),
             viewer: Viewer = Depends(get_viewer)) -> HTMLResponse:
    info = data.visible_document(store, viewer, doc_id)
    doc = store.get_document(doc_id) if info else None
    if doc is None:
        return _not_found(request, viewer, f"المقال {doc_id}")
    record = doc.to_record()
    segs = segments(record["text"], spans_of(record))
    reviews = data.reviews_of(store, doc_id)
    for e in record["events"]:
        e["key"] = f"{e['type']}:{e['trigger']['start']}"
        e["review"] = reviews.get(e["key"])
        e["claim_record"] = record["claims"][e["claim"]] if e.get("claim") is not None \
            and e["claim"] < len(record["claims"]) else None
    return _render(request, "document.html", viewer, doc=record, info=info, paragraphs=paragraphs(segs))


# ------------------------------------------------------------------------------------------ entities
@router.get("/entities", response_class=HTMLResponse, include_in_schema=False)
def entities(request: Request, q: str = "", type: str = "", page: int = 1, store=Depends(get_store),
             viewer: Viewer = Depends(get_viewer)) -> HTMLResponse:
    result = data.list_entities(store, viewer, q=q or None, type=type or None, limit=50,
                                offset=(max(page, 1) - 1) * 50)
    return _render(request, "entities.html", viewer, q=q, type=type, result=result, page=page)


@router.get("/entities/{entity_id:path}", response_class=HTMLResponse, include_in_schema=False)
def entity(request: Request, entity_id: str, store=Depends(get_store),
           viewer: Viewer = Depends(get_viewer)) -> HTMLResponse:
    e = data.get_entity(store, viewer, entity_id)
    if e is None:
        return _not_found(request, viewer, f"الكيان {entity_id}")
    tl = charts.timeline_svg(data.timeline(store, viewer, actor=entity_id), width=700, height=220) \
        if e["events"] else None
    return _render(request, "entity.html", viewer, e=e, chart=tl)


@router.post("/entities/merge", include_in_schema=False, dependencies=[Depends(check_csrf)])
def merge(request: Request, source: str = Form(...), target: str = Form(...), store=Depends(get_store),
          viewer: Viewer = Depends(get_viewer)) -> Response:
    if (r := _require_user(request, viewer)):
        return r
    source, target = source.strip(), target.strip()
    # the source must be named in documents the viewer sees; the target may also be a knowledge-base entity
    # no stored article names yet
    for eid in (source, target):
        if data.get_entity(store, viewer, eid) is None and (eid == source or data.kb_entry(eid) is None):
            _flash(request, f"لا يوجد كيان {eid} في المقالات المتاحة لك.", "error")
            return _back(f"/entities/{source}")
    try:
        did, n = store.merge_entities(source, target, note=curation.who(viewer))
    except ValueError as exc:
        _flash(request, f"تعذّر الدمج: {exc}", "error")
        return _back(f"/entities/{source}")
    _flash(request, f"دُمج {source} في {target}: {n} إشارة (القرار رقم {did}).")
    return _back(f"/entities/{target}")


@router.post("/entities/split", include_in_schema=False, dependencies=[Depends(check_csrf)])
async def split(request: Request, store=Depends(get_store), viewer: Viewer = Depends(get_viewer)) -> Response:
    if (r := _require_user(request, viewer)):
        return r
    form = await request.form()
    entity_id = str(form.get("entity_id") or "").strip()
    name = str(form.get("name") or "").strip() or None
    docs = [str(d) for d in form.getlist("documents")]
    visible = [d for d in docs if data.visible_document(store, viewer, d)]
    if not visible:
        _flash(request, f"اختر مقالا واحدا على الأقل لفصل {entity_id}.", "error")
        return _back(f"/entities/{entity_id}")
    try:
        did, new_id, n = store.split_entity(entity_id, visible, name=name, note=curation.who(viewer))
    except ValueError as exc:
        _flash(request, f"تعذّر الفصل: {exc}", "error")
        return _back(f"/entities/{entity_id}")
    _flash(request, f"فُصلت {n} إشارة من {entity_id} في كيان جديد {new_id} (القرار رقم {did}).")
    return _back(f"/entities/{new_id}")


# ------------------------------------------------------------------------------------------ events
EVENT_FILTERS = ("type", "actor", "place", "country", "date_from", "date_to", "source_kind", "document_id",
                 "decision")


def _export_csv_url(request: Request) -> str | None:
    """The exports engineer's CSV route when the app has one."""
    for r in request.app.routes:
        if getattr(r, "path", None) == "/api/export/events.csv":
            return "/api/export/events.csv"
    return None


@router.get("/events", response_class=HTMLResponse, include_in_schema=False)
def events_page(request: Request, page: int = 1, store=Depends(get_store),
                viewer: Viewer = Depends(get_viewer)) -> HTMLResponse:
    f = _filters(request, EVENT_FILTERS)
    result = data.list_events(store, viewer, **f, limit=100, offset=(max(page, 1) - 1) * 100)
    active = {k: v for k, v in f.items() if v}
    export = _export_csv_url(request)
    csv_url = (export if export else "/events.csv") + ("?" + urlencode(active) if active else "")
    return _render(request, "events.html", viewer, result=result, f=f, active=active, csv_url=csv_url,
                   page=page, types=charts.PLOVER)


CSV_FIELDS = ("id", "document_id", "published", "date", "type", "mode", "trigger", "source", "target", "place",
              "lat", "lon", "dead", "injured", "size", "confidence", "claim_source", "claim_source_kind",
              "review", "tlp", "outlet", "title")


@router.get("/events.csv", include_in_schema=False)
def events_csv(request: Request, store=Depends(get_store), viewer: Viewer = Depends(get_viewer)) -> Response:
    """The filtered events table as CSV, each row with its claim's source and kind (a claim is not a fact)."""
    f = _filters(request, EVENT_FILTERS)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_FIELDS)
    for e in data.list_events(store, viewer, **f, limit=None)["items"]:
        loc = e["location"] or {}
        claim = e["claim"] or {}
        w.writerow([e["id"], e["document_id"], e["published"], e["date"], e["type"], e["mode"], e["trigger"],
                    "; ".join(a["text"] or "" for a in e["source"]), "; ".join(a["text"] or "" for a in e["target"]),
                    loc.get("text"), loc.get("lat"), loc.get("lon"), e["dead"], e["injured"], e["size"],
                    e["confidence"], claim.get("source"), claim.get("source_kind"),
                    (e["review"] or {}).get("decision"), e["tlp"], e["outlet"], e["title"]])
    return Response("\ufeff" + buf.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="marsad-events.csv"'})


@router.post("/events/review", include_in_schema=False, dependencies=[Depends(check_csrf)])
def review(request: Request, document_id: str = Form(...), event_key: str = Form(...), decision: str = Form(...),
           note: str = Form(""), next: str = Form(""), store=Depends(get_store),
           viewer: Viewer = Depends(get_viewer)) -> Response:
    if (r := _require_user(request, viewer)):
        return r
    try:
        curation.review_event(store, viewer, document_id, event_key, decision, note)
    except ValueError as exc:
        _flash(request, str(exc), "error")
    else:
        _flash(request, f"سُجّل القرار ({decision}) على الحدث {event_key}.")
    return _back(next if next.startswith("/") and not next.startswith("//") else f"/documents/{document_id}")


# ------------------------------------------------------------------------------------------ views
@router.get("/timeline", response_class=HTMLResponse, include_in_schema=False)
def timeline(request: Request, store=Depends(get_store), viewer: Viewer = Depends(get_viewer)) -> HTMLResponse:
    f = {k: v for k, v in _filters(request, ("actor", "place", "country", "source_kind", "type")).items() if v}
    tl = data.timeline(store, viewer, **f)
    return _render(request, "timeline.html", viewer, chart=charts.timeline_svg(tl), data=tl, f=f)


@router.get("/network", response_class=HTMLResponse, include_in_schema=False)
def network(request: Request, store=Depends(get_store), viewer: Viewer = Depends(get_viewer)) -> HTMLResponse:
    f = {k: v for k, v in _filters(request, ("type", "country", "source_kind")).items() if v}
    graph = data.network(store, viewer, **f)
    return _render(request, "network.html", viewer, graph=graph, chart=charts.network_svg(graph), f=f,
                   types=charts.PLOVER)


@router.get("/map", response_class=HTMLResponse, include_in_schema=False)
def map_page(request: Request, store=Depends(get_store), viewer: Viewer = Depends(get_viewer)) -> HTMLResponse:
    points = {"places": data.places(store, viewer), "events": data.event_points(store, viewer)}
    return _render(request, "map.html", viewer, points=points)


# ------------------------------------------------------------------------------------------ ingest
@router.get("/ingest", response_class=HTMLResponse, include_in_schema=False)
def ingest_form(request: Request, viewer: Viewer = Depends(get_viewer)) -> Response:
    if (r := _require_user(request, viewer)):
        return r
    return _render(request, "ingest.html", viewer)


@router.post("/ingest", include_in_schema=False, dependencies=[Depends(check_csrf)])
async def ingest(request: Request, text: str = Form(""), title: str = Form(""), outlet: str = Form(""),
                 published: str = Form(""), url: str = Form(""), tlp: str = Form("CLEAR"),
                 files: list[UploadFile] = File(default=[]), store=Depends(get_store),
                 viewer: Viewer = Depends(get_viewer)) -> Response:
    if (r := _require_user(request, viewer)):
        return r
    try:
        sharing = Sharing(org_id=viewer.org_id, tlp=tlp, created_by=viewer.user_id)
        if published:
            dt.date.fromisoformat(published)
    except ValueError as exc:
        _flash(request, f"تعذّر الإدخال: {exc}", "error")
        return _back("/ingest")
    meta = {"title": title or None, "published": published or None, "outlet": outlet or None, "url": url or None}
    entries = []
    if text.strip():
        entries += read_upload("نص ملصق", text.encode("utf-8"), fmt="txt", **meta)
    for f in files:
        if f.filename:
            entries += read_upload(f.filename, await f.read(), **{**meta, "title": None})
    if not entries:
        _flash(request, "الصق نصا أو اختر ملفا.", "error")
        return _back("/ingest")
    job = _jobs.start(store, entries, sharing, viewer.user_id)
    return _back(f"/ingest/jobs/{job.id}")


def _job_for(job_id: str, viewer: Viewer):  # noqa: ANN202
    job = _jobs.get(job_id)
    if job is None or job.user_id != viewer.user_id:
        return None
    return job


@router.get("/ingest/jobs/{job_id}.json", include_in_schema=False)
def ingest_job_json(job_id: str, viewer: Viewer = Depends(get_viewer)) -> JSONResponse:
    job = _job_for(job_id, viewer)
    if job is None:
        raise HTTPException(status_code=404, detail=f"no ingest job {job_id}")
    return JSONResponse(job.as_dict())


@router.get("/ingest/jobs/{job_id}", response_class=HTMLResponse, include_in_schema=False)
def ingest_job(request: Request, job_id: str, viewer: Viewer = Depends(get_viewer)) -> HTMLResponse:
    job = _job_for(job_id, viewer)
    if job is None:
        return _not_found(request, viewer, f"مهمة الإدخال {job_id}")
    return _render(request, "ingest_job.html", viewer, job=job.as_dict())
