"""Alembic operations for a service migration that adds its scheduled-jobs table.

    from shared.scheduling.migration_ops import create_scheduled_jobs, drop_scheduled_jobs

    def upgrade() -> None:
        create_scheduled_jobs("escalation")

    def downgrade() -> None:
        drop_scheduled_jobs("escalation")

The table, its constraints and indexes come from ``scheduled_jobs_table``, so the
migration and the metadata the service runs with cannot drift apart.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import MetaData

from shared.scheduling.table import TABLE_NAME, scheduled_jobs_table


def create_scheduled_jobs(schema: str) -> None:
    scheduled_jobs_table(MetaData(schema=schema)).create(op.get_bind())


def drop_scheduled_jobs(schema: str) -> None:
    op.drop_table(TABLE_NAME, schema=schema)
