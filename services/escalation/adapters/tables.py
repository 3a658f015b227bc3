"""The escalation schema: time-limit clocks per case and stage."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Table, Text, UniqueConstraint

from shared.db.metadata import ServiceMetadata
from shared.scheduling.table import scheduled_jobs_table

SCHEMA = "escalation"
TABLES = ServiceMetadata(SCHEMA)

clocks = Table(
    "clocks",
    TABLES.metadata,
    Column("clock_id", Text, primary_key=True),
    Column("case_id", Text, nullable=False, index=True),
    Column("stage", Text, nullable=False),
    Column("category", Text, nullable=False),
    Column("unit_code", Text),
    Column("status", Text, nullable=False),  # running | stopped
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("yellow_at", DateTime(timezone=True), nullable=False),
    Column("red_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("case_id", "stage", name="uq_clocks_case_stage"),
)

case_categories = Table(
    "case_categories",
    TABLES.metadata,
    Column("case_id", Text, primary_key=True),
    Column("category", Text, nullable=False),
)

# Durable deadlines and recurring jobs (shared/scheduling): screening periods and dues.
scheduled_jobs = scheduled_jobs_table(TABLES.metadata)
