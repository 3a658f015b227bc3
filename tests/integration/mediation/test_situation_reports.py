"""Situation reports end to end: a grid officer reports, routing assigns the grid's
officer, who accepts, acts (with a photo uploaded to intake), feeds back; the reporting
officer verifies or sends it back (回退); the handler closes; a unit that is not
responsible hands it over (转办) and routing assigns another. Real PostgreSQL and
Kafka; the practice is DOMAIN.md "Case work" (受理 → 办理 → 反馈 → 验证 → 结案)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tests.harness import Stack, demo_point, eventually
from tests.integration.mediation.casework import (
    COMMUNITY,
    Desk,
    acceptance,
    ago,
    assigned_view,
    submit_dispute,
)

pytestmark = pytest.mark.integration

GRID_1 = f"{COMMUNITY}001"
GRID_2 = f"{COMMUNITY}002"
STREET = "451102001"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def submit_report(stack: Stack, point: int, reporter: str = "go-001") -> str:
    """A grid officer of grid 1 reports something they saw in grid 2 (points 3–5 of
    ``demo_point`` lie in grid 2); the case id once routing assigned it."""
    body: dict[str, Any] = {
        "kind": "report",
        "category": "市容环境",
        "title": "占道经营",
        "description": "小区门口流动摊贩占道经营，联系电话13812345678",
        "location": demo_point(point),
    }
    headers = stack.headers("grid_officer", reporter, (GRID_1,))
    headers["Idempotency-Key"] = f"report-{point}-{reporter}"
    response = await stack.client("intake").post("/mobile/v1/reports", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["case_id"])


async def case_events(stack: Stack, case_id: str, count: int) -> list[dict[str, Any]]:
    async def sent() -> list[Any] | None:
        rows = await stack.sql(
            "SELECT envelope FROM mediation.outbox WHERE key = $1 AND sent_at IS NOT NULL "
            "ORDER BY id",
            case_id,
        )
        return rows if len(rows) >= count else None

    return [orjson.loads(r["envelope"]) for r in await eventually(sent)]


async def test_a_report_is_accepted_handled_sent_back_回退_verified_and_closed(
    system: Stack,
) -> None:
    case_id = await submit_report(system, 3)
    view = await assigned_view(system, case_id)
    assert (view["assignee_id"], view["unit_code"]) == ("go-002", GRID_2)
    handler = Desk(system, "go-002", "grid_officer", (GRID_2,))
    reporter = Desk(system, "go-001", "grid_officer", (GRID_1,))
    neighbour = Desk(system, "go-003", "grid_officer", (f"{COMMUNITY}003",))

    accepted = await handler.step(case_id, "handling/acceptance", {"note": "收到"}, expect=201)
    assert (accepted.json()["state"], accepted.json()["state_label"]) == ("handling", "办理中")

    photo = await system.client("intake").post(
        "/attachments", files={"file": ("scene.png", PNG, "image/png")}, headers=handler.headers
    )
    assert photo.status_code == 201, photo.text
    digest = photo.json()["attachment_id"]
    acted = await handler.step(
        case_id,
        "handling/actions",
        {"description": "劝离摊贩，清理路面", "at": ago(minutes=30), "attachments": [digest]},
    )
    assert acted.json()["what"] == "办理记录第1条，照片1张"
    await handler.step(
        case_id, "handling/feedback", {"result": "resolved", "content": "已劝离并清理"}
    )

    # The handler cannot verify their own work; a grid officer elsewhere cannot even see it.
    own = await handler.step(case_id, "handling/verification", {"on_site": True}, expect=409)
    assert own.json()["rule"] == "not-a-verifier"
    outsider = await neighbour.step(
        case_id, "handling/verification", {"on_site": True}, if_match='"3"', expect=404
    )
    assert outsider.headers["content-type"].startswith("application/problem+json")

    # 回退: the reporter finds the stall back and sends it back.
    await reporter.fresh(case_id)
    returned = await reporter.step(
        case_id, "handling/return", {"reason": "复查时摊贩仍在", "on_site": True}
    )
    assert returned.json()["state"] == "handling"
    await handler.fresh(case_id)
    await handler.step(
        case_id, "handling/actions", {"description": "联合城管约谈摊主", "at": ago(minutes=5)}
    )
    await handler.step(case_id, "handling/feedback", {"result": "resolved", "content": "已约谈"})
    await reporter.fresh(case_id)
    verified = await reporter.step(
        case_id, "handling/verification", {"on_site": True, "note": "现场已无摊贩"}
    )
    assert verified.json()["state"] == "verified"
    await handler.fresh(case_id)
    closed = await handler.step(case_id, "handling/closing", {})
    assert (closed.json()["state"], closed.json()["state_label"]) == ("closed", "已结案")
    after = await handler.step(
        case_id, "handling/actions", {"description": "x", "at": ago()}, expect=409
    )
    assert after.json()["rule"] == "closed"

    # The file: every section, free text masked for a reader without a full view.
    file = (
        await system.client("mediation", "street_operator").get(f"/cases/{case_id}/file")
    ).json()
    sections = file["file"]
    assert file["kind"] == "report" and file["state"] == "closed"
    assert [a["number"] for a in sections["actions"]] == [1, 2]
    assert sections["actions"][0]["attachments"] == [digest]
    assert [v["outcome"] for v in sections["verifications"]] == ["returned", "confirmed"]
    assert sections["closing"]["result"] == "resolved"
    assert sections["ledger"] == {"actions": 2, "photos": 1, "returns": 1, "handovers": 0}

    timeline = (
        await system.client("mediation", "street_operator").get(f"/cases/{case_id}/timeline")
    ).json()
    assert [(e["step"], e["actor_id"]) for e in timeline] == [
        ("report-accepted", "go-002"),
        ("report-action-recorded", "go-002"),
        ("report-feedback-given", "go-002"),
        ("report-returned", "go-001"),
        ("report-action-recorded", "go-002"),
        ("report-feedback-given", "go-002"),
        ("report-verified", "go-001"),
        ("report-closed", "go-002"),
    ]
    assert timeline[3]["why"] == "复查时摊贩仍在"

    events = await case_events(system, case_id, 8)
    assert [e["type"].split(".")[3] for e in events] == [
        "report-accepted",
        "report-action-recorded",
        "report-feedback-given",
        "report-returned",
        "report-action-recorded",
        "report-feedback-given",
        "report-verified",
        "report-closed",
    ]
    assert all(e["data"]["kind"] == "report" for e in events)
    assert events[3]["data"]["returns"] == 1
    assert events[-1]["data"]["result"] == "resolved"
    assert "13812345678" not in orjson.dumps(events).decode()


async def test_a_handover_转办_is_routed_to_the_named_unit_and_the_first_handler_loses_it(
    system: Stack,
) -> None:
    case_id = await submit_report(system, 4)
    handler = Desk(system, "go-002", "grid_officer", (GRID_2,))
    assert (await assigned_view(system, case_id))["assignee_id"] == "go-002"
    await handler.step(case_id, "handling/acceptance", {}, expect=201)
    same = await handler.step(
        case_id, "handling/handover", {"reason": "x", "to_unit_code": GRID_2}, expect=422
    )
    assert same.json()["errors"][0]["pointer"] == "#/to_unit_code"
    handed = await handler.step(
        case_id,
        "handling/handover",
        {"reason": "属街道综合执法职责", "to_unit_code": STREET},
    )
    assert handed.json()["state"] == "new"

    # Routing read the event: the street centre's operator now holds it.
    view = await assigned_view(system, case_id, not_to="go-002")
    assert (view["assignee_id"], view["unit_code"]) == ("op-street", STREET)
    decisions = (await system.client("routing", "admin").get(f"/cases/{case_id}/routing")).json()
    assert decisions[-1]["trigger"] == "handed_over"

    centre = Desk(system, "op-street", "street_operator", (STREET,))
    await centre.fresh(case_id)
    taken = await centre.step(case_id, "handling/acceptance", {}, expect=201)
    assert taken.json()["state"] == "handling"
    # The grid officer who handed it on no longer sees it.
    assert (await handler.read(case_id)).status_code == 404
    file = (await centre.read(case_id)).json()["file"]
    assert file["handovers"][0]["from_handler_id"] == "go-002"
    assert file["handovers"][0]["to_unit_code"] == STREET

    # The counts by unit and status the overview reads moved with the case: they equal
    # a count of the view (the report left its grid for the street).
    kept = await system.sql(
        "SELECT unit_code, status, cases FROM mediation.case_counts WHERE cases > 0"
    )
    counted = await system.sql(
        "SELECT coalesce(unit_code, '') AS unit_code, status, count(*) AS cases "
        "FROM mediation.cases GROUP BY 1, 2"
    )
    assert sorted(map(tuple, kept)) == sorted(map(tuple, counted))
    assert (STREET, "assigned") in {(r["unit_code"], r["status"]) for r in kept}


async def test_report_steps_and_dispute_steps_do_not_mix(system: Stack) -> None:
    """Reports are worked by grid officers and centres, disputes by the committee: each
    side's routes find nothing of the other's (404), and a grid officer has no dispute
    routes at all (403)."""
    report_id = await submit_report(system, 5)
    await assigned_view(system, report_id)
    dispute_id, mediator_id = await submit_dispute(system)
    mediator = Desk(system, mediator_id, "mediator")
    centre = Desk(system, "op-community", "community_operator")
    officer = Desk(system, "go-002", "grid_officer", (GRID_2,))

    assert (await mediator.step(report_id, "acceptance", acceptance(), expect=404)).json()[
        "status"
    ] == 404
    await centre.step(dispute_id, "handling/acceptance", {}, expect=404)
    await officer.step(dispute_id, "acceptance", acceptance(), expect=403)
    # Nothing was opened on either.
    rows = await system.sql(
        "SELECT case_id FROM mediation.case_files WHERE case_id = ANY($1::text[])",
        [report_id, dispute_id],
    )
    assert rows == []
    await officer.step(report_id, "handling/acceptance", {}, expect=201)
