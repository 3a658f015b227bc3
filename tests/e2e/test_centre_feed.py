"""The governance centre's feed (issue 15 item 5): a small situation built through the
real services over real PostgreSQL and Kafka, with escalation's and intake's clock
under the test's control; ``gridcase centre`` then reads the masked topics from the
beginning and its numbers equal the services' own — mediation's case counts by unit
and status and its case files' states, escalation's running carded clocks and missing
screening returns, routing's escalations — and a replay gives the same view.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from typer.testing import CliRunner

from gridcase.centre.reader import CentreReader, situation_from_stream
from gridcase.centre.situation import Situation
from gridcase.centre.view import FINISHED, SituationView, build_view
from gridcase.cli import app as gridcase_cli
from services.routing.adapters.demo import COMMUNITY, demo_staff, demo_units
from services.routing.adapters.registry_files import read_staff, read_units_geojson
from services.routing.service_layer.registry import import_staff, import_units
from shared.clock import ManualClock
from shared.events import topics
from shared.scheduling import Scheduler
from tests.harness import Stack, TestInfra, demo_point, eventually, read_topic
from tests.integration.mediation.casework import Desk, acceptance

pytestmark = pytest.mark.integration

GRIDS = [f"{COMMUNITY}{n:03d}" for n in range(1, 5)]
EXTRA_STAFF = [
    {"staff_id": "med-1", "name": "王调解", "role": "mediator", "unit_code": COMMUNITY},
    {"staff_id": "med-2", "name": "李调解", "role": "mediator", "unit_code": COMMUNITY},
    {
        "staff_id": "op-community",
        "name": "周主任",
        "role": "centre_operator",
        "unit_code": COMMUNITY,
    },
]
PARTIES = [
    {"role": "申请人", "name": "张三", "phone": "13812345678"},
    {"role": "被申请人", "name": "李四"},
]
OUTBOXES = ("intake", "routing", "mediation", "escalation")


@pytest_asyncio.fixture
async def world(infra: TestInfra) -> AsyncIterator[tuple[Stack, ManualClock]]:
    """The four services with an empty registry, escalation and intake on a clock the
    test moves (from now); the small demo registry then imported through routing's own
    handlers, so that its events are on ``gridcase.registry.v1`` for the centre."""
    stack = await Stack.create(infra)
    clock = ManualClock(datetime.now(UTC))
    stack.runtime("escalation").clock = stack.runtime("intake").clock = clock
    try:
        await stack.start()
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
        staff = [{**s, "capacity": 100} for s in [*demo_staff(), *EXTRA_STAFF]]
        members, issues = read_staff(json.dumps(staff), "json")
        async with routing.uow() as uow:
            await import_staff(uow, members, parse_issues=issues)
        yield stack, clock
    finally:
        await stack.close()


async def _settled(stack: Stack) -> None:
    """Nothing in flight: what the services did is on Kafka and every consumer has read
    it, including what those consumers published in turn (a red card's escalation,
    routing's reassignment, mediation's view of it)."""
    await stack.quiescent()


async def _sweep(stack: Stack, clock: ManualClock, at: datetime) -> None:
    clock.set(at)
    runtime = stack.runtime("escalation")
    await Scheduler(
        service="escalation",
        schema=runtime.tables.schema,
        uow_factory=runtime.uow,
        handlers=runtime.job_handlers,
        clock=clock,
    ).run_due()


async def _services_numbers(stack: Stack) -> dict[str, Any]:
    """What the services themselves say, in the centre view's terms."""
    counts = await stack.sql(
        "SELECT unit_code, status, cases FROM mediation.case_counts WHERE cases > 0"
    )
    files = await stack.sql("SELECT state, count(*) AS n FROM mediation.case_files GROUP BY state")
    clocks = await stack.sql(
        "SELECT clock_id, CASE WHEN red_fired_at IS NOT NULL THEN 'red'"
        " WHEN yellow_fired_at IS NOT NULL THEN 'yellow'"
        " WHEN warned_at IS NOT NULL THEN 'warned' END AS card"
        " FROM escalation.clocks WHERE status <> 'stopped'"
        " AND (warned_at IS NOT NULL OR yellow_fired_at IS NOT NULL)"
    )
    missing = await stack.sql(
        "SELECT task_id FROM escalation.screening_tasks WHERE status = 'missing'"
    )
    escalated = await stack.sql(
        "SELECT case_id, unit_code FROM routing.assignments WHERE trigger = 'escalation'"
    )
    return {
        "case_counts": {(r["unit_code"], r["status"]): r["cases"] for r in counts},
        "open_file_states": {
            r["state"]: r["n"] for r in files if r["state"] not in FINISHED | {"new"}
        },
        "cards": {r["clock_id"]: r["card"] for r in clocks},
        "missing": sorted(r["task_id"] for r in missing),
        "escalations": sorted((r["case_id"], r["unit_code"]) for r in escalated),
    }


