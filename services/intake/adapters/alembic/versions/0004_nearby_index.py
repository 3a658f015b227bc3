"""The duplicate search's index: open cases by category and latitude.

``(category, submitted_at)`` made the nearby-open-case search read every open case of
the category in the last day, so each submission cost more as the day went on. The
search asks for a latitude band about 200 m wide, which this index finds directly.

Revision ID: intake_0004
Revises: intake_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "intake_0004"
down_revision = "intake_0003"
branch_labels = None
depends_on = None

SCHEMA = "intake"
OPEN = sa.text("duplicate_of IS NULL AND status <> 'closed'")


def upgrade() -> None:
    op.create_index(
        "ix_submissions_open_nearby",
        "submissions",
        ["category", "lat", "lng"],
        schema=SCHEMA,
        postgresql_where=OPEN,
    )
    op.drop_index("ix_submissions_open_by_category", table_name="submissions", schema=SCHEMA)


def downgrade() -> None:
    op.create_index(
        "ix_submissions_open_by_category",
        "submissions",
        ["category", "submitted_at"],
        schema=SCHEMA,
        postgresql_where=OPEN,
    )
    op.drop_index("ix_submissions_open_nearby", table_name="submissions", schema=SCHEMA)
