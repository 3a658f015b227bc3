"""Alembic environment of the routing service (its own schema and version table)."""

from services.routing.adapters.tables import TABLES
from shared.db.alembic_env import run

run(TABLES.metadata)
