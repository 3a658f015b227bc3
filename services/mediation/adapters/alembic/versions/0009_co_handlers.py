"""Co-handlers on the case view: who stays on a case besides its lead (the first
receiver of an escalated or handed-down case, 首接负责; routing's co-handlers), so
they still see and work it.

Revision ID: mediation_0009
Revises: mediation_0008
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "mediation_0009"
down_revision = "mediation_0008"
branch_labels = None
depends_on = None

SCHEMA = "mediation"


def upgrade() -> None:
    op.add_column(
        "cases",
        sa.Column("co_handler_ids", ARRAY(sa.Text), nullable=False, server_default="{}"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_column("cases", "co_handler_ids", schema=SCHEMA)
