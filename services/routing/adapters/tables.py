"""The routing schema: organisation units, staff, assignments, outbox, inbox."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Integer, Table, Text, func
from sqlalchemy.dialects.postgresql import JSONB

from shared.runtime import ServiceMetadata

SCHEMA = "routing"
TABLES = ServiceMetadata(SCHEMA)

units = Table(
    "units",
    TABLES.metadata,
    Column("code", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("level", Text, nullable=False),  # district | street | community | grid
    Column("parent_code", Text),
    Column("area_type", Text),  # urban | rural (communities and their grids)
    Column("boundary", JSONB),  # GeoJSON geometry, WGS84
)

staff = Table(
    "staff",
    TABLES.metadata,
    Column("staff_id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("unit_code", Text, nullable=False, index=True),
    Column("capacity", Integer, nullable=False, server_default="20"),
    Column("open_cases", Integer, nullable=False, server_default="0"),
    Column("on_duty", Boolean, nullable=False, server_default="true"),
)

assignments = Table(
    "assignments",
    TABLES.metadata,
    Column("assignment_id", Text, primary_key=True),
    Column("case_id", Text, nullable=False, index=True),
    Column("unit_code", Text, nullable=False),
    Column("assignee_id", Text),
    Column("rule", Text, nullable=False),
    Column("explanation", JSONB, nullable=False),
    Column("active", Boolean, nullable=False, server_default="true"),
    Column("assigned_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
