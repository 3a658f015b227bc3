"""Escalation's monthly reports as mediation heard them (``gridcase.cycle.v1``): one row
per unit and month, for the dashboard's reports page (``domain/report_states.py``)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, Table, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB

from services.mediation.adapters.tables import TABLES

monthly_reports = Table(
    "monthly_reports",
    TABLES.metadata,
    Column("unit_code", Text, primary_key=True),
    Column("month", Text, primary_key=True),  # YYYY-MM
    Column("level", Text, nullable=False),
    Column("status", Text, nullable=False),  # domain/report_states.py
    Column("version", Integer, nullable=False),
    Column("late", Boolean, nullable=False, server_default=text("false")),
    Column("missing", Boolean, nullable=False, server_default=text("false")),
    Column("deadline", DateTime(timezone=True)),
    Column("submitted_at", DateTime(timezone=True)),
    Column("decided_at", DateTime(timezone=True)),
    # The figures and the time-limit rates' counts as submitted (counts only).
    Column("totals", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("rates", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # The reports page reads a unit's months, newest first, under a unit prefix.
    Index("ix_monthly_reports_month_unit", "month", "unit_code"),
)