def _centre_numbers(view: SituationView) -> dict[str, Any]:
    return {
        "case_counts": {
            (unit, status): n
            for unit, by_status in view.cases_by_unit.items()
            for status, n in by_status.items()
        },
        "open_file_states": {
            s: n for s, n in view.open_by_status.items() if s not in ("submitted", "assigned")
        },
        "cards": {
            **{o.clock_id: o.card for o in view.overdue},
            **({"warned": view.clocks["warned"]} if view.clocks["warned"] else {}),
        },
        "missing": sorted(m.task_id for m in view.missing_returns),
        "escalations": sorted((e.case_id, e.to_unit_code) for e in view.escalations),
    }


async def _centre(stack: Stack) -> SituationView:
    situation, read = await situation_from_stream(stack.settings.kafka_servers(), stack.topics)
    assert read == sorted(stack.topics(t) for t in (topics.CASE, topics.CYCLE, topics.REGISTRY))
    return build_view(situation)


async def _agrees(stack: Stack) -> SituationView:
    """The centre's view once its numbers equal the services' (the services' consumers
    may still be applying the last events); fails with both sides after a minute."""
    deadline = time.monotonic() + 60
    while True:
        view = await _centre(stack)
        ours, theirs = _centre_numbers(view), await _services_numbers(stack)
        # The services list warned clocks one by one; the view counts them.
        warned = sum(1 for c in theirs["cards"].values() if c == "warned")
        theirs["cards"] = {
            **{k: c for k, c in theirs["cards"].items() if c != "warned"},
            **({"warned": warned} if warned else {}),
        }
        if ours == theirs:
            return view
        if time.monotonic() > deadline:
            assert ours == theirs
        await asyncio.sleep(0.5)


async def _submit(stack: Stack, point: int, **body: Any) -> str:
    payload: dict[str, Any] = {
        "kind": "dispute",
        "category": "婚姻家庭邻里",
        "title": f"相邻纠纷{point}",
        "description": "邻居砌墙堵住通道",
        "location": demo_point(point),
        **body,
    }
    if payload["kind"] == "dispute":
        payload.setdefault("parties", PARTIES)
    response = await stack.client("intake", "district_operator").post("/reports", json=payload)
    assert response.status_code == 201, response.text
    return str(response.json()["case_id"])


async def _assignee(stack: Stack, case_id: str) -> str:
    async def probe() -> str | None:
        r = await stack.client("mediation", "district_operator").get(f"/cases/{case_id}")
        ok = r.status_code == 200 and r.json()["status"] == "assigned"
        return str(r.json()["assignee_id"]) if ok else None

    return await eventually(probe)


