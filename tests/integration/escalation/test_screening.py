"""Screening (排查) end to end on real PostgreSQL and Kafka with a controllable clock.

Seed 001 (月排查) and DOMAIN.md "The cycle in practice": each period opens one task per
grid, exactly once however many sweepers and restarts; the grid's officer files the
return from the phone (a nil report, 零报告, or the disputes found, each a case linked to
the task), idempotently, once; a return missing at the due time is flagged exactly once.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
from prometheus_client import REGISTRY

from services.escalation.domain.screening import load_cadences, task_id
from services.escalation.service_layer import screening
from services.escalation.service_layer.screening_figures import refresh_screening_figures
from shared.auth.tokens import mint_token
from shared.clock import ManualClock
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.escalation import ScreeningReturnMissingV1, ScreeningTaskOpenedV1
from shared.events.intake import CaseSubmittedV1, ScreeningReturnFiledV1
from shared.events.routing import UnitUpsertedV1
from shared.messaging.received import read_payload
from shared.scheduling import Scheduler
from tests.harness import Stack, eventually, read_topic
from tests.integration.intake.helpers import (
    COMMUNITY,
    as_event,
    dispute,
    registry_units,
    seed_mirror,
)

pytestmark = pytest.mark.integration

SHANGHAI = ZoneInfo("Asia/Shanghai")
GRIDS = [f"{COMMUNITY}{n:03d}" for n in range(1, 5)]
PERIOD = "451102:2026-12-01"
DUE = datetime(2026, 12, 25, 18, 0, tzinfo=SHANGHAI)


def officer(stack: Stack, grid: int) -> dict[str, str]:
    """The officer of the demo community's ``grid``-th grid."""
    code = GRIDS[grid - 1]
    token = mint_token(stack.settings.secret_key, f"go-00{grid}", "grid_officer", [code])
    return {"Authorization": f"Bearer {token}"}


async def screening_stack(stack: Stack) -> ManualClock:
    """Escalation and intake running on one manual clock, the day before December's
    period, with the demo community's four grids known to both."""
    clock = ManualClock(datetime(2026, 11, 30, 12, 0, tzinfo=SHANGHAI))
    escalation, intake = stack.runtime("escalation"), stack.runtime("intake")
    escalation.clock = intake.clock = clock
    await stack.start("escalation", "intake")
    await seed_mirror(stack)
    for unit in registry_units():
        async with escalation.uow() as uow:
            await screening.apply_unit_upserted(
                uow, read_payload(UnitUpsertedV1, as_event(unit, unit.code))
            )
            await uow.commit()
    await stack.wait_until_consuming()
    return clock


def sweeper(stack: Stack) -> Scheduler[UnitOfWork]:
    """Another replica's sweeper over escalation's jobs, on the same clock."""
    runtime = stack.runtime("escalation")
    return Scheduler(
        service="escalation",
        schema=runtime.tables.schema,
        uow_factory=runtime.uow,
        handlers=runtime.job_handlers,
        clock=runtime.clock,
    )


async def outbox(stack: Stack, schema: str, event_type: str) -> list[dict[str, Any]]:
    rows = await stack.sql(
        f"SELECT key, envelope FROM {schema}.outbox WHERE type = $1 ORDER BY id",  # noqa: S608 - a schema from code
        event_type,
    )
    return [{"key": r["key"], **orjson.loads(r["envelope"])["data"]} for r in rows]


async def cycle_events(stack: Stack, event_type: str, at_least: int) -> list[Any]:
    records = await read_topic(
        stack.settings.kafka_servers(), stack.topics(topics.CYCLE), at_least=at_least
    )
    return [r for r in records if orjson.loads(r.value)["type"] == event_type]


