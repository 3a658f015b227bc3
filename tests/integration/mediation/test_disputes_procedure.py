"""The disputes procedure end to end: intake → routing → mediation over real PostgreSQL
and Kafka, driven through mediation's HTTP API as the people at the desk would.

Names carry the rules' sources (People's Mediation Law 2010 articles; MoJ 2002 art. 33).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
import pytest

from tests.harness import Stack, eventually
from tests.integration.mediation.casework import (
    NEIGHBOUR_COMMUNITY,
    Desk,
    acceptance,
    agreement,
    ago,
    assigned_view,
    session,
    submit_dispute,
)

pytestmark = pytest.mark.integration

COMMITTEE = "东融社区人民调解委员会"
BOTH_CONSENT = [{"party": "张三", "at": ago(minutes=5)}, {"party": "李四", "at": ago(minutes=5)}]


async def events_of(stack: Stack, case_id: str) -> list[dict[str, Any]]:
    rows = await stack.sql(
        "SELECT envelope FROM mediation.outbox WHERE key = $1 ORDER BY id", case_id
    )
    return [orjson.loads(r["envelope"]) for r in rows]


async def published(stack: Stack, case_id: str, count: int) -> list[dict[str, Any]]:
    """The case's mediation events once the relay has sent ``count`` of them to Kafka."""

    async def sent() -> list[Any] | None:
        rows = await stack.sql(
            "SELECT envelope FROM mediation.outbox WHERE key = $1 AND sent_at IS NOT NULL "
            "ORDER BY id",
            case_id,
        )
        return rows if len(rows) >= count else None

    return [orjson.loads(r["envelope"]) for r in await eventually(sent)]


