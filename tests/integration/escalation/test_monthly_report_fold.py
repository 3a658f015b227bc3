"""The monthly report's fold gives the same rows however the stream is cut into batches
and however often a batch is redelivered (issue 15 "From events only": truncate and
replay gives the same numbers). The fold applies a batch's facts to the cases submitted
in the same batch before inserting them, and the facts of older cases in one UPDATE;
these tests hold the two paths to each other, on real PostgreSQL, with records read as
the rebuild reads them (``read_report_record``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.escalation.entrypoints.report_rebuild import read_report_record
from services.escalation.service_layer import monthly_report
from shared.events.envelope import CloudEvent
from shared.events.intake import CaseSubmittedV1, ScreeningReturnFiledV1
from shared.events.mediation import BY_STEP
from shared.events.payload import Payload
from tests.harness import Stack
from tests.integration.escalation.case_steps import UNIT, assigned, start_at

pytestmark = pytest.mark.integration

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = datetime(2026, 12, 10, 9, 0, tzinfo=SHANGHAI)
GRID, OTHER_GRID, STREET = "451102001001001", "451102001001002", "451102001"
TASK = "task-d"


def _event(payload: Payload, case_id: str) -> CloudEvent:
    return CloudEvent(
        source="/t", type=payload.event_type, partitionkey=case_id, data=payload.model_dump()
    )


def submitted(case_id: str, **fields: Any) -> CloudEvent:
    data = CaseSubmittedV1.example_data() | {"case_id": case_id, "submitted_at": DAY}
    return _event(CaseSubmittedV1.model_validate(data | fields), case_id)


def step(case_id: str, name: str, unit: str = UNIT, **fields: Any) -> CloudEvent:
    model = BY_STEP[name]
    data = model.example_data() | {"case_id": case_id, "unit_code": unit, "occurred_at": DAY}
    return _event(model.model_validate(data | fields), case_id)


def stream() -> list[CloudEvent]:
    """A grid's dispute accepted and closed; two without a grid (the first assignment
    places them, once before and once after the acceptance); one found in screening
    whose return comes later; a situation report (not counted); a dispute closed without
    success at the community, then with success at the street."""
    return [
        submitted("a", grid_code=GRID),
        submitted("b"),
        assigned("b", DAY),
        submitted("c", people_involved=120),
        step("a", "accepted", accepted_at=DAY),
        step("c", "accepted", accepted_at=DAY),
        submitted("d", screening_task_id=TASK),
        submitted("e", kind="report"),
        step("b", "accepted", accepted_at=DAY),
        step("e", "accepted", accepted_at=DAY),
        assigned("c", DAY),
        step("d", "accepted", accepted_at=DAY),
        submitted("f", grid_code=GRID),
        step("a", "closed", result="success"),
        step("b", "closed", result="failure"),
        step("f", "closed", result="failure"),
        step("f", "closed", unit=STREET, result="success"),
    ]


def records(events: list[CloudEvent]) -> list[Any]:
    read = [read_report_record(e.to_json_bytes()) for e in events]
    return [r for r in read if r is not None]


async def fold(stack: Stack, *batches: list[CloudEvent]) -> None:
    runtime = stack.runtime("escalation")
    for batch in batches:
        async with runtime.uow() as uow:
            await monthly_report.apply_case_events(uow, records(batch))
            await uow.commit()


async def return_filed(stack: Stack) -> None:
    data = ScreeningReturnFiledV1.example_data() | {"task_id": TASK, "grid_code": OTHER_GRID}
    async with stack.runtime("escalation").uow() as uow:
        await monthly_report.apply_return_filed(uow, ScreeningReturnFiledV1.model_validate(data))
        await uow.commit()


async def rows(stack: Stack) -> list[tuple[Any, ...]]:
    counts = await stack.sql(
        "SELECT * FROM escalation.report_counts ORDER BY area_code, month, category, level"
    )
    cases = await stack.sql("SELECT * FROM escalation.report_cases ORDER BY case_id")
    return [tuple(r) for r in counts] + [tuple(r) for r in cases]


async def truncate(stack: Stack) -> None:
    await stack.sql(
        "TRUNCATE escalation.report_cases, escalation.report_counts, escalation.report_returns"
    )


async def test_one_batch_one_event_at_a_time_and_pairs_give_the_same_rows(stack: Stack) -> None:
    await start_at(stack, DAY)
    events = stream()
    await fold(stack, events)
    await return_filed(stack)
    expected = await rows(stack)

    totals = await stack.sql(
        "SELECT sum(screened) AS screened, sum(accepted) AS accepted,"
        " sum(mediated) AS mediated, sum(succeeded) AS succeeded,"
        " sum(b100_500) AS b100_500 FROM escalation.report_counts"
    )
    assert dict(totals[0]) == {
        "screened": 1,  # d, once its return gave it a grid
        "accepted": 4,  # a, b, c, d (not the report e)
        "mediated": 3,  # a, b, f (f's second close is not a second mediation)
        "succeeded": 2,  # a, f
        "b100_500": 1,  # c: 120 people
    }
    # f's success is counted at the level of the unit that closed it with success; each
    # count at its key: the grid, the month (Asia/Shanghai), the dispute type, the level.
    at_grid = await stack.sql(
        "SELECT month, category, level, lt50, accepted, mediated, succeeded"
        " FROM escalation.report_counts WHERE area_code = $1 ORDER BY level",
        GRID,
    )
    assert [tuple(r) for r in at_grid] == [
        ("2026-12", "邻里纠纷", "community", 0, 1, 2, 1),  # a: accepted, closed; f closed
        ("2026-12", "邻里纠纷", "grid", 2, 0, 0, 0),  # a and f found: 2 people each
        ("2026-12", "邻里纠纷", "street", 0, 0, 0, 1),  # f's success
    ]
    placed = await stack.sql(
        "SELECT case_id, area_code FROM escalation.report_cases ORDER BY case_id"
    )
    assert [tuple(r) for r in placed] == [
        ("a", GRID),
        ("b", UNIT),
        ("c", UNIT),
        ("d", OTHER_GRID),
        ("f", GRID),
    ]

    for size in (1, 2, 3):
        await truncate(stack)
        await fold(stack, *[events[i : i + size] for i in range(0, len(events), size)])
        await return_filed(stack)
        assert await rows(stack) == expected, f"batches of {size}"


async def test_a_redelivered_batch_changes_nothing_and_one_with_new_events_counts_them_once(
    stack: Stack,
) -> None:
    await start_at(stack, DAY)
    events = stream()
    await fold(stack, events)
    await return_filed(stack)
    expected = await rows(stack)
    await fold(stack, events, events[:5], events[5:])  # the whole stream again, twice
    assert await rows(stack) == expected

    # The submissions arrive again in a batch that also brings their facts for the first
    # time (a consumer that failed after committing the first part): the facts count once.
    await truncate(stack)
    submissions = [e for e in events if e.type == CaseSubmittedV1.event_type]
    await fold(stack, submissions, events)
    await return_filed(stack)
    assert await rows(stack) == expected
