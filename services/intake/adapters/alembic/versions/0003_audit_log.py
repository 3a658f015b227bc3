"""The audit log: append-only, hash-chained (shared/audit.py).

Revision ID: intake_0003
Revises: intake_0002
"""

from alembic import op

from shared.audit import create_audit_tables_sql, drop_audit_tables_sql

revision = "intake_0003"
down_revision = "intake_0002"
branch_labels = None
depends_on = None

SCHEMA = "intake"


def upgrade() -> None:
    for statement in create_audit_tables_sql(SCHEMA):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_audit_tables_sql(SCHEMA):
        op.execute(statement)
