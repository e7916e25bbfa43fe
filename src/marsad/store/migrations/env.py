"""Alembic environment for marsad's store.

``marsad.store.Store`` passes an open connection in ``config.attributes["connection"]`` (it holds the
migration lock on it); run by hand, the URL comes from the ini's ``sqlalchemy.url``, else MARSAD_DB,
else the default SQLite file.
"""
from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from marsad.store.schema import FTS_TABLE, Base

config = context.config
target_metadata = Base.metadata


def _include_object(obj, name, type_, reflected, compare_to):  # noqa: ANN001
    # The full-text table (and FTS5's shadow tables) are dialect specific and not in the metadata.
    if type_ == "table" and name and name.startswith(FTS_TABLE):
        return False
    return True


def _run(connection) -> None:  # noqa: ANN001
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=_include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("MARSAD_DB") or "sqlite:///./marsad.db"
    engine = create_engine(url)
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


def run_migrations_offline() -> None:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("MARSAD_DB") or "sqlite:///./marsad.db"
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True,
                      include_object=_include_object)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
