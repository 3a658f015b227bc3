"""The scheduled-jobs table, created in each owning service's schema like its outbox.

One row per occurrence: a one-off deadline is one row, a recurring job one row per
occurrence (the next inserted when one fires). ``due_at`` is when the sweeper may take
the row (moved later by retry back-off); ``scheduled_for`` is the occurrence it stands
for, which never moves and from which the next occurrence is computed.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

TABLE_NAME = "scheduled_jobs"


class JobState(StrEnum):
    PENDING = "pending"  # waiting for its due time (or its next attempt)
    FIRED = "fired"  # its handler's effect committed, once
    CANCELLED = "cancelled"  # withdrawn before it fired
    FAILED = "failed"  # gave up after the bounded attempts; needs a person


def scheduled_jobs_table(metadata: MetaData) -> Table:
    """The table in ``metadata``'s schema.

    - ``(kind, dedupe_key)`` is unique: scheduling the same deadline twice is one row,
      and a fired deadline is never scheduled again by a redelivered event.
    - ``(kind, series_key)`` is unique among pending rows: a recurring job has at most
      one occurrence waiting, however many replicas ensure it at start.
    - The partial index on pending rows by ``due_at`` makes the sweep's claim an index
      scan whatever the number of fired, cancelled or far-future rows.
    """
    return Table(
        TABLE_NAME,
        metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("kind", Text, nullable=False),
        Column("dedupe_key", Text),
        Column("series_key", Text),
        Column("scheduled_for", DateTime(timezone=True), nullable=False),
        Column("due_at", DateTime(timezone=True), nullable=False),
        Column("payload", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
        Column("recurrence", JSONB),
        Column("state", Text, nullable=False, server_default=text("'pending'")),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Column("last_error", Text),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("fired_at", DateTime(timezone=True)),
        CheckConstraint(
            "state IN ('pending', 'fired', 'cancelled', 'failed')",
            name="ck_scheduled_jobs_state",
        ),
        UniqueConstraint("kind", "dedupe_key", name="uq_scheduled_jobs_kind_dedupe_key"),
        Index(
            "uq_scheduled_jobs_pending_series",
            "kind",
            "series_key",
            unique=True,
            postgresql_where=text("state = 'pending' AND series_key IS NOT NULL"),
        ),
        Index(
            "ix_scheduled_jobs_pending_due", "due_at", postgresql_where=text("state = 'pending'")
        ),
    )


def scheduler_channel(schema: str) -> str:
    """The LISTEN/NOTIFY channel that tells a service's sweeper a job was (re)scheduled."""
    return f"{schema}_scheduler"
