"""Escalation's extension (延期) and supervision (督办) tables, in the escalation schema.

- ``extensions``: each request for more working days on a clock, pending until the
  level above approves or refuses it; at most one pending per clock.
- ``supervisions``: each supervision of a case, open until answered or cancelled, with
  the deduction it costs the supervised unit (from the district's data when issued);
  a red card's own supervision is unique per clock (``red_card_clock_id``).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    SmallInteger,
    Table,
    Text,
    text,
)

from services.escalation.adapters.tables import TABLES

extensions = Table(
    "extensions",
    TABLES.metadata,
    Column("extension_id", Text, primary_key=True),
    Column("case_id", Text, nullable=False, index=True),
    Column("clock_id", Text, nullable=False),
    Column("stage", Text, nullable=False),
    Column("unit_code", Text),
    Column("unit_level", Text),
    Column("handler_id", Text),
    Column("requested_by", Text, nullable=False),
    Column("requested_days", SmallInteger, nullable=False),
    Column("reason", Text, nullable=False),
    Column("reason_text", Text, nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("current_due_at", DateTime(timezone=True), nullable=False),
    Column("status", Text, nullable=False),
    Column("granted_days", SmallInteger),
    Column("decided_by", Text),
    Column("decided_role", Text),
    Column("decision_note", Text),
    Column("decided_at", DateTime(timezone=True)),
    Column("due_at", DateTime(timezone=True)),  # the clock's due time after the decision
    Column("version", Integer, nullable=False),
    CheckConstraint("status IN ('pending', 'approved', 'refused')", name="ck_extensions_status"),
    CheckConstraint("requested_days BETWEEN 1 AND 99", name="ck_extensions_days"),
    Index(
        "uq_extensions_pending_clock",
        "clock_id",
        unique=True,
        postgresql_where=text("status = 'pending'"),
    ),
)

supervisions = Table(
    "supervisions",
    TABLES.metadata,
    Column("supervision_id", Text, primary_key=True),
    Column("case_id", Text, nullable=False, index=True),
    Column("level", Text, nullable=False),
    Column("origin", Text, nullable=False),  # operator | red_card
    Column("issued_by", Text),
    Column("issuing_unit_code", Text),
    Column("unit_code", Text),
    Column("handler_id", Text),
    Column("stage", Text),
    Column("clock_id", Text),
    Column("red_card_clock_id", Text, unique=True),  # one automatic supervision per red card
    Column("deduction", Float, nullable=False),
    Column("instructions", Text, nullable=False),
    Column("answer_due_at", DateTime(timezone=True), nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("status", Text, nullable=False),
    Column("answered_by", Text),
    Column("answer_text", Text),
    Column("answered_at", DateTime(timezone=True)),
    Column("on_time", Boolean),
    Column("cancelled_by", Text),
    Column("cancel_note", Text),
    Column("cancelled_at", DateTime(timezone=True)),
    Column("overdue_flagged_at", DateTime(timezone=True)),
    Column("version", Integer, nullable=False),
    CheckConstraint("status IN ('open', 'answered', 'cancelled')", name="ck_supervisions_status"),
    CheckConstraint("level IN ('normal', 'yellow_card', 'red_card')", name="ck_supervisions_level"),
    Index("ix_supervisions_unit_issued", "unit_code", "issued_at"),
)
