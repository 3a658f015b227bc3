"""The disputes procedure end to end: intake → routing → mediation over real PostgreSQL
and Kafka, driven through mediation's HTTP API as the people at the desk would.

Names carry the rules' sources (People's Mediation Law 2010 articles; MoJ 2002 art. 33).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from services.mediation.adapters import dashboard_queries
from services.mediation.service_layer import case_work
from shared.auth.tokens import Principal
from tests.harness import Stack, eventually
from tests.integration.mediation.casework import (
    NEIGHBOUR_COMMUNITY,
    Desk,
    acceptance,
    ago,
    agreement,
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
        case_id, "performance", {"party": "李四", "what": "拆除围墙", "at": ago(minutes=2)}
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
        "performance-recorded",
        "follow-up-recorded",
        "closed",
        "archived",
    ]
    assert timeline[5]["actor_id"] == "law-1"
    # Parties' names in the lines ("当事人张三签名") are masked for this reader.
    signed = [e["what"] for e in timeline if e["step"] == "agreement-signed"]
    assert any("张*" in line for line in signed), signed
    assert "张三" not in orjson.dumps(timeline).decode()
    assert [e["file_version"] for e in timeline] == list(range(1, 18))

    # Every step is an event on the case topic, with the working state and no personal data.
    events = await published(system, case_id, 17)
    assert [e["type"] for e in events][:2] == [
        "cn.gridcase.case.dispute-accepted.v1",
        "cn.gridcase.case.investigation-recorded.v1",
    ]
    assert all(e["partitionkey"] == case_id for e in events)
    closed = next(e["data"] for e in events if e["type"] == "cn.gridcase.case.case-work-closed.v1")
    assert closed["result"] == "success" and closed["sessions"] == 2
    assert closed["judicially_confirmed"] is True and closed["performance_records"] == 1
    assert closed["unit_code"] == "451102001001" and closed["handler_id"] == mediator_id
    session_two = [
        e["data"] for e in events if e["type"].endswith("mediation-session-recorded.v1")
    ][1]
    assert session_two["legal_adviser_invited"] is True
    text = orjson.dumps(events).decode()
    for secret in ("13812345678", "11010519491231002X", "张三", "东融社区3栋"):
        assert secret not in text


async def accepted_case(system: Stack, **acceptance_overrides: Any) -> tuple[str, Desk]:
    case_id, mediator_id = await submit_dispute(system)
    mediator = Desk(system, mediator_id, "mediator")
    await mediator.step(case_id, "acceptance", acceptance(**acceptance_overrides), expect=201)
    return case_id, mediator


async def test_declining_records_the_reason_and_closes_the_door_art_17(system: Stack) -> None:
    case_id, mediator_id = await submit_dispute(system)
    mediator = Desk(system, mediator_id, "mediator")
    declined = await mediator.step(
        case_id,
        "declination",
        {"reason": "party_refuses", "note": "被申请人明确表示不同意调解"},
        expect=201,
    )
    assert declined.json()["state"] == "declined"
    again = await mediator.step(case_id, "acceptance", acceptance(), expect=409)
    assert again.json()["rule"] == "wrong-state"
    [event] = await published(system, case_id, 1)
    assert event["type"] == "cn.gridcase.case.dispute-declined.v1"
    assert event["data"]["decline_reason"] == "party_refuses"
    assert event["data"]["state"] == "declined" and event["data"]["previous_state"] == "new"
    [entry] = (await system.client("mediation", "admin").get(f"/cases/{case_id}/timeline")).json()
    assert entry["why"] == "被申请人明确表示不同意调解"


async def test_a_refused_mediator_is_replaced_by_routing_and_loses_access_arts_19_23(
    system: Stack,
) -> None:
    case_id, refusing = await accepted_case(system)
    first = refusing.staff_id
    await refusing.step(
        case_id,
        "mediator-refusal",
        {"staff_id": first, "by_party": "李四", "reason": "认为调解员与申请人系亲戚"},
    )
    # Out at once: the file is not found for them, and they cannot write to it.
    assert (await refusing.read(case_id)).status_code == 404
    view_of_refused = await system.client("mediation").get(
        f"/cases/{case_id}", headers=refusing.headers
    )
    assert view_of_refused.status_code == 404
    # The dashboard reads the same view under the same rule: gone from the list too.
    as_refused = Principal(first, "mediator", refusing.units)
    async with system.runtime("mediation").uow() as uow:
        assert await dashboard_queries.get_case(uow.connection, as_refused, case_id) is None
        listed = await dashboard_queries.list_cases(
            uow.connection, as_refused, dashboard_queries.CaseFilters()
        )
    assert case_id not in {row.case_id for row in listed.rows}
    blocked = await refusing.step(case_id, "sessions", session(host=first), expect=404)
    assert blocked.headers["content-type"].startswith("application/problem+json")

    # Routing read the event, excluded them and assigned the committee's other mediator.
    view = await assigned_view(system, case_id, not_to=first)
    second = view["assignee_id"]
    assert second in ("med-1", "med-2") and second != first
    decisions = (await system.client("routing", "admin").get(f"/cases/{case_id}/routing")).json()
    assert decisions[-1]["trigger"] == "recusal"
    reasons = {c["staff_id"]: c["reason"] for c in decisions[-1]["explanation"]["candidates"]}
    assert "回避" in reasons[first]

    successor = Desk(system, second, "mediator")
    await successor.fresh(case_id)
    await successor.step(case_id, "sessions", session(host=second))
    assert (await refusing.read(case_id)).status_code == 404
    file = (await successor.read(case_id)).json()
    assert file["assignee_id"] == second
    assert file["file"]["mediator_changes"][0]["staff_id"] == first


async def test_termination_tells_the_routes_and_closes_as_terminated_art_26(system: Stack) -> None:
    case_id, mediator = await accepted_case(system)
    await mediator.step(case_id, "sessions", session(host=mediator.staff_id, outcome="failed"))
    no_routes = await mediator.step(
        case_id, "termination", {"reason": "双方分歧大", "routes_told": []}, expect=422
    )
    assert no_routes.json()["errors"][0]["pointer"] == "#/routes_told"
    ended = await mediator.step(
        case_id,
        "termination",
        {"reason": "双方分歧大，调解不成", "routes_told": ["administrative", "court"]},
    )
    assert ended.json()["state"] == "terminated"
    await mediator.step(case_id, "closing", {"result": "terminated", "reason": "调解不成"})
    events = await published(system, case_id, 4)
    terminated = next(e["data"] for e in events if e["type"].endswith("mediation-terminated.v1"))
    assert terminated["routes_told"] == ["administrative", "court"]
    closed = events[-1]["data"]
    assert closed["result"] == "terminated" and closed["sessions"] == 1


async def test_a_referral_to_the_police_brings_the_officer_in_at_once_art_25(
    system: Stack,
) -> None:
    case_id, mediator = await accepted_case(system)
    # The officer of the neighbouring community's station: not on this case until referred.
    officer = Desk(system, "pol-1", "community_police", units=(NEIGHBOUR_COMMUNITY,))
    assert (await officer.read(case_id)).status_code == 404
    referred = await mediator.step(
        case_id, "police-referral", {"police_staff_id": "pol-1", "reason": "被申请人扬言报复"}
    )
    assert "民警" in referred.json()["what"]
    assert (await officer.read(case_id)).status_code == 200
    await officer.step(case_id, "sessions", session(host="pol-1"))
    events = await published(system, case_id, 3)
    referral = next(e["data"] for e in events if e["type"].endswith("referred-to-police.v1"))
    assert referral["police_staff_id"] == "pol-1"


async def test_an_oral_agreement_is_recorded_and_the_case_closes_as_success_arts_28_30(
    system: Stack,
) -> None:
    case_id, mediator = await accepted_case(system)
    await mediator.step(case_id, "sessions", session(host=mediator.staff_id, outcome="agreed"))
    oral = await mediator.step(
        case_id,
        "oral-agreement",
        {
            "content": "李四当场同意三日内拆除围墙，张三不再追究。",
            "parties_agreeing": ["张三", "李四"],
            "reached_at": ago(minutes=30),
        },
    )
    assert oral.json()["state"] == "agreement_effective"
    court = await mediator.step(
        case_id,
        "judicial-confirmation/application",
        {"court": "八步区人民法院", "applied_on": datetime.now(UTC).date().isoformat()},
        expect=409,
    )
    assert court.json()["rule"] == "written-only"
    await mediator.step(case_id, "closing", {"result": "success"})
    file = (await mediator.read(case_id)).json()["file"]
    assert file["oral_agreement"]["parties_agreeing"] == ["张*", "李*"]
    assert file["written_agreement"] is None


async def test_past_one_month_mediation_stops_without_both_parties_consent_moj_2002_art_33(
    system: Stack,
) -> None:
    accepted_at = (datetime.now(UTC) - timedelta(days=40)).isoformat()
    case_id, mediator = await accepted_case(system, accepted_at=accepted_at)
    late = await mediator.step(case_id, "sessions", session(host=mediator.staff_id), expect=409)
    assert late.json()["rule"] == "time-limit-passed"
    one_consent = await mediator.step(
        case_id,
        "time-limit-extension",
        {
            "until": (datetime.now(UTC) + timedelta(days=15)).isoformat(),
            "consents": BOTH_CONSENT[:1],
            "reason": "需等待鉴定结论",
        },
        expect=422,
    )
    assert one_consent.json()["rule"] == "consent-missing"
    assert one_consent.json()["errors"][0]["pointer"] == "#/consents"
    # Without consent the case is terminated (art. 26).
    await mediator.step(
        case_id, "termination", {"reason": "超期且一方不同意延长", "routes_told": ["court"]}
    )


async def test_past_one_month_mediation_goes_on_with_both_parties_consent_moj_2002_art_33(
    system: Stack,
) -> None:
    accepted_at = (datetime.now(UTC) - timedelta(days=40)).isoformat()
    case_id, mediator = await accepted_case(system, accepted_at=accepted_at)
    until = datetime.now(UTC) + timedelta(days=15)
    extended = await mediator.step(
        case_id,
        "time-limit-extension",
        {"until": until.isoformat(), "consents": BOTH_CONSENT, "reason": "需等待鉴定结论"},
    )
    assert datetime.fromisoformat(extended.json()["due_at"]) == until
    await mediator.step(case_id, "sessions", session(host=mediator.staff_id))
    events = await published(system, case_id, 3)
    assert events[1]["type"] == "cn.gridcase.case.time-limit-extended.v1"
    assert datetime.fromisoformat(events[1]["data"]["due_at"]) == until


async def test_rules_of_the_road_keys_versions_roles_and_jurisdiction(system: Stack) -> None:
    case_id, mediator_id = await submit_dispute(system)
    mediator = Desk(system, mediator_id, "mediator")
    client = system.client("mediation")

    # Idempotency-Key is required, bound to its caller, and a replay answers the first answer.
    missing = await client.post(
        f"/cases/{case_id}/acceptance", json=acceptance(), headers=mediator.headers
    )
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["pointer"] == "#/header/Idempotency-Key"
    first = await mediator.step(case_id, "acceptance", acceptance(), key="phone-1", expect=201)
    replay = await mediator.step(
        case_id, "acceptance", acceptance(), key="phone-1", if_match="", expect=201
    )
    assert replay.headers["idempotency-replayed"] == "true"
    assert replay.json() == first.json()
    reused = await mediator.step(
        case_id, "acceptance", acceptance(summary="另一份"), key="phone-1", expect=422
    )
    assert reused.json()["type"].endswith("idempotency-key-reused")
    # Someone else's identical key is theirs, not a replay of the mediator's answer.
    colleague = Desk(system, "med-2" if mediator_id == "med-1" else "med-1", "mediator")
    other = await colleague.step(case_id, "acceptance", acceptance(), key="phone-1", expect=428)
    assert other.json()["type"].endswith("version-required")

    # Versions: missing → 428, stale → 412 with the current ETag.
    stale = await mediator.step(
        case_id, "sessions", session(host=mediator_id), if_match='"0"', expect=412
    )
    assert stale.json()["current_version"] == 1 and stale.headers["etag"] == '"1"'
    await mediator.step(case_id, "sessions", session(host=mediator_id))
    racing = await colleague.step(
        case_id, "sessions", session(host=mediator_id), if_match='"1"', expect=412
    )
    assert racing.json()["current_version"] == 2

    # Field refusals are problems, field by field, in English when asked.
    neighbour = {"name": "周邻居", "kind": "neighbour", "consented_by": ["张三"]}
    english = await client.post(
        f"/cases/{case_id}/sessions",
        json=session(host=mediator_id, invited=[neighbour]),
        headers={
            **mediator.headers,
            "Idempotency-Key": "k-en",
            "If-Match": '"2"',
            "Accept-Language": "en",
        },
    )
    assert english.status_code == 422
    assert english.json()["errors"] == [
        {
            "pointer": "#/invited/0/consented_by",
            "code": "invitee-consent",
            "detail": "周邻居 may attend only with every party's consent (art. 20).",
        }
    ]

    # Roles: operators above read but never write; a grid officer neither.
    street = system.client("mediation", "street_operator")
    assert (await street.get(f"/cases/{case_id}/file")).status_code == 200
    assert (await street.get(f"/cases/{case_id}/file/full")).status_code == 403
    write = await street.post(
        f"/cases/{case_id}/sessions", json=session(), headers={"Idempotency-Key": "s"}
    )
    assert write.status_code == 403
    # A grid officer reads only the files of reports they hold, made or that lie in
    # their grid: a dispute at the committee is not found for them, and not theirs to work.
    officer = system.client("mediation", "grid_officer")
    assert (await officer.get(f"/cases/{case_id}/file")).status_code == 404
    officer_write = await officer.post(
        f"/cases/{case_id}/sessions", json=session(), headers={"Idempotency-Key": "g"}
    )
    assert officer_write.status_code == 403
    # Outside one's jurisdiction a case is not found.
    elsewhere = Desk(system, "med-9", "mediator", units=("451102002001",))
    assert (await elsewhere.read(case_id)).status_code == 404
    other_street = await client.get(
        f"/cases/{case_id}/timeline",
        headers=system.headers("street_operator", "op-other", ("451102002",)),
    )
    assert other_street.status_code == 404

    # The dashboard's case list still works beside the case file.
    listed = await system.client("mediation", "district_operator").get("/cases")
    assert case_id in [c["case_id"] for c in listed.json()]


async def test_concurrent_edits_one_wins_and_a_retried_key_answers_once(system: Stack) -> None:
    case_id, mediator = await accepted_case(system)
    colleague = Desk(system, "med-2" if mediator.staff_id == "med-1" else "med-1", "mediator")
    await colleague.fresh(case_id)
    # Two people change version 1 at the same moment: one wins, the other gets 412.
    answers = await asyncio.gather(
        mediator.step(case_id, "sessions", session(host=mediator.staff_id), expect=None),
        colleague.step(
            case_id,
            "investigations",
            {
                "at": ago(hours=1),
                "place": "现场",
                "investigators": [colleague.staff_id],
                "record": "查看围墙",
            },
            expect=None,
        ),
    )
    assert sorted(a.status_code for a in answers) == [200, 412]
    # A phone sends the same write twice at once (a retry while the first is in flight):
    # it is applied once and both get the same answer.
    await mediator.fresh(case_id)
    body = session(host=mediator.staff_id)
    twice = await asyncio.gather(
        *(mediator.step(case_id, "sessions", body, key="retry-1") for _ in range(2))
    )
    assert twice[0].json() == twice[1].json()
    assert {a.headers.get("idempotency-replayed") for a in twice} == {None, "true"}
    steps = [
        e["step"]
        for e in (
            await system.client("mediation", "admin").get(f"/cases/{case_id}/timeline")
        ).json()
    ]
    assert steps.count("session-recorded") + steps.count("investigation-recorded") == 2


async def test_idempotency_answers_are_purged_after_96_hours(system: Stack) -> None:
    await accepted_case(system)
    await system.sql(
        "INSERT INTO mediation.case_work_idempotency "
        "(caller, key, request_hash, status, body, headers, created_at) "
        "VALUES ('mediator:old', 'k', 'h', 200, '{}', '{}', now() - interval '97 hours')"
    )
    async with system.runtime("mediation").uow() as uow:
        assert await case_work.purge_keys(uow) == 1
    kept = await system.sql("SELECT caller FROM mediation.case_work_idempotency")
    assert kept and "mediator:old" not in [r["caller"] for r in kept]


async def test_the_parties_choose_a_second_mediator_art_19(system: Stack) -> None:
    case_id, mediator = await accepted_case(system)
    other = "med-2" if mediator.staff_id == "med-1" else "med-1"
    chosen = await mediator.step(
        case_id, "mediator-choice", {"staff_id": other, "chosen_by": ["张三", "李四"]}
    )
    assert chosen.json()["step"] == "mediator-chosen"
    file = (await mediator.read(case_id)).json()["file"]
    assert file["registration"]["second_mediator"] == other
    assert other in file["participants"]
    events = await published(system, case_id, 2)
    assert events[1]["type"] == "cn.gridcase.case.mediator-chosen.v1"
    assert events[1]["data"]["staff_id"] == other
