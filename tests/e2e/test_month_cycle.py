"""A whole month for the demo district (issue 15, "Done when"; seed 001: 月排查、月例会、
月报告), through the four real services over real PostgreSQL and Kafka, every service
on one clock the test moves (December 2026, Beijing time).

The period starts and escalation opens a screening task per grid; the grid officers
file from the phone through intake: disputes found (each a case linked to its task),
a nil report (零报告), and one grid files nothing, so at the due time its return is
flagged missing once and escalated (上报) to its community. The committee works cases
through mediation's API (accepted, a session, an oral agreement, closed with success).
The community meeting (例会) is generated with its agenda — the missing grid, an
overdue case — and held: attendance, decisions that act on cases through routing (a
new assignee; an escalation to the street), the minutes printed and read back. After
the month the reports go up the tree (the community's returned with a reason and
resubmitted, the street's accepted by the district) and the district's report is
exported as xlsx, CSV and PDF, its figures equal to what was built.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import subprocess
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
import pytest_asyncio
from openpyxl import load_workbook

from services.escalation.domain.meetings import meeting_id
from services.escalation.domain.screening import task_id
from services.routing.adapters.demo import COMMUNITY, DISTRICT, STREET, demo_staff, demo_units
from services.routing.adapters.registry_files import read_staff, read_units_geojson
from services.routing.service_layer.registry import import_staff, import_units
from shared.clock import ManualClock
from shared.db.unit_of_work import UnitOfWork
from shared.events.escalation import (
    MeetingHeldV1,
    MonthlyReportMissingV1,
    ScreeningReturnMissingV1,
    ScreeningTaskOpenedV1,
)
from shared.scheduling import Scheduler
from tests.harness import Stack, TestInfra, demo_point, eventually
from tests.integration.mediation.casework import Desk, acceptance

pytestmark = pytest.mark.integration

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONTH = "2026-12"
PERIOD = f"{DISTRICT}:2026-12-01"
GRIDS = [f"{COMMUNITY}{n:03d}" for n in range(1, 5)]
DUE = datetime(2026, 12, 25, 18, 0, tzinfo=SHANGHAI)  # screening_cadence.json: the 25th
MEETING = meeting_id(COMMUNITY, MONTH)
MEDIATORS = [
    {"staff_id": "med-1", "name": "王调解", "role": "mediator", "unit_code": COMMUNITY},
    {"staff_id": "med-2", "name": "李调解", "role": "mediator", "unit_code": COMMUNITY},
]
PARTIES = [{"role": "申请人", "name": "张三"}, {"role": "被申请人", "name": "李四"}]


def at(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    year = 2026 if month >= 11 else 2027
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def found(title: str, point: int, people: int, category: str = "婚姻家庭邻里") -> dict[str, Any]:
    """A dispute found in screening, as the officer's phone sends it."""
    return {
        "category": category,
        "title": title,
        "description": "双方争执不下",
        "people_involved": people,
        "location": demo_point(point),
        "parties": PARTIES,
    }


@pytest_asyncio.fixture
async def month(infra: TestInfra) -> AsyncIterator[tuple[Stack, ManualClock]]:
    """The four services on one manual clock (30 November, noon), the demo registry and
    staff imported through routing (so every service learns them from the stream).
    Escalation's own sweeper is stopped: the test sweeps, so that what a sweep did is
    committed when it returns."""
    stack = await Stack.create(infra)
    clock = ManualClock(at(30, 12, month=11))
    for name in ("intake", "routing", "mediation", "escalation"):
        stack.runtime(name).clock = clock
    try:
        await stack.start()
        escalation = stack.runtime("escalation")
        if escalation.scheduler is not None:
            await escalation.scheduler.stop()
            escalation.scheduler = None
        await stack.wait_until_consuming()
        routing = stack.runtime("routing")
        features = [
            {
                "type": "Feature",
                "properties": {k: v for k, v in unit.items() if k != "boundary"},
                "geometry": unit["boundary"],
            }
            for unit in demo_units()
        ]
        drafts, issues = read_units_geojson({"type": "FeatureCollection", "features": features})
        async with routing.uow() as uow:
            await import_units(uow, drafts, parse_issues=issues)
        staff = [{**s, "capacity": 100} for s in [*demo_staff(), *MEDIATORS]]
        members, issues = read_staff(json.dumps(staff), "json")
        async with routing.uow() as uow:
            await import_staff(uow, members, parse_issues=issues)
        await eventually(
            lambda: stack.sql(
                "SELECT 1 FROM escalation.registry_units WHERE level = 'grid' HAVING count(*) = 4"
            ),
            timeout=60,
        )
        yield stack, clock
    finally:
        await stack.close()


