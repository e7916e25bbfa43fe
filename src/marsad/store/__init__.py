"""Storage: SQLAlchemy schema, Alembic migrations, and the repository (``Store``).

SQLite (default, one file, WAL) or PostgreSQL (``postgresql+psycopg://…``); the schema is created
or upgraded when a ``Store`` is opened.
"""
from marsad.store.repository import DocSummary, FailureRow, RunInfo, SearchHit, Store

__all__ = ["Store", "FailureRow", "DocSummary", "SearchHit", "RunInfo"]
