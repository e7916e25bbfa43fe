"""The relational schema (SQLAlchemy 2 declarative). Alembic's migrations create it; this module is
the single description the repository code queries through.

Full-text search lives outside this metadata because it is dialect specific: ``documents_fts`` is an
FTS5 virtual table on SQLite and a plain table with a generated ``tsvector`` column and a GIN index
on PostgreSQL (see ``migrations/versions/0001_initial.py``). Both have the columns
``document_id`` and ``terms`` (the search form of title + text), so they are written the same way.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# JSON everywhere, JSONB on PostgreSQL (indexable, compact).
JSONType = JSON().with_variant(JSONB(), "postgresql")

FTS_TABLE = "documents_fts"


class Base(DeclarativeBase):
    pass


class DocumentRow(Base):
    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(255))
    source: Mapped[str | None] = mapped_column(Text)  # the item key (path, path:line, feed#entry)
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)  # the clean text all offsets point into
    raw: Mapped[str | None] = mapped_column(Text)  # the input as read
    published: Mapped[dt.date | None] = mapped_column(Date)
    url: Mapped[str | None] = mapped_column(Text)
    outlet: Mapped[str | None] = mapped_column(String(255))
    content_hash: Mapped[str] = mapped_column(String(128), unique=True)
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary)
    duplicate_of: Mapped[str | None] = mapped_column(ForeignKey("documents.id"))
    ingested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    pipeline_version: Mapped[str | None] = mapped_column(String(64))
    sentences: Mapped[list[Any] | None] = mapped_column(JSONType)  # [[start, end, kind], ...]
    meta: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    focus: Mapped[dict[str, Any] | None] = mapped_column(JSONType)  # the focus location (pipeline/link.py)
    # Sharing (store/access.py): the owning organisation, the TLP marking and the ingesting user.
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    tlp: Mapped[str] = mapped_column(String(16), default="CLEAR", server_default="CLEAR")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id"))

    __table_args__ = (
        Index("ix_documents_published", "published"),
        Index("ix_documents_outlet", "outlet"),
        Index("ix_documents_duplicate_of", "duplicate_of"),
        Index("ix_documents_ingested_at", "ingested_at"),
        Index("ix_documents_source", "source"),
        Index("ix_documents_tlp_org", "tlp", "org_id"),
        Index("ix_documents_story_id", "story_id"),
        # 0004: visibility and summaries read from the index, not the wide row (migration 0004 says why)
        Index("ix_documents_summary", "id", "tlp", "org_id", "created_by", "published", "outlet", "ingested_at",
              "duplicate_of", "title", "url"),
    )


class FailureModel(Base):
    __tablename__ = "failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item: Mapped[str] = mapped_column(Text, unique=True)
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)
    location: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    sharing: Mapped[dict[str, Any] | None] = mapped_column(JSONType)  # access.Sharing the item was read with


class EntityDecisionRow(Base):
    """A user's decision about entities (``marsad entities merge|split|alias``): applied to the stored
    mentions at once and to every later run (LinkOverrides); ``changed`` is what undo restores."""
    __tablename__ = "entity_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    action: Mapped[str] = mapped_column(String(16))
    args: Mapped[dict[str, Any]] = mapped_column(JSONType)
    changed: Mapped[list[Any] | None] = mapped_column(JSONType)
    note: Mapped[str | None] = mapped_column(Text)
    undone_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class RunRow(Base):
    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pipeline_version: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    command: Mapped[str | None] = mapped_column(Text)
    counts: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(32))


def _doc_fk() -> Any:
    return ForeignKey("documents.id", ondelete="CASCADE")


class MentionRow(Base):
    __tablename__ = "mentions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(_doc_fk())
    seq: Mapped[int] = mapped_column(Integer)  # position in Document.mentions
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    norm: Mapped[str | None] = mapped_column(Text)  # normalize_key(text), for cross-document lookups
    type: Mapped[str] = mapped_column(String(16))
    confidence: Mapped[float | None] = mapped_column(Float)
    entity_id: Mapped[str | None] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(Text)
    title_start: Mapped[int | None] = mapped_column(Integer)
    title_end: Mapped[int | None] = mapped_column(Integer)
    country: Mapped[str | None] = mapped_column(String(8))
    sector: Mapped[str | None] = mapped_column(String(32))
    method: Mapped[str | None] = mapped_column(String(32))
    pipeline_version: Mapped[str | None] = mapped_column(String(64))
    canonical: Mapped[str | None] = mapped_column(Text)
    latin: Mapped[str | None] = mapped_column(Text)
    link_confidence: Mapped[float | None] = mapped_column(Float)
    link_method: Mapped[str | None] = mapped_column(String(32))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    geo_precision: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_mentions_document_id", "document_id"),
        Index("ix_mentions_type", "type"),
        Index("ix_mentions_entity_id", "entity_id"),
        Index("ix_mentions_norm", "norm"),
        Index("ix_mentions_doc_facets", "document_id", "entity_id", "type", "country", "canonical"),  # 0004
        Index("ix_mentions_entity_doc", "entity_id", "document_id", "type", "canonical"),  # 0004
    )


class DateRow(Base):
    __tablename__ = "dates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(_doc_fk())
    seq: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    value: Mapped[str | None] = mapped_column(String(64))
    granularity: Mapped[str | None] = mapped_column(String(16))
    kind: Mapped[str | None] = mapped_column(String(16))
    anchor: Mapped[str | None] = mapped_column(String(64))
    calendar: Mapped[str | None] = mapped_column(String(16))
    mod: Mapped[str | None] = mapped_column(String(16))
    confidence: Mapped[float | None] = mapped_column(Float)
    pipeline_version: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_dates_document_id", "document_id"),
        Index("ix_dates_value", "value"),
    )


class QuantityRow(Base):
    __tablename__ = "quantities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(_doc_fk())
    seq: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    value: Mapped[float | None] = mapped_column(Float)
    low: Mapped[float | None] = mapped_column(Float)
    high: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float | None] = mapped_column(Float)
    pipeline_version: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_quantities_document_id", "document_id"),)


class ClaimRow(Base):
    __tablename__ = "claims"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(_doc_fk())
    seq: Mapped[int] = mapped_column(Integer)  # Event.claim is an index into Document.claims
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    cue: Mapped[str | None] = mapped_column(Text)
    cue_start: Mapped[int | None] = mapped_column(Integer)
    cue_end: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(Text)
    source_kind: Mapped[str | None] = mapped_column(String(32))
    source_start: Mapped[int | None] = mapped_column(Integer)
    source_end: Mapped[int | None] = mapped_column(Integer)
    via: Mapped[str | None] = mapped_column(Text)
    confidence: Mapped[float | None] = mapped_column(Float)
    pipeline_version: Mapped[str | None] = mapped_column(String(64))
    refers_to: Mapped[int | None] = mapped_column(Integer)  # seq of the claim whose source this continues
    source_ref: Mapped[str | None] = mapped_column(Text)  # what a back-reference (المصدر ذاته) resolves to

    __table_args__ = (Index("ix_claims_document_id", "document_id"),
                      Index("ix_claims_doc_seq", "document_id", "seq", "source_kind"))  # 0004


class EventRow(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(_doc_fk())
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(32))
    mode: Mapped[str | None] = mapped_column(String(32))
    trigger: Mapped[str | None] = mapped_column(Text)
    trigger_start: Mapped[int | None] = mapped_column(Integer)
    trigger_end: Mapped[int | None] = mapped_column(Integer)
    sentence_start: Mapped[int | None] = mapped_column(Integer)
    sentence_end: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[list[Any] | None] = mapped_column(JSONType)
    target: Mapped[list[Any] | None] = mapped_column(JSONType)
    location: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    date: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    dead: Mapped[float | None] = mapped_column(Float)
    injured: Mapped[float | None] = mapped_column(Float)
    size: Mapped[float | None] = mapped_column(Float)
    claim: Mapped[int | None] = mapped_column(Integer)
    confidence: Mapped[float | None] = mapped_column(Float)
    pipeline_version: Mapped[str | None] = mapped_column(String(64))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("event_groups.id"))

    __table_args__ = (
        Index("ix_events_document_id", "document_id"),
        Index("ix_events_type", "type"),
        Index("ix_events_group_id", "group_id"),
    )


class OrganisationRow(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    name: Mapped[str] = mapped_column(String(255), unique=True)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ApiKeyRow(Base):
    """An API key: only its sha256 is stored; ``prefix`` (its first characters) identifies it in lists."""
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    key_hash: Mapped[str] = mapped_column(String(128), unique=True)
    label: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class WebSessionRow(Base):
    """A login of the web interface (migration 0005): the cookie holds a random token, this row its sha256,
    the user and API key it stands for; logout sets ``revoked_at``, and a revoked key ends it too."""
    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class OrgShareRow(Base):
    """``org_id`` shares its TLP:AMBER items with ``partner_id`` (one direction)."""
    __tablename__ = "org_shares"

    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class StoryRow(Base):
    """Articles about the same happening (documents.story_id)."""
    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str | None] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer, default=0)
    first_published: Mapped[dt.date | None] = mapped_column(Date)
    last_published: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    meta: Mapped[dict[str, Any] | None] = mapped_column(JSONType)


class EventGroupRow(Base):
    """One real-world event reported by many articles (events.group_id points here)."""
    __tablename__ = "event_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    type: Mapped[str] = mapped_column(String(32), index=True)
    date: Mapped[str | None] = mapped_column(String(64))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    country: Mapped[str | None] = mapped_column(String(8))
    n_reports: Mapped[int] = mapped_column(Integer, default=0)
    n_documents: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    meta: Mapped[dict[str, Any] | None] = mapped_column(JSONType)


class EventReviewRow(Base):
    """An analyst's decision on an extracted event; keyed by ``TYPE:trigger_start`` so it survives
    re-analysis (event rows are replaced, the review stays)."""
    __tablename__ = "event_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(_doc_fk())
    event_key: Mapped[str] = mapped_column(String(96))
    decision: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    user_name: Mapped[str | None] = mapped_column(String(255))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_event_reviews_doc", "document_id", "event_key"),)


documents = DocumentRow.__table__
failures = FailureModel.__table__
runs = RunRow.__table__
mentions = MentionRow.__table__
dates = DateRow.__table__
quantities = QuantityRow.__table__
claims = ClaimRow.__table__
events = EventRow.__table__
entity_decisions = EntityDecisionRow.__table__
organisations = OrganisationRow.__table__
users = UserRow.__table__
api_keys = ApiKeyRow.__table__
org_shares = OrgShareRow.__table__
web_sessions = WebSessionRow.__table__
stories = StoryRow.__table__
event_groups = EventGroupRow.__table__
event_reviews = EventReviewRow.__table__
