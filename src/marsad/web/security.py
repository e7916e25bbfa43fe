"""Session helpers of the web interface: the CSRF token and who is logged in.

The API key pasted in the login form is kept in the signed session cookie (``request.session["api_key"]``,
which ``api.deps.get_viewer`` reads); every POST form carries the session's CSRF token, checked here.
"""
from __future__ import annotations

import secrets

from fastapi import HTTPException, Request

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def csrf_token(request: Request) -> str:
    """The session's token, made on first use."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    """A FastAPI dependency for every POST: 403 unless the form field or header matches the session's token."""
    expected = request.session.get("csrf")
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        form = await request.form()  # Starlette caches the parsed form for the endpoint's own parameters
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not secrets.compare_digest(expected, sent):
        raise HTTPException(status_code=403, detail="CSRF token missing or wrong: reload the page and send the form again")
