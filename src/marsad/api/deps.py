"""FastAPI dependencies shared by every router: the store and the viewer (who asks)."""
from __future__ import annotations

import base64

from fastapi import HTTPException, Request
from starlette.concurrency import run_in_threadpool

from marsad.store import Store
from marsad.store.access import ANONYMOUS, Viewer


def get_store(request: Request) -> Store:
    return request.app.state.store


SESSION_KEY = "sid"  # the web session's token in the signed cookie (web/routes.py login); never the API key


def _session_token(request: Request) -> str | None:
    session = request.scope.get("session")
    token = session.get(SESSION_KEY) if session else None
    return token if isinstance(token, str) and token else None


def _header_key(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if scheme.lower() == "basic" and value.strip():
        try:
            _user, _, password = base64.b64decode(value.strip()).decode("utf-8").partition(":")
        except Exception:
            return None
        return password or None
    if request.headers.get("x-api-key"):
        return request.headers["x-api-key"].strip()
    return None


def presented_key(request: Request) -> str | None:
    """The credential of a request: an API key in ``Authorization: Bearer <key>``, ``X-API-Key: <key>`` or
    HTTP Basic with the key as password (TAXII clients speak Basic); else the web interface's session token
    (set at login by the web layer: a random token kept server side in ``web_sessions``, not the key)."""
    return _header_key(request) or _session_token(request)


class UnknownKey(HTTPException):
    def __init__(self) -> None:
        super().__init__(status_code=401, detail="unknown or revoked API key",
                         headers={"WWW-Authenticate": 'Basic realm="marsad"'})


def get_viewer(request: Request) -> Viewer:
    """ANONYMOUS without a credential. A wrong or revoked API key is refused with 401 on every route (never
    silently anonymous: a client would otherwise take a partial answer for the whole). A web session that
    was logged out, or whose API key was revoked, is dropped from the cookie: the visitor is anonymous again."""
    key = _header_key(request)
    if key:
        viewer = get_store(request).viewer_for_key(key)
        if viewer is None:
            raise UnknownKey()
        return viewer
    token = _session_token(request)
    if not token:
        return ANONYMOUS
    viewer = get_store(request).viewer_for_session(token)
    if viewer is None:
        request.scope["session"].pop(SESSION_KEY, None)
        return ANONYMOUS
    return viewer


async def viewer(request: Request) -> Viewer:
    """``get_viewer`` as an async dependency: a request without a credential is ANONYMOUS at once, on the
    event loop (no thread hop, no store); one with a key or session looks it up in the thread pool."""
    if not request.headers.get("authorization") and not request.headers.get("x-api-key") \
            and not _session_token(request):
        return ANONYMOUS
    return await run_in_threadpool(get_viewer, request)
