"""Parties' personal data: encrypted at rest with a key id, masked for readers and on
the public topic, in full (audited) for handlers in their jurisdiction and on the
restricted topic only."""

from __future__ import annotations

import base64
import os
from typing import Any

import orjson

from gridcase.services import verify_audit
from services.intake.adapters.repository import scrub_sent_restricted
from shared.events import topics
from shared.events.intake import CasePartiesV1
from shared.privacy.crypto import KeyRing
from tests.harness import Stack, demo_point, eventually, read_topic

ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"
ADDRESS = "东融社区3栋2单元"


def _dispute() -> dict[str, object]:
    return {
        "kind": "dispute",
        "category": "婚姻家庭邻里",
        "title": "邻里噪音纠纷",
        "description": "楼上装修噪音",
        "location": demo_point(11),
        "parties": [
            {
                "role": "申请人",
                "name": "张三",
                "id_number": ID_NUMBER,
                "phone": PHONE,
                "address": ADDRESS,
            },
            {"role": "被申请人", "name": "李四", "phone": "13900001111"},
        ],
    }


async def test_parties_are_encrypted_at_rest_and_masked_on_the_public_topic(stack: Stack) -> None:
    await stack.start("intake", consumers=False)
    filed = await stack.client("intake", "district_operator").post("/reports", json=_dispute())
    assert filed.status_code == 201, filed.text

    [row] = await stack.sql("SELECT parties::text AS parties FROM intake.submissions")
    stored = row["parties"]
    for plain in (ID_NUMBER, PHONE, ADDRESS, "13900001111"):
        assert plain not in stored
    party = orjson.loads(stored)[0]
    keys = KeyRing.parse(stack.settings.pii_keys)
    assert KeyRing.key_id(party["id_number"]) == "dev"
    assert keys.decrypt("party.id_number", party["id_number"]) == ID_NUMBER
    assert keys.decrypt("party.address", party["address"]) == ADDRESS

    # Rotation: a new key first encrypts new values; the old one still decrypts.
    fresh = base64.b64encode(os.urandom(32)).decode()
    rotated = KeyRing.parse(f"k2:{fresh},{stack.settings.pii_keys}")
    assert rotated.decrypt("party.phone", party["phone"]) == PHONE
    assert KeyRing.key_id(rotated.encrypt("party.phone", PHONE)) == "k2"

    async def published() -> int:
        rows = await stack.sql("SELECT count(*) AS n FROM intake.outbox WHERE sent_at IS NOT NULL")
        return int(rows[0]["n"])

    await eventually(published)
    records = await read_topic(stack.infra.bootstrap, stack.topics("gridcase.case.v1"))
    raw = b"".join(r.value for r in records).decode()
    assert "138****5678" in raw  # masked values are what the public topic carries
    for plain in (ID_NUMBER, PHONE, ADDRESS):
        assert plain not in raw


def _full_dispute(n: int) -> dict[str, object]:
    return {**_dispute(), "location": demo_point(n)}


async def _routed(stack: Stack) -> tuple[str, str, str]:
    """File a dispute at the desk and wait until routing assigned it and intake knows:
    (case id, assignee, unit). The small demo has no mediator: one joins the community."""
    joined = await stack.client("routing", "admin").put(
        "/admin/registry/staff/med-7",
        json={"name": "周调解", "role": "mediator", "unit_code": "451102001001"},
    )
    assert joined.status_code == 200, joined.text
    filed = await stack.client("intake", "district_operator").post(
        "/reports", json=_full_dispute(13)
    )
    assert filed.status_code == 201, filed.text
    case_id = filed.json()["case_id"]

    async def assigned() -> list[Any]:
        return await stack.sql(
            "SELECT assignee_id, unit_code FROM intake.submissions "
            "WHERE case_id = $1 AND assignee_id IS NOT NULL",
            case_id,
        )

    [row] = await eventually(assigned)
    return case_id, row["assignee_id"], row["unit_code"]


async def _views(stack: Stack, case_id: str) -> list[tuple[str, str, str, str]]:
    rows = await stack.sql(
        "SELECT actor, role, object, result FROM intake.audit_log "
        "WHERE action = 'view-personal-data' ORDER BY seq"
    )
    assert all(r["object"] == case_id for r in rows)
    return [tuple(r) for r in rows]


