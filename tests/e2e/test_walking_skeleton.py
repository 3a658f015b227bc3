"""A report travels intake → routing → mediation and escalation over real Kafka."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import orjson
import pytest

from tests.harness import Stack, eventually

pytestmark = pytest.mark.integration

# Inside the demo community's second grid (east of the first, south row).
POINT_IN_GRID_2 = {"lng": 111.5672, "lat": 24.4121}


async def test_report_is_routed_viewed_and_clocked(stack: Stack) -> None:
    await stack.start()
    intake = stack.client("intake", "district_operator")
    response = await intake.post(
        "/reports",
        json={
            "category": "市容环境",
            "title": "垃圾堆放",
            "description": "小区门口垃圾三天未清运",
            "location": POINT_IN_GRID_2,
        },
    )
    assert response.status_code == 201, response.text
    case_id = response.json()["case_id"]
    assert response.json()["case_number"].startswith("GC")

    async def assigned_view() -> dict[str, Any] | None:
        r = await stack.client("mediation", "district_operator").get(f"/cases/{case_id}")
        return r.json() if r.status_code == 200 and r.json()["status"] == "assigned" else None

    view = await eventually(assigned_view)
    assert view["unit_code"] == "451102001001002"
    assert view["assignee_id"] == "go-002"
    assert view["title"] == "垃圾堆放"
    assert view["status_label"] == "已分派"

    routing = await stack.client("routing", "district_operator").get(f"/cases/{case_id}/routing")
    assert routing.status_code == 200
    [decision] = routing.json()
    assert decision["rule"] == "urban-management"
    assert decision["explanation"]["located_by"] == "point-in-grid"
    assert decision["explanation"]["candidates"][0]["staff_id"] == "go-002"

    async def clocks() -> list[Any] | None:
        r: httpx.Response = await stack.client("escalation", "district_operator").get(
            f"/cases/{case_id}/clocks"
        )
        return r.json() if r.status_code == 200 else None

    [clock] = await eventually(clocks)
    assert clock["stage"] == "accept"
    assert clock["category"] == "市容环境"
    started = datetime.fromisoformat(clock["started_at"])
    due = datetime.fromisoformat(clock["due_at"])
    red = datetime.fromisoformat(clock["red_at"])
    assert started < due < red


async def test_point_outside_every_grid_falls_back_to_the_district(stack: Stack) -> None:
    await stack.start()
    response = await stack.client("intake", "district_operator").post(
        "/reports",
        json={
            "category": "其他",
            "title": "路灯不亮",
            "description": "村口路灯坏了",
            # Inside the district, outside every grid: the locality backstop.
            "location": {"lng": 111.60, "lat": 24.35},
        },
    )
    case_id = response.json()["case_id"]

    async def routed() -> list[Any] | None:
        r = await stack.client("routing", "district_operator").get(f"/cases/{case_id}/routing")
        return r.json() if r.status_code == 200 else None

    [decision] = await eventually(routed)
    assert decision["unit_code"] == "451102"
    assert decision["assignee_id"] == "op-district"
    assert "属地兜底" in decision["explanation"]["located_by"]


async def test_a_clients_correlation_id_follows_the_case_through_every_hop(stack: Stack) -> None:
    await stack.start()
    response = await stack.client("intake", "district_operator").post(
        "/reports",
        json={
            "category": "市容环境",
            "title": "广告乱贴",
            "description": "电线杆上小广告",
            "location": POINT_IN_GRID_2,
        },
        headers={"X-Correlation-ID": "phone-batch-42"},
    )
    assert response.headers["x-correlation-id"] == "phone-batch-42"
    case_id = response.json()["case_id"]

    async def both_events() -> list[Any] | None:
        rows = await stack.sql(
            "SELECT type, envelope FROM intake.outbox WHERE key = $1 "
            "UNION ALL SELECT type, envelope FROM routing.outbox WHERE key = $1",
            case_id,
        )
        return rows if len(rows) == 2 else None

    submitted, assigned = sorted(
        [orjson.loads(r["envelope"]) for r in await eventually(both_events)],
        key=lambda e: e["type"] != "cn.gridcase.case.submitted.v1",
    )
    assert submitted["correlationid"] == "phone-batch-42"
    assert assigned["correlationid"] == "phone-batch-42"
    assert assigned["causationid"] == submitted["id"]
