"""A party's value encrypted under a key id that is no longer configured: the case is
still shown, that value reads null and is listed as unavailable, and an operational
error names the case, field and key id, never the value."""

from __future__ import annotations

import base64
import json
import os

import structlog

from shared.privacy.crypto import KeyRing
from tests.harness import Stack
from tests.integration.auth.test_personal_data import ADDRESS, ID_NUMBER, PHONE, _routed

RETIRED = KeyRing.parse(f"retired:{base64.b64encode(os.urandom(32)).decode()}")


async def _seal_first_party_with_a_retired_key(stack: Stack, case_id: str) -> None:
    """As if the key the first party was written with had been dropped from the list."""
    [row] = await stack.sql(
        "SELECT parties::text AS parties FROM intake.submissions WHERE case_id = $1", case_id
    )
    parties = json.loads(row["parties"])
    for field, plain in (("id_number", ID_NUMBER), ("phone", PHONE), ("address", ADDRESS)):
        parties[0][field] = RETIRED.encrypt(f"party.{field}", plain)
    await stack.sql(
        "UPDATE intake.submissions SET parties = $2::jsonb WHERE case_id = $1",
        case_id,
        json.dumps(parties),
    )


async def test_value_under_a_missing_key_is_shown_unavailable_not_a_500(stack: Stack) -> None:
    await stack.start("intake", "routing")
    await stack.wait_until_consuming()
    case_id, assignee, _ = await _routed(stack)
    await _seal_first_party_with_a_retired_key(stack, case_id)
    intake = stack.client("intake")

    with structlog.testing.capture_logs() as logs:
        masked = await intake.get(
            f"/reports/{case_id}", headers=stack.headers("community_operator")
        )
        full = await intake.get(
            f"/reports/{case_id}/parties/full", headers=stack.headers("mediator", assignee, ())
        )

    assert masked.status_code == 200, masked.text
    first, second = masked.json()["parties"]
    assert first == {
        "role": "申请人",
        "name": "张*",
        "id_number": None,
        "phone": None,
        "address": None,
        "unavailable": ["id_number", "phone", "address"],
    }
    assert second["phone"] == "139****1111" and "unavailable" not in second

    assert full.status_code == 200, full.text
    first, second = full.json()["parties"]
    assert first["name"] == "张三" and first["unavailable"] == ["id_number", "phone", "address"]
    assert (first["id_number"], first["phone"], first["address"]) == (None, None, None)
    assert second["phone"] == "13900001111"
    [view] = await stack.sql(
        "SELECT result FROM intake.audit_log WHERE action = 'view-personal-data'"
    )
    assert view["result"] == "shown 2 parties, 3 values unavailable"

    errors = [e for e in logs if e["event"] == "personal_data_unavailable"]
    assert {(e["case_id"], e["field"], e["key_id"]) for e in errors} == {
        (case_id, f"party.{f}", "retired") for f in ("id_number", "phone", "address")
    }
    assert all(e["log_level"] == "error" for e in errors)
    logged = repr(logs)
    for plain in (ID_NUMBER, PHONE, ADDRESS, "13900001111"):
        assert plain not in logged
