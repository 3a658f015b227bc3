"""A note (备注) and a handover within the committee (委员会内转交) end to end over real
PostgreSQL and Kafka: mediation writes the timeline and publishes the event; for a
handover routing reads it, checks its register and reassigns, and mediation's view
shows the new handler (ARCHITECTURE: mediation asks routing by an event, never a call).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from services.mediation.adapters import dashboard_queries
from services.mediation.domain.dispute import StepRefused
from services.mediation.service_layer import case_actions, case_work
from services.routing.service_layer import colleague_handover
from services.routing.service_layer.handlers import RoutingCache
from shared.auth.tokens import Principal
from shared.events.mediation import CaseHandedToColleagueV1
from tests.harness import Stack, eventually
from tests.integration.mediation.casework import COMMUNITY, assigned_view, submit_dispute

pytestmark = pytest.mark.integration

PHONE = "13812345678"


def key(principal: Principal, action: str, value: str) -> case_work.Idempotency:
    return case_work.Idempotency.of(principal, uuid.uuid4().hex, "POST", action, value.encode())


async def note(stack: Stack, case_id: str, text: str, principal: Principal) -> Any:
    runtime = stack.runtime("mediation")
    async with runtime.uow() as uow:
        return await case_actions.add_note(
            uow,
            runtime.state.pii_keys,
            case_id,
            text,
            principal,
            idempotency=key(principal, "note", text),
        )


async def hand_over(stack: Stack, case_id: str, to: str, principal: Principal) -> Any:
    runtime = stack.runtime("mediation")
    async with runtime.uow() as uow:
        return await case_actions.hand_to_colleague(
            uow,
            runtime.state.pii_keys,
            case_id,
            to,
            principal,
            idempotency=key(principal, "handover", to),
        )


async def test_a_note_is_kept_encrypted_in_the_timeline_and_its_event_carries_no_text(
    system: Stack,
) -> None:
    case_id, holder = await submit_dispute(system)
    me = Principal(holder, "mediator", (COMMUNITY,))
    text = f"已电话联系申请人 {PHONE}，约定周五上门"

    done = await note(system, case_id, f"  {text}\n", me)

    assert done.body["step"] == "note-added"
    [row] = await system.sql(
        "SELECT step, what, why, file_version FROM mediation.case_timeline WHERE case_id = $1",
        case_id,
    )
    assert (row["step"], row["what"], row["file_version"]) == ("note-added", "添加备注", 0)
    assert PHONE not in row["why"]  # encrypted at rest, like every reason
    runtime = system.runtime("mediation")
    async with runtime.uow() as uow:
        entries = await case_work.timeline(uow, runtime.state.pii_keys, case_id, me)
    assert entries is not None and entries[-1].why == text
    [envelope] = await system.sql(
        "SELECT envelope FROM mediation.outbox WHERE key = $1 AND type = $2",
        case_id,
        "cn.gridcase.case.note-added.v1",
    )
    event = orjson.loads(envelope["envelope"])["data"]
    assert (event["actor_id"], event["kind"], event["unit_code"]) == (holder, "dispute", COMMUNITY)
    assert PHONE not in envelope["envelope"] and "上门" not in envelope["envelope"]


async def test_a_note_is_refused_when_empty_or_when_the_caller_may_not_work_the_case(
    system: Stack,
) -> None:
    case_id, holder = await submit_dispute(system)
    with pytest.raises(StepRefused) as refused:
        await note(system, case_id, "   ", Principal(holder, "mediator", (COMMUNITY,)))
    assert refused.value.code == "note-empty"
    # A grid officer works situation reports, not disputes (may_work).
    with pytest.raises(case_work.CaseNotWorkable):
        await note(system, case_id, "看过了", Principal("go-002", "grid_officer", (COMMUNITY,)))
    rows = await system.sql("SELECT 1 FROM mediation.case_timeline WHERE case_id = $1", case_id)
    assert rows == []


async def colleague_of(system: Stack, holder: str) -> str:
    """Another mediator of the committee whom mediation knows (routing gave them a case
    in the unit): the committee's mediators share the load, so a few disputes do."""
    for _ in range(4):
        rows = await system.sql(
            "SELECT DISTINCT assignee_id FROM mediation.cases WHERE unit_code = $1"
            " AND assignee_role = 'mediator' AND assignee_id <> $2",
            COMMUNITY,
            holder,
        )
        if rows:
            return str(rows[0]["assignee_id"])
        await submit_dispute(system)
    raise AssertionError("routing gave every dispute to one mediator")


