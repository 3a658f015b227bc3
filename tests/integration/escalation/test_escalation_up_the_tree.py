"""Escalation up the tree (DOMAIN.md "Time limits and supervision": grid → community →
street centre → district centre, the first receiver staying responsible, 首接负责):
a red card sends the case up under the district's policy, once; routing assigns the
receiving unit's person; the case's clocks follow it to its new level."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from services.escalation.domain.clocks import BEIJING
from services.escalation.domain.escalation_policy import load, policy_for
from services.mediation.adapters.case_work_access import may_read, may_work
from services.mediation.adapters.case_work_tables import case_files
from services.mediation.adapters.tables import cases
from shared.auth.tokens import Principal
from shared.clock import ManualClock
from shared.events.escalation import CaseEscalatedV1
from tests.harness import Stack, eventually
from tests.integration.escalation.case_steps import (
    apply,
    assigned,
    clocks,
    start_at,
    step,
    submitted,
)

pytestmark = pytest.mark.integration

GRID = "451102001001002"  # the seeded demo's grid of go-002
COMMUNITY = "451102001001"
STREET = "451102001"
DISTRICT = "451102"
# As mediation's queries read a case: its view, left-joined to its file.
FILES = cases.outerjoin(case_files, case_files.c.case_id == cases.c.case_id)
POINT_IN_GRID_2 = {"lng": 111.5672, "lat": 24.4121}


def test_the_policy_is_data_per_district_with_a_ceiling() -> None:
    policies = load()
    demo = policy_for(policies, GRID)
    other = policy_for(policies, "450100001001")
    assert demo.district == DISTRICT and other.district == "default"
    up = demo.on_red_card("accept", GRID)
    assert up is not None and (up.to_unit_code, up.to_level) == (COMMUNITY, "community")
    # The district centre has no parent; a ceiling stops the climb below it.
    assert demo.on_red_card("accept", DISTRICT) is None
    assert demo.on_red_card("mediate", STREET) is None  # mediation goes up to the street
    assert other.on_red_card("accept", STREET) is None  # the default stops at the street
    # The parties' own window and follow-ups never escalate on their own.
    assert demo.on_red_card("confirm", COMMUNITY) is None
    assert demo.on_red_card("follow_up", COMMUNITY) is None


async def _routing(stack: Stack, case_id: str) -> list[dict[str, Any]]:
    r = await stack.client("routing", "admin").get(f"/cases/{case_id}/routing")
    return list(r.json()) if r.status_code == 200 else []


async def test_red_cards_climb_the_tree_once_each_and_routing_assigns_the_receivers(
    stack: Stack,
) -> None:
    """Nobody accepts a grid's report: each level's accept clock turns red and sends it
    one level up (the demo district's policy allows up to the district centre), once per
    red card; routing assigns each receiving unit's person, the grid officer who
    received it first stays on it, sees it and may still work it; at the district
    centre the red card sends it nowhere."""
    clock = ManualClock(datetime.now(UTC))
    stack.runtime("escalation").clock = clock
    await stack.start()
    await stack.wait_until_consuming()
    response = await stack.client("intake", "district_operator").post(
        "/reports",
        json={
            "category": "市容环境",
            "title": "占道经营",
            "description": "夜市摊位占用消防通道",
            "location": POINT_IN_GRID_2,
        },
    )
    assert response.status_code == 201, response.text
    case_id = response.json()["case_id"]
    first = (await eventually(lambda: clocks(stack, case_id)))["accept"]
    assert (first["unit_code"], first["handler_id"]) == (GRID, "go-002")

    clock.set(first["red_at"] + timedelta(minutes=1))
    scheduler = stack.runtime("escalation").scheduler
    assert scheduler is not None

    async def at_the_top() -> list[dict[str, Any]] | None:
        await scheduler.run_due()
        history = await _routing(stack, case_id)
        return history if history and history[-1]["unit_code"] == DISTRICT else None

    history = await eventually(at_the_top, timeout=60, interval=0.3)
    assert [(d["trigger"], d["unit_code"], d["assignee_id"]) for d in history] == [
        ("submitted", GRID, "go-002"),
        # Nobody serves the seeded community: the search moves on to the street centre.
        ("escalation", STREET, "op-street"),
        ("escalation", DISTRICT, "op-district"),
    ]
    assert history[-1]["co_handler_ids"] == ["go-002"]  # 首接负责
    assert all("红牌" in d["explanation"]["trigger_reason"] for d in history[1:])

    async def settled() -> dict[str, dict[str, Any]] | None:
        await scheduler.run_due()
        rows = await clocks(stack, case_id)
        top = [c for c in rows.values() if c["unit_code"] == DISTRICT]
        return rows if top and top[0]["red_fired_at"] is not None else None

    rows = await eventually(settled, timeout=60, interval=0.3)
    escalated = await stack.sql(
        "SELECT envelope->'data' AS data FROM escalation.outbox WHERE type = $1 ORDER BY id",
        CaseEscalatedV1.event_type,
    )
    moves = [
        (d.from_unit_code, d.to_unit_code, d.reason)
        for d in (CaseEscalatedV1.model_validate_json(r["data"]) for r in escalated)
    ]
    # Once per red card; the district centre's red card sends it nowhere.
    assert moves == [(GRID, COMMUNITY, "red_card"), (STREET, DISTRICT, "red_card")]
    # The clocks followed: each level's accept clock stopped when the case moved on.
    by_unit = {c["unit_code"]: c for c in rows.values()}
    assert by_unit[GRID]["status"] == by_unit[STREET]["status"] == "stopped"
    assert by_unit[GRID]["stop_step"] == "moved:escalation"
    assert (by_unit[STREET]["unit_level"], by_unit[STREET]["handler_id"]) == (
        "street",
        "op-street",
    )
    assert by_unit[DISTRICT]["status"] == "running"

    # Mediation: the first receiver still sees the case and may work it.
    officer = Principal(staff_id="go-002", role="grid_officer", unit_codes=(GRID,))

    async def co_handler_seen() -> bool:
        view = await stack.sql(
            "SELECT co_handler_ids, unit_code FROM mediation.cases WHERE case_id = $1", case_id
        )
        return bool(view and view[0]["unit_code"] == DISTRICT)

    await eventually(co_handler_seen)
    async with stack.runtime("mediation").uow() as uow:
        for rule in (may_read, may_work):
            found = await uow.connection.scalar(
                select(cases.c.case_id)
                .select_from(FILES)
                .where(cases.c.case_id == case_id, rule(officer))
            )
            assert found == case_id, rule.__name__
    other = Principal(staff_id="go-001", role="grid_officer", unit_codes=(GRID[:-1] + "1",))
    async with stack.runtime("mediation").uow() as uow:
        nobody = await uow.connection.scalar(
            select(cases.c.case_id)
            .select_from(FILES)
            .where(cases.c.case_id == case_id, may_read(other))
        )
    assert nobody is None


T0 = datetime(2026, 12, 1, 9, 0, tzinfo=BEIJING)  # a Tuesday


async def test_a_case_escalated_to_the_street_gets_the_streets_handle_limit(
    stack: Stack,
) -> None:
    """Limits per level (services/escalation/domain/time_limits.json): 办理 is 15 / 20 /
    30 working days at a community, 10 / 15 / 20 at a street centre."""
    await start_at(stack, T0)
    await apply(
        stack,
        submitted("h1", T0, kind="report"),
        assigned("h1", T0),
        step("h1", "report-accepted", T0, accepted_at=T0),
    )
    [community] = [c for k, c in (await clocks(stack, "h1")).items() if k.startswith("handle")]
    assert community["limit_key"].split("/")[1] in ("any", "community")
    assert community["due_days"] == 15
    moved_at = T0 + timedelta(days=2)
    up = assigned("h1", moved_at, unit=STREET, trigger="escalation")
    await apply(stack, up)
    await apply(stack, up)  # a replay changes nothing
    rows = await clocks(stack, "h1")
    handles = {k: c for k, c in rows.items() if k.startswith("handle")}
    assert len(handles) == 2
    old = handles[next(k for k in handles if handles[k]["clock_id"] == community["clock_id"])]
    [new] = [c for c in handles.values() if c["clock_id"] != community["clock_id"]]
    assert (old["status"], old["stop_step"]) == ("stopped", "moved:escalation")
    assert (new["status"], new["unit_code"], new["unit_level"]) == ("running", STREET, "street")
    assert new["limit_key"] == "default/street/normal/handle"
    assert (new["due_days"], new["yellow_days"], new["red_days"]) == (10, 15, 20)
    assert new["started_at"] == moved_at
    # 10 working days from Thursday 3 December 2026: due Thursday 17 December, 18:00.
    assert new["due_at"] == datetime(2026, 12, 17, 18, 0, tzinfo=BEIJING)
