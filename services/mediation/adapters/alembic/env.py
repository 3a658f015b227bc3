"""Alembic environment of the mediation service (its own schema and version table)."""

from services.mediation.adapters.tables import TABLES
from shared.db.alembic_env import run

run(TABLES.metadata)
