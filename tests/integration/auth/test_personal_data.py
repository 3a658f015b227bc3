"""Parties' personal data: encrypted at rest with a key id, masked on the public topic."""

from __future__ import annotations

import base64
import os

import orjson

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
