"""Indexes for the read layer's hot queries (issue 6: API under load), chosen from EXPLAIN QUERY PLAN:

- documents (id, tlp, org_id, created_by, ...summary columns): the visibility check of a joined row and the
  document summaries of lists and entity pages are read from the index alone. On SQLite the metadata
  columns sit after the article text in the row, so reading them from the table walks its overflow pages.
- mentions (document_id, entity_id, type, country, canonical): search facets over a set of documents.
- mentions (entity_id, document_id, type, canonical): entity pages and display names grouped by entity.
- claims (document_id, seq, source_kind): the event → claim join and the source-kind filter.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""
from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_documents_summary": ("documents", ["id", "tlp", "org_id", "created_by", "published", "outlet",
                                           "ingested_at", "duplicate_of", "title", "url"]),
    "ix_mentions_doc_facets": ("mentions", ["document_id", "entity_id", "type", "country", "canonical"]),
    "ix_mentions_entity_doc": ("mentions", ["entity_id", "document_id", "type", "canonical"]),
    "ix_claims_doc_seq": ("claims", ["document_id", "seq", "source_kind"]),
}


def upgrade() -> None:
    for name, (table, cols) in INDEXES.items():
        op.create_index(name, table, cols)


def downgrade() -> None:
    for name, (table, _cols) in INDEXES.items():
        op.drop_index(name, table)
