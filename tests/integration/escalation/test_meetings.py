"""Regular meetings (月例会, seed 001: 月排查、月例会、月报告) on real PostgreSQL and Kafka
with a controllable clock.

The agenda is built from what escalation learnt from the streams (cases through its
case consumer, their clocks and cards through the scheduler, a grid's missing
screening return); the meeting is created once by the scheduler across two sweepers;
the operator records attendance, a decision per item and the minutes; decisions go
out as the ordinary events (``case-escalated`` with reason ``meeting_decision``,
``meeting-decision-recorded``), closing publishes ``meeting-held``, and the minutes
print as a PDF read back with pdftotext.
"""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest

from services.escalation.domain.meetings import meeting_id
from services.escalation.domain.screening import task_id
from services.escalation.entrypoints.consumers import clock_consumer
from services.escalation.service_layer import screening
from shared.clock import ManualClock
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.envelope import CloudEvent
from shared.events.escalation import (
    CaseEscalatedV1,
    MeetingDecisionRecordedV1,
    MeetingHeldV1,
)
from shared.events.intake import CaseSubmittedV1, ScreeningReturnFiledV1
from shared.events.mediation import CaseWorkClosedV1
from shared.events.routing import CaseAssignedV1, UnitUpsertedV1
from shared.messaging.received import read_payload
from shared.scheduling import Scheduler
from tests.harness import Stack, read_topic
from tests.integration.intake.helpers import COMMUNITY, as_event, registry_units

pytestmark = pytest.mark.integration

SHANGHAI = ZoneInfo("Asia/Shanghai")
STREET = COMMUNITY[:9]
GRID = f"{COMMUNITY}001"
PERIOD = "2026-12"
MEETING = meeting_id(COMMUNITY, PERIOD)


def _event(payload: Any, key: str) -> CloudEvent:
    return CloudEvent(
        source="/test",
        type=payload.event_type,
        partitionkey=key,
        data=payload.model_dump(mode="json"),
    )


def submitted(case_id: str, at: datetime, *, number: str, signals: list[str]) -> CloudEvent:
    return _event(
        CaseSubmittedV1(
            case_id=case_id,
            case_number=number,
            kind="dispute",
            category="邻里纠纷",
            title=f"纠纷{number}",
            description="双方争执",
            grid_code=GRID,
            risk_signals=signals,
            people_involved=2,
            submitted_at=at,
        ),
        case_id,
    )


def assigned(case_id: str, at: datetime, handler: str) -> CloudEvent:
    return _event(
        CaseAssignedV1(
            case_id=case_id,
            assignment_id=str(uuid.uuid4()),
            unit_code=COMMUNITY,
            unit_level="community",
            unit_name="东融社区",
            assignee_id=handler,
            assignee_name="王调解",
            assignee_role="mediator",
            rule="dispute",
            explanation="矛盾纠纷：由社区人民调解委员会调解。",
            assigned_at=at,
        ),
        case_id,
    )


def closed(case_id: str, at: datetime) -> CloudEvent:
    payload = CaseWorkClosedV1.model_validate(
        {
            **CaseWorkClosedV1.example,
            "case_id": case_id,
            "unit_code": COMMUNITY,
            "occurred_at": at.isoformat(),
        }
    )
    return _event(payload, case_id)


