"""Entity links on mentions (KB entity display names, link confidence, coordinates), the document's
focus location, and the log of users' entity decisions (merge, split, alias), each reversible.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("mentions") as b:
        b.add_column(sa.Column("canonical", sa.Text))
        b.add_column(sa.Column("latin", sa.Text))
        b.add_column(sa.Column("link_confidence", sa.Float))
        b.add_column(sa.Column("link_method", sa.String(32)))
        b.add_column(sa.Column("lat", sa.Float))
        b.add_column(sa.Column("lon", sa.Float))
        b.add_column(sa.Column("geo_precision", sa.Integer))
    with op.batch_alter_table("documents") as b:
        b.add_column(sa.Column("focus", JSONType))
    op.create_table(
        "entity_decisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),  # merge | split | alias
        sa.Column("args", JSONType, nullable=False),
        sa.Column("changed", JSONType),  # [[mention id, entity id before], ...]: what undo restores
        sa.Column("note", sa.Text),
        sa.Column("undone_at", TS),
    )


def downgrade() -> None:
    op.drop_table("entity_decisions")
    with op.batch_alter_table("documents") as b:
        b.drop_column("focus")
    with op.batch_alter_table("mentions") as b:
        for c in ("geo_precision", "lon", "lat", "link_method", "link_confidence", "latin", "canonical"):
            b.drop_column(c)
