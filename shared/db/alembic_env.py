"""The body of every service's alembic ``env.py``: async engine, schema-local versions."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from shared.db.engine import create_engine


def run(metadata: MetaData) -> None:
    config = context.config
    schema = config.attributes.get("schema") or metadata.schema
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url must be set by shared.db.migrations"

    def do_run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table_schema=schema,
            include_schemas=False,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run_async() -> None:
        engine = create_engine(url, pool_size=1)
        try:
            async with engine.connect() as conn:
                await conn.run_sync(do_run)
                await conn.commit()
        finally:
            await engine.dispose()

    asyncio.run(run_async())
