"""Submitting cases straight to the routing handler, and reading what it decided."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from shapely.geometry import shape

from services.routing.service_layer import handlers
from shared.events.envelope import CloudEvent
from shared.events.intake import CaseSubmittedV1
from shared.events.payload import GeoPoint
from shared.messaging.received import Received
from tests.integration.routing.conftest import RoutingWorld


def keyed(headers: dict[str, str] | None = None) -> dict[str, str]:
    """``headers`` with a fresh Idempotency-Key, as a client sends a new reassignment."""
    return {**(headers or {}), "Idempotency-Key": str(uuid.uuid4())}


def inside(world: RoutingWorld, code: str) -> tuple[float, float]:
    """A point well inside the unit's polygon."""
    point = shape(world.district.boundary_of(code)).representative_point()
    return point.x, point.y


def submitted(
    *,
    kind: str = "report",
    category: str = "市容环境",
    point: tuple[float, float] | None = None,
    grid_code: str | None = None,
    risk_signals: list[str] | None = None,
    people_involved: int | None = None,
    case_id: str | None = None,
) -> CloudEvent:
    """A ``case.submitted`` event as intake publishes it."""
    case_id = case_id or str(uuid.uuid4())
    payload = CaseSubmittedV1(
        case_id=case_id,
        case_number="GC-TEST",
        kind=kind,  # type: ignore[arg-type]
        category=category,
        title="测试",
        description="测试案件",
        location=GeoPoint(lng=point[0], lat=point[1]) if point else None,
        grid_code=grid_code,
        risk_signals=risk_signals or [],
        people_involved=people_involved,
        submitted_at=datetime.now(UTC),
    )
    return CloudEvent(
        source="/gridcase/intake",
        type=payload.event_type,
        partitionkey=case_id,
        data=payload.model_dump(mode="json"),
    )


async def submit(world: RoutingWorld, **facts: Any) -> str:
    """Route one case, as the consumer does for a lone event; its id."""
    event = submitted(**facts)
    async with world.runtime.uow() as uow:
        await handlers.assign_submitted_cases(
            uow, [Received.read(CaseSubmittedV1, event)], world.cache
        )
        await uow.commit()
    return str(event.data["case_id"])


async def submit_together(world: RoutingWorld, events: list[CloudEvent]) -> None:
    """Route cases as the consumer does for a fetched batch: one transaction."""
    async with world.runtime.uow() as uow:
        await handlers.assign_submitted_cases(
            uow, [Received.read(CaseSubmittedV1, e) for e in events], world.cache
        )
        await uow.commit()


async def decisions(world: RoutingWorld, case_id: str) -> list[dict[str, Any]]:
    response = await world.stack.client("routing", "admin").get(f"/cases/{case_id}/routing")
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json()
    return result


async def active(world: RoutingWorld, case_id: str) -> dict[str, Any]:
    [decision] = [d for d in await decisions(world, case_id) if d["active"]]
    return decision


async def load_of(world: RoutingWorld, staff_id: str) -> int:
    [row] = await world.stack.sql(
        "SELECT open_cases FROM routing.staff WHERE staff_id = $1", staff_id
    )
    return int(row["open_cases"])


async def assigned_events(world: RoutingWorld, case_id: str) -> list[dict[str, Any]]:
    rows = await world.stack.sql(
        "SELECT envelope FROM routing.outbox WHERE key = $1 AND type = $2 ORDER BY id",
        case_id,
        "cn.gridcase.case.assigned.v1",
    )
    return [json.loads(r["envelope"])["data"] for r in rows]
