from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest_asyncio

from tests.harness import Stack
from tests.integration.intake.helpers import seed_mirror


@pytest_asyncio.fixture
async def intake(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """Intake running (no relay, no consumers: the tests drive them) with its mirror fed."""
    await stack.start("intake", consumers=False, relay=False)
    await seed_mirror(stack)
    yield stack.client("intake", "district_operator")