async def _clock_of(stack: Stack, case_id: str, stage: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        rows = await stack.sql(
            "SELECT * FROM escalation.clocks WHERE case_id = $1 AND stage = $2", case_id, stage
        )
        return dict(rows[0]) if rows else None

    return await eventually(probe)


async def test_the_centres_numbers_equal_the_services_and_a_replay_gives_the_same_view(
    world: tuple[Stack, ManualClock],
) -> None:
    stack, clock = world
    # Escalation and intake know the four grids: screening opens their tasks.
    await eventually(
        lambda: stack.sql("SELECT 1 FROM escalation.screening_tasks HAVING count(*) = 4"),
        timeout=60,
    )
    await eventually(lambda: stack.sql("SELECT 1 FROM intake.screening_tasks HAVING count(*) = 4"))

    # Disputes: one accepted, one waiting, one 民转刑 waiting, one declined (art. 17).
    accepted = await _submit(stack, 3)
    waiting = await _submit(stack, 4)
    risky = await _submit(stack, 5, risk_signals=["民转刑"], description="对方扬言要同归于尽")
    declined = await _submit(stack, 6)
    for case_id, body in ((accepted, acceptance()), (declined, None)):
        mediator = Desk(stack, await _assignee(stack, case_id), "mediator")
        if body is None:
            await mediator.step(
                case_id,
                "declination",
                {"reason": "party_refuses", "note": "被申请人明确表示不同意调解"},
                expect=201,
            )
        else:
            await mediator.step(case_id, "acceptance", body, expect=201)
    # Situation reports: one accepted by the grid's officer, one escalated to the community.
    report = {"kind": "report", "category": "市容环境", "description": "占道经营"}
    handled = await _submit(stack, 7, title="占道经营", **report)
    escalated = await _submit(stack, 8, title="乱堆放", **report)
    officer = await _assignee(stack, handled)
    grid = f"{COMMUNITY}{int(officer[-3:]):03d}"
    await Desk(stack, officer, "grid_officer", (grid,)).step(
        handled, "handling/acceptance", {}, expect=201
    )
    await _assignee(stack, escalated)
    up = await stack.client("routing", "district_operator").post(
        f"/cases/{escalated}/routing/escalation",
        json={"reason": "网格无法处置，上报社区"},
        headers={"Idempotency-Key": f"centre-feed-escalate-{escalated}"},
    )
    assert up.status_code == 201, up.text

    # Screening returns: grids 1 and 2 file nil reports (零报告); 3 and 4 file nothing.
    for n in (1, 2):
        task = (
            await stack.sql(
                "SELECT task_id FROM escalation.screening_tasks WHERE grid_code = $1", GRIDS[n - 1]
            )
        )[0]["task_id"]
        filed = await stack.client("intake").post(
            f"/mobile/v1/screening/{task}/return",
            json={"nil_report": True},
            headers=stack.headers("grid_officer", f"go-00{n}", (GRIDS[n - 1],))
            | {"Idempotency-Key": f"nil-{n}"},
        )
        assert filed.status_code == 201, filed.text

    # Past the accept clocks' yellow cards, before their red ones.
    accept = await _clock_of(stack, waiting, "accept")
    await _settled(stack)
    await _sweep(stack, clock, accept["yellow_at"] + timedelta(minutes=1))
    await _settled(stack)
    first = await _agrees(stack)
    # 民转刑 has shorter limits (People's Mediation Law art. 25): already red.
    assert {(o.case_id, o.stage, o.card) for o in first.overdue} == {
        (waiting, "accept", "yellow"),
        (escalated, "accept", "yellow"),
        (risky, "accept", "red"),
    }

    # The waiting dispute is accepted after its yellow card: the card is lifted.
    mediator = Desk(stack, await _assignee(stack, waiting), "mediator")
    await mediator.step(waiting, "acceptance", acceptance(), expect=201)
    # Past every red card and the screening due time: two returns missing.
    due = (await stack.sql("SELECT max(due_at) AS d FROM escalation.screening_tasks"))[0]["d"]
    await _settled(stack)
    await _sweep(stack, clock, max(accept["red_at"], due) + timedelta(hours=1))
    await _settled(stack)
    second = await _agrees(stack)
    assert waiting not in {o.case_id for o in second.overdue}
    overdue = {(o.case_id, o.card) for o in second.overdue}
    assert (risky, "red") in overdue
    # The escalated report's grid clock stopped when it moved up (上报): whatever runs
    # now is the receiving unit's clock, not the grid's.
    assert all(o.unit_code not in GRIDS for o in second.overdue if o.case_id == escalated)
    assert [m.grid_code for m in second.missing_returns] == GRIDS[2:]
    # 上报 by hand from its grid to the unit routing chose above it (red cards escalate
    # other cases on their own: escalation_policy.json)
    [escalation] = [e for e in second.escalations if e.from_unit_code in GRIDS]
    assert escalation.case_id == escalated and escalation.from_unit_code in GRIDS
    assert escalation.to_unit_code == escalation.from_unit_code[: len(escalation.to_unit_code)]
    assert escalation.reason == "网格无法处置，上报社区"
    assert second.open_by_risk.get("criminal") == 1
    assert second.open_by_status.get("in_mediation") == 2
    units = {row.code: row for row in second.units}
    assert units["451102"].open == sum(second.open_by_status.values()) - second.unplaced_open
    assert units["451102"].name == "八步区"  # from the registry events
    assert second.events["skipped_unknown_types"] == {}
    assert second.events["ignored"]["cn.gridcase.registry.staff-upserted.v1"] == 9

    # A replay from the beginning, in-process and through the command: the same view.
    again = await _centre(stack)
    assert again.as_json() | {"events": None} == second.as_json() | {"events": None}
    result = await asyncio.to_thread(
        CliRunner().invoke,
        gridcase_cli,
        ["centre", "--until-caught-up", "--json"],
        env={
            "GRIDCASE_KAFKA_BOOTSTRAP_SERVERS": stack.settings.kafka_servers(),
            "GRIDCASE_TOPIC_PREFIX": stack.settings.topic_prefix,
        },
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed | {"events": None} == second.as_json() | {"events": None}
    assert printed["events"]["read"] == second.events["read"]
    table = await asyncio.to_thread(
        CliRunner().invoke,
        gridcase_cli,
        ["centre", "--until-caught-up", "--unit", GRIDS[2]],
        env={
            "GRIDCASE_KAFKA_BOOTSTRAP_SERVERS": stack.settings.kafka_servers(),
            "GRIDCASE_TOPIC_PREFIX": stack.settings.topic_prefix,
        },
    )
    assert table.exit_code == 0, table.output
    assert "综治中心态势" in table.stdout and GRIDS[2] in table.stdout
    assert "漏报 1" in table.stdout


async def test_the_centre_reads_the_masked_topics_only(
    world: tuple[Stack, ManualClock],
) -> None:
    """The restricted topic holds the dispute's parties in full; the centre's consumer is
    never assigned a partition of it, and nothing of it reaches the view."""
    stack, _ = world
    case_id = await _submit(
        stack,
        9,
    )
    restricted = await read_topic(
        stack.settings.kafka_servers(), stack.topics(topics.CASE_RESTRICTED), at_least=1
    )
    assert restricted, "the dispute's parties are on the restricted topic"
    situation = Situation()
    async with CentreReader(stack.settings.kafka_servers(), stack.topics) as reader:
        await reader.catch_up(situation)
        assigned = Counter(tp.topic for tp in reader.assigned)
        # Following: a case submitted now reaches the view, which is shown again.
        changed = asyncio.Event()

        async def on_change() -> None:
            changed.set()

        following = asyncio.create_task(reader.follow(situation, on_change, quiet_s=0.5))
        try:
            later = await _submit(stack, 10)
            await asyncio.wait_for(changed.wait(), 30)

            async def routed() -> bool:
                case = situation.cases.get(later)
                return case is not None and case.assigned

            await eventually(routed)
        finally:
            following.cancel()
    assert stack.topics(topics.CASE_RESTRICTED) not in assigned
    assert set(assigned) == {stack.topics(t) for t in (topics.CASE, topics.CYCLE, topics.REGISTRY)}
    assert case_id in situation.cases
    assert "13812345678" not in json.dumps(build_view(situation).as_json(), ensure_ascii=False)