async def test_a_period_opens_one_task_per_grid_exactly_once_across_sweepers_and_restarts(
    stack: Stack,
) -> None:
    clock = await screening_stack(stack)
    first, second = sweeper(stack), sweeper(stack)
    assert (await first.run_due()).fired == 0  # nothing before the period starts
    clock.set(datetime(2026, 12, 1, 0, 0, 5, tzinfo=SHANGHAI))
    await asyncio.gather(first.run_due(), second.run_due())
    # A restart makes sure of the series again, and sweeps again: nothing new.
    await screening.ensure_series_at_start(stack.runtime("escalation").uow, load_cadences(), clock)
    await sweeper(stack).run_due()

    tasks = await stack.sql(
        "SELECT task_id, grid_code, street_code, status, due_at FROM escalation.screening_tasks"
        " ORDER BY grid_code"
    )
    assert [(t["grid_code"], t["status"]) for t in tasks] == [(g, "open") for g in GRIDS]
    assert {t["task_id"] for t in tasks} == {task_id(PERIOD, g) for g in GRIDS}
    assert {t["street_code"] for t in tasks} == {"451102001"}
    assert {t["due_at"] for t in tasks} == {DUE}
    periods = await stack.sql("SELECT period_key, period_end FROM escalation.screening_periods")
    assert [(p["period_key"], p["period_end"].isoformat()) for p in periods] == [
        (PERIOD, "2027-01-01")
    ]
    dues = await stack.sql(
        "SELECT count(*) AS n FROM escalation.scheduled_jobs WHERE kind = $1", screening.RETURN_DUE
    )
    assert dues[0]["n"] == 4
    pending_days = await stack.sql(
        "SELECT scheduled_for FROM escalation.scheduled_jobs WHERE kind = $1 AND state = 'pending'",
        screening.PERIOD_DAY,
    )
    assert [r["scheduled_for"] for r in pending_days] == [datetime(2026, 12, 2, tzinfo=SHANGHAI)]
    opened = await outbox(stack, "escalation", ScreeningTaskOpenedV1.event_type)
    assert sorted(e["grid_code"] for e in opened) == GRIDS
    assert all(e["key"] == e["task_id"] for e in opened)
    on_kafka = await cycle_events(stack, ScreeningTaskOpenedV1.event_type, at_least=4)
    assert sorted(r.key.decode() for r in on_kafka) == sorted(task_id(PERIOD, g) for g in GRIDS)


