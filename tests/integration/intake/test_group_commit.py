"""Group commit: submissions arriving together share a transaction, and each still gets
exactly the answer, rows and events it would get alone."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from services.intake.domain.commands import Reporter, SubmitReport
from services.intake.domain.refusals import SubmissionRefused
from services.intake.entrypoints.schemas import SubmissionIn
from services.intake.service_layer.batching import SubmissionBatcher
from services.intake.service_layer.idempotency import IdempotencyClaim
from shared.db.unit_of_work import EventContext
from tests.harness import Stack
from tests.integration.intake.helpers import IN_GRID_2, count, officer_headers, report

pytestmark = pytest.mark.integration

OFFICER = Reporter(channel="officer", staff_id="go-002")


def batcher_of(stack: Stack) -> SubmissionBatcher:
    batcher: SubmissionBatcher = stack.runtime("intake").state.submission_batcher
    return batcher


def command(**overrides: Any) -> SubmitReport:
    return SubmissionIn(**report(**overrides)).to_command(OFFICER)


def spread(i: int) -> dict[str, float]:
    """Points about 150 m apart, so none is another's duplicate."""
    return {"lng": IN_GRID_2["lng"] - 0.004 + (i % 6) * 0.0015, "lat": 24.4105 + (i // 6) * 0.0015}


async def submit_together(
    stack: Stack, commands: list[tuple[SubmitReport, IdempotencyClaim | None]]
) -> list[Any]:
    """Hand every command to the batcher before its writer runs: one batch."""
    batcher = batcher_of(stack)
    return await asyncio.gather(
        *[
            batcher.submit(c, claim, EventContext(f"corr-{i}"))
            for i, (c, claim) in enumerate(commands)
        ],
        return_exceptions=True,
    )


async def test_a_burst_over_http_is_written_in_fewer_transactions_than_reports(
    stack: Stack, intake: httpx.AsyncClient
) -> None:
    headers = officer_headers(stack)
    before = batcher_of(stack).batches
    responses = await asyncio.gather(
        *[
            intake.post("/mobile/v1/reports", json=report(location=spread(i)), headers=headers)
            for i in range(24)
        ]
    )
    assert [r.status_code for r in responses] == [201] * 24
    assert len({r.json()["case_number"] for r in responses}) == 24
    assert await count(stack) == 24 and await count(stack, "outbox") == 24
    assert batcher_of(stack).batches - before < 24


async def test_one_batch_answers_each_submission_as_if_alone(
    stack: Stack, intake: httpx.AsyncClient
) -> None:
    claim = IdempotencyClaim("officer go-002 /mobile/v1/reports", "gc-1", "f" * 64)
    answers = await submit_together(
        stack,
        [
            (command(location=spread(0)), claim),
            (command(category="外星人", location=spread(1)), None),  # refused, alone
            (command(location=spread(2)), None),
            (command(kind="dispute", category="劳资纠纷(欠薪)", location=spread(3)), None),
        ],
    )
    assert batcher_of(stack).batches == 1
    first, refused, third, dispute = answers
    assert first.status_code == third.status_code == 201
    assert isinstance(refused, SubmissionRefused)
    assert [i.pointer for i in refused.issues] == ["#/category"]
    # A dispute needs parties: refused by the same rules as alone.
    assert isinstance(dispute, SubmissionRefused)
    rows = await stack.sql(
        "SELECT case_id, case_number FROM intake.submissions ORDER BY case_number"
    )
    assert [r["case_id"] for r in rows] == [first.body["case_id"], third.body["case_id"]]
    [key] = await stack.sql(
        "SELECT status_code, response->>'case_id' AS case_id FROM intake.idempotency_keys"
    )
    assert key["status_code"] == 201 and key["case_id"] == first.body["case_id"]
    events = await stack.sql(
        "SELECT key, envelope->>'correlationid' AS corr FROM intake.outbox ORDER BY id"
    )
    assert [(e["key"], e["corr"]) for e in events] == [
        (first.body["case_id"], "corr-0"),
        (third.body["case_id"], "corr-2"),
    ]


async def test_a_report_is_linked_to_one_opened_earlier_in_the_same_batch(
    stack: Stack, intake: httpx.AsyncClient
) -> None:
    near = {"lng": IN_GRID_2["lng"] + 0.0002, "lat": IN_GRID_2["lat"]}  # about 20 m away
    opened, linked, other_category = await submit_together(
        stack,
        [
            (command(), None),
            (command(location=near), None),
            (command(category="街面秩序", subcategory=None, location=near), None),
        ],
    )
    assert opened.status_code == 201 and other_category.status_code == 201
    assert linked.status_code == 200
    assert linked.body["outcome"] == "linked"
    assert linked.body["case_id"] == opened.body["case_id"]
    assert 15 < linked.body["distance_m"] < 25
    types = await stack.sql("SELECT type FROM intake.outbox ORDER BY id")
    assert [t["type"] for t in types] == [
        "cn.gridcase.case.submitted.v1",
        "cn.gridcase.case.report-linked.v1",
        "cn.gridcase.case.submitted.v1",
    ]


async def test_keys_seen_before_or_twice_in_a_batch_take_the_one_request_path(
    stack: Stack, intake: httpx.AsyncClient
) -> None:
    headers = {**officer_headers(stack), "Idempotency-Key": "gc-seen"}
    first = await intake.post("/mobile/v1/reports", json=report(), headers=headers)
    assert first.status_code == 201
    claim = IdempotencyClaim("s", "gc-twice", "a" * 64)
    [stored] = await stack.sql("SELECT scope FROM intake.idempotency_keys")
    seen = IdempotencyClaim(stored["scope"], "gc-seen", "whatever the fingerprint")
    answers = await submit_together(
        stack,
        [
            (command(location=spread(1)), claim),
            (command(location=spread(2)), claim),
            (command(location=spread(3)), seen),
        ],
    )
    assert answers[0].status_code == 201
    assert answers[1] is None and answers[2] is None  # handed back, nothing written for them
    assert await count(stack) == 2
    # Over HTTP the handed-back request replays the stored answer.
    again = await intake.post("/mobile/v1/reports", json=report(), headers=headers)
    assert again.json() == first.json() and again.headers["idempotency-replayed"] == "true"


async def test_a_batch_that_fails_in_the_database_hands_every_submission_back(
    stack: Stack, intake: httpx.AsyncClient
) -> None:
    """A row PostgreSQL itself refuses (a trigger here) fails the batch's transaction:
    nothing of the batch is kept, and over HTTP the others are then written alone."""
    await stack.sql(
        """
        CREATE FUNCTION intake.refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.title = 'poison' THEN RAISE EXCEPTION 'poisoned row'; END IF;
            RETURN NEW;
        END $$
        """
    )
    await stack.sql(
        "CREATE TRIGGER refuse_poison BEFORE INSERT ON intake.submissions"
        " FOR EACH ROW EXECUTE FUNCTION intake.refuse_poison()"
    )
    answers = await submit_together(
        stack,
        [
            (command(location=spread(i), title="poison" if i == 2 else "垃圾"), None)
            for i in range(5)
        ],
    )
    assert answers == [None] * 5
    assert await count(stack) == 0 and await count(stack, "outbox") == 0

    headers = officer_headers(stack)
    responses = await asyncio.gather(
        *[
            intake.post(
                "/mobile/v1/reports",
                json=report(location=spread(i), title="poison" if i == 2 else "垃圾"),
                headers=headers,
            )
            for i in range(5)
        ],
        return_exceptions=True,  # the in-process client raises the poisoned one's error
    )
    poisoned = responses.pop(2)
    assert [r.status_code for r in responses if isinstance(r, httpx.Response)] == [201] * 4
    assert not isinstance(poisoned, httpx.Response) or poisoned.status_code >= 500
    assert await count(stack) == 4 and await count(stack, "outbox") == 4
