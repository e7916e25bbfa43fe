"""Session helpers of the web interface: the CSRF token, and which URLs a page may link to.

After login the signed session cookie holds a random session token (``request.session["sid"]``, resolved
server side by ``api.deps.get_viewer`` through the ``web_sessions`` table; the API key never leaves the login
form); every POST form carries the session's CSRF token, checked here.
"""
from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from fastapi import HTTPException, Request

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
LINK_SCHEMES = ("http", "https")


def csrf_token(request: Request) -> str:
    """The session's token, made on first use."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def form_csrf_ok(request: Request, form: Any) -> bool:
    """Whether the header or the parsed ``form``'s field carries the session's token."""
    expected = request.session.get("csrf")
    sent = request.headers.get(CSRF_HEADER)
    if not sent and form is not None:
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    return bool(expected and sent and secrets.compare_digest(expected, sent))


async def check_csrf(request: Request) -> None:
    """A FastAPI dependency for every POST: 403 unless the form field or header matches the session's token.
    A request whose session has no token at all is refused before its body is read."""
    if not request.session.get("csrf"):
        raise HTTPException(status_code=403, detail="CSRF token missing or wrong: reload the page and send the form again")
    form = None if request.headers.get(CSRF_HEADER) else await request.form()  # cached for the endpoint
    if not form_csrf_ok(request, form):
        raise HTTPException(status_code=403, detail="CSRF token missing or wrong: reload the page and send the form again")


def safe_url(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL a page may link to, else None (javascript:, data:, a
    relative path …): an article's URL comes from whoever ingested it."""
    if not url:
        return None
    u = url.strip()
    if any(c in u for c in "\r\n\t") or any(ord(c) < 32 for c in u):
        return None
    try:
        parts = urlsplit(u)
    except ValueError:
        return None
    return u if parts.scheme.lower() in LINK_SCHEMES and parts.netloc else None


__all__ = ["CSRF_FIELD", "CSRF_HEADER", "check_csrf", "csrf_token", "form_csrf_ok", "safe_url"]
