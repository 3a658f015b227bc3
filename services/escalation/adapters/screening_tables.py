"""Escalation's screening (排查) tables, in the escalation schema.

- ``registry_grids``: escalation's own view of the organisation tree's units, from
  routing's registry events (it never reads routing's tables); the grids of a district
  are the units of level ``grid`` under its code.
- ``screening_periods``: each period opened, once per district and start day.
- ``screening_tasks``: one task per grid and period; ``status`` open → filed, or
  missing at the due time (and filed late after that); a missing one records the
  unit it was escalated to (上报) and when.
- ``screening_returns``: every return as filed (nil or the cases found), whether or not
  the task is known here yet, so the monthly report counts returns, nil reports and
  lateness from this table and the tasks.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB

from services.escalation.adapters.tables import TABLES

registry_units = Table(
    "registry_units",
    TABLES.metadata,
    Column("code", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("level", Text, nullable=False),
    Column("parent_code", Text),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

screening_periods = Table(
    "screening_periods",
    TABLES.metadata,
    Column("period_key", Text, primary_key=True),
    Column("district_code", Text, nullable=False),
    Column("schedule", Text, nullable=False),
    Column("cadence", Text, nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
)

screening_tasks = Table(
    "screening_tasks",
    TABLES.metadata,
    Column("task_id", Text, primary_key=True),
    Column("period_key", Text, nullable=False),
    Column("district_code", Text, nullable=False),
    Column("street_code", Text, nullable=False),
    Column("grid_code", Text, nullable=False),
    Column("period_start", Date, nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("status", Text, nullable=False),  # open | filed | missing
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("missing_flagged_at", DateTime(timezone=True)),
    Column("filed_at", DateTime(timezone=True)),
    Column("late", Boolean),
    # 上报: the unit the missing return was escalated to, in the flag's transaction.
    Column("escalated_to_unit_code", Text),
    Column("escalated_at", DateTime(timezone=True)),
    UniqueConstraint("period_key", "grid_code", name="uq_screening_tasks_period_grid"),
    Index("ix_screening_tasks_status", "status", "street_code"),
)

screening_returns = Table(
    "screening_returns",
    TABLES.metadata,
    Column("task_id", Text, primary_key=True),
    Column("grid_code", Text, nullable=False),
    Column("period_key", Text),
    Column("nil_report", Boolean, nullable=False),
    Column("case_ids", JSONB, nullable=False),
    Column("filed_at", DateTime(timezone=True), nullable=False),
    Column("filed_by", Text, nullable=False),
)
