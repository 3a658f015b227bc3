"""Session-wide real PostgreSQL and Kafka; see tests/harness.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from services.routing.adapters.demo import seed_demo
from tests.harness import Stack, TestInfra


@pytest.fixture(scope="session")
def infra() -> Iterator[TestInfra]:
    servers = TestInfra.start()
    try:
        yield servers
    finally:
        servers.stop()


@pytest_asyncio.fixture
async def stack(infra: TestInfra) -> AsyncIterator[Stack]:
    """A fresh database and topic prefix with the demo registry seeded; services not started."""
    created = await Stack.create(infra)
    routing = created.runtime("routing")
    from shared.db.engine import create_engine

    engine = create_engine(created.settings.database_url_for("routing"), pool_size=1)
    async with engine.begin() as conn:
        await seed_demo(conn)
    await engine.dispose()
    assert routing.name == "routing"
    try:
        yield created
    finally:
        await created.close()
