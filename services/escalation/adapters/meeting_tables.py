"""Escalation's meeting (例会) tables, in the escalation schema.

- ``meeting_cases``: what a meeting's agenda needs of each case, from the case stream
  (number, category, masked title, risk signals, people involved, grid, when submitted;
  the current unit and handler; the case-work state). Escalation reads no other
  service's tables.
- ``meetings``: one per unit and month (``uq_meetings_unit_period``), its state,
  attendance and minutes, versioned for If-Match.
- ``meeting_agenda_items``: the agenda as generated (a snapshot, replaced while the
  meeting is scheduled, frozen once it starts).
- ``meeting_decisions``: one decision per agenda item.
"""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB

from services.escalation.adapters.tables import SCHEMA, TABLES

meeting_cases = Table(
    "meeting_cases",
    TABLES.metadata,
    Column("case_id", Text, primary_key=True),
    Column("case_number", Text),
    Column("kind", Text, nullable=False),
    Column("category", Text, nullable=False),
    Column("title", Text),  # as on the case topic: masked
    Column("risk_signals", ARRAY(Text), nullable=False, server_default="{}"),
    Column("people_involved", Integer),
    Column("grid_code", Text),
    Column("submitted_at", DateTime(timezone=True)),
    Column("unit_code", Text),
    Column("unit_level", Text),
    Column("handler_id", Text),
    Column("state", Text),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Index("ix_meeting_cases_unit", "unit_code", postgresql_ops={"unit_code": "text_pattern_ops"}),
    Index("ix_meeting_cases_grid", "grid_code", postgresql_ops={"grid_code": "text_pattern_ops"}),
)

meetings = Table(
    "meetings",
    TABLES.metadata,
    Column("meeting_id", Text, primary_key=True),
    Column("unit_code", Text, nullable=False),
    Column("unit_name", Text),
    Column("unit_level", Text, nullable=False),
    Column("district_code", Text, nullable=False),
    Column("period", Text, nullable=False),  # YYYY-MM
    Column("name", Text, nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("window_start", DateTime(timezone=True), nullable=False),
    Column("status", Text, nullable=False),  # scheduled | in_progress | closed
    Column("version", Integer, nullable=False),
    Column("agenda_generated_at", DateTime(timezone=True), nullable=False),
    Column("attendance", JSONB, nullable=False, server_default="[]"),
    Column("minutes", Text),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("closed_by", Text),
    Column("closed_at", DateTime(timezone=True)),
    UniqueConstraint("unit_code", "period", name="uq_meetings_unit_period"),
    Index("ix_meetings_period", "period", "unit_code"),
)

meeting_agenda_items = Table(
    "meeting_agenda_items",
    TABLES.metadata,
    Column(
        "meeting_id",
        Text,
        ForeignKey(f"{SCHEMA}.meetings.meeting_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("item_id", Text, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kind", Text, nullable=False),  # case | missing_return
    Column("flags", ARRAY(Text), nullable=False),
    Column("case_id", Text),
    Column("facts", JSONB, nullable=False),  # the snapshot shown and printed
    PrimaryKeyConstraint("meeting_id", "item_id", name="pk_meeting_agenda_items"),
)

meeting_decisions = Table(
    "meeting_decisions",
    TABLES.metadata,
    Column("meeting_id", Text, nullable=False),
    Column("item_id", Text, nullable=False),
    Column("decision_id", Text, nullable=False, unique=True),
    Column("action", Text, nullable=False),  # assign | escalate | plan | noted
    Column("case_id", Text),
    Column("assignee_id", Text),
    Column("assignee_name", Text),
    Column("plan", Text),
    Column("plan_due", Date),
    Column("note", Text),
    Column("escalated_to", Text),
    Column("decided_by", Text, nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("meeting_id", "item_id", name="pk_meeting_decisions"),
)
