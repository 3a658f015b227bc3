"""Extensions (延期) and supervision (督办) through escalation's API, on a controllable
clock with real PostgreSQL: an approved extension moves the pending cards, each firing
once at its new time; a red card supervises on its own once; an answer missing at its
due time is flagged once, a cancelled supervision never; deductions sum per unit and
month without the cancelled ones; the handler pauses the mediation clock and sees the
time left (DOMAIN.md "Time limits and supervision"; MoJ 2002 art. 33)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import orjson
import pytest

from services.escalation.domain.clocks import BEIJING
from services.escalation.service_layer.figures import refresh_clock_figures
from shared.db.unit_of_work import UnitOfWork
from shared.events.escalation import (
    ClockWarnedV1,
    ExtensionDecidedV1,
    ExtensionRequestedV1,
    RedCardIssuedV1,
    SupervisionAnsweredV1,
    SupervisionAnswerOverdueV1,
    SupervisionCancelledV1,
    SupervisionIssuedV1,
    YellowCardIssuedV1,
)
from shared.metrics import SUPERVISIONS_OPEN
from shared.scheduling import Scheduler
from tests.harness import Stack
from tests.integration.escalation.case_steps import (
    accept_due_in_rates,
    apply,
    assigned,
    clocks,
    due_in_rates,
    jobs,
    start_at,
    step,
    submitted,
)

pytestmark = pytest.mark.integration

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=BEIJING)  # a Tuesday: accept due Wed 18:00


def at(day: int, hour: int = 18) -> datetime:
    return datetime(2026, 12, day, hour, 0, tzinfo=BEIJING)


def as_(
    stack: Stack, role: str, key: str, staff_id: str | None = None, **extra: str
) -> dict[str, str]:
    return {**stack.headers(role, staff_id=staff_id), "Idempotency-Key": key, **extra}


async def started(stack: Stack) -> Scheduler[UnitOfWork]:
    """Escalation on a manual clock at T0; only the test sweeps (run_due)."""
    await start_at(stack, T0)
    scheduler = stack.runtime("escalation").scheduler
    assert scheduler is not None
    await scheduler.stop()
    return scheduler


def move(stack: Stack, instant: datetime) -> None:
    stack.runtime("escalation").clock.set(instant)  # type: ignore[attr-defined]


async def outbox(stack: Stack, event_type: str, case_id: str) -> list[dict[str, Any]]:
    rows = await stack.sql(
        "SELECT envelope->'data' AS data FROM escalation.outbox WHERE type = $1 "
        "AND envelope->'data'->>'case_id' = $2",
        event_type,
        case_id,
    )
    return [orjson.loads(r["data"]) for r in rows]


async def test_an_approved_extension_moves_the_pending_cards_each_firing_once_at_its_new_time(
    stack: Stack,
) -> None:
    """Extensions are asked for in working days and approved above (DOMAIN.md)."""
    scheduler = await started(stack)
    client = stack.client("escalation")
    await apply(stack, submitted("e1", T0), assigned("e1", T0))
    before = (await clocks(stack, "e1"))["accept"]
    assert (before["due_at"], before["yellow_at"], before["red_at"]) == (at(2), at(3), at(4))
    assert await accept_due_in_rates(stack, "e1") == at(2)
    url = "/cases/e1/extensions"
    body = {"stage": "accept", "days": 2, "reason": "expert_assessment", "reason_text": "等鉴定"}

    bad = await client.post(
        url,
        json={"stage": "nope", "days": 1.5, "reason": "x"},
        headers=as_(stack, "mediator", "b1", "md-1", **{"Accept-Language": "en"}),
    )
    assert bad.status_code == 422 and bad.json()["type"].endswith("/extension-invalid")
    assert [(e["pointer"], e["code"]) for e in bad.json()["errors"]] == [
        ("#/stage", "stage"),
        ("#/days", "whole_days"),
        ("#/reason", "reason"),
        ("#/reason_text", "required"),
    ]
    too_many = await client.post(
        url, json={**body, "days": 100}, headers=as_(stack, "mediator", "b2", "md-1")
    )
    assert too_many.json()["errors"][0]["detail"] == "应在 1 至 99 个工作日之间。"
    other = await client.post(url, json=body, headers=as_(stack, "mediator", "o1", "med-9"))
    assert other.status_code == 403
    no_key = await client.post(url, json=body, headers=stack.headers("mediator", "md-1"))
    assert no_key.status_code == 400

    asked = await client.post(url, json=body, headers=as_(stack, "mediator", "r1", "md-1"))
    assert asked.status_code == 201 and asked.headers["etag"] == '"1"'
    again = await client.post(url, json=body, headers=as_(stack, "mediator", "r1", "md-1"))
    assert again.json() == asked.json() and again.headers["idempotency-replayed"] == "true"
    second = await client.post(url, json=body, headers=as_(stack, "mediator", "r2", "md-1"))
    assert second.status_code == 409  # one pending request per clock
    ext = asked.json()
    assert ext["status"] == "pending" and ext["requested_days"] == 2
    [requested] = await outbox(stack, ExtensionRequestedV1.event_type, "e1")
    assert requested["requested_days"] == 2 and requested["reason"] == "expert_assessment"

    # While it is pending the clock runs: the warning fires at Tuesday 18:00.
    move(stack, at(1))
    await scheduler.run_due()
    assert (await clocks(stack, "e1"))["accept"]["warned_at"] == at(1)

    decide = f"/cases/e1/extensions/{ext['extension_id']}/decision"
    own_unit = await client.post(
        decide,
        json={"decision": "approved"},
        headers=as_(stack, "community_operator", "d0", **{"If-Match": '"1"'}),
    )
    assert own_unit.status_code == 403  # the community is the clock's own unit, not above
    missing = await client.post(
        decide, json={"decision": "approved"}, headers=as_(stack, "street_operator", "d1")
    )
    assert missing.status_code == 428
    more = await client.post(
        decide,
        json={"decision": "approved", "days": 3},
        headers=as_(stack, "street_operator", "d2", **{"If-Match": '"1"'}),
    )
    assert more.status_code == 422 and more.json()["errors"][0]["pointer"] == "#/days"
    refused_without_words = await client.post(
        decide,
        json={"decision": "refused"},
        headers=as_(stack, "street_operator", "d3", **{"If-Match": '"1"'}),
    )
    assert refused_without_words.json()["errors"][0]["pointer"] == "#/note"

    move(stack, at(2, 10))
    approved = await client.post(
        decide,
        json={"decision": "approved", "days": 1, "note": "同意延期一个工作日"},
        headers=as_(stack, "street_operator", "d4", **{"If-Match": '"1"'}),
    )
    assert approved.status_code == 200 and approved.headers["etag"] == '"2"'
    assert approved.json()["status"] == "approved" and approved.json()["granted_days"] == 1
    twice = await client.post(
        decide,
        json={"decision": "approved", "days": 1},
        headers=as_(stack, "street_operator", "d5", **{"If-Match": '"2"'}),
    )
    assert twice.status_code == 409

    # Due Wed → Thu, yellow Thu → Fri, red Fri → Mon (5–6 Dec are a weekend).
    moved = (await clocks(stack, "e1"))["accept"]
    assert (moved["due_at"], moved["yellow_at"], moved["red_at"]) == (at(3), at(4), at(7))
    assert await accept_due_in_rates(stack, "e1") == at(3)  # 响应率 judges by the new limit
    assert moved["warned_at"] == at(1)  # fired stays fired
    job_rows = await stack.sql(
        "SELECT kind, state, due_at FROM escalation.scheduled_jobs WHERE dedupe_key = $1",
        moved["clock_id"],
    )
    assert sorted((r["kind"], r["state"], r["due_at"]) for r in job_rows) == [
        ("escalation.clock.red_card", "pending", at(7)),
        ("escalation.clock.warning", "fired", at(1)),
        ("escalation.clock.yellow_card", "pending", at(4)),
    ]
    [decided] = await outbox(stack, ExtensionDecidedV1.event_type, "e1")
    assert decided["granted_days"] == 1 and datetime.fromisoformat(decided["due_at"]) == at(3)

    move(stack, at(3, 19))  # past the old yellow time: nothing fires
    await scheduler.run_due()
    assert (await clocks(stack, "e1"))["accept"]["yellow_fired_at"] is None
    move(stack, at(4))
    await scheduler.run_due()
    await scheduler.run_due()
    assert (await clocks(stack, "e1"))["accept"]["yellow_fired_at"] == at(4)
    move(stack, at(7))
    await scheduler.run_due()
    await scheduler.run_due()
    fired = (await clocks(stack, "e1"))["accept"]
    assert fired["red_fired_at"] == at(7)
    for event_type in (ClockWarnedV1, YellowCardIssuedV1, RedCardIssuedV1):
        assert len(await outbox(stack, event_type.event_type, "e1")) == 1

    # The red card of an accept clock supervises on its own (the district's policy).
    [auto] = await outbox(stack, SupervisionIssuedV1.event_type, "e1")
    assert (auto["level"], auto["origin"], auto["stage"], auto["deduction"]) == (
        "red_card",
        "red_card",
        "accept",
        2.0,
    )
    assert auto["issuing_unit_code"] == "451102001"
    assert datetime.fromisoformat(auto["answer_due_at"]) == at(9)  # two working days, 18:00

    listed = await client.get("/cases/e1/extensions", headers=stack.headers("street_operator"))
    assert [(e["status"], e["granted_days"]) for e in listed.json()] == [("approved", 1)]
    audit = await stack.sql(
        "SELECT action FROM escalation.audit_log WHERE action LIKE 'extension.%' ORDER BY seq"
    )
    assert [r["action"] for r in audit] == ["extension.request", "extension.decide"]


async def test_supervision_is_answered_flagged_once_when_late_cancelled_and_summed(
    stack: Stack,
) -> None:
    scheduler = await started(stack)
    client = stack.client("escalation")
    await apply(
        stack,
        submitted("s1", T0),
        assigned("s1", T0),
        step("s1", "accepted", T0, accepted_at=T0, due_at=T0 + timedelta(days=31)),
    )
    await stack.sql(
        "INSERT INTO escalation.registry_units (code, name, level, parent_code, changed_at) "
        "VALUES ('451102002', '另一街道', 'street', '451102', now())"
    )
    url = "/cases/s1/supervisions"
    bad = await client.post(
        url,
        json={"level": "purple", "answer_due_days": 0},
        headers=as_(stack, "street_operator", "b1", **{"Accept-Language": "en"}),
    )
    assert bad.status_code == 422
    assert [(e["pointer"], e["code"]) for e in bad.json()["errors"]] == [
        ("#/level", "level"),
        ("#/instructions", "required"),
        ("#/answer_due_days", "range"),
    ]
    own = await client.post(
        url,
        json={"level": "normal", "instructions": "x"},
        headers=as_(stack, "community_operator", "c1"),
    )
    assert own.status_code == 403
    handler = await client.post(
        url,
        json={"level": "normal", "instructions": "x"},
        headers=as_(stack, "mediator", "m1", "md-1"),
    )
    assert handler.status_code == 403

    normal = await client.post(
        url,
        json={"level": "normal", "instructions": "请尽快调解并回复"},
        headers=as_(stack, "street_operator", "n1"),
    )
    assert normal.status_code == 201, normal.text
    assert datetime.fromisoformat(normal.json()["answer_due_at"]) == at(8)  # 5 working days
    assert normal.json()["deduction"] == 0.5
    yellow = await client.post(
        url,
        json={"level": "yellow_card", "instructions": "黄牌督办", "answer_due_days": 1},
        headers=as_(stack, "district_operator", "y1"),
    )
    assert yellow.status_code == 201 and yellow.json()["issuing_unit_code"] == "451102"
    red = await client.post(
        url,
        json={"level": "red_card", "instructions": "红牌督办"},
        headers=as_(stack, "street_operator", "r1"),
    )
    assert red.status_code == 201

    n_id, y_id, r_id = (x.json()["supervision_id"] for x in (normal, yellow, red))
    cancelled = await client.post(
        f"{url}/{r_id}/cancellation",
        json={"note": "误发"},
        headers=as_(stack, "street_operator", "x1", **{"If-Match": '"1"'}),
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    not_handler = await client.post(
        f"{url}/{n_id}/answer",
        json={"answer": "已处理"},
        headers=as_(stack, "mediator", "a0", "med-9", **{"If-Match": '"1"'}),
    )
    assert not_handler.status_code == 403
    move(stack, at(2, 9))
    answered = await client.post(
        f"{url}/{n_id}/answer",
        json={"answer": "已约双方调解"},
        headers=as_(stack, "mediator", "a1", "md-1", **{"If-Match": '"1"'}),
    )
    assert answered.status_code == 200 and answered.json()["on_time"] is True
    stale = await client.post(
        f"{url}/{n_id}/answer",
        json={"answer": "再答"},
        headers=as_(stack, "mediator", "a2", "md-1", **{"If-Match": '"1"'}),
    )
    assert stale.status_code == 412

    await refresh_clock_figures(stack.runtime("escalation"))
    exposed = {
        (s.labels["service"], s.labels["street"], s.labels["level"]): s.value
        for metric in SUPERVISIONS_OPEN.collect()
        for s in metric.samples
    }
    assert exposed[("escalation", "451102001", "yellow_card")] == 1
    assert exposed[("escalation", "451102001", "normal")] == 0  # every level of it, at zero
    assert exposed[("escalation", "451102002", "red_card")] == 0  # a known street, at zero
    assert exposed[("escalation", "451102002", "normal")] == 0

    move(stack, at(10))  # past every answer's due time
    await scheduler.run_due()
    await scheduler.run_due()
    overdue = await outbox(stack, SupervisionAnswerOverdueV1.event_type, "s1")
    assert [o["supervision_id"] for o in overdue] == [y_id]  # answered and cancelled: not flagged
    assert len(await outbox(stack, SupervisionAnsweredV1.event_type, "s1")) == 1
    assert len(await outbox(stack, SupervisionCancelledV1.event_type, "s1")) == 1
    late = await client.post(
        f"{url}/{y_id}/answer",
        json={"answer": "迟复"},
        headers=as_(stack, "mediator", "a3", "md-1", **{"If-Match": '"1"'}),
    )
    assert late.status_code == 200 and late.json()["on_time"] is False
    await scheduler.run_due()
    assert len(await outbox(stack, SupervisionAnswerOverdueV1.event_type, "s1")) == 1

    operator = stack.headers("street_operator")
    sums = await client.get(
        "/supervision/deductions",
        params={"unit": "451102001", "period": "2026-12"},
        headers=operator,
    )
    assert sums.status_code == 200
    assert (sums.json()["supervisions"], sums.json()["points"]) == (2, 1.5)
    assert {x["level"]: x["points"] for x in sums.json()["by_level"]} == {
        "normal": 0.5,
        "yellow_card": 1.0,
        "red_card": 0.0,
    }
    november = await client.get(
        "/supervision/deductions",
        params={"unit": "451102001", "period": "2026-11"},
        headers=operator,
    )
    assert november.json()["points"] == 0.0
    wrong = await client.get(
        "/supervision/deductions", params={"unit": "x", "period": "2026-13"}, headers=operator
    )
    assert [e["pointer"] for e in wrong.json()["errors"]] == ["#/query/unit", "#/query/period"]
    outside = await client.get(
        "/supervision/deductions",
        params={"unit": "451102002", "period": "2026-12"},
        headers=operator,
    )
    assert outside.status_code == 404
    listed = await client.get("/cases/s1/supervisions", headers=stack.headers("mediator", "md-1"))
    assert sorted(s["status"] for s in listed.json()) == ["answered", "answered", "cancelled"]


async def test_the_handler_pauses_the_mediation_clock_and_sees_the_time_left(stack: Stack) -> None:
    """Waiting for a party's consent to go past the month stops its clock (MoJ 2002
    art. 33); other stages are not paused by hand."""
    await started(stack)
    client = stack.client("escalation")
    month_end = datetime(2027, 1, 1, 9, tzinfo=BEIJING)
    await apply(
        stack,
        submitted("p1", T0),
        assigned("p1", T0),
        step("p1", "accepted", T0, accepted_at=T0, due_at=month_end),
    )
    due = (await clocks(stack, "p1"))["mediate"]["due_at"]
    wrong = await client.post(
        "/cases/p1/clocks/accept/pause", json={}, headers=as_(stack, "mediator", "w1", "md-1")
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["pointer"] == "#/path/stage"
    other = await client.post(
        "/cases/p1/clocks/mediate/pause", json={}, headers=as_(stack, "mediator", "o1", "med-9")
    )
    assert other.status_code == 403
    move(stack, at(21, 12))
    paused = await client.post(
        "/cases/p1/clocks/mediate/pause",
        json={"reason": "consent_pending", "note": "等待申请人同意延期"},
        headers=as_(stack, "mediator", "p1", "md-1"),
    )
    assert paused.status_code == 200
    [clock] = paused.json()
    assert clock["status"] == "paused"
    assert clock["remaining_s"] == (due - at(21, 12)).total_seconds()
    assert {s for s, _ in (await jobs(stack, clock["clock_id"])).values()} == {"cancelled"}
    twice = await client.post(
        "/cases/p1/clocks/mediate/pause", json={}, headers=as_(stack, "mediator", "p2", "md-1")
    )
    assert twice.status_code == 409
    move(stack, at(28, 12))
    resumed = await client.post(
        "/cases/p1/clocks/mediate/resume", headers=as_(stack, "mediator", "r1", "md-1")
    )
    assert resumed.status_code == 200 and resumed.json()[0]["status"] == "running"
    row = (await clocks(stack, "p1"))["mediate"]
    assert row["due_at"] == due + timedelta(days=7)
    # 解决率 and 按期结案率 judge by the resumed limit (MoJ 2002 art. 33's month, paused).
    assert (await due_in_rates(stack, "p1"))[1] == due + timedelta(days=7)
    assert (await jobs(stack, row["clock_id"]))["escalation.clock.warning"][0] == "pending"
