"""A fresh database with the generated demo district imported through the handlers,
and the routing service started without Kafka consumers (handlers are called directly;
the Kafka path is covered by tests/e2e)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest_asyncio

from gridcase.demo import load_demo_district
from gridcase.demo_district import DemoDistrict, generate
from services.routing.service_layer.handlers import RoutingCache
from services.routing.state import RoutingRuntime
from tests.harness import Stack, TestInfra

_DISTRICT: list[DemoDistrict] = []


def demo() -> DemoDistrict:
    """Generated once per session (Voronoi and Faker take about half a second)."""
    if not _DISTRICT:
        _DISTRICT.append(generate())
    return _DISTRICT[0]


@dataclass
class RoutingWorld:
    stack: Stack
    runtime: RoutingRuntime
    district: DemoDistrict
    cache: RoutingCache


@pytest_asyncio.fixture
async def empty_routing(infra: TestInfra) -> AsyncIterator[RoutingWorld]:
    """Routing over an empty registry (migrations applied, default policy seeded)."""
    stack = await Stack.create(infra)
    runtime = stack.runtime("routing")
    await runtime.start(consumers=False, relay=False)
    try:
        yield RoutingWorld(stack, runtime, demo(), RoutingCache())
    finally:
        await stack.close()


@pytest_asyncio.fixture
async def world(empty_routing: RoutingWorld) -> RoutingWorld:
    """Routing over the imported demo district."""
    await load_demo_district(empty_routing.runtime, empty_routing.district)
    return empty_routing
