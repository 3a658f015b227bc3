"""A service's table metadata: its own schema, with the outbox, inbox and audit tables
every service has already in it."""

from __future__ import annotations

from sqlalchemy import MetaData, Table

from shared import audit
from shared.db.tables import inbox_table, outbox_table


class ServiceMetadata:
    """A service's SQLAlchemy metadata with its outbox, inbox and audit log in it."""

    def __init__(self, schema: str):
        self.schema = schema
        self.metadata = MetaData(schema=schema)
        self.outbox: Table = outbox_table(self.metadata)
        self.inbox: Table = inbox_table(self.metadata)
        self.audit_log, self.audit_purges = audit.audit_tables(self.metadata)
