"""The FastAPI app behind ``marsad serve``: the JSON API (/api), exports (/api/export), TAXII 2.1 (/taxii2)
and the web interface (/), over one store.

A ``Store`` holds one SQLAlchemy Session and is not thread safe, while FastAPI runs plain ``def`` endpoints
in a thread pool. So ``app.state.store`` is a ``ThreadLocalStore``: it looks like a Store, and each thread
that touches it gets a Store of its own over the same database URL.
"""
from __future__ import annotations

import os
import secrets
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, FastAPI
from sqlalchemy.engine import make_url
from starlette.middleware.sessions import SessionMiddleware

from marsad import __version__
from marsad.store import Store


MAX_BODY_BYTES = 1024 * 1024  # any request body: API writes and web forms are small (ingest: web/routes.py)


class ThreadLocalStore:
    """A Store per thread over one database URL; attribute access goes to the calling thread's Store.

    An in-memory SQLite database exists only inside its one connection, so there the given Store is
    shared by every thread (tests only; a real server uses a file or PostgreSQL)."""

    def __init__(self, url: str, primary: Store | None = None) -> None:
        self._url = url
        self._primary = primary
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[Store] = []
        u = make_url(url) if "://" in url else None
        self._shared = u is not None and u.get_backend_name() == "sqlite" and u.database in (None, "", ":memory:")

    def current(self) -> Store:
        if self._shared and self._primary is not None:
            return self._primary
        store = getattr(self._local, "store", None)
        if store is None:
            store = Store(self._url, create=False)
            self._local.store = store
            with self._lock:
                self._all.append(store)
        return store

    def __getattr__(self, name: str) -> Any:
        return getattr(self.current(), name)

    def close(self) -> None:
        """Closes the per-thread Stores this proxy opened (not the primary one: its owner closes it)."""
        with self._lock:
            stores, self._all = self._all, []
        for s in stores:
            s.close()


def _include(app: FastAPI, router: APIRouter, prefix: str) -> None:
    # The layout names where each router lives; a router may carry its prefix itself (APIRouter(prefix=…)
    # or full paths) or leave it to the app. Either way it ends up once under ``prefix``.
    paths = [getattr(r, "path", "") for r in router.routes]
    carries = bool(router.prefix) or (bool(paths) and all(p.startswith(prefix) for p in paths))
    app.include_router(router, prefix="" if carries or prefix == "/" else prefix)


def create_app(db: str | None = None, *, store: Store | None = None) -> FastAPI:
    """The app over ``store`` (tests) or the database at ``db`` (default: MARSAD_DB or ./marsad.db)."""
    from marsad.api import exports, routes, taxii
    from marsad.web import routes as web_routes

    if store is None:
        primary = Store(db or Store.default_url(), create=False)
    else:
        primary = store
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # plain ``def`` routes run in anyio's thread pool (40 threads by default), each thread with a Store
        # (connection, SQLite page cache) of its own; MARSAD_API_THREADS sets how many run at once
        threads = os.environ.get("MARSAD_API_THREADS", "").strip()
        if threads:
            anyio.to_thread.current_default_thread_limiter().total_tokens = max(1, int(threads))
        yield
        _app.state.store.close()
        if store is None:  # opened here, closed here; a given store is its owner's to close
            primary.close()

    app = FastAPI(title="marsad", version=__version__, lifespan=lifespan, docs_url=None,  # /docs: web/routes.py, offline
                  max_body_size=MAX_BODY_BYTES,  # counted while read (413); the web ingest form allows more
                  description="Arabic news reports as a sourced, structured knowledge base: documents, "
                              "entities, events, claims with their sources. Unauthenticated requests see "
                              "TLP:CLEAR items only; send an API key (Authorization: Bearer mk_…) for more.")
    app.state.store = ThreadLocalStore(primary.url, primary)
    app.state.primary_store = primary
    secret = os.environ.get("MARSAD_SECRET") or secrets.token_urlsafe(32)  # random: sessions end with the process
    # the cookie carries the web session's token (web_sessions, migration 0005), a CSRF token and a flash
    # message; Secure only behind HTTPS (MARSAD_HTTPS=1): `marsad serve` binds 127.0.0.1 over plain http
    https = os.environ.get("MARSAD_HTTPS", "").strip().lower() in ("1", "true", "yes")
    app.add_middleware(SessionMiddleware, secret_key=secret, same_site="lax", https_only=https)
    _include(app, routes.router, "/api")
    _include(app, exports.router, "/api/export")
    _include(app, taxii.router, "/taxii2")
    _include(app, web_routes.router, "/")

    return app


__all__ = ["ThreadLocalStore", "create_app"]
