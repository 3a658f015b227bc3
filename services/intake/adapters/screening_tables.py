"""Intake's screening (排查) tasks: what escalation opened (from the cycle stream), and
the return each grid filed against it.

``status`` is open until the grid's officer files the return (filed): a nil report
(零报告) or the disputes found, whose cases are ``case_ids``.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, DateTime, Index, Table, Text
from sqlalchemy.dialects.postgresql import JSONB

from services.intake.adapters.tables import TABLES

screening_tasks = Table(
    "screening_tasks",
    TABLES.metadata,
    Column("task_id", Text, primary_key=True),
    Column("period_key", Text, nullable=False),
    Column("district_code", Text, nullable=False),
    Column("grid_code", Text, nullable=False),
    Column("grid_name", Text),
    Column("schedule", Text, nullable=False),
    Column("cadence", Text, nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("status", Text, nullable=False),  # open | filed
    Column("nil_report", Boolean),
    Column("case_ids", JSONB),
    Column("note", Text),
    Column("filed_at", DateTime(timezone=True)),
    Column("filed_by", Text),
    Index("ix_intake_screening_tasks_grid", "grid_code", "status"),
)
