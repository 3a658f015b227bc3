"""Two identical reports arriving at the same moment open one case, whichever intake
processes and whichever paths (group commit or one request) take them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from services.intake import bootstrap
from services.intake.domain.commands import Reporter, SubmitReport
from services.intake.entrypoints.schemas import SubmissionIn
from services.intake.entrypoints.support import duplicate_policy
from services.intake.service_layer import handlers
from services.intake.service_layer.batching import SubmissionBatcher
from services.intake.state import IntakeRuntime
from shared.db.unit_of_work import EventContext
from tests.harness import Stack
from tests.integration.intake.helpers import IN_GRID_2, report

pytestmark = pytest.mark.integration

OFFICER = Reporter(channel="officer", staff_id="go-002")


def command(i: int) -> SubmitReport:
    """A report at the i-th place, 300 m from the others."""
    point = {"lng": IN_GRID_2["lng"] - 0.004 + 0.003 * i, "lat": IN_GRID_2["lat"]}
    return SubmissionIn(**report(location=point)).to_command(OFFICER)


def batcher(runtime: IntakeRuntime) -> SubmissionBatcher:
    found = runtime.state.submission_batcher
    assert found is not None, "group commit is on in these tests"
    return found


@pytest_asyncio.fixture
async def second_process(stack: Stack, intake: httpx.AsyncClient) -> AsyncIterator[IntakeRuntime]:
    """Another intake process on the same database: its own engine and group commit."""
    runtime = bootstrap.build_runtime(stack.settings)
    await runtime.start(consumers=False, relay=False)
    try:
        yield runtime
    finally:
        await runtime.stop()


async def _one_request(runtime: IntakeRuntime, cmd: SubmitReport) -> Any:
    async with runtime.uow() as uow:
        ref = await runtime.state.reference.get(uow)
        return await handlers.submit_report(
            uow, cmd, ref, duplicate_policy(runtime), runtime.state.pii_keys
        )


async def _cases(stack: Stack) -> list[tuple[int, int]]:
    """Per place: cases opened, reports received."""
    rows = await stack.sql(
        "SELECT count(*) FILTER (WHERE duplicate_of IS NULL) AS opened, "
        "count(*) AS reports FROM intake.submissions GROUP BY lng ORDER BY lng"
    )
    return [(int(r["opened"]), int(r["reports"])) for r in rows]


async def test_identical_reports_at_two_processes_at_once_open_one_case(
    stack: Stack, second_process: IntakeRuntime
) -> None:
    first_process = stack.runtime("intake")
    context = EventContext("corr")
    for i in range(3):
        answers = await asyncio.gather(
            batcher(first_process).submit(command(i), None, context),
            batcher(second_process).submit(command(i), None, context),
        )
        assert sorted(a.status_code for a in answers if a is not None) == [200, 201]
    assert await _cases(stack) == [(1, 2)] * 3


async def test_identical_reports_on_the_batch_and_the_one_request_paths_open_one_case(
    stack: Stack, second_process: IntakeRuntime
) -> None:
    context = EventContext("corr")
    for i in range(3):
        answers = await asyncio.gather(
            batcher(stack.runtime("intake")).submit(command(i), None, context),
            _one_request(second_process, command(i)),
        )
        assert sorted(a.status_code for a in answers if a is not None) == [200, 201]
    assert await _cases(stack) == [(1, 2)] * 3
