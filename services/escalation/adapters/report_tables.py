"""The monthly report's tables (月报告), in the escalation schema.

Read model, rebuilt from the topics alone (truncate and replay gives the same numbers):

- ``report_cases``: per dispute, what the counts need to know of it (area, category,
  band, major, the screening task that found it) and the month and level of each
  once-per-case fact. Its area is the case's grid, else the grid of the screening return
  that found it, else (not found in screening) the unit of its first assignment; facts
  are counted once the area is known, whichever topic brings it first;
- ``report_counts``: the counts per area (grid, else the handling unit) × month ×
  category × level, incremented as facts arrive (commutative: replay order across
  partitions does not matter);
- ``report_returns``: screening returns per task (nil reports, 零报告) and their month.

Write model (the workflow, not rebuilt): ``report_submissions``, one row per unit and
month with its status, version, submitted snapshot and the missing flag.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB

from services.escalation.adapters.tables import TABLES

report_cases = Table(
    "report_cases",
    TABLES.metadata,
    Column("case_id", Text, primary_key=True),
    Column("area_code", Text, nullable=False),
    Column("category", Text, nullable=False),
    Column("band", Text),
    Column("major", Boolean, nullable=False),
    Column("screened", Boolean, nullable=False),
    Column("found_month", Text, nullable=False),
    Column("screening_task_id", Text),
    Column("accepted_month", Text),
    Column("accepted_level", Text),
    Column("mediated_month", Text),
    Column("succeeded_month", Text),
    Column("closed_level", Text),
    Index("ix_report_cases_task", "screening_task_id"),
)

COUNT_NAMES = (
    "screened",
    "accepted",
    "mediated",
    "succeeded",
    "major",
    "lt50",
    "b50_100",
    "b100_500",
    "gt500",
)

report_counts = Table(
    "report_counts",
    TABLES.metadata,
    Column("area_code", Text, nullable=False),
    Column("month", Text, nullable=False),
    Column("category", Text, nullable=False),
    Column("level", Text, nullable=False),
    *(Column(name, Integer, nullable=False, server_default="0") for name in COUNT_NAMES),
    PrimaryKeyConstraint("area_code", "month", "category", "level"),
)

report_returns = Table(
    "report_returns",
    TABLES.metadata,
    Column("task_id", Text, primary_key=True),
    Column("grid_code", Text, nullable=False),
    Column("month", Text, nullable=False),
    Column("nil_report", Boolean, nullable=False),
    Index("ix_report_returns_month_grid", "month", "grid_code"),
)

report_submissions = Table(
    "report_submissions",
    TABLES.metadata,
    Column("unit_code", Text, nullable=False),
    Column("month", Text, nullable=False),
    Column("level", Text, nullable=False),
    Column("status", Text),  # submitted | returned | accepted; None: only flagged missing
    Column("version", Integer, nullable=False),
    Column("snapshot", JSONB),
    Column("submitted_at", DateTime(timezone=True)),
    Column("submitted_by", Text),
    Column("late", Boolean),
    Column("decided_at", DateTime(timezone=True)),
    Column("decided_by", Text),
    Column("return_reason", Text),
    Column("missing_flagged_at", DateTime(timezone=True)),
    PrimaryKeyConstraint("unit_code", "month"),
    CheckConstraint(
        "status IS NULL OR status IN ('submitted', 'returned', 'accepted')",
        name="ck_report_submissions_status",
    ),
)

REBUILT_TABLES = (report_cases, report_counts, report_returns)
