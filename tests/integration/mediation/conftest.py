"""One running system for the case-work tests of this folder (each test works its own
cases in it, so they never see each other's)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from services.routing.adapters.demo import seed_demo
from shared.db.engine import create_engine
from tests.harness import Stack, TestInfra
from tests.integration.mediation.casework import add_staff


@pytest_asyncio.fixture(scope="module")
async def system(infra: TestInfra) -> AsyncIterator[Stack]:
    stack = await Stack.create(infra)
    engine = create_engine(stack.settings.database_url_for("routing"), pool_size=1)
    async with engine.begin() as conn:
        await seed_demo(conn)
    await engine.dispose()
    try:
        await stack.start()
        await stack.wait_until_consuming()
        await add_staff(stack)
        yield stack
    finally:
        await stack.close()
