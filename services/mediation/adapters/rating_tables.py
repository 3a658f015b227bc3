"""Residents' ratings of a case's result, as mediation learns them from ``case.rated``
(one per case; the comment stays in intake, encrypted)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Table, Text

from services.mediation.adapters.tables import TABLES

case_ratings = Table(
    "case_ratings",
    TABLES.metadata,
    Column("case_id", Text, primary_key=True),
    Column("rating_id", Text, nullable=False),
    Column("rating", Text, nullable=False),
    Column("has_comment", Boolean, nullable=False),
    Column("rated_at", DateTime(timezone=True), nullable=False),
)
