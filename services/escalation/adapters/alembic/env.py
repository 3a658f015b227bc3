"""Alembic environment of the escalation service (its own schema and version table)."""

from services.escalation.adapters.tables import TABLES
from shared.db.alembic_env import run

run(TABLES.metadata)