async def consume(stack: Stack, events: list[CloudEvent]) -> None:
    """Through escalation's own case consumer's handlers, one batch, as Kafka delivers."""
    spec = clock_consumer()
    async with stack.runtime("escalation").uow() as uow:
        for event in events:
            await spec.batch_handlers[event.type](uow, [event])
        await uow.commit()


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as pdftotext reads it back (UTF-8)."""
    return subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def sweeper(stack: Stack) -> Scheduler[UnitOfWork]:
    runtime = stack.runtime("escalation")
    return Scheduler(
        service="escalation",
        schema=runtime.tables.schema,
        uow_factory=runtime.uow,
        handlers=runtime.job_handlers,
        clock=runtime.clock,
    )


async def outbox(stack: Stack, event_type: str) -> list[dict[str, Any]]:
    rows = await stack.sql(
        "SELECT key, envelope FROM escalation.outbox WHERE type = $1 ORDER BY id", event_type
    )
    return [{"key": r["key"], **orjson.loads(r["envelope"])["data"]} for r in rows]


class World:
    def __init__(self, stack: Stack, clock: ManualClock):
        self.stack, self.clock = stack, clock
        self.overdue = str(uuid.uuid4())  # assigned in November, never accepted: carded
        self.criminal = str(uuid.uuid4())  # 民转刑, new this month
        self.settled = str(uuid.uuid4())  # closed in November: not on the agenda
        self.missing_task = task_id(SCREENING_PERIOD, GRID)


SCREENING_PERIOD = "451102:2026-12-01"


async def meeting_world(stack: Stack) -> World:
    """Escalation on a manual clock from 26 November (after November's returns were
    due), the demo tree known, three disputes; December's screening opened by the
    scheduler, grids 2–4 filed; the clock at noon on 23 December."""
    clock = ManualClock(datetime(2026, 11, 26, 8, 0, tzinfo=SHANGHAI))
    escalation = stack.runtime("escalation")
    escalation.clock = clock
    await stack.start("escalation")
    # The test's sweepers are the replicas: the runtime's own stops, so that what a
    # sweep did is committed when it returns.
    assert escalation.scheduler is not None
    await escalation.scheduler.stop()
    escalation.scheduler = None
    for unit in registry_units():
        async with escalation.uow() as uow:
            await screening.apply_unit_upserted(
                uow, read_payload(UnitUpsertedV1, as_event(unit, unit.code))
            )
            await uow.commit()
    world = World(stack, clock)
    nov25 = datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)
    await consume(
        stack,
        [
            submitted(world.overdue, nov25, number="GC-1", signals=[]),
            assigned(world.overdue, nov25, "md-1"),
            submitted(world.settled, nov25, number="GC-3", signals=[]),
            assigned(world.settled, nov25, "md-1"),
            closed(world.settled, nov25 + timedelta(days=3)),
        ],
    )
    dec23 = datetime(2026, 12, 23, 12, 0, tzinfo=SHANGHAI)
    clock.set(dec23)
    await sweeper(stack).run_due()  # December's tasks open; the November case's cards fire
    await consume(
        stack,
        [
            submitted(world.criminal, dec23, number="GC-2", signals=["民转刑"]),
            assigned(world.criminal, dec23, "md-1"),
        ],
    )
    for seq in (2, 3, 4):
        grid = f"{COMMUNITY}{seq:03d}"
        filed = ScreeningReturnFiledV1(
            task_id=task_id(SCREENING_PERIOD, grid),
            grid_code=grid,
            period_key=SCREENING_PERIOD,
            nil_report=True,
            filed_at=dec23,
            filed_by=f"go-00{seq}",
        )
        async with escalation.uow() as uow:
            await screening.apply_return_filed(uow, filed)
            await uow.commit()
    return world


async def test_the_scheduler_creates_one_meeting_with_its_agenda_across_two_sweepers(
    stack: Stack,
) -> None:
    world = await meeting_world(stack)
    assert await stack.sql("SELECT meeting_id FROM escalation.meetings") == []
    # The community meets on the 26th at 09:00 (meeting_schedule.json); its agenda is
    # due two days before: on the 24th, once however many sweepers.
    world.clock.set(datetime(2026, 12, 24, 7, 0, 5, tzinfo=SHANGHAI))
    await asyncio.gather(sweeper(stack).run_due(), sweeper(stack).run_due())
    await sweeper(stack).run_due()
    rows = await stack.sql(
        "SELECT meeting_id, unit_code, period, status, starts_at, created_by"
        " FROM escalation.meetings"
    )
    assert [(r["meeting_id"], r["unit_code"], r["period"], r["status"]) for r in rows] == [
        (MEETING, COMMUNITY, PERIOD, "scheduled")
    ]
    assert rows[0]["starts_at"] == datetime(2026, 12, 26, 9, 0, tzinfo=SHANGHAI)
    assert rows[0]["created_by"] == "scheduler"

    op = stack.client("escalation", "community_operator")
    agenda = await op.get(f"/meetings/{MEETING}")
    assert agenda.status_code == 200, agenda.text
    items = {i["item_id"]: i["flags"] for i in agenda.json()["items"]}
    # The November dispute is overdue and carded, the 民转刑 one new, high-risk and past
    # its same-day accept limit; the closed one is not there; no return is missing yet.
    assert items == {
        f"case:{world.overdue}": ["red_card", "yellow_card", "overdue", "unresolved"],
        f"case:{world.criminal}": ["overdue", "high_risk", "new", "unresolved"],
    }
    assert agenda.json()["items"][0]["item_id"] == f"case:{world.overdue}"  # most urgent

    # Grid 001's return is missing at its due time (25th, 18:00); the next day's run
    # regenerates the agenda before the meeting starts, with the missing return on it.
    world.clock.set(datetime(2026, 12, 26, 7, 0, 5, tzinfo=SHANGHAI))
    await sweeper(stack).run_due()
    agenda = await op.get(f"/meetings/{MEETING}")
    items = {i["item_id"]: i["flags"] for i in agenda.json()["items"]}
    assert items[f"grid:{world.missing_task}"] == ["missing_return"]
    assert len(items) == 3
    assert len(await stack.sql("SELECT 1 FROM escalation.meetings")) == 1


async def test_decisions_act_on_cases_through_events_and_the_minutes_print(
    stack: Stack,
) -> None:
    world = await meeting_world(stack)
    world.clock.set(datetime(2026, 12, 26, 7, 0, 5, tzinfo=SHANGHAI))
    await sweeper(stack).run_due()  # the meeting, its agenda with the missing return
    op = stack.client("escalation", "community_operator")
    read = await op.get(f"/meetings/{MEETING}")
    assert len(read.json()["items"]) == 3
    # Regenerating the agenda of an existing meeting names its version.
    unversioned = await op.post(
        "/meetings",
        json={"unit_code": COMMUNITY, "period": PERIOD},
        headers={"Idempotency-Key": "m-2"},
    )
    assert unversioned.status_code == 428
    regenerated = await op.post(
        "/meetings",
        json={"unit_code": COMMUNITY, "period": PERIOD},
        headers={"Idempotency-Key": "m-3", "If-Match": read.headers["ETag"]},
    )
    assert regenerated.status_code == 200, regenerated.text
    version = regenerated.headers["ETag"]
    # Another community's operator does not see it.
    other = await stack.client("escalation").get(
        f"/meetings/{MEETING}",
        headers=stack.headers("community_operator", "op-x", ("451102001002",)),
    )
    assert other.status_code == 404

    bad = await op.post(
        f"/meetings/{MEETING}/attendance",
        json={
            "attendees": [
                {"staff_id": "", "name": "王芳"},
                {"staff_id": "md-9", "name": "张三", "present": False},
            ]
        },
        headers={"Idempotency-Key": "a-0", "If-Match": version},
    )
    assert bad.status_code == 422
    assert {e["pointer"] for e in bad.json()["errors"]} == {
        "#/attendees/0/staff_id",
        "#/attendees/1/absence_reason",
    }
    attendance = await op.post(
        f"/meetings/{MEETING}/attendance",
        json={
            "attendees": [
                {"staff_id": "op-community", "name": "王芳"},
                {"staff_id": "md-1", "name": "王调解"},
                {"staff_id": "pol-1", "name": "李警官", "present": False, "absence_reason": "出警"},
            ]
        },
        headers={"Idempotency-Key": "a-1", "If-Match": version},
    )
    assert attendance.status_code == 200, attendance.text
    version = attendance.headers["ETag"]
    frozen = await op.post(
        "/meetings",
        json={"unit_code": COMMUNITY, "period": PERIOD},
        headers={"Idempotency-Key": "m-4", "If-Match": version},
    )
    assert frozen.status_code == 409 and frozen.json()["type"].endswith("/meeting-started")

    decide: list[tuple[dict[str, Any], str]] = [
        ({"item_id": f"case:{world.overdue}", "action": "escalate", "note": "久拖未决"}, "d-1"),
        (
            {
                "item_id": f"case:{world.criminal}",
                "action": "assign",
                "assignee_id": "md-2",
                "assignee_name": "刘调解",
            },
            "d-2",
        ),
        (
            {
                "item_id": f"grid:{world.missing_task}",
                "action": "plan",
                "plan": "网格员三日内补报排查情况",
                "plan_due": "2026-12-29",
            },
            "d-3",
        ),
    ]
    for body, key in decide:
        answer = await op.post(
            f"/meetings/{MEETING}/decisions",
            json=body,
            headers={"Idempotency-Key": key, "If-Match": version},
        )
        assert answer.status_code == 201, answer.text
        version = answer.headers["ETag"]
    twice = await op.post(
        f"/meetings/{MEETING}/decisions",
        json={"item_id": f"case:{world.overdue}", "action": "noted"},
        headers={"Idempotency-Key": "d-4", "If-Match": version},
    )
    assert twice.status_code == 409
    assert twice.json()["type"].endswith("/agenda-item-decided")

    # (a red card of the overdue case escalates it on its own too: reason ``red_card``)
    [escalated] = [
        e
        for e in await outbox(stack, CaseEscalatedV1.event_type)
        if e["reason"] == "meeting_decision"
    ]
    assert escalated["key"] == world.overdue
    assert (escalated["reason"], escalated["from_unit_code"], escalated["to_unit_code"]) == (
        "meeting_decision",
        COMMUNITY,
        STREET,
    )
    assert (escalated["to_level"], escalated["first_receiver_id"]) == ("street", "md-1")
    recorded = {e["action"]: e for e in await outbox(stack, MeetingDecisionRecordedV1.event_type)}
    assert set(recorded) == {"escalate", "assign"}  # the plan is on a grid, not a case
    assert recorded["assign"]["key"] == world.criminal
    assert recorded["assign"]["assignee_id"] == "md-2"
    assert "assignee_name" not in recorded["assign"]  # codes and ids only
    assert recorded["escalate"]["escalation_id"] == escalated["escalation_id"]

    minutes = await op.post(
        f"/meetings/{MEETING}/minutes",
        json={"minutes": "会议听取了各网格排查情况，对超期纠纷上报街道。"},
        headers={"Idempotency-Key": "min-1", "If-Match": version},
    )
    assert minutes.status_code == 200, minutes.text
    [held] = await outbox(stack, MeetingHeldV1.event_type)
    assert held["key"] == MEETING
    assert (held["present"], held["absent"], held["agenda_items"]) == (2, 1, 3)
    assert held["decisions"] == {"assign": 1, "escalate": 1, "plan": 1, "noted": 0}
    late = await op.post(
        f"/meetings/{MEETING}/attendance",
        json={"attendees": [{"staff_id": "x", "name": "某人"}]},
        headers={"Idempotency-Key": "a-2", "If-Match": minutes.headers["ETag"]},
    )
    assert late.status_code == 409 and late.json()["type"].endswith("/meeting-closed")

    # On Kafka, keyed as documented.
    records = await read_topic(
        stack.settings.kafka_servers(), stack.topics(topics.CYCLE), at_least=4
    )
    keys = {(orjson.loads(r.value)["type"], r.key.decode()) for r in records}
    assert (MeetingHeldV1.event_type, MEETING) in keys
    assert (CaseEscalatedV1.event_type, world.overdue) in keys

    pdf = await op.get(f"/meetings/{MEETING}/minutes.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content)
    flat = "".join(text.split())
    for expected in (
        "东融社区",
        "例会纪要",
        "王调解（md-1）",
        "李警官（pol-1）：出警",
        "上报上一级：451102001",
        "交办：由刘调解（md-2）承办",
        "一事一策",
        "网格员三日内补报排查情况",
        "民转刑",
        "对超期纠纷上报街道",
    ):
        assert expected in flat, (expected, text)


async def test_minutes_need_attendance_and_a_decision_on_every_item(stack: Stack) -> None:
    await meeting_world(stack)
    op = stack.client("escalation", "community_operator")
    created = await op.post(
        "/meetings",
        json={"unit_code": COMMUNITY, "period": PERIOD},
        headers={"Idempotency-Key": "m-1"},
    )
    assert created.status_code == 201, created.text
    assert created.json()["meeting_id"] == MEETING
    again = await op.post(
        "/meetings",
        json={"unit_code": COMMUNITY, "period": PERIOD},
        headers={"Idempotency-Key": "m-1"},
    )
    assert again.status_code == 201 and again.headers["Idempotency-Replayed"] == "true"
    answer = await op.post(
        f"/meetings/{MEETING}/minutes",
        json={"minutes": "纪要"},
        headers={"Idempotency-Key": "min-1", "If-Match": created.headers["ETag"]},
    )
    assert answer.status_code == 409
    assert answer.json()["type"].endswith("/meeting-incomplete")
    pointers = [e["pointer"] for e in answer.json()["errors"]]
    assert pointers[0] == "#/attendees" and len(pointers) == 3  # + two undecided cases
    stale = await op.post(
        f"/meetings/{MEETING}/minutes",
        json={"minutes": "纪要"},
        headers={"Idempotency-Key": "min-2", "If-Match": '"9"'},
    )
    assert stale.status_code == 412
    bad = await op.post(
        "/meetings",
        json={"unit_code": COMMUNITY, "period": "2026-13"},
        headers={"Idempotency-Key": "m-2"},
    )
    assert bad.status_code == 422
    assert [e["pointer"] for e in bad.json()["errors"]] == ["#/period"]
    grid = await op.post(
        "/meetings",
        json={"unit_code": f"{COMMUNITY}001", "period": PERIOD},
        headers={"Idempotency-Key": "m-3"},
    )
    assert grid.status_code == 422
    assert grid.json()["errors"][0]["code"] == "not_meeting_level"
