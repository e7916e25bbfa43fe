"""Shared fixtures.

``store_url`` / ``store`` run each test against a fresh SQLite file and, when MARSAD_TEST_PG_URL is
set (CI sets it: ``export MARSAD_TEST_PG_URL="$(.ci/postgres.sh)"``), against PostgreSQL in a schema
of its own that is dropped afterwards, so PostgreSQL tests are independent of each other and of
whatever else lives in the database.

Modules that build a sample world once (module- or session-scoped) use the same helpers:
``BACKENDS`` as their fixture's params, ``empty_db(backend, folder)`` for the database, ``copy_db``
for a private copy a test may write to, and the ``empty_db_like`` fixture for a second, empty
database of the same backend (an import target).
"""
from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

PG_ENV = "MARSAD_TEST_PG_URL"


def _pg_base_url() -> str | None:
    return os.environ.get(PG_ENV) or None


# PostgreSQL cases are generated only when a server is configured, so a run without one reports
# fewer tests rather than skipped ones; CI must have one.
BACKENDS = ["sqlite"] + ([pytest.param("postgresql", marks=pytest.mark.postgres)] if _pg_base_url() else [])


def pytest_sessionstart(session):
    if os.environ.get("CI") and not _pg_base_url():
        pytest.exit(f"CI run without {PG_ENV}: the store tests must run on PostgreSQL too", returncode=3)


def backend_of(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def _pg_schema_of(url: str) -> str:
    from sqlalchemy.engine import make_url

    options = make_url(url).query.get("options", "")
    return options.removeprefix("-csearch_path=")


@contextmanager
def _pg_admin() -> Iterator:
    from sqlalchemy import create_engine

    engine = create_engine(_pg_base_url())
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def empty_db(backend: str, folder: Path, name: str = "marsad.db") -> Iterator[str]:
    """A database URL with nothing in it yet (no tables, no schema version): a file in ``folder`` on
    SQLite; on PostgreSQL a schema of its own, dropped on exit."""
    if backend == "sqlite":
        folder.mkdir(parents=True, exist_ok=True)
        yield f"sqlite:///{folder / name}"
        return
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with _pg_admin() as admin:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(_pg_base_url()).update_query_dict({"options": f"-csearch_path={schema}"})
        try:
            yield url.render_as_string(hide_password=False)
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


@contextmanager
def copy_db(src_url: str, folder: Path) -> Iterator[str]:
    """A private copy of a marsad database, for a test that writes to a shared sample world: copying
    is much cheaper than ingesting again. SQLite: the file's backup. PostgreSQL: a new schema migrated
    by Store, then every table copied with INSERT … SELECT and the id sequences moved past the copied
    ids (the same database holds both schemas)."""
    if backend_of(src_url) == "sqlite":
        import sqlite3

        with empty_db("sqlite", folder, "copy.db") as dst:
            with sqlite3.connect(src_url.removeprefix("sqlite:///")) as a, \
                    sqlite3.connect(dst.removeprefix("sqlite:///")) as b:
                a.backup(b)
            yield dst
        return
    from sqlalchemy import text

    from marsad.store import Store
    from marsad.store.schema import Base

    src = _pg_schema_of(src_url)
    with empty_db("postgresql", folder) as dst_url:
        Store(dst_url).close()  # the tables, indexes and alembic version, as the source has them
        dst = _pg_schema_of(dst_url)
        with _pg_admin() as admin, admin.begin() as conn:
            names = conn.execute(text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s "
                                      "AND table_type = 'BASE TABLE' AND table_name <> 'alembic_version'"),
                                 {"s": src}).scalars().all()
            order = [t.name for t in Base.metadata.sorted_tables if t.name in names]  # parents before children
            for name in order + sorted(set(names) - set(order)):
                cols = conn.execute(text("SELECT column_name FROM information_schema.columns WHERE table_schema = :s "
                                         "AND table_name = :t AND is_generated = 'NEVER' ORDER BY ordinal_position"),
                                    {"s": src, "t": name}).scalars().all()
                cl = ", ".join(f'"{c}"' for c in cols)
                conn.execute(text(f'INSERT INTO "{dst}"."{name}" ({cl}) SELECT {cl} FROM "{src}"."{name}"'))
            serials = conn.execute(text("SELECT table_name, column_name FROM information_schema.columns "
                                        "WHERE table_schema = :s AND column_default LIKE 'nextval%'"), {"s": dst}).all()
            for table, col in serials:
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence(:t, :c), "
                                  f'COALESCE((SELECT MAX("{col}") FROM "{dst}"."{table}"), 0) + 1, false)'),
                             {"t": f'"{dst}"."{table}"', "c": col})
        yield dst_url


@pytest.fixture(params=BACKENDS)
def store_url(request, tmp_path):
    """A database URL with nothing in it yet (no tables, no schema version)."""
    with empty_db(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def empty_db_like(tmp_path) -> Iterator[Callable[[str], str]]:
    """``make(url)``: a new empty database of the same backend as ``url`` (an import target), removed
    after the test."""
    n = itertools.count()
    with ExitStack() as stack:
        yield lambda like: stack.enter_context(empty_db(backend_of(like), tmp_path / f"db{next(n)}"))


@pytest.fixture
def store(store_url):
    from marsad.store import Store

    s = Store(store_url)
    try:
        yield s
    finally:
        s.close()
