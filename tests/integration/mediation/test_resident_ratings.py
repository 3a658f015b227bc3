"""A resident follows and rates the result (满意度) with their tracking token, end to end
over real PostgreSQL and Kafka: intake shows progress (state, the handler's unit, the
next deadline) from routing's and mediation's events, takes one rating per case once it
has a result, and publishes ``case.rated``, which mediation (file and timeline) and
escalation (ratings per case, for 满意率 = satisfied / rated) read. DOMAIN.md "Case
work" (satisfaction) and "Rates, written down"."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest

from gridcase.services import BY_NAME
from services.escalation.adapters import queries as escalation_queries
from services.escalation.domain.satisfaction import satisfaction_rate
from shared.auth.tokens import Principal
from tests.harness import Stack, demo_point, eventually
from tests.integration.mediation.casework import (
    COMMUNITY,
    SPECIMEN_ID,
    Desk,
    acceptance,
    ago,
    assigned_view,
)

pytestmark = pytest.mark.integration

PHONE_IN_COMMENT = "13812345678"


def resident(stack: Stack, address: str) -> httpx.AsyncClient:
    """Intake's app as a resident at ``address`` sees it (the public routes are
    rate-limited per client address; each test is a different resident)."""
    app = BY_NAME["intake"].build_app(stack.runtime("intake"), manage_lifecycle=False)
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://intake")


async def resident_dispute(client: httpx.AsyncClient, point: int) -> tuple[str, str]:
    """A dispute a resident submits through the public route: its case id and token."""
    body: dict[str, Any] = {
        "kind": "dispute",
        "category": "婚姻家庭邻里",
        "title": "相邻通行纠纷",
        "description": "邻居砌墙堵住通道",
        "facts": "李四在两家之间砌墙，张三无法通行",
        "location": demo_point(point),
        "parties": [
            {"role": "申请人", "name": "张三", "id_number": SPECIMEN_ID, "phone": "13812345678"},
            {"role": "被申请人", "name": "李四"},
        ],
        "contact": {"phone": "13812345678", "name": "张三"},
    }
    response = await client.post("/public/reports", json=body)
    assert response.status_code == 201, response.text
    return response.json()["case_id"], response.json()["tracking_token"]


async def track(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    response = await client.get(f"/public/track/{token}")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def progress_once(
    stack: Stack, client: httpx.AsyncClient, case_id: str, token: str, state: str
) -> dict[str, Any]:
    """The tracking answer once intake has heard the case reached ``state`` (watched in
    the database: polling the public route would spend the resident's allowance)."""

    async def reached() -> bool:
        [row] = await stack.sql(
            "SELECT coalesce(p.state, s.status) AS state FROM intake.submissions s "
            "LEFT JOIN intake.case_progress p USING (case_id) WHERE s.case_id = $1",
            case_id,
        )
        return bool(row["state"] == state)

    await eventually(reached)
    view = await track(client, token)
    assert view["progress"]["state"] == state
    return view


async def rate(
    client: httpx.AsyncClient,
    token: str,
    body: dict[str, Any],
    *,
    key: str | None = None,
    lang: str = "zh",
) -> Any:
    headers = {"Idempotency-Key": key or uuid.uuid4().hex, "Accept-Language": lang}
    return await client.post(f"/public/track/{token}/rating", json=body, headers=headers)


def at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


async def test_a_resident_follows_a_dispute_to_its_result_and_rates_it_once(
    system: Stack,
) -> None:
    client = resident(system, "203.0.113.10")
    case_id, token = await resident_dispute(client, 30)

    # Routed: the handler's unit (by name), nobody's name or number.
    view = await assigned_view(system, case_id)
    routed = await progress_once(system, client, case_id, token, "assigned")
    assert routed["progress"]["unit"] == {"code": view["unit_code"], "name": view["unit_name"]}
    assert view["unit_name"] and view["unit_name"] != view["unit_code"]
    assert routed["progress"]["has_result"] is False
    assert view["assignee_id"] not in orjson.dumps(routed).decode()
    assert "13812345678" not in orjson.dumps(routed).decode()

    mediator = Desk(system, view["assignee_id"], "mediator")
    accepted = await mediator.step(case_id, "acceptance", acceptance(), expect=201)
    working = await progress_once(system, client, case_id, token, "in_mediation")
    assert working["progress"]["state_label"] == "调解中"
    assert at(working["progress"]["next_deadline"]) == at(accepted.json()["due_at"])
    assert working["progress"]["unit"]["code"] == COMMUNITY

    # An agreement is not yet a result: rating refused, in Chinese and in English.
    await mediator.step(
        case_id,
        "oral-agreement",
        {
            "content": "李四当场同意三日内拆除围墙。",
            "parties_agreeing": ["张三", "李四"],
            "reached_at": ago(minutes=30),
        },
    )
    await progress_once(system, client, case_id, token, "agreement_effective")
    early = await rate(client, token, {"rating": "satisfied"})
    assert early.status_code == 409, early.text
    assert early.json()["type"].endswith("/rating-before-result")
    assert "尚未办结" in early.json()["detail"]
    early_en = await rate(client, token, {"rating": "satisfied"}, lang="en")
    assert early_en.status_code == 409 and "no result" in early_en.json()["detail"]

    await mediator.step(case_id, "closing", {"result": "success"})
    closed = await progress_once(system, client, case_id, token, "closed")
    assert closed["progress"]["state_label"] == "已结案"
    assert closed["progress"]["has_result"] is True
    assert closed["progress"]["next_deadline"] is None
    assert closed["status"] == "closed"

    # Bad input: one error per field.
    bad = await rate(client, token, {"rating": "great", "comment": "", "stars": 5})
    assert bad.status_code == 422, bad.text
    assert sorted(e["pointer"] for e in bad.json()["errors"]) == [
        "#/comment",
        "#/rating",
        "#/stars",
    ]

    # The rating: durable at 201, replayed under the same key, the comment encrypted.
    comment = f"处理及时，有事请打{PHONE_IN_COMMENT}"
    body = {"rating": "satisfied", "comment": comment}
    first = await rate(client, token, body, key="rate-once")
    assert first.status_code == 201, first.text
    rated = first.json()
    assert (rated["case_id"], rated["rating"], rated["rating_label"]) == (
        case_id,
        "satisfied",
        "满意",
    )
    assert rated["has_comment"] is True and "comment" not in rated
    again = await rate(client, token, body, key="rate-once")
    assert again.status_code == 201 and again.json() == rated
    assert again.headers["idempotency-replayed"] == "true"
    [stored] = await system.sql(
        "SELECT comment, unit_code, kind FROM intake.case_ratings WHERE case_id = $1", case_id
    )
    assert stored["comment"].startswith("enc:v1:") and PHONE_IN_COMMENT not in stored["comment"]
    assert (stored["unit_code"], stored["kind"]) == (COMMUNITY, "dispute")
    idem = await system.sql("SELECT scope, response::text AS r FROM intake.idempotency_keys")
    assert not any(token in row["scope"] or PHONE_IN_COMMENT in row["r"] for row in idem)

    # One rating per case.
    second = await rate(client, token, {"rating": "not_satisfied"})
    assert second.status_code == 409, second.text
    assert second.json()["type"].endswith("/already-rated")

    # The event went out through the outbox, without the comment.
    async def sent() -> list[Any] | None:
        rows = await system.sql(
            "SELECT envelope FROM intake.outbox WHERE key = $1 AND sent_at IS NOT NULL "
            "AND envelope::text LIKE '%case.rated.v1%'",
            case_id,
        )
        return rows or None

    [envelope] = [orjson.loads(r["envelope"]) for r in await eventually(sent)]
    assert envelope["data"] == {
        "case_id": case_id,
        "rating_id": rated["rating_id"],
        "rating": "satisfied",
        "has_comment": True,
        "rated_at": envelope["data"]["rated_at"],
        "kind": "dispute",
        "unit_code": COMMUNITY,
    }
    assert PHONE_IN_COMMENT not in orjson.dumps(envelope).decode()

    # Tracking shows the rating (not the comment).
    shown = (await track(client, token))["progress"]["rating"]
    assert (shown["rating"], shown["rating_label"], shown["has_comment"]) == (
        "satisfied",
        "满意",
        True,
    )

    # Mediation: in the file and on the timeline.
    async def file_rating() -> Any:
        return (await mediator.read(case_id)).json()["rating"]

    in_file = await eventually(file_rating)
    assert (in_file["rating"], in_file["rating_label"]) == ("satisfied", "满意")
    timeline = await mediator.client.get(f"/cases/{case_id}/timeline", headers=mediator.headers)
    last = timeline.json()[-1]
    assert (last["step"], last["what"], last["actor_role"]) == (
        "rated",
        "居民评价：满意",
        "resident",
    )

    # Escalation: kept per case with unit and time; counted in 满意率.
    async def kept() -> list[Any] | None:
        rows = await system.sql(
            "SELECT rating, unit_code, rated_at FROM escalation.case_ratings WHERE case_id = $1",
            case_id,
        )
        return rows or None

    [row] = await eventually(kept)
    assert (row["rating"], row["unit_code"]) == ("satisfied", COMMUNITY)
    assert row["rated_at"] == datetime.fromisoformat(rated["rated_at"])
    operator = Principal("op-district", "district_operator", ("451102",))
    now = datetime.now(UTC)
    async with system.runtime("escalation").uow() as uow:
        counts = await escalation_queries.rated_counts(
            uow.connection, operator, now - timedelta(hours=1), now + timedelta(hours=1)
        )
    rate_now = satisfaction_rate(counts)
    assert rate_now.numerator == counts.satisfied >= 1
    assert rate_now.denominator == counts.rated
    await client.aclose()


async def test_a_residents_situation_report_is_followed_through_its_steps_and_rated(
    system: Stack,
) -> None:
    """The same progress and rating for a situation report (受理 → 办理 → 反馈 → 验证 →
    结案): intake reads only the fields every case-work event shares."""
    body = {
        "category": "市容环境",
        "title": "占道经营",
        "description": "小区门口流动摊贩占道经营",
        "location": demo_point(4),
        "contact": {"phone": "13900001111"},
    }
    client = resident(system, "203.0.113.20")
    submitted = await client.post("/public/reports", json=body)
    assert submitted.status_code == 201, submitted.text
    case_id, token = submitted.json()["case_id"], submitted.json()["tracking_token"]
    view = await assigned_view(system, case_id)
    before = await progress_once(system, client, case_id, token, "assigned")
    # Before any step, the category's response time is the deadline (市容环境: 168 h).
    submitted_at = datetime.fromisoformat(before["submitted_at"])
    assert at(before["progress"]["next_deadline"]) == submitted_at + timedelta(hours=168)
    handler = Desk(system, view["assignee_id"], "grid_officer", (view["unit_code"],))
    supervisor = Desk(system, "op-community", "community_operator")

    await handler.step(case_id, "handling/acceptance", {"note": "收到"}, expect=201)
    handling = await progress_once(system, client, case_id, token, "handling")
    assert handling["progress"]["state_label"] == "办理中"
    assert handling["progress"]["unit"]["code"] == view["unit_code"]
    await handler.step(case_id, "handling/actions", {"description": "劝离摊贩", "at": ago()})
    await handler.step(case_id, "handling/feedback", {"result": "resolved", "content": "已劝离"})
    waiting = await progress_once(system, client, case_id, token, "awaiting_verification")
    assert waiting["progress"]["state_label"] == "待验证"
    assert (await rate(client, token, {"rating": "not_satisfied"})).status_code == 409

    await supervisor.fresh(case_id)
    await supervisor.step(case_id, "handling/verification", {"on_site": True})
    await handler.fresh(case_id)
    await handler.step(case_id, "handling/closing", {})
    closed = await progress_once(system, client, case_id, token, "closed")
    assert closed["progress"]["has_result"] is True
    assert closed["progress"]["next_deadline"] is None

    rated = await rate(client, token, {"rating": "basically_satisfied"})
    assert rated.status_code == 201, rated.text
    assert rated.json()["rating_label"] == "基本满意"

    async def kept() -> list[Any] | None:
        rows = await system.sql(
            "SELECT rating, kind FROM escalation.case_ratings WHERE case_id = $1", case_id
        )
        return rows or None

    [row] = await eventually(kept)
    assert (row["rating"], row["kind"]) == ("basically_satisfied", "report")
    await client.aclose()


async def test_rating_is_rate_limited_per_address_like_the_other_public_routes(
    system: Stack,
) -> None:
    client = resident(system, "203.0.113.30")
    statuses = [
        (await rate(client, "x" * 32, {"rating": "satisfied"})).status_code for _ in range(21)
    ]
    assert statuses[0] == 404 and statuses[-1] == 429
    await client.aclose()