async def test_returns_are_filed_once_per_grid_and_a_missing_one_is_flagged_once_at_the_due_time(
    stack: Stack,
) -> None:
    clock = await screening_stack(stack)
    clock.set(datetime(2026, 12, 1, 0, 0, 5, tzinfo=SHANGHAI))
    await sweeper(stack).run_due()
    await eventually(lambda: stack.sql("SELECT 1 FROM intake.screening_tasks HAVING count(*) = 4"))
    intake = stack.client("intake")
    task_1, task_2 = task_id(PERIOD, GRIDS[0]), task_id(PERIOD, GRIDS[1])

    # My open tasks: my grid's only.
    mine = await intake.get("/mobile/v1/screening", headers=officer(stack, 2))
    assert mine.status_code == 200, mine.text
    assert [(t["task_id"], datetime.fromisoformat(t["due_at"])) for t in mine.json()["items"]] == [
        (task_2, DUE)
    ]

    # Grid 2 found nothing: a nil report (零报告), replayed from the phone's queue.
    clock.set(datetime(2026, 12, 20, 16, 30, tzinfo=SHANGHAI))
    nil = {"nil_report": True, "note": "本月未发现矛盾纠纷"}
    key = {"Idempotency-Key": "nil-2026-12"}
    filed = await intake.post(
        f"/mobile/v1/screening/{task_2}/return", json=nil, headers=officer(stack, 2) | key
    )
    assert filed.status_code == 201, filed.text
    assert filed.json()["nil_report"] is True and filed.json()["cases"] == []
    assert filed.json()["late"] is False
    replayed = await intake.post(
        f"/mobile/v1/screening/{task_2}/return", json=nil, headers=officer(stack, 2) | key
    )
    assert replayed.status_code == 201
    assert replayed.headers["Idempotency-Replayed"] == "true"
    assert replayed.json() == filed.json()
    again = await intake.post(
        f"/mobile/v1/screening/{task_2}/return",
        json=nil,
        headers=officer(stack, 2) | {"Idempotency-Key": "another"},
    )
    assert again.status_code == 409, again.text
    assert again.json()["type"].endswith("/screening-return-filed")
    assert (await intake.get("/mobile/v1/screening", headers=officer(stack, 2))).json() == {
        "items": []
    }

    # Another grid's officer cannot see or file grid 1's task.
    body = {"disputes": [dispute()]}
    foreign = await intake.post(
        f"/mobile/v1/screening/{task_1}/return", json=body, headers=officer(stack, 3)
    )
    assert foreign.status_code == 404, foreign.text

    # Neither nil nor disputes: refused field by field, in both languages.
    empty = await intake.post(
        f"/mobile/v1/screening/{task_1}/return", json={}, headers=officer(stack, 1)
    )
    assert empty.status_code == 422
    assert [e["pointer"] for e in empty.json()["errors"]] == ["#"]
    assert "零报告" in empty.text
    in_english = await intake.post(
        f"/mobile/v1/screening/{task_1}/return",
        json={"nil_report": True, "disputes": [dispute()]},
        headers=officer(stack, 1) | {"Accept-Language": "en"},
    )
    assert in_english.status_code == 422
    assert "A nil report lists no disputes." in in_english.text

    # Grid 1 found one dispute: a case opened through the submission path, linked.
    found = await intake.post(
        f"/mobile/v1/screening/{task_1}/return",
        json=body,
        headers=officer(stack, 1) | {"Idempotency-Key": "g1-2026-12"},
    )
    assert found.status_code == 201, found.text
    (case,) = found.json()["cases"]
    submitted = await outbox(stack, "intake", CaseSubmittedV1.event_type)
    assert [(e["case_id"], e["screening_task_id"], e["source"]) for e in submitted] == [
        (case["case_id"], task_1, "排查")
    ]
    returns = await outbox(stack, "intake", ScreeningReturnFiledV1.event_type)
    assert [(r["key"], r["nil_report"], r["case_ids"], r["filed_by"]) for r in returns] == [
        (task_2, True, [], "go-002"),
        (task_1, False, [case["case_id"]], "go-001"),
    ]

    # Escalation hears both returns: filed, on time.
    await eventually(
        lambda: stack.sql("SELECT 1 FROM escalation.screening_returns HAVING count(*) = 2")
    )
    filed_tasks = await stack.sql(
        "SELECT grid_code, status, late FROM escalation.screening_tasks ORDER BY grid_code"
    )
    assert [tuple(r) for r in filed_tasks] == [
        (GRIDS[0], "filed", False),
        (GRIDS[1], "filed", False),
        (GRIDS[2], "open", None),
        (GRIDS[3], "open", None),
    ]

    # At the due time the two grids without a return are flagged, once, by any sweeper.
    clock.set(DUE - timedelta(seconds=1))
    await sweeper(stack).run_due()
    assert await outbox(stack, "escalation", ScreeningReturnMissingV1.event_type) == []
    clock.set(DUE)
    await asyncio.gather(sweeper(stack).run_due(), sweeper(stack).run_due())
    clock.set(DUE + timedelta(days=2))
    await sweeper(stack).run_due()
    missing = await outbox(stack, "escalation", ScreeningReturnMissingV1.event_type)
    assert sorted((m["grid_code"], datetime.fromisoformat(m["flagged_at"])) for m in missing) == [
        (GRIDS[2], DUE),
        (GRIDS[3], DUE),
    ]
    # Escalated (上报) in the same event and transaction as the flag, to the grid's
    # community: the level screening_cadence.json names for district 451102.
    assert {
        (m["grid_code"], m["escalated_to_unit_code"], m["escalated_to_level"]) for m in missing
    } == {
        (GRIDS[2], COMMUNITY, "community"),
        (GRIDS[3], COMMUNITY, "community"),
    }
    escalated = await stack.sql(
        "SELECT escalated_to_unit_code, escalated_at, missing_flagged_at"
        " FROM escalation.screening_tasks WHERE status = 'missing'"
    )
    assert [(r["escalated_to_unit_code"], r["escalated_at"]) for r in escalated] == [
        (COMMUNITY, DUE),
        (COMMUNITY, DUE),
    ]
    on_kafka = await cycle_events(stack, ScreeningReturnMissingV1.event_type, at_least=10)
    assert len(on_kafka) == 2
    statuses = await stack.sql(
        "SELECT status, count(*) AS n FROM escalation.screening_tasks GROUP BY status"
        " ORDER BY status"
    )
    assert [tuple(r) for r in statuses] == [("filed", 2), ("missing", 2)]

    await refresh_screening_figures(stack.runtime("escalation"))
    assert gauge("451102001", "missing") == 2
    assert gauge("451102001", "filed_on_time") == 2
    assert gauge("451102001", "open") is None


