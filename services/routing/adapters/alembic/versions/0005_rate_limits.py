"""Rate-limit counters shared by every process of the service (UNLOGGED, see
shared/db/rate_limits.py).

Revision ID: routing_0005
Revises: routing_0004
"""

from alembic import op

from shared.db.rate_limits import create_rate_limits_sql, drop_rate_limits_sql

revision = "routing_0005"
down_revision = "routing_0004"
branch_labels = None
depends_on = None

SCHEMA = "routing"


def upgrade() -> None:
    op.execute(create_rate_limits_sql(SCHEMA))


def downgrade() -> None:
    op.execute(drop_rate_limits_sql(SCHEMA))
