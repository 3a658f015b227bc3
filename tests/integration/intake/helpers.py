"""Test helpers for intake: a registry mirror fed through intake's own consumer handler,
officer tokens, and canned bodies."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.intake.service_layer import handlers
from shared.auth.tokens import mint_token
from shared.events.envelope import CloudEvent
from shared.events.routing import CaseAssignedV1, UnitUpsertedV1
from shared.messaging.received import read_payload
from tests.harness import Stack
from tests.integration.case_events import assigned as assigned_event

DISTRICT, STREET, COMMUNITY = "451102", "451102001", "451102001001"
ORIGIN, CELL = (111.560, 24.410), 0.005
IN_GRID_2 = {"lng": 111.5672, "lat": 24.4121}  # WGS84, inside the second grid
OUTSIDE = {"lng": 113.0, "lat": 23.0}  # Guangzhou: outside the district
SPECIMEN_ID = "11010519491231002X"


def _square(x: float, y: float, size: float) -> dict[str, Any]:
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def registry_units() -> list[UnitUpsertedV1]:
    x0, y0 = ORIGIN
    now = datetime.now(UTC)
    units = [
        UnitUpsertedV1(
            code=DISTRICT,
            name="八步区",
            level="district",
            parent_code=None,
            boundary=_square(x0 - 0.1, y0 - 0.1, 0.2 + 2 * CELL),
            changed_at=now,
        ),
        UnitUpsertedV1(
            code=STREET,
            name="城东街道",
            level="street",
            parent_code=DISTRICT,
            boundary=_square(x0 - 0.01, y0 - 0.01, 0.02 + 2 * CELL),
            changed_at=now,
        ),
        UnitUpsertedV1(
            code=COMMUNITY,
            name="东融社区",
            level="community",
            parent_code=STREET,
            boundary=_square(x0, y0, 2 * CELL),
            changed_at=now,
        ),
    ]
    for i in range(2):
        for j in range(2):
            seq = i * 2 + j + 1
            units.append(
                UnitUpsertedV1(
                    code=f"{COMMUNITY}{seq:03d}",
                    name=f"第{seq}网格",
                    level="grid",
                    parent_code=COMMUNITY,
                    boundary=_square(x0 + j * CELL, y0 + i * CELL, CELL),
                    changed_at=now,
                )
            )
    return units


def as_event(payload: Any, key: str) -> CloudEvent:
    return CloudEvent(
        source="/test",
        type=payload.event_type,
        partitionkey=key,
        data=payload.model_dump(mode="json"),
    )


async def seed_mirror(stack: Stack) -> None:
    """Apply the registry events through intake's own consumer handler."""
    runtime = stack.runtime("intake")
    for unit in registry_units():
        async with runtime.uow() as uow:
            await handlers.apply_unit_upserted(
                uow, read_payload(UnitUpsertedV1, as_event(unit, unit.code))
            )
            await uow.commit()
    runtime.state.reference.invalidate()


async def assign(stack: Stack, case_id: str, staff_id: str) -> None:
    """What routing's case.assigned event does to intake's view of a case."""
    async with stack.runtime("intake").uow() as uow:
        assigned = read_payload(CaseAssignedV1, assigned_event(case_id, staff_id))
        await handlers.apply_cases_assigned(uow, [assigned])
        await uow.commit()


def officer_headers(stack: Stack, staff_id: str = "go-002") -> dict[str, str]:
    token = mint_token(stack.settings.secret_key, staff_id, "grid_officer", [f"{COMMUNITY}002"])
    return {"Authorization": f"Bearer {token}"}


def report(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "category": "市容环境",
        "subcategory": "暴露垃圾",
        "title": "垃圾堆放",
        "description": "小区门口垃圾三天未清运",
        "location": dict(IN_GRID_2),
    }
    body.update(overrides)
    return body


def dispute(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "dispute",
        "category": "劳资纠纷(欠薪)",
        "title": "工地拖欠工资",
        "description": "农民工讨薪",
        "facts": "包工头拖欠12名工人工资半年，工人扬言再不给钱就同归于尽",
        "amount_involved": "86000.50",
        "people_involved": 12,
        "location": dict(IN_GRID_2),
        "parties": [
            {
                "role": "申请人",
                "name": "张三",
                "id_number": SPECIMEN_ID,
                "phone": "13812345678",
                "address": "东融社区3栋",
            },
            {"role": "被申请人", "name": "李四", "phone": "+86 139 0000 1111"},
        ],
    }
    body.update(overrides)
    return body


async def count(stack: Stack, table: str = "submissions") -> int:
    [row] = await stack.sql(f"SELECT count(*) AS n FROM intake.{table}")  # noqa: S608
    return int(row["n"])
