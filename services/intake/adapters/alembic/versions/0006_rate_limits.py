"""Rate-limit counters shared by every process of the service (UNLOGGED, see
shared/db/rate_limits.py).

Revision ID: intake_0006
Revises: intake_0005
"""

from alembic import op

from shared.db.rate_limits import create_rate_limits_sql, drop_rate_limits_sql

revision = "intake_0006"
down_revision = "intake_0005"
branch_labels = None
depends_on = None

SCHEMA = "intake"


def upgrade() -> None:
    op.execute(create_rate_limits_sql(SCHEMA))


def downgrade() -> None:
    op.execute(drop_rate_limits_sql(SCHEMA))
