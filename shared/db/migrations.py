"""Run one service's alembic history against its own schema.

Every service keeps its history in ``services/<name>/adapters/alembic`` with its
version table inside its schema, so histories never collide even in one database.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from shared.db.engine import asyncpg_url, create_engine


def alembic_config(script_location: Path, url: str, schema: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("sqlalchemy.url", asyncpg_url(url).replace("%", "%%"))
    cfg.attributes["schema"] = schema
    return cfg


async def _ensure_schema(url: str, schema: str) -> None:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    finally:
        await engine.dispose()


def upgrade(script_location: Path, url: str, schema: str, revision: str = "head") -> None:
    """Create the schema if needed and upgrade it. Call from a thread, not an event loop."""
    asyncio.run(_ensure_schema(url, schema))
    command.upgrade(alembic_config(script_location, url, schema), revision)


async def upgrade_async(script_location: Path, url: str, schema: str) -> None:
    await asyncio.to_thread(upgrade, script_location, url, schema)