async def sweep(stack: Stack, clock: ManualClock, when: datetime) -> None:
    """Move every service's clock to ``when`` and run escalation's due jobs."""
    clock.set(when)
    runtime = stack.runtime("escalation")
    await Scheduler[UnitOfWork](
        service="escalation",
        schema=runtime.tables.schema,
        uow_factory=runtime.uow,
        handlers=runtime.job_handlers,
        clock=clock,
    ).run_due()


async def outbox(stack: Stack, event_type: str) -> list[dict[str, Any]]:
    rows = await stack.sql(
        "SELECT key, envelope FROM escalation.outbox WHERE type = $1 ORDER BY id", event_type
    )
    return [{"key": r["key"], **orjson.loads(r["envelope"])["data"]} for r in rows]


async def file_return(stack: Stack, grid: int, body: dict[str, Any]) -> list[str]:
    """The grid officer files the return from the phone; the ids of the cases found."""
    answer = await stack.client("intake").post(
        f"/mobile/v1/screening/{task_id(PERIOD, GRIDS[grid - 1])}/return",
        json=body,
        headers=stack.headers("grid_officer", f"go-00{grid}", (GRIDS[grid - 1],))
        | {"Idempotency-Key": f"{MONTH}-return-{grid}"},
    )
    assert answer.status_code == 201, answer.text
    return [c["case_id"] for c in answer.json().get("cases", [])]


async def routed(stack: Stack, case_id: str, *, not_to: str | None = None) -> dict[str, Any]:
    """Mediation's view of the case once routing assigned it (to someone but ``not_to``)."""

    async def probe() -> dict[str, Any] | None:
        r = await stack.client("mediation", "district_operator").get(f"/cases/{case_id}")
        if r.status_code != 200 or r.json()["status"] != "assigned":
            return None
        view: dict[str, Any] = r.json()
        return view if view["assignee_id"] != not_to else None

    return await eventually(probe, timeout=30)


async def caught_up(stack: Stack, states: dict[str, str | None]) -> None:
    """Every outbox relayed and escalation's view of each case at ``state`` (its last
    step; None: routed, no step yet)."""

    async def probe() -> bool:
        for schema in ("intake", "routing", "mediation", "escalation"):
            rows = await stack.sql(
                f"SELECT count(*) AS n FROM {schema}.outbox WHERE sent_at IS NULL"  # noqa: S608 - schema names from code
            )
            if rows[0]["n"]:
                return False
        rows = await stack.sql(
            "SELECT case_id, state, handler_id FROM escalation.meeting_cases"
            " WHERE case_id = ANY($1::text[])",
            list(states),
        )
        seen = {r["case_id"]: r["state"] for r in rows if r["handler_id"] is not None}
        return seen == states

    await eventually(probe, timeout=60)


def pdftotext(pdf: bytes) -> str:
    text = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return "".join(text.split())


