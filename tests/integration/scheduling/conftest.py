"""A fresh database per test with the jobs_app schema (outbox, inbox, scheduled jobs)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db.engine import create_engine, plain_url
from shared.db.unit_of_work import UnitOfWork
from tests.harness import TestInfra
from tests.integration.scheduling import jobs_app


@dataclass
class JobsDb:
    url: str
    engine: AsyncEngine

    def uow(self) -> UnitOfWork:
        return jobs_app.uow_factory(self.engine)

    async def sql(self, query: str, *args: Any) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(plain_url(self.url))
        try:
            return list(await conn.fetch(query, *args))
        finally:
            await conn.close()


@pytest_asyncio.fixture
async def jobs_db(infra: TestInfra) -> AsyncIterator[JobsDb]:
    url = await infra.create_database()
    await jobs_app.create_schema(url)
    engine = create_engine(url, pool_size=4)
    try:
        yield JobsDb(url, engine)
    finally:
        await engine.dispose()
        await infra.drop_database(url)
