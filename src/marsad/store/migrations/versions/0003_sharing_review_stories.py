"""Sharing and teamwork: organisations, users, API keys (hashed), AMBER sharing between organisations;
every document's owning organisation, TLP marking and ingesting user; claims' back-references; analysts' reviews of events; and
the cross-document groupings (stories of articles, groups of event reports).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TS = sa.DateTime(timezone=True)


def _add_fk_column(table: str, column: str, ref: str) -> None:
    """A nullable integer column referencing ``ref.id``. SQLite accepts the reference inline in ADD COLUMN
    (alembic would want a batch rebuild, which we must avoid on ``documents``: see upgrade)."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER REFERENCES {ref} (id)")
    else:
        op.add_column(table, sa.Column(column, sa.Integer, sa.ForeignKey(f"{ref}.id")))


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(255), nullable=False, unique=True),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("org_id", sa.Integer, sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("name", sa.String(255), nullable=False, unique=True),
        sa.Column("is_admin", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),  # shown to identify a key; not secret
        sa.Column("key_hash", sa.String(128), nullable=False, unique=True),  # sha256 of the whole key
        sa.Column("label", sa.Text),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_used_at", TS),
        sa.Column("revoked_at", TS),
    )
    op.create_index("ix_api_keys_prefix", "api_keys", ["prefix"])
    op.create_table(
        "org_shares",  # org_id shares its AMBER items with partner_id
        sa.Column("org_id", sa.Integer, sa.ForeignKey("organisations.id"), primary_key=True),
        sa.Column("partner_id", sa.Integer, sa.ForeignKey("organisations.id"), primary_key=True),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "stories",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("title", sa.Text),
        sa.Column("size", sa.Integer, nullable=False, server_default="0"),
        sa.Column("first_published", sa.Date),
        sa.Column("last_published", sa.Date),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("meta", JSONType),
    )
    op.create_table(
        "event_groups",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("date", sa.String(64)),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("country", sa.String(8)),
        sa.Column("n_reports", sa.Integer, nullable=False, server_default="0"),
        sa.Column("n_documents", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("meta", JSONType),
    )
    op.create_index("ix_event_groups_type", "event_groups", ["type"])
    # Plain ADD COLUMN, never a batch table rebuild: rebuilding ``documents`` on SQLite drops the old table,
    # and ON DELETE CASCADE would empty every annotation table with it.
    # a failed item keeps the owner and marking it was read with, so a retry stores it the same way
    op.add_column("failures", sa.Column("sharing", JSONType))
    # a claim that continues an earlier source (وأضاف المصدر، أكدت الصحيفة): which claim, and what it resolves to
    op.add_column("claims", sa.Column("refers_to", sa.Integer))
    op.add_column("claims", sa.Column("source_ref", sa.Text))
    _add_fk_column("documents", "org_id", "organisations")
    op.add_column("documents", sa.Column("tlp", sa.String(16), nullable=False, server_default="CLEAR"))
    _add_fk_column("documents", "created_by", "users")
    _add_fk_column("documents", "story_id", "stories")
    op.create_index("ix_documents_tlp_org", "documents", ["tlp", "org_id"])
    op.create_index("ix_documents_story_id", "documents", ["story_id"])
    _add_fk_column("events", "group_id", "event_groups")
    op.create_index("ix_events_group_id", "events", ["group_id"])
    op.create_table(
        "event_reviews",  # an analyst confirms or rejects an event; kept across re-analysis
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("document_id", sa.String(64), sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("event_key", sa.String(96), nullable=False),  # "TYPE:trigger_start" (stable across runs)
        sa.Column("decision", sa.String(16), nullable=False),  # confirmed | rejected
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("user_name", sa.String(255)),
        sa.Column("note", sa.Text),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_event_reviews_doc", "event_reviews", ["document_id", "event_key"])


def downgrade() -> None:
    op.drop_table("event_reviews")
    # On SQLite this rebuilds documents: run it only on a connection with PRAGMA foreign_keys=OFF, or the
    # rebuild's DROP TABLE cascades into every annotation table.
    op.drop_index("ix_events_group_id", "events")
    with op.batch_alter_table("events") as b:
        b.drop_column("group_id")
    op.drop_index("ix_documents_story_id", "documents")
    op.drop_index("ix_documents_tlp_org", "documents")
    with op.batch_alter_table("documents") as b:
        for c in ("story_id", "created_by", "tlp", "org_id"):
            b.drop_column(c)
    with op.batch_alter_table("failures") as b:
        b.drop_column("sharing")
    with op.batch_alter_table("claims") as b:
        b.drop_column("source_ref")
        b.drop_column("refers_to")
    for t in ("event_groups", "stories", "org_shares", "api_keys", "users", "organisations"):
        op.drop_table(t)
