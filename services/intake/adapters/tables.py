"""The intake schema: submissions (every accepted report or dispute), outbox, inbox."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, Integer, Sequence, Table, Text, func
from sqlalchemy.dialects.postgresql import JSONB

from shared.runtime import ServiceMetadata

SCHEMA = "intake"
TABLES = ServiceMetadata(SCHEMA)

case_number_seq = Sequence("case_number_seq", metadata=TABLES.metadata)

submissions = Table(
    "submissions",
    TABLES.metadata,
    Column("case_id", Text, primary_key=True),
    Column("case_number", Text, nullable=False, unique=True),
    Column("kind", Text, nullable=False),
    Column("category", Text, nullable=False),
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
    Column("people_involved", Integer),
    Column("risk_signals", JSONB, nullable=False, server_default="[]"),
    Column("reporter", JSONB, nullable=False, server_default="{}"),
    Column("status", Text, nullable=False, server_default="submitted"),
    Column("submitted_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
