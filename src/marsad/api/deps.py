"""FastAPI dependencies shared by every router: the store and the viewer (who asks)."""
from __future__ import annotations

import base64

from fastapi import Request

from marsad.store import Store
from marsad.store.access import ANONYMOUS, Viewer


def get_store(request: Request) -> Store:
    return request.app.state.store


def presented_key(request: Request) -> str | None:
    """The API key of a request: ``Authorization: Bearer <key>``, ``X-API-Key: <key>``, HTTP Basic with the key
    as password (TAXII clients speak Basic), or the web interface's session (set by the web layer)."""
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
    session = request.scope.get("session")
    if session and session.get("api_key"):
        return session["api_key"]
    return None


def get_viewer(request: Request) -> Viewer:
    """ANONYMOUS without a key; a wrong or revoked key is treated as no key (401s are the router's call:
    see ``require_user``)."""
    key = presented_key(request)
    if not key:
        return ANONYMOUS
    viewer = get_store(request).viewer_for_key(key)
    return viewer or ANONYMOUS
