"""Shared fixtures.

``store_url`` / ``store`` run each test against a fresh SQLite file and, when MARSAD_TEST_PG_URL is
set (CI sets it: ``export MARSAD_TEST_PG_URL="$(.ci/postgres.sh)"``), against PostgreSQL in a schema
of its own that is dropped afterwards, so PostgreSQL tests are independent of each other and of
whatever else lives in the database.
"""
from __future__ import annotations

import os
import uuid

import pytest

PG_ENV = "MARSAD_TEST_PG_URL"


def _pg_base_url() -> str | None:
    return os.environ.get(PG_ENV) or None


# PostgreSQL cases are generated only when a server is configured, so a run without one reports
# fewer tests rather than skipped ones; CI must have one.
_BACKENDS = ["sqlite"] + ([pytest.param("postgresql", marks=pytest.mark.postgres)] if _pg_base_url() else [])


def pytest_sessionstart(session):
    if os.environ.get("CI") and not _pg_base_url():
        pytest.exit(f"CI run without {PG_ENV}: the store tests must run on PostgreSQL too", returncode=3)


@pytest.fixture(params=_BACKENDS)
def store_url(request, tmp_path):
    """A database URL with nothing in it yet (no tables, no schema version)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'marsad.db'}"
        return
    base = _pg_base_url()
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def store(store_url):
    from marsad.store import Store

    s = Store(store_url)
    try:
        yield s
    finally:
        s.close()