async def test_parties_masked_for_readers_full_for_the_assigned_mediator_and_audited(
    stack: Stack,
) -> None:
    await stack.start("intake", "routing")
    await stack.wait_until_consuming()
    case_id, assignee, unit = await _routed(stack)
    # A dispute goes to the community's mediator (who is not the tests' default med-1).
    assert (assignee, unit) == ("med-7", "451102001001")
    intake = stack.client("intake")
    # No unit in the token: the mediator reaches the case only by being assigned to it.
    assignee_headers = stack.headers("mediator", assignee, ())
    full_path = f"/reports/{case_id}/parties/full"

    # Every reader of the case gets the parties masked, never the full values.
    for headers in (
        stack.headers("community_operator"),
        stack.headers("district_operator"),
        stack.headers("street_operator"),
        assignee_headers,
    ):
        answer = await intake.get(f"/reports/{case_id}", headers=headers)
        assert answer.status_code == 200, answer.text
        assert answer.json()["parties"] == [
            {
                "role": "申请人",
                "name": "张*",
                "id_number": "110***********002X",
                "phone": "138****5678",
                "address": "东融社区****",
            },
            {
                "role": "被申请人",
                "name": "李*",
                "id_number": None,
                "phone": "139****1111",
                "address": None,
            },
        ]
        for plain in (ID_NUMBER, PHONE, ADDRESS, "13900001111"):
            assert plain not in answer.text

    # The assigned mediator sees them in full; the view is in the audit log at once
    # (same transaction as the read, not the batched access log).
    full = await intake.get(full_path, headers=assignee_headers)
    assert full.status_code == 200, full.text
    assert full.headers["cache-control"] == "no-store"
    assert full.json()["parties"][0] == {
        "role": "申请人",
        "name": "张三",
        "id_number": ID_NUMBER,
        "phone": PHONE,
        "address": ADDRESS,
    }
    assert full.json()["parties"][1]["phone"] == "13900001111"
    assert await _views(stack, case_id) == [(assignee, "mediator", case_id, "shown 2 parties")]

    # Community police of the same community (committee's unit) may too, and are audited.
    police = await intake.get(full_path, headers=stack.headers("community_police"))
    assert police.status_code == 200 and police.json()["parties"][0]["id_number"] == ID_NUMBER
    assert len(await _views(stack, case_id)) == 2

    # Roles that read the case but may not see full personal data: 403, nothing shown.
    for role in ("grid_officer", "community_operator", "district_operator", "admin"):
        refused = await intake.get(full_path, headers=stack.headers(role))
        assert refused.status_code == 403, (role, refused.text)
        assert ID_NUMBER not in refused.text
    # Outside the jurisdiction: a mediator and a legal adviser of another community.
    for headers in (
        stack.headers("mediator", "med-x", ("451102001002",)),
        stack.headers("legal_adviser", "law-x", ("451102001002",)),
    ):
        outside = await intake.get(full_path, headers=headers)
        assert outside.status_code == 404, outside.text
        assert ID_NUMBER not in outside.text
    # A guessed id is not found either. Refusals record no view of personal data.
    assert (
        await intake.get("/reports/nope/parties/full", headers=assignee_headers)
    ).status_code == 404
    assert len(await _views(stack, case_id)) == 2

    [report] = [r for r in await verify_audit(stack.settings) if r.schema == "intake"]
    assert report.intact, report.problems


async def test_full_values_only_on_the_restricted_topic(stack: Stack) -> None:
    await stack.start("intake", consumers=False)
    intake = stack.client("intake", "district_operator")
    dispute = await intake.post("/reports", json=_full_dispute(14))
    assert dispute.status_code == 201, dispute.text
    case_id = dispute.json()["case_id"]
    # A report without parties publishes nothing restricted.
    report = await intake.post(
        "/reports",
        json={
            "category": "市容环境",
            "title": "垃圾堆放",
            "description": "小区门口垃圾三天未清运",
            "location": demo_point(15),
        },
    )
    assert report.status_code == 201, report.text

    async def published() -> bool:
        [row] = await stack.sql("SELECT count(*) AS n, count(sent_at) AS sent FROM intake.outbox")
        return int(row["n"]) == 3 and int(row["sent"]) == 3

    await eventually(published)
    restricted = await read_topic(
        stack.infra.bootstrap, stack.topics(topics.CASE_RESTRICTED), at_least=1
    )
    public = await read_topic(stack.infra.bootstrap, stack.topics(topics.CASE), at_least=2)

    assert len(restricted) == 1
    [record] = restricted
    assert record.key == case_id.encode()
    event = orjson.loads(record.value)
    assert event["type"] == CasePartiesV1.event_type
    assert event["data"]["case_id"] == case_id
    assert event["data"]["parties"][0] == {
        "role": "申请人",
        "name": "张三",
        "id_number": ID_NUMBER,
        "phone": PHONE,
        "address": ADDRESS,
    }
    assert event["data"]["parties"][1]["phone"] == "13900001111"

    public_raw = b"".join(r.value for r in public).decode()
    assert len(public) == 2 and "138****5678" in public_raw
    for plain in (ID_NUMBER, PHONE, ADDRESS, "13900001111"):
        assert plain not in public_raw
    assert CasePartiesV1.event_type not in public_raw

    # Once published, the clear copy leaves intake's outbox; the encrypted one stays.
    async with stack.runtime("intake").uow() as uow:
        scrubbed = await scrub_sent_restricted(
            uow.connection,
            stack.runtime("intake").tables.outbox,
            stack.topics(topics.CASE_RESTRICTED),
        )
        await uow.commit()
    assert scrubbed == 1
    [outbox] = await stack.sql("SELECT string_agg(envelope::text, '') AS t FROM intake.outbox")
    assert "138****5678" in outbox["t"]
    for plain in (ID_NUMBER, PHONE, ADDRESS):
        assert plain not in outbox["t"]