async def test_a_whole_month_for_the_demo_district(month: tuple[Stack, ManualClock]) -> None:
    stack, clock = month

    # --- 1 December: the period starts, one task per grid (排查, seed 001) -----------
    await sweep(stack, clock, at(1, 0, 0) + timedelta(seconds=5))
    opened = await outbox(stack, ScreeningTaskOpenedV1.event_type)
    assert sorted(o["grid_code"] for o in opened) == GRIDS
    assert {datetime.fromisoformat(o["due_at"]) for o in opened} == {DUE}
    await eventually(lambda: stack.sql("SELECT 1 FROM intake.screening_tasks HAVING count(*) = 4"))

    # --- 10 December: grid 1 finds three disputes (one of 120 people: major, a group
    # dispute routing sends to the street centre), grid 2 files a nil report (零报告);
    # the committee settles the first and takes the second into mediation ------------
    clock.set(at(10, 9))
    first, pending, group = await file_return(
        stack,
        1,
        {
            "disputes": [
                found("相邻通行纠纷", 3, 2),
                found("宅基地边界纠纷", 6, 4),
                found("征地补偿群体纠纷", 4, 120, category="劳资纠纷(欠薪)"),
            ]
        },
    )
    assert await file_return(stack, 2, {"nil_report": True, "note": "本月未发现矛盾纠纷"}) == []
    first_view, pending_view = await routed(stack, first), await routed(stack, pending)
    assert (await routed(stack, group))["unit_code"] == STREET  # ≥ 50 people: the street
    clock.set(at(10, 10))
    settler = Desk(stack, first_view["assignee_id"], "mediator")
    await settler.step(first, "acceptance", acceptance(), expect=201)
    await settler.step(
        first,
        "sessions",
        {
            "started_at": at(10, 10, 5).isoformat(),
            "ended_at": at(10, 11).isoformat(),
            "place": "东融社区人民调解室",
            "host": settler.staff_id,
            "note_taker": "陈记录",
            "parties_present": ["张三", "李四"],
            "record": "双方陈述意见，当场达成口头协议。",
            "outcome": "agreed",
        },
    )
    clock.set(at(10, 12))
    await settler.step(
        first,
        "oral-agreement",
        {
            "content": "李四同意三日内拆除围墙，张三不再追究。",
            "parties_agreeing": ["张三", "李四"],
            "reached_at": at(10, 11).isoformat(),
        },
    )
    await settler.step(first, "closing", {"result": "success"})
    holder = Desk(stack, pending_view["assignee_id"], "mediator")
    await holder.step(pending, "acceptance", acceptance(), expect=201)  # still in mediation

    # --- 23 December (Wednesday): grid 3 finds a dispute nobody accepts: its accept
    # limit (one working day) passes on the 24th, its red card is not due before the 28th
    clock.set(at(23, 9))
    [overdue] = await file_return(stack, 3, {"disputes": [found("装修噪音纠纷", 5, 3)]})
    overdue_view = await routed(stack, overdue)
    await eventually(
        lambda: stack.sql("SELECT 1 FROM escalation.screening_returns HAVING count(*) = 3")
    )
    linked = await stack.sql("SELECT task_id, case_ids FROM escalation.screening_returns")
    assert {r["task_id"]: sorted(json.loads(r["case_ids"])) for r in linked} == {
        task_id(PERIOD, GRIDS[0]): sorted([first, pending, group]),
        task_id(PERIOD, GRIDS[1]): [],
        task_id(PERIOD, GRIDS[2]): [overdue],
    }

    # Escalation has heard every step so far (its consumers run on the stream's time).
    await caught_up(stack, {first: "closed", pending: "in_mediation", overdue: None})

    # --- 25 December, 18:00: grid 4 never filed: flagged once and escalated (上报) to
    # its community in the same transaction (issue 15.1; screening_cadence.json) ------
    await sweep(stack, clock, DUE + timedelta(seconds=1))
    await sweep(stack, clock, DUE + timedelta(hours=1))
    [missing] = await outbox(stack, ScreeningReturnMissingV1.event_type)
    assert missing["grid_code"] == GRIDS[3]
    assert (missing["escalated_to_unit_code"], missing["escalated_to_level"]) == (
        COMMUNITY,
        "community",
    )
    tasks = await stack.sql(
        "SELECT grid_code, status, escalated_to_unit_code, escalated_at"
        " FROM escalation.screening_tasks ORDER BY grid_code"
    )
    assert [tuple(r) for r in tasks] == [
        (GRIDS[0], "filed", None, None),
        (GRIDS[1], "filed", None, None),
        (GRIDS[2], "filed", None, None),
        (GRIDS[3], "missing", COMMUNITY, DUE + timedelta(seconds=1)),
    ]

    # --- 26 December, 07:00: the community's meeting (the 26th, meeting_schedule.json)
    # with its agenda from the events ------------------------------------------------
    await sweep(stack, clock, at(26, 7) + timedelta(seconds=5))
    op = stack.client("escalation", "community_operator")
    read = await op.get(f"/meetings/{MEETING}")
    assert read.status_code == 200, read.text
    items = {i["item_id"]: i["flags"] for i in read.json()["items"]}
    missing_item = f"grid:{task_id(PERIOD, GRIDS[3])}"
    # The group dispute is the street's (its meeting's); the settled one is new.
    assert set(items) == {f"case:{first}", f"case:{pending}", f"case:{overdue}", missing_item}
    assert items[f"case:{first}"] == ["new"]
    assert items[missing_item] == ["missing_return"]
    assert {"yellow_card", "overdue", "new", "unresolved"} <= set(items[f"case:{overdue}"])
    assert "red_card" not in items[f"case:{overdue}"]
    assert {"new", "unresolved"} <= set(items[f"case:{pending}"])

    # --- 26 December, 09:30: the meeting is held --------------------------------------
    clock.set(at(26, 9, 30))
    version = read.headers["ETag"]
    new_holder = "med-2" if pending_view["assignee_id"] == "med-1" else "med-1"

    async def post(path: str, body: dict[str, Any], key: str) -> Any:
        nonlocal version
        answer = await op.post(
            f"/meetings/{MEETING}/{path}",
            json=body,
            headers={"Idempotency-Key": key, "If-Match": version},
        )
        assert answer.status_code in (200, 201), answer.text
        version = answer.headers["ETag"]
        return answer

    await post(
        "attendance",
        {
            "attendees": [
                {"staff_id": "op-community", "name": "周主任"},
                {"staff_id": "med-1", "name": "王调解"},
                {"staff_id": "med-2", "name": "李调解"},
                {"staff_id": "go-004", "name": "刘洋", "present": False, "absence_reason": "入户"},
            ]
        },
        "att-1",
    )
    for body, key in (
        ({"item_id": f"case:{first}", "action": "noted"}, "d-1"),
        (
            {
                "item_id": f"case:{pending}",
                "action": "assign",
                "assignee_id": new_holder,
                "assignee_name": "另一调解员",
            },
            "d-2",
        ),
        ({"item_id": f"case:{overdue}", "action": "escalate", "note": "超期未受理"}, "d-3"),
        (
            {
                "item_id": missing_item,
                "action": "plan",
                "plan": "第4网格三日内补报排查情况",
                "plan_due": "2026-12-29",
            },
            "d-4",
        ),
    ):
        await post("decisions", body, key)
    await post("minutes", {"minutes": "会议听取各网格排查情况，超期纠纷上报街道。"}, "min-1")
    [held] = await outbox(stack, MeetingHeldV1.event_type)
    assert (held["present"], held["absent"], held["agenda_items"]) == (3, 1, 4)
    assert held["decisions"] == {"assign": 1, "escalate": 1, "plan": 1, "noted": 1}

    # The decisions act on the cases through routing: a new holder; the street.
    reassigned = await routed(stack, pending, not_to=pending_view["assignee_id"])
    assert reassigned["assignee_id"] == new_holder
    escalated = await routed(stack, overdue, not_to=overdue_view["assignee_id"])
    assignments = await stack.sql(
        "SELECT case_id, trigger, unit_code, assignee_id FROM routing.assignments"
        " WHERE active AND case_id = ANY($1::text[])",
        [pending, overdue],
    )
    assert {r["case_id"]: (r["trigger"], r["unit_code"]) for r in assignments} == {
        pending: ("meeting_decision", COMMUNITY),
        overdue: ("escalation", STREET),
    }
    assert escalated["assignee_id"] == "op-street"
    minutes = await op.get(f"/meetings/{MEETING}/minutes.pdf")
    assert minutes.status_code == 200 and minutes.headers["content-type"] == "application/pdf"
    text = await asyncio.to_thread(pdftotext, minutes.content)
    for expected in ("东融社区", "例会纪要", "刘洋（go-004）：入户", "上报上一级：451102001"):
        assert expected in text, (expected, text)
    assert "第4网格三日内补报排查情况" in text

    # --- January: the reports go up the tree (月报告, 汇总再统一上报) -------------------
    community = stack.client("escalation", "community_operator")
    street = stack.client("escalation", "street_operator")
    district = stack.client("escalation", "district_operator")
    report = f"/monthly-reports/{COMMUNITY}/{MONTH}"
    street_report = f"/monthly-reports/{STREET}/{MONTH}"
    district_report = f"/monthly-reports/{DISTRICT}/{MONTH}"
    clock.set(at(2, 10, month=1))
    submitted = await community.post(report + "/submit", headers={"Idempotency-Key": "c-1"})
    assert submitted.status_code == 200, submitted.text
    returned = await street.post(
        report + "/return",
        json={"reason": "调处数与台账不符，请核对后重报。"},
        headers={"Idempotency-Key": "s-r1", "If-Match": '"1"'},
    )
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    clock.set(at(3, 9, month=1))
    again = await community.post(
        report + "/submit", headers={"Idempotency-Key": "c-2", "If-Match": '"2"'}
    )
    assert again.status_code == 200, again.text
    assert (again.json()["version"], again.json()["late"]) == (3, False)
    accepted = await street.post(
        report + "/accept", headers={"Idempotency-Key": "s-a1", "If-Match": '"3"'}
    )
    assert accepted.status_code == 200, accepted.text
    clock.set(at(5, 10, month=1))
    up = await street.post(street_report + "/submit", headers={"Idempotency-Key": "s-1"})
    assert up.status_code == 200, up.text
    taken = await district.post(
        street_report + "/accept", headers={"Idempotency-Key": "d-a1", "If-Match": '"1"'}
    )
    assert taken.status_code == 200, taken.text
    await sweep(stack, clock, at(8, 19, month=1))  # past every level's deadline
    late = [
        m for m in await outbox(stack, MonthlyReportMissingV1.event_type) if m["month"] == MONTH
    ]
    assert [(m["unit_code"], m["status"]) for m in late] == [(DISTRICT, "not_submitted")]

    # --- The district's report: its figures are what the month built ----------------
    answer = await district.get(district_report)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    totals = body["totals"]["month"]
    assert {k: totals[k] for k in ("screened", "accepted", "mediated", "succeeded")} == {
        "screened": 4,  # four disputes found in screening
        "accepted": 2,  # two accepted for mediation
        "mediated": 1,  # one closed
        "succeeded": 1,  # with success
    }
    assert totals["success_rate"] == 0.5  # succeeded / accepted (DOMAIN.md "Rates")
    assert totals["mediation_rate"] == 0.25  # mediated / screened
    assert (totals["returns"], totals["nil_reports"], totals["major"]) == (3, 1, 1)
    assert (totals["lt50"], totals["b50_100"], totals["b100_500"]) == (3, 0, 1)
    assert [(c["unit_code"], c["status"]) for c in body["children"]] == [(STREET, "accepted")]

    xlsx = await district.get(district_report + "/export.xlsx")
    assert xlsx.status_code == 200, xlsx.text
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    assert sheet.cell(1, 1).value == "矛盾纠纷排查化解基本情况统计表（12月）"
    assert sheet.cell(4, 4).value == "排查数"
    [total_row] = [row for row in sheet.iter_rows(values_only=True) if row[0] == "合计"]
    assert total_row[3:7] == (4, 2, 1, 1)
    lines = list(
        csv.reader(
            io.StringIO(
                (await district.get(district_report + "/export.csv")).content.decode("utf-8-sig")
            )
        )
    )
    assert lines[2] == ["统计期间", "2026年12月"]
    assert next(line for line in lines if line and line[0] == "合计")[3:7] == ["4", "2", "1", "1"]
    pdf = await district.get(district_report + "/export.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    read_back = await asyncio.to_thread(pdftotext, pdf.content)
    assert "矛盾纠纷排查化解基本情况统计表（12月）" in read_back
    assert "八步区（451102）" in read_back
