"""The rates (GridCase issue 14 item 8; DOMAIN.md "Rates, written down") from cases
built through the real events on Kafka: escalation's one case-stream consumer keeps
each case's facts beside its clocks, ``GET /rates`` answers every rate with its counts
for a unit and everything below it, the gauges show them per street, and a redelivered
or duplicated event changes nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from prometheus_client import REGISTRY

from services.escalation.domain.clocks import BEIJING
from services.escalation.service_layer.figures import refresh_clock_figures
from shared.clock import ManualClock
from shared.events import topics
from shared.events.envelope import CloudEvent
from shared.events.intake import CaseRatedV1, CaseSubmittedV1
from shared.events.mediation import BY_STEP
from shared.events.payload import Payload
from shared.events.routing import CaseAssignedV1
from tests.harness import Stack, eventually

pytestmark = pytest.mark.integration

STREET = "451102001"
COMMITTEE = "451102001001"  # a community's mediation committee in that street
OTHER_STREET_UNIT = "451102002001"
OTHER_DISTRICT_UNIT = "451103001001"


def at(day: int, hour: int = 0, month: int = 12, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=BEIJING)


def _event(model: type[Payload], case_id: str, **fields: Any) -> CloudEvent:
    data = model.example_data()
    data.update(case_id=case_id, **fields)
    payload = model.model_validate(data)
    return CloudEvent(
        source="/t",
        type=payload.event_type,
        partitionkey=case_id,
        data=payload.model_dump(mode="json"),
    )


def opened(case_id: str, unit: str, kind: str = "dispute") -> list[CloudEvent]:
    return [
        _event(
            CaseSubmittedV1,
            case_id,
            submitted_at=at(1, 8),
            risk_signals=[],
            category="邻里纠纷",
            kind=kind,
        ),
        _event(
            CaseAssignedV1,
            case_id,
            assignment_id=f"a-{case_id}",
            unit_code=unit,
            unit_level="community",
            assignee_id="md-1",
            assigned_at=at(1, 9),
            trigger="submitted",
        ),
    ]


def step(case_id: str, name: str, when: datetime, unit: str, **facts: Any) -> CloudEvent:
    kind = "report" if name.startswith("report-") else "dispute"
    return _event(
        BY_STEP[name],
        case_id,
        kind=kind,
        unit_code=unit,
        handler_id="md-1",
        occurred_at=when,
        **facts,
    )


def rated(case_id: str, rating: str, unit: str) -> CloudEvent:
    return _event(
        CaseRatedV1,
        case_id,
        rating_id=f"r-{case_id}",
        rating=rating,
        rated_at=at(29, 10),
        kind="dispute",
        unit_code=unit,
    )


def cases() -> list[CloudEvent]:
    """d1 answered and mediated to an agreement on time; d2 accepted late, closed late
    as failed; r1 a report answered on time, never closed; x1 in another district."""
    return [
        *opened("d1", COMMITTEE),
        step("d1", "accepted", at(1, 10), COMMITTEE, accepted_at=at(1, 10), due_at=at(20, 10)),
        step("d1", "closed", at(5, 10), COMMITTEE, result="success"),
        rated("d1", "satisfied", COMMITTEE),
        *opened("d2", COMMITTEE),
        step("d2", "accepted", at(7, 10), COMMITTEE, accepted_at=at(7, 10), due_at=at(25, 10)),
        step("d2", "closed", at(28, 10), COMMITTEE, result="failure"),
        rated("d2", "not_satisfied", COMMITTEE),
        *opened("r1", OTHER_STREET_UNIT, kind="report"),
        step("r1", "report-accepted", at(1, 11), OTHER_STREET_UNIT, accepted_at=at(1, 11)),
        *opened("x1", OTHER_DISTRICT_UNIT),
    ]


async def send(stack: Stack, events: list[CloudEvent]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=stack.settings.kafka_servers())
    await producer.start()
    try:
        for event in events:
            await producer.send_and_wait(
                stack.topics(topics.CASE),
                event.to_json_bytes(),
                key=(event.partitionkey or "").encode(),
            )
    finally:
        await producer.stop()


async def applied(stack: Stack, count: int) -> None:
    """Wait until the consumer has applied ``count`` case events (its inbox)."""

    async def done() -> bool:
        rows = await stack.sql("SELECT count(*) AS n FROM escalation.inbox")
        return int(rows[0]["n"]) >= count

    await eventually(done, timeout=30)


async def answer(stack: Stack, unit: str, period: str = "2026-12") -> dict[str, tuple[int, int]]:
    response = await stack.client("escalation", "district_operator").get(
        "/rates", params={"unit": unit, "period": period}
    )
    assert response.status_code == 200, response.text
    return {r["rate"]: (r["numerator"], r["denominator"]) for r in response.json()["rates"]}


DISTRICT = {
    "response": (2, 3),  # d1, r1 in time; d2 late
    "resolution": (1, 3),  # d1 resolved; d2 failed; r1 past its handling limit, open
    "satisfaction": (1, 2),
    "on_time_closure": (1, 3),
    "mediation_success": (1, 2),
}


async def test_the_rates_come_from_the_case_events_with_their_counts(stack: Stack) -> None:
    clock = ManualClock(at(1, 8))
    stack.runtime("escalation").clock = clock
    events = cases()
    await send(stack, events)
    await stack.start("escalation", relay=False)
    await applied(stack, len(events))
    clock.set(at(10, 10, 1, 2027))

    assert await answer(stack, "451102") == DISTRICT
    # 三率 weighted 30 / 35 / 35 % (the district's data): 0.3·2/3 + 0.35·1/3 + 0.35·1/2.
    whole = await stack.client("escalation", "district_operator").get(
        "/rates", params={"unit": "451102", "period": "2026-12"}
    )
    three = whole.json()["three_rates"]
    assert three["weights"] == {"response": 0.3, "resolution": 0.35, "satisfaction": 0.35}
    assert three["score"] == pytest.approx(0.3 * 2 / 3 + 0.35 / 3 + 0.35 / 2)
    assert await answer(stack, STREET) == {
        "response": (1, 2),
        "resolution": (1, 2),
        "satisfaction": (1, 2),
        "on_time_closure": (1, 2),
        "mediation_success": (1, 2),
    }
    # The year to date holds the same December; November holds nothing: no rate, not 100 %.
    assert await answer(stack, "451102", "2026") == DISTRICT
    november = await stack.client("escalation", "district_operator").get(
        "/rates", params={"unit": "451102", "period": "2026-11"}
    )
    assert {r["rate"]: (r["denominator"], r["value"]) for r in november.json()["rates"]} == (
        dict.fromkeys(DISTRICT, (0, None))
    )
    assert november.json()["three_rates"]["score"] is None

    # The gauges: this month per street, from the same counts.
    clock.set(at(31, 10))
    await refresh_clock_figures(stack.runtime("escalation"))

    def gauge(name: str, street: str, rate: str) -> float | None:
        labels = {"service": "escalation", "street": street, "rate": rate}
        return REGISTRY.get_sample_value(name, labels)

    assert gauge("gridcase_rate_numerator", STREET, "response") == 1
    assert gauge("gridcase_rate_denominator", STREET, "response") == 2
    assert gauge("gridcase_rate_denominator", STREET, "mediation_success") == 2
    assert gauge("gridcase_rate_numerator", STREET, "satisfaction") == 1
    assert gauge("gridcase_rate_denominator", "451102002", "response") == 1
    ratings = {"service": "escalation", "street": STREET, "rating": "not_satisfied"}
    assert REGISTRY.get_sample_value("gridcase_case_ratings", ratings) == 1

    # Every event again: once as redelivered (same ids, the inbox skips them), once
    # duplicated by a producer under new ids (the projection's rules absorb them).
    clock.set(at(10, 10, 1, 2027))
    duplicates = [CloudEvent(**{**e.model_dump(), "id": f"dup-{e.id}"}) for e in events]
    await send(stack, events + duplicates)
    await applied(stack, 2 * len(events))
    assert await answer(stack, "451102") == DISTRICT


async def test_bad_input_is_a_problem_field_by_field(stack: Stack) -> None:
    client = stack.client("escalation", "district_operator")
    bad = await client.get("/rates", params={"unit": "45x", "period": "2026-13"})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    body = bad.json()
    assert body["type"] == "https://gridcase.cn/problems/validation"
    assert {e["pointer"] for e in body["errors"]} == {"#/query/unit", "#/query/period"}
    outside = await client.get("/rates", params={"unit": "451103", "period": "2026-12"})
    assert outside.status_code == 404
    street = stack.client("escalation", "street_operator")
    above = await street.get("/rates", params={"unit": "451102", "period": "2026-12"})
    assert above.status_code == 404
    anonymous = await stack.client("escalation").get(
        "/rates", params={"unit": "451102", "period": "2026-12"}
    )
    assert anonymous.status_code == 401
