"""Demo data for ``gridcase up``: the generated demo district, loaded only into an empty
registry and through the routing service's own import handlers, so that the registry
events (``gridcase.registry.v1``) go out through the outbox like any other import."""

from __future__ import annotations

import json

from gridcase.demo_district import DemoDistrict, generate
from services.routing.adapters.registry_files import read_staff, read_units_geojson
from services.routing.adapters.repository import RoutingRepository
from services.routing.bootstrap import build_runtime
from services.routing.service_layer.identity import create_demo_accounts
from services.routing.service_layer.registry import ChangeReport, import_staff, import_units
from services.routing.state import RoutingRuntime
from shared.settings import Environment, GridcaseSettings

# Every demo staff member signs in with their staff id and this password (development
# only: ``gridcase up`` creates the accounts only in the development environment).
DEMO_PASSWORD = "gridcase-demo"  # noqa: S105 - a documented demo credential


async def load_demo_district(
    runtime: RoutingRuntime, district: DemoDistrict | None = None
) -> tuple[ChangeReport, ChangeReport]:
    """Import the demo tree, then its staff (two all-or-nothing imports)."""
    district = district or generate()
    drafts, issues = read_units_geojson(district.units)
    async with runtime.uow() as uow:
        units = await import_units(uow, drafts, parse_issues=issues)
    members, issues = read_staff(json.dumps(district.staff), "json")
    async with runtime.uow() as uow:
        staff = await import_staff(uow, members, parse_issues=issues)
    return units, staff


async def seed_demo_data(settings: GridcaseSettings) -> bool:
    """Load the demo district if the registry is empty; True if it did."""
    runtime = build_runtime(settings)
    await runtime.start(consumers=False, relay=False)
    try:
        async with runtime.uow() as uow:
            loaded = bool(await RoutingRepository(uow.connection).all_units())
        if not loaded:
            await load_demo_district(runtime)
        if settings.environment == Environment.DEVELOPMENT:
            async with runtime.uow() as uow:
                await create_demo_accounts(uow, DEMO_PASSWORD)
        return not loaded
    finally:
        await runtime.stop()
