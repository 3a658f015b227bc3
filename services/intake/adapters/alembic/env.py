"""Alembic environment of the intake service (its own schema and version table)."""

from services.intake.adapters.tables import TABLES
from shared.db.alembic_env import run

run(TABLES.metadata)
