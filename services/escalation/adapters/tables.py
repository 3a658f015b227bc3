"""The escalation schema: time-limit clocks per case and stage, and residents' ratings
per case (for 满意率, the satisfaction rate)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Table, Text, UniqueConstraint

from shared.db.metadata import ServiceMetadata

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

# One rating per case (intake keeps one), with the unit that handled the case and when.
case_ratings = Table(
    "case_ratings",
    TABLES.metadata,
    Column("case_id", Text, primary_key=True),
    Column("rating_id", Text, nullable=False),
    Column("rating", Text, nullable=False),
    Column("kind", Text),
    Column("unit_code", Text),
    Column("rated_at", DateTime(timezone=True), nullable=False),
    Index("ix_case_ratings_rated_at", "rated_at"),
)
