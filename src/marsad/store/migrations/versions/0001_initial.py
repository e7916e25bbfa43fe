"""Initial schema: documents, runs, failures, annotations, full-text index.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TS = sa.DateTime(timezone=True)


def _doc_fk() -> sa.ForeignKey:
    return sa.ForeignKey("documents.id", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("pipeline_version", sa.String(64)),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("finished_at", TS),
        sa.Column("command", sa.Text),
        sa.Column("counts", JSONType),
        sa.Column("status", sa.String(32), nullable=False),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("external_id", sa.String(255)),
        sa.Column("source", sa.Text),
        sa.Column("title", sa.Text),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("raw", sa.Text),
        sa.Column("published", sa.Date),
        sa.Column("url", sa.Text),
        sa.Column("outlet", sa.String(255)),
        sa.Column("content_hash", sa.String(128), nullable=False, unique=True),
        sa.Column("minhash", sa.LargeBinary),
        sa.Column("duplicate_of", sa.String(64), sa.ForeignKey("documents.id")),
        sa.Column("ingested_at", TS, nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id")),
        sa.Column("pipeline_version", sa.String(64)),
        sa.Column("sentences", JSONType),
        sa.Column("meta", JSONType),
    )
    op.create_index("ix_documents_published", "documents", ["published"])
    op.create_index("ix_documents_outlet", "documents", ["outlet"])
    op.create_index("ix_documents_duplicate_of", "documents", ["duplicate_of"])
    op.create_index("ix_documents_ingested_at", "documents", ["ingested_at"])
    op.create_index("ix_documents_source", "documents", ["source"])

    op.create_table(
        "failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item", sa.Text, nullable=False, unique=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("raw", sa.LargeBinary),
        sa.Column("location", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("first_seen", TS, nullable=False),
        sa.Column("last_seen", TS, nullable=False),
        sa.Column("resolved_at", TS),
    )

    op.create_table(
        "mentions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("document_id", sa.String(64), _doc_fk(), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("norm", sa.Text),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("confidence", sa.Float),
        sa.Column("entity_id", sa.String(255)),
        sa.Column("title", sa.Text),
        sa.Column("title_start", sa.Integer),
        sa.Column("title_end", sa.Integer),
        sa.Column("country", sa.String(8)),
        sa.Column("sector", sa.String(32)),
        sa.Column("method", sa.String(32)),
        sa.Column("pipeline_version", sa.String(64)),
    )
    op.create_index("ix_mentions_document_id", "mentions", ["document_id"])
    op.create_index("ix_mentions_type", "mentions", ["type"])
    op.create_index("ix_mentions_entity_id", "mentions", ["entity_id"])
    op.create_index("ix_mentions_norm", "mentions", ["norm"])

    op.create_table(
        "dates",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("document_id", sa.String(64), _doc_fk(), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("value", sa.String(64)),
        sa.Column("granularity", sa.String(16)),
        sa.Column("kind", sa.String(16)),
        sa.Column("anchor", sa.String(64)),
        sa.Column("calendar", sa.String(16)),
        sa.Column("mod", sa.String(16)),
        sa.Column("confidence", sa.Float),
        sa.Column("pipeline_version", sa.String(64)),
    )
    op.create_index("ix_dates_document_id", "dates", ["document_id"])
    op.create_index("ix_dates_value", "dates", ["value"])

    op.create_table(
        "quantities",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("document_id", sa.String(64), _doc_fk(), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("value", sa.Float),
        sa.Column("low", sa.Float),
        sa.Column("high", sa.Float),
        sa.Column("unit", sa.String(64)),
        sa.Column("confidence", sa.Float),
        sa.Column("pipeline_version", sa.String(64)),
    )
    op.create_index("ix_quantities_document_id", "quantities", ["document_id"])

    op.create_table(
        "claims",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("document_id", sa.String(64), _doc_fk(), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("cue", sa.Text),
        sa.Column("cue_start", sa.Integer),
        sa.Column("cue_end", sa.Integer),
        sa.Column("source", sa.Text),
        sa.Column("source_kind", sa.String(32)),
        sa.Column("source_start", sa.Integer),
        sa.Column("source_end", sa.Integer),
        sa.Column("via", sa.Text),
        sa.Column("confidence", sa.Float),
        sa.Column("pipeline_version", sa.String(64)),
    )
    op.create_index("ix_claims_document_id", "claims", ["document_id"])

    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("document_id", sa.String(64), _doc_fk(), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("mode", sa.String(32)),
        sa.Column("trigger", sa.Text),
        sa.Column("trigger_start", sa.Integer),
        sa.Column("trigger_end", sa.Integer),
        sa.Column("sentence_start", sa.Integer),
        sa.Column("sentence_end", sa.Integer),
        sa.Column("source", JSONType),
        sa.Column("target", JSONType),
        sa.Column("location", JSONType),
        sa.Column("date", JSONType),
        sa.Column("dead", sa.Float),
        sa.Column("injured", sa.Float),
        sa.Column("size", sa.Float),
        sa.Column("claim", sa.Integer),
        sa.Column("confidence", sa.Float),
        sa.Column("pipeline_version", sa.String(64)),
    )
    op.create_index("ix_events_document_id", "events", ["document_id"])
    op.create_index("ix_events_type", "events", ["type"])

    # Full text over the search form of title + text (marsad.text.tokens.search_terms: normalised,
    # clitics stripped), written by the repository in the same transaction as the document.
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE documents_fts USING fts5("
            "document_id UNINDEXED, terms, tokenize = 'unicode61 remove_diacritics 0')"
        )
    elif dialect == "postgresql":
        op.execute(
            "CREATE TABLE documents_fts ("
            " document_id varchar(64) PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,"
            " terms text NOT NULL,"
            " tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', terms)) STORED)"
        )
        op.execute("CREATE INDEX ix_documents_fts_tsv ON documents_fts USING gin (tsv)")
    else:  # pragma: no cover - other dialects get a plain table and LIKE search
        op.create_table(
            "documents_fts",
            sa.Column("document_id", sa.String(64), _doc_fk(), primary_key=True),
            sa.Column("terms", sa.Text, nullable=False),
        )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS documents_fts")
    for table in ("events", "claims", "quantities", "dates", "mentions", "failures", "documents", "runs"):
        op.drop_table(table)
