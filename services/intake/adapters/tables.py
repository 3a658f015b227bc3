"""The intake schema.

- ``submissions``: every accepted report or dispute (full personal data stays here),
  with the case status intake learns from the case stream for to-do lists and tracking.
- ``idempotency_keys``: the first answer to each Idempotency-Key, written in the same
  transaction as the submission it answers.
- ``registry_units``: intake's mirror of the organisation tree (from registry events).
- ``categories``: the editable category dictionary (report classes, dispute types).
- ``diary_entries``: grid officers' public-sentiment diaries (民情日记).
- ``attachments`` / ``submission_attachments``: content-addressed blobs and their links.
- ``case_progress``: each case's state, handler's unit and next deadline, folded from
  the case stream (routing's assignments, mediation's case-work steps) for tracking.
- ``case_ratings``: residents' ratings of a case's result (one per case), the comment
  encrypted.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ColumnElement,
    DateTime,
    Float,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    Sequence,
    Table,
    Text,
    cast,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from shared.db.metadata import ServiceMetadata

SCHEMA = "intake"
TABLES = ServiceMetadata(SCHEMA)

case_number_seq = Sequence("case_number_seq", metadata=TABLES.metadata)


def this_transaction() -> ColumnElement[int]:
    """The id of the current transaction (64-bit, never wraps): every insert or change of
    a row an officer's lists show stores it in ``change_xid``, the sync cursor's key
    (``queries.SyncPage``)."""
    return cast(cast(func.pg_current_xact_id(), Text), BigInteger)


submissions = Table(
    "submissions",
    TABLES.metadata,
    Column("case_id", Text, primary_key=True),
    Column("case_number", Text, nullable=False, unique=True),
    Column("kind", Text, nullable=False),
    Column("category", Text, nullable=False),
    Column("subcategory", Text),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("lng", Float),
    Column("lat", Float),
    Column("crs", Text),
    Column("original_lng", Float),
    Column("original_lat", Float),
    Column("grid_code", Text),
    Column("address", Text),
    Column("jurisdiction_checked", Boolean, nullable=False, server_default=text("false")),
    Column("people_involved", Integer),
    Column("risk_signals", JSONB, nullable=False, server_default="[]"),
    Column("reporter", JSONB, nullable=False, server_default="{}"),
    Column("channel", Text, nullable=False, server_default="desk"),
    Column("reporter_id", Text),
    Column("client_id", Text),
    Column("facts", Text),
    Column("amount_involved", Numeric(16, 2)),
    Column("parties", JSONB, nullable=False, server_default="[]"),
    Column("attributes", JSONB, nullable=False, server_default="{}"),
    Column("duplicate_of", Text),
    Column("tracking_hash", Text, unique=True),
    Column("status", Text, nullable=False, server_default="submitted"),
    Column("assignee_id", Text),
    Column("previous_assignee_id", Text),
    Column("unit_code", Text),
    Column("response_hours", Integer),
    Column("change_xid", BigInteger, nullable=False, server_default=this_transaction()),
    Column("submitted_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index(
        "ix_submissions_open_nearby",
        "category",
        "lat",
        "lng",
        postgresql_where=text("duplicate_of IS NULL AND status <> 'closed'"),
    ),
    Index("ix_submissions_reporter", "reporter_id", "change_xid"),
    Index("ix_submissions_assignee", "assignee_id", "change_xid"),
    Index("ix_submissions_previous_assignee", "previous_assignee_id", "change_xid"),
    Index("ix_submissions_duplicate_of", "duplicate_of"),
)

idempotency_keys = Table(
    "idempotency_keys",
    TABLES.metadata,
    Column("scope", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("fingerprint", Text, nullable=False),
    Column("status_code", Integer),
    Column("response", JSONB),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("scope", "key"),
    Index("ix_idempotency_created", "created_at"),
)

registry_units = Table(
    "registry_units",
    TABLES.metadata,
    Column("code", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("level", Text, nullable=False),
    Column("parent_code", Text),
    Column("boundary", JSONB),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

categories = Table(
    "categories",
    TABLES.metadata,
    Column("kind", Text, nullable=False),  # "report" | "dispute"
    Column("code", Text, nullable=False),
    Column("slug", Text),  # ASCII Open311 service_code (report classes)
    Column("name_en", Text, nullable=False),
    Column("subtypes", JSONB, nullable=False, server_default="[]"),
    Column("response_hours", Integer),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("sort", Integer, nullable=False, server_default=text("0")),
    PrimaryKeyConstraint("kind", "code"),
)

diary_entries = Table(
    "diary_entries",
    TABLES.metadata,
    Column("entry_id", Text, primary_key=True),
    Column("staff_id", Text, nullable=False),
    Column("content", Text, nullable=False),
    Column("occurred_on", Text, nullable=False),
    Column("lng", Float),
    Column("lat", Float),
    Column("crs", Text),
    Column("grid_code", Text),
    Column("address", Text),
    Column("client_id", Text),
    Column("promoted_case_id", Text),
    Column("change_xid", BigInteger, nullable=False, server_default=this_transaction()),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_diary_staff", "staff_id", "change_xid"),
)

attachments = Table(
    "attachments",
    TABLES.metadata,
    Column("sha256", Text, primary_key=True),
    Column("media_type", Text, nullable=False),
    Column("family", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

submission_attachments = Table(
    "submission_attachments",
    TABLES.metadata,
    Column("case_id", Text, nullable=False),
    Column("sha256", Text, nullable=False),
    PrimaryKeyConstraint("case_id", "sha256"),
)

case_progress = Table(
    "case_progress",
    TABLES.metadata,
    Column("case_id", Text, primary_key=True),
    Column("kind", Text),
    Column("state", Text),
    Column("unit_code", Text),
    Column("unit_name", Text),
    Column("due_at", DateTime(timezone=True)),
    Column("progressed_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

case_ratings = Table(
    "case_ratings",
    TABLES.metadata,
    Column("rating_id", Text, primary_key=True),
    Column("case_id", Text, nullable=False, unique=True),
    Column("report_id", Text, nullable=False),  # whose tracking token rated it
    Column("rating", Text, nullable=False),
    Column("comment", Text),  # encrypted (free text may name people or numbers)
    Column("kind", Text),
    Column("unit_code", Text),
    Column("rated_at", DateTime(timezone=True), nullable=False),
)