async def test_a_dispute_from_submission_through_agreement_confirmation_follow_up_to_archive(
    system: Stack,
) -> None:
    case_id, mediator_id = await submit_dispute(system)
    mediator = Desk(system, mediator_id, "mediator")
    adviser = Desk(system, "law-1", "legal_adviser")

    accepted = await mediator.step(case_id, "acceptance", acceptance(), expect=201)
    assert accepted.json()["state"] == "in_mediation"
    assert accepted.json()["version"] == 1

    await mediator.step(
        case_id,
        "investigations",
        {
            "at": ago(hours=5),
            "place": "现场",
            "investigators": [mediator_id],
            "persons_interviewed": ["周邻居"],
            "record": "围墙高约2米，堵住公共通道。",
        },
    )
    await mediator.step(case_id, "sessions", session(host=mediator_id))
    invited = [
        {
            "name": "孙律师",
            "kind": "legal_adviser",
            "staff_id": "law-1",
            "consented_by": ["张三", "李四"],
        }
    ]
    second = await mediator.step(
        case_id, "sessions", session(host=mediator_id, invited=invited, outcome="agreed")
    )
    assert second.json()["what"].startswith("第2次调解")
    await mediator.step(case_id, "agreement", agreement())

    await adviser.fresh(case_id)
    await adviser.step(case_id, "agreement/review", {"opinion": "条款合法可行。", "approves": True})
    await mediator.fresh(case_id)
    for party, kind in (("张三", "signed"), ("李四", "fingerprint")):
        await mediator.step(
            case_id,
            "agreement/party-signatures",
            {"party": party, "kind": kind, "at": ago(minutes=30)},
        )
    await mediator.step(case_id, "agreement/mediator-signature", {"at": ago(minutes=20)})
    sealed = await mediator.step(
        case_id, "agreement/seal", {"committee": COMMITTEE, "at": ago(minutes=10)}
    )
    assert sealed.json()["state"] == "agreement_effective"

    today = datetime.now(UTC).date()
    await mediator.step(
        case_id,
        "judicial-confirmation/application",
        {
            "court": "八步区人民法院",
            "applied_on": today.isoformat(),
        },
    )
    await mediator.step(
        case_id,
        "judicial-confirmation/decision",
        {
            "result": "confirmed",
            "decided_on": today.isoformat(),
            "note": "裁定协议有效",
        },
    )
    await mediator.step(
        case_id, "follow-ups/schedule", {"due_on": (today + timedelta(days=1)).isoformat()}
    )
    await mediator.step(
        case_id,
        "follow-ups",
        {
            "visited_at": ago(minutes=1),
            "visitor": mediator_id,
            "person_visited": "张三",
            "performance": "performed",
            "situation": "围墙已拆除，通道恢复。",
        },
    )
    await mediator.step(case_id, "closing", {"result": "success"})
    archived = await mediator.step(
        case_id,
        "archive",
        {
            "year": today.year,
            "volume_number": "12",
            "retention": "10年",
        },
    )
    assert archived.json()["state"] == "archived"

    # The archived file is read-only (art. 27).
    refused = await mediator.step(case_id, "sessions", session(host=mediator_id), expect=409)
    assert refused.json()["rule"] == "archived"

    # The file: every section, personal data masked for this read.
    file = (await mediator.read(case_id)).json()
    sections = file["file"]
    assert file["state"] == "archived"
    assert sections["registration"]["voluntary_sentence"].endswith("自愿申请人民调解。")
    assert [s["number"] for s in sections["sessions"]] == [1, 2]
    assert "13812345678" not in orjson.dumps(file).decode()
    assert "138****5678" in sections["sessions"][0]["record"]
    written = sections["written_agreement"]
    assert written["copies"] == 3
    assert written["parties"][0]["id_number"] == "110***********002X"
    assert written["effective_at"] is not None
    assert written["reviews"][0]["adviser_id"] == "law-1"
    assert sections["confirmation_decision"]["result"] == "confirmed"
    assert sections["follow_ups"][0]["performance"] == "performed"
    assert sections["filing"] == {
        **sections["filing"],
        "year": today.year,
        "volume_number": "12",
        "retention": "10年",
    }

    # In full for the mediator, audited in the same transaction.
    full = await mediator.read(case_id, full=True)
    assert full.headers["cache-control"] == "no-store"
    assert (
        full.json()["file"]["written_agreement"]["parties"][0]["id_number"] == "11010519491231002X"
    )
    audits = await system.sql(
        "SELECT actor, action FROM mediation.audit_log WHERE object = $1 AND action = $2",
        case_id,
        "view-personal-data",
    )
    assert [(a["actor"], a["action"]) for a in audits] == [(mediator_id, "view-personal-data")]
    # Stored encrypted.
    [stored] = await system.sql(
        "SELECT document::text AS d FROM mediation.case_files WHERE case_id = $1", case_id
    )
    assert "11010519491231002X" not in stored["d"] and "enc:v1:" in stored["d"]

    # The timeline: who, when, what, why, in order.
    timeline = (
        await system.client("mediation", "street_operator").get(f"/cases/{case_id}/timeline")
    ).json()
    assert [e["step"] for e in timeline] == [
        "accepted",
        "investigation-recorded",
        "session-recorded",
        "session-recorded",
        "agreement-drafted",
        "agreement-reviewed",
        "agreement-signed",
        "agreement-signed",
        "agreement-signed",
        "agreement-signed",
        "confirmation-applied",
        "confirmation-decided",
        "follow-up-scheduled",
        "follow-up-recorded",
        "closed",
        "archived",
    ]
    assert timeline[5]["actor_id"] == "law-1"
    assert [e["file_version"] for e in timeline] == list(range(1, 17))

    # Every step is an event on the case topic, with the working state and no personal data.
    events = await published(system, case_id, 16)
    assert [e["type"] for e in events][:2] == [
        "cn.gridcase.case.dispute-accepted.v1",
        "cn.gridcase.case.investigation-recorded.v1",
    ]
    assert all(e["partitionkey"] == case_id for e in events)
    closed = next(e["data"] for e in events if e["type"] == "cn.gridcase.case.case-work-closed.v1")
    assert closed["result"] == "success" and closed["sessions"] == 2
    assert closed["judicially_confirmed"] is True
    assert closed["unit_code"] == "451102001001" and closed["handler_id"] == mediator_id
    session_two = [
        e["data"] for e in events if e["type"].endswith("mediation-session-recorded.v1")
    ][1]
    assert session_two["legal_adviser_invited"] is True
    text = orjson.dumps(events).decode()
    for secret in ("13812345678", "11010519491231002X", "张三", "东融社区3栋"):
        assert secret not in text