def gauge(street: str, status: str) -> float | None:
    return REGISTRY.get_sample_value(
        "gridcase_screening_tasks", {"service": "escalation", "street": street, "status": status}
    )


async def test_a_return_queued_offline_after_the_due_time_is_filed_once_and_counted_late(
    stack: Stack,
) -> None:
    clock = await screening_stack(stack)
    clock.set(datetime(2026, 12, 1, 0, 0, 5, tzinfo=SHANGHAI))
    await sweeper(stack).run_due()
    await eventually(lambda: stack.sql("SELECT 1 FROM intake.screening_tasks HAVING count(*) = 4"))
    clock.set(DUE + timedelta(hours=1))
    await sweeper(stack).run_due()
    assert len(await outbox(stack, "escalation", ScreeningReturnMissingV1.event_type)) == 4

    intake = stack.client("intake")
    task_3 = task_id(PERIOD, GRIDS[2])
    queued = {
        "items": [
            {
                "client_id": "g3-2026-12",
                "type": "screening_return",
                "body": {"task_id": task_3, "nil_report": True},
            }
        ]
    }
    synced = await intake.post("/mobile/v1/sync", json=queued, headers=officer(stack, 3))
    assert synced.status_code == 200, synced.text
    (first,) = synced.json()["results"]
    assert (first["status"], first["replayed"], first["result"]["late"]) == (201, False, True)
    # The queue sent again, and the same return sent online with the item's key: one return.
    resent = await intake.post("/mobile/v1/sync", json=queued, headers=officer(stack, 3))
    assert resent.json()["results"][0]["replayed"] is True
    online = await intake.post(
        f"/mobile/v1/screening/{task_3}/return",
        json={"nil_report": True},
        headers=officer(stack, 3) | {"Idempotency-Key": "g3-2026-12"},
    )
    assert online.status_code == 201 and online.headers["Idempotency-Replayed"] == "true"
    assert len(await outbox(stack, "intake", ScreeningReturnFiledV1.event_type)) == 1

    late = await eventually(
        lambda: stack.sql(
            "SELECT status, late, missing_flagged_at FROM escalation.screening_tasks"
            " WHERE task_id = $1 AND status = 'filed'",
            task_3,
        )
    )
    # Filed late; that it was flagged missing first stays on the record.
    assert late[0]["late"] is True
    assert late[0]["missing_flagged_at"] == DUE + timedelta(hours=1)


async def test_a_grid_known_only_after_the_period_opened_gets_its_task_until_the_due_time(
    stack: Stack,
) -> None:
    clock = await screening_stack(stack)
    clock.set(datetime(2026, 12, 1, 0, 0, 5, tzinfo=SHANGHAI))
    await sweeper(stack).run_due()
    escalation = stack.runtime("escalation")

    async def grid_appears(code: str, at: datetime) -> None:
        unit = UnitUpsertedV1(
            code=code, name="新网格", level="grid", parent_code=COMMUNITY, changed_at=at
        )
        async with escalation.uow() as uow:
            await screening.apply_unit_upserted(uow, unit)
            await uow.commit()

    await grid_appears(f"{COMMUNITY}005", datetime(2026, 12, 10, 9, 0, tzinfo=SHANGHAI))
    await grid_appears(f"{COMMUNITY}006", DUE + timedelta(minutes=1))  # too late this month
    opened = await outbox(stack, "escalation", ScreeningTaskOpenedV1.event_type)
    assert sorted(e["grid_code"] for e in opened) == [*GRIDS, f"{COMMUNITY}005"]
    new = [e for e in opened if e["grid_code"] == f"{COMMUNITY}005"]
    assert [(e["task_id"], datetime.fromisoformat(e["due_at"])) for e in new] == [
        (task_id(PERIOD, f"{COMMUNITY}005"), DUE)
    ]
