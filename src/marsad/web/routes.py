"""HTML pages under / and static files under /static: the Arabic, right-to-left web interface.

Every page reads through ``store/queries.py`` (the API's read layer; ``web/data.py`` only shapes its
answers for the templates) with the request's viewer (``api.deps.get_viewer``: the server-side web session
whose random token the signed cookie holds after login; never the API key itself), so a visitor who is not logged in sees TLP:CLEAR documents only. Pages
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

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import UploadFile as StarletteUploadFile

from marsad.api.deps import SESSION_KEY, get_store, get_viewer
from marsad.exports.common import safe_cell
from marsad.store import queries
from marsad.store.access import TLP_LEVELS, Sharing, Viewer
from marsad.web import charts, data
from marsad.web.highlight import paragraphs, segments, spans_of
from marsad.web.ingest import JobRunner, read_upload
from marsad.web.security import CSRF_FIELD, CSRF_HEADER, check_csrf, csrf_token, form_csrf_ok, safe_url

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
                    colour=charts.colour, CSRF_FIELD=CSRF_FIELD, safe_url=safe_url,
                    csv_max=queries.MAX_EXPORT)
MAX_PAGE = 10_000  # deeper pages are a scan, not a read
MAX_INGEST_BYTES = 20 * 1024 * 1024  # one ingest form, every file and field together (counted while read)


def _page_no(page: int) -> int:
    return min(max(int(page), 1), MAX_PAGE)

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


@router.get("/docs", include_in_schema=False)
def swagger_docs(request: Request) -> HTMLResponse:
    """Swagger UI from the vendored swagger-ui-dist (static/vendor/swagger-ui): works without internet."""
    base = "/static/vendor/swagger-ui"
    return get_swagger_ui_html(openapi_url=request.app.openapi_url or "/openapi.json",
                               title=f"{request.app.title} — API", swagger_js_url=f"{base}/swagger-ui-bundle.js",
                               swagger_css_url=f"{base}/swagger-ui.css", swagger_favicon_url=f"{base}/favicon-32x32.png")


# ------------------------------------------------------------------------------------------ login
@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_form(request: Request, next: str = "/", viewer: Viewer = Depends(get_viewer)) -> HTMLResponse:
    return _render(request, "login.html", viewer, next=next if next.startswith("/") else "/")


@router.post("/login", include_in_schema=False, dependencies=[Depends(check_csrf)])
def login(request: Request, api_key: str = Form(...), next: str = Form("/"), store=Depends(get_store)) -> Response:
    viewer = store.viewer_for_key(api_key.strip())
    token = store.create_web_session(api_key.strip()) if viewer is not None else None
    if viewer is None or token is None:
        _flash(request, "مفتاح API غير صالح أو ملغى.", "error")
        return _back("/login")
    old = request.session.get(SESSION_KEY)
    if old:
        store.revoke_web_session(old)
    request.session.clear()  # a fresh session (new CSRF token): nothing of the anonymous one carries over
    request.session[SESSION_KEY] = token  # the cookie holds the session's token only, never the key
    _flash(request, f"مرحبا {viewer.name}.")
    return _back(next if next.startswith("/") and not next.startswith("//") else "/")


@router.post("/logout", include_in_schema=False, dependencies=[Depends(check_csrf)])
def logout(request: Request, store=Depends(get_store)) -> Response:
    token = request.session.get(SESSION_KEY)
    if token:
        store.revoke_web_session(token)  # a copy of the cookie no longer logs anyone in
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
        result = queries.search(store, viewer, q or None, **data.search_filters(filters), limit=20,
                                offset=(_page_no(page) - 1) * 20)
    except ValueError as exc:  # a date that is not YYYY-MM-DD, a month that is not YYYY-MM
        _flash(request, f"مرشح غير صالح: {exc}", "error")
        return _back("/")
    titles = data.name_untitled(store, viewer, result["items"])
    for h in result["items"]:
        h["title"] = titles[h["id"]]
    result["facets"] = data.page_facets(result["facets"])
    active = {k: v for k, v in filters.items() if v}

    def link(**change: str | None) -> str:
        params = {"q": q, **active, **change}
        return "/?" + urlencode({k: v for k, v in params.items() if v})

    return _render(request, "search.html", viewer, q=q, result=result, active=active, link=link, page=page,
                   stats=queries.stats(store, viewer))


# ------------------------------------------------------------------------------------------ reader
@router.get("/documents/{doc_id}", response_class=HTMLResponse, include_in_schema=False)
def document(request: Request, doc_id: str, store=Depends(get_store),
             viewer: Viewer = Depends(get_viewer)) -> HTMLResponse:
    record = queries.get_document(store, viewer, doc_id)
    if record is None:
        return _not_found(request, viewer, f"المقال {doc_id}")
    segs = segments(record["text"], spans_of(record))
    info = {**record, "title": data.display_title(record["title"], record["text"][:200])}
    return _render(request, "document.html", viewer, doc=record, info=info, paragraphs=paragraphs(segs))


# ------------------------------------------------------------------------------------------ entities
@router.get("/entities", response_class=HTMLResponse, include_in_schema=False)
def entities(request: Request, q: str = "", type: str = "", page: int = 1, store=Depends(get_store),
             viewer: Viewer = Depends(get_viewer)) -> HTMLResponse:
    result = queries.list_entities(store, viewer, q=q or None, type=type or None, limit=50,
                                offset=(_page_no(page) - 1) * 50)
    return _render(request, "entities.html", viewer, q=q, type=type, result=result, page=page)


@router.get("/entities/{entity_id:path}", response_class=HTMLResponse, include_in_schema=False)
def entity(request: Request, entity_id: str, store=Depends(get_store),
           viewer: Viewer = Depends(get_viewer)) -> HTMLResponse:
    e = queries.get_entity(store, viewer, entity_id)
    if e is None:
        return _not_found(request, viewer, f"الكيان {entity_id}")
    titles = data.name_untitled(store, viewer, e["documents"])
    for d in e["documents"]:
        d["title"] = titles[d["id"]]
    tl = charts.timeline_svg(data.timeline_chart(queries.timeline(store, viewer, actor=entity_id)), width=700,
                             height=220) if e["events"] else None
    return _render(request, "entity.html", viewer, e=e, chart=tl)


@router.post("/entities/merge", include_in_schema=False, dependencies=[Depends(check_csrf)])
def merge(request: Request, source: str = Form(...), target: str = Form(...), store=Depends(get_store),
          viewer: Viewer = Depends(get_viewer)) -> Response:
    if (r := _require_user(request, viewer)):
        return r
    source, target = source.strip(), target.strip()
    # the source must be named in documents the viewer sees (queries.merge_entities checks); the target too,
    # or be a knowledge-base entity no stored article names yet
    if queries.get_entity(store, viewer, target, max_items=0) is None and not _in_kb(target):
        _flash(request, f"لا يوجد كيان {target} في المقالات المتاحة لك.", "error")
        return _back(f"/entities/{source}")
    try:
        done = queries.merge_entities(store, viewer, source, target, note="web")
    except LookupError:
        _flash(request, f"لا يوجد كيان {source} في المقالات المتاحة لك.", "error")
        return _back(f"/entities/{source}")
    except ValueError as exc:
        _flash(request, f"تعذّر الدمج: {exc}", "error")
        return _back(f"/entities/{source}")
    _flash(request, f"دُمج {source} في {target}: {done['changed']} إشارة (القرار رقم {done['decision']}).")
    return _back(f"/entities/{target}")


@router.post("/entities/split", include_in_schema=False, dependencies=[Depends(check_csrf)])
async def split(request: Request, store=Depends(get_store), viewer: Viewer = Depends(get_viewer)) -> Response:
    if (r := _require_user(request, viewer)):
        return r
    form = await request.form()
    entity_id = str(form.get("entity_id") or "").strip()
    name = str(form.get("name") or "").strip() or None
    docs = [str(d) for d in form.getlist("documents")]
    if not docs:
        _flash(request, f"اختر مقالا واحدا على الأقل لفصل {entity_id}.", "error")
        return _back(f"/entities/{entity_id}")
    try:
        done = queries.split_entity(store, viewer, entity_id, docs, name=name, note="web")
    except (LookupError, ValueError) as exc:  # a document not visible to the viewer, an unknown entity
        _flash(request, f"تعذّر الفصل: {exc}", "error")
        return _back(f"/entities/{entity_id}")
    new_id = done["new_id"]
    _flash(request, f"فُصلت {done['changed']} إشارة من {entity_id} في كيان جديد {new_id} (القرار رقم {done['decision']}).")
    return _back(f"/entities/{new_id}")


def _in_kb(entity_id: str) -> bool:
    """Whether the knowledge base (data, kb/data) knows the entity; a page still works without it."""
    try:
        from marsad.kb.entities import load
        return load().get(entity_id) is not None
    except Exception:  # noqa: BLE001
        return False


# ------------------------------------------------------------------------------------------ events
EVENT_FILTERS = ("type", "actor", "place", "country", "date_from", "date_to", "source_kind", "document_id",
                 "decision")


@router.get("/events", response_class=HTMLResponse, include_in_schema=False)
def events_page(request: Request, page: int = 1, store=Depends(get_store),
                viewer: Viewer = Depends(get_viewer)) -> HTMLResponse:
    f = _filters(request, EVENT_FILTERS)
    try:
        result = _events(store, viewer, f, limit=100, offset=(_page_no(page) - 1) * 100)
    except ValueError as exc:  # a date or a review state the read layer does not know
        _flash(request, f"مرشح غير صالح: {exc}", "error")
        return _back("/events")
    active = {k: v for k, v in f.items() if v}
    csv_url = "/events.csv" + ("?" + urlencode(active) if active else "")
    return _render(request, "events.html", viewer, result=result, f=f, active=active, csv_url=csv_url,
                   page=page, types=charts.PLOVER)


def _events(store: Any, viewer: Viewer, f: dict[str, str | None], **page: Any) -> dict:
    """The events table: queries.browse_events with the form's filters, each row with its day and title."""
    kw = {k: v for k, v in f.items() if v}
    if kw.get("date_to"):
        kw["date_to"] = data.period_end(kw["date_to"])
    result = queries.browse_events(store, viewer, **kw, **page)
    titles = data.name_untitled(store, viewer, result["items"], id_key="document_id",
                                title=lambda e: e["document"]["title"])
    for e in result["items"]:
        e["day"] = data.event_day(e)
        e["title"] = titles[e["document_id"]]
    return result


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
    try:
        result = _events(store, viewer, f, limit=None)  # at most queries.MAX_EXPORT rows
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=str(exc))
    rows = result["items"]
    for e in rows:
        loc = e["location"] or {}
        claim = e["claim_source"] or {}
        doc = e["document"]
        # article text (titles, names, sources) goes into a spreadsheet: no cell may start a formula
        w.writerow([safe_cell(v) for v in (
            e["id"], e["document_id"], doc["published"], e["day"], e["type"], e["mode"], e["trigger"]["text"],
            "; ".join(a["text"] or "" for a in e["source"]), "; ".join(a["text"] or "" for a in e["target"]),
            loc.get("text"), loc.get("lat"), loc.get("lon"), e["dead"], e["injured"], e["size"],
            e["confidence"], claim.get("source"), claim.get("source_kind"),
            (e["review"] or {}).get("decision"), doc["tlp"], doc["outlet"], e["title"])])
    headers = {"Content-Disposition": 'attachment; filename="marsad-events.csv"'}
    if result["total"] > len(rows):  # cut at queries.MAX_EXPORT: say so rather than pass for the whole list
        headers["X-Marsad-Note"] = (f"first {len(rows)} of {result['total']} events; narrow the filters "
                                    "(or use /api/export) for the rest")
    return Response("\ufeff" + buf.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


@router.post("/events/review", include_in_schema=False, dependencies=[Depends(check_csrf)])
def review(request: Request, document_id: str = Form(...), event_key: str = Form(...), decision: str = Form(...),
           note: str = Form(""), next: str = Form(""), store=Depends(get_store),
           viewer: Viewer = Depends(get_viewer)) -> Response:
    if (r := _require_user(request, viewer)):
        return r
    # the form names the event by its key (TYPE:trigger_start), which survives re-analysis; the read layer
    # by its id in the document as stored now
    doc = queries.get_document(store, viewer, document_id)
    event_id = ([e["id"] for e in (doc or {}).get("events", []) if e["event_key"] == event_key] or [None])[0]
    try:
        if event_id is None:
            raise LookupError(f"no event {event_key} in document {document_id} that you may see")
        queries.review_event(store, viewer, event_id, decision, note.strip() or None)
    except (LookupError, ValueError, PermissionError) as exc:
        _flash(request, str(exc), "error")
    else:
        _flash(request, f"سُجّل القرار ({decision}) على الحدث {event_key}.")
    return _back(next if next.startswith("/") and not next.startswith("//") else f"/documents/{document_id}")


# ------------------------------------------------------------------------------------------ views
@router.get("/timeline", response_class=HTMLResponse, include_in_schema=False)
def timeline(request: Request, store=Depends(get_store), viewer: Viewer = Depends(get_viewer)) -> HTMLResponse:
    f = {k: v for k, v in _filters(request, ("actor", "place", "country", "source_kind", "type")).items() if v}
    tl = data.timeline_chart(queries.timeline(store, viewer, **f))
    return _render(request, "timeline.html", viewer, chart=charts.timeline_svg(tl), data=tl, f=f)


@router.get("/network", response_class=HTMLResponse, include_in_schema=False)
def network(request: Request, store=Depends(get_store), viewer: Viewer = Depends(get_viewer)) -> HTMLResponse:
    f = {k: v for k, v in _filters(request, ("type", "country", "source_kind")).items() if v}
    graph = data.network_graph(queries.network(store, viewer, **f))
    return _render(request, "network.html", viewer, graph=graph, chart=charts.network_svg(graph), f=f,
                   types=charts.PLOVER)


@router.get("/map", response_class=HTMLResponse, include_in_schema=False)
def map_page(request: Request, store=Depends(get_store), viewer: Viewer = Depends(get_viewer)) -> HTMLResponse:
    points = {"places": data.every(queries.list_places, store, viewer), "events": queries.event_points(store, viewer)}
    return _render(request, "map.html", viewer, points=points)


# ------------------------------------------------------------------------------------------ ingest
@router.get("/ingest", response_class=HTMLResponse, include_in_schema=False)
def ingest_form(request: Request, viewer: Viewer = Depends(get_viewer)) -> Response:
    if (r := _require_user(request, viewer)):
        return r
    return _render(request, "ingest.html", viewer)


@router.post("/ingest", include_in_schema=False, max_body_size=MAX_INGEST_BYTES)
async def ingest(request: Request, store=Depends(get_store), viewer: Viewer = Depends(get_viewer)) -> Response:
    # who asks is known from the cookie: an anonymous upload is turned away before its body is parsed; the
    # body itself stops at MAX_INGEST_BYTES while it is read (413), whatever Content-Length claimed
    if (r := _require_user(request, viewer)):
        return r
    if not request.session.get("csrf") and not request.headers.get(CSRF_HEADER):
        raise HTTPException(status_code=403, detail="CSRF token missing or wrong: reload the page and send the form again")
    form = await request.form(max_files=100, max_fields=50)
    if not form_csrf_ok(request, form):
        raise HTTPException(status_code=403, detail="CSRF token missing or wrong: reload the page and send the form again")

    def field(name: str, default: str = "") -> str:
        v = form.get(name)
        return v.strip() if isinstance(v, str) else default

    raw = form.get("text")
    text = raw if isinstance(raw, str) and raw.strip() else ""
    title, outlet, published, url = (field("title"), field("outlet"), field("published"),
                                           field("url"))
    try:
        sharing = Sharing(org_id=viewer.org_id, tlp=field("tlp") or "CLEAR", created_by=viewer.user_id)
        if published:
            dt.date.fromisoformat(published)
        if url and safe_url(url) is None:  # javascript:, data: … would become a link on the article's page
            raise ValueError(f"الرابط {url!r} ليس رابط http أو https")
    except ValueError as exc:
        _flash(request, f"تعذّر الإدخال: {exc}", "error")
        return _back("/ingest")
    meta = {"title": title or None, "published": published or None, "outlet": outlet or None, "url": url or None}
    entries = []
    if text:
        entries += read_upload("نص ملصق", text.encode("utf-8"), fmt="txt", **meta)
    for f in form.getlist("files"):
        if isinstance(f, StarletteUploadFile) and f.filename:
            entries += read_upload(f.filename, await f.read(), **{**meta, "title": None})
    if not entries:
        _flash(request, "الصق نصا أو اختر ملفا.", "error")
        return _back("/ingest")
    job = _jobs.start(store, entries, sharing, viewer)
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