async def test_a_handover_within_the_committee_is_applied_by_routing(system: Stack) -> None:
    case_id, holder = await submit_dispute(system)
    colleague = await colleague_of(system, holder)
    me = Principal(holder, "mediator", (COMMUNITY,))

    # Refused up front by mediation: oneself, and someone it does not know in the unit.
    with pytest.raises(StepRefused) as refused:
        await hand_over(system, case_id, holder, me)
    assert refused.value.code == "already-handler"
    with pytest.raises(StepRefused) as refused:
        await hand_over(system, case_id, "go-002", me)
    assert refused.value.code == "not-a-colleague"

    done = await hand_over(system, case_id, colleague, me)
    assert done.body["to_staff_id"] == colleague

    view = await assigned_view(system, case_id, not_to=holder)
    assert view["assignee_id"] == colleague
    decisions = (await system.client("routing", "admin").get(f"/cases/{case_id}/routing")).json()
    assert decisions[-1]["trigger"] == "handed_to_colleague", decisions[-1]
    assert "委员会内转交" in orjson.dumps(decisions[-1]).decode()
    [row] = await system.sql(
        "SELECT what FROM mediation.case_timeline WHERE case_id = $1 AND step = $2",
        case_id,
        "handed-to-colleague",
    )
    assert row["what"].startswith("委员会内转交给")


def asked(case_id: str, holder: str, to: str, *, unit: str = COMMUNITY) -> CaseHandedToColleagueV1:
    return CaseHandedToColleagueV1(
        case_id=case_id,
        kind="dispute",
        unit_code=unit,
        from_handler_id=holder,
        to_staff_id=to,
        actor_id=holder,
        actor_role="mediator",
        occurred_at=datetime.now(UTC),
    )


async def test_routing_leaves_a_handover_it_cannot_apply(system: Stack) -> None:
    """Routing's own checks (its register): same unit, a role that works disputes in the
    committee (人民调解法 arts. 8, 13), active, still held by the one handing over."""
    case_id, holder = await submit_dispute(system)
    other = next(m for m in ("med-1", "med-2") if m != holder)
    routing = system.runtime("routing")
    cache = RoutingCache()

    async def apply(event: CaseHandedToColleagueV1) -> str | None:
        async with routing.uow() as uow:
            result = await colleague_handover.hand_to_colleague(uow, cache, event)
            await uow.commit()
        return result

    async def active() -> str:
        [row] = await system.sql(
            "SELECT assignee_id FROM routing.assignments WHERE case_id = $1 AND active", case_id
        )
        return str(row["assignee_id"])

    assert await apply(asked(case_id, holder, "go-002")) is None  # another unit (a grid)
    assert await apply(asked(case_id, holder, "op-street")) is None  # the street's centre
    assert await apply(asked(case_id, "med-x", other)) is None  # no longer theirs
    await system.sql(
        "INSERT INTO routing.staff (staff_id, name, role, unit_code, capacity)"
        " VALUES ('go-c1', '钱网格', 'grid_officer', $1, 10)",
        COMMUNITY,
    )
    assert await apply(asked(case_id, holder, "go-c1")) is None  # not a committee role
    await system.sql("UPDATE routing.staff SET on_duty = false WHERE staff_id = $1", other)
    try:
        assert await apply(asked(case_id, holder, other)) is None  # left or suspended
    finally:
        await system.sql("UPDATE routing.staff SET on_duty = true WHERE staff_id = $1", other)
    assert await active() == holder

    assert await apply(asked(case_id, holder, other)) is not None
    assert await active() == other
    assert await apply(asked(case_id, holder, other)) is None  # a replay changes nothing
    assert await eventually(lambda: _assignee_in_view(system, case_id, other)), (
        "mediation's view follows case.assigned"
    )


async def _assignee_in_view(system: Stack, case_id: str, staff_id: str) -> bool | None:
    rows = await system.sql("SELECT assignee_id FROM mediation.cases WHERE case_id = $1", case_id)
    return True if rows and rows[0]["assignee_id"] == staff_id else None


async def test_the_staff_directory_follows_the_registry_and_offers_the_committee(
    system: Stack,
) -> None:
    """Event-carried state transfer: routing's staff-upserted / staff-removed reach
    mediation's directory, which the handover offers (委员会内转交)."""
    admin = system.client("routing", "admin")
    response = await admin.put(
        "/admin/registry/staff/law-9",
        json={"name": "钱律师", "role": "legal_adviser", "unit_code": COMMUNITY, "capacity": 5},
    )
    assert response.status_code == 200, response.text

    async def offered() -> list[str] | None:
        async with system.runtime("mediation").uow() as uow:
            found = await dashboard_queries.colleagues(uow.connection, [COMMUNITY])
        ids = [c.staff_id for c in found]
        return ids if "law-9" in ids else None

    ids = await eventually(offered)
    assert {"med-1", "med-2", "pol-1", "law-1"} <= set(ids)
    assert (await admin.delete("/admin/registry/staff/law-9")).status_code == 204

    async def gone() -> bool:
        rows = await system.sql("SELECT 1 FROM mediation.staff_directory WHERE staff_id = 'law-9'")
        return rows == []

    assert await eventually(gone)
