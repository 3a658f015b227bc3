"""The audit log: append-only, hash-chained (shared/audit.py).

Revision ID: routing_0003
Revises: routing_0002
"""

from alembic import op

from shared.audit import create_audit_tables_sql, drop_audit_tables_sql

revision = "routing_0003"
down_revision = "routing_0002"
branch_labels = None
depends_on = None

SCHEMA = "routing"


def upgrade() -> None:
    for statement in create_audit_tables_sql(SCHEMA):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_audit_tables_sql(SCHEMA):
        op.execute(statement)
