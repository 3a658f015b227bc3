"""An Idempotency-Key belongs to its caller: another caller sending the same key gets
its own answer (or a 422), never the first caller's (IETF draft-ietf-httpapi-
idempotency-key-header §2: the key is unique per client)."""

from __future__ import annotations

import httpx
import pytest

from shared.auth import roles
from shared.auth.tokens import mint_token
from tests.harness import Stack
from tests.integration.intake.helpers import IN_GRID_2, report

pytestmark = pytest.mark.integration


def _spread(i: int) -> dict[str, float]:
    """Points about 300 m apart: none is another's duplicate."""
    return {"lng": IN_GRID_2["lng"] - 0.004 + 0.003 * i, "lat": IN_GRID_2["lat"]}


async def test_a_desk_operators_key_never_replays_another_operators_answer(
    stack: Stack, intake: httpx.AsyncClient
) -> None:
    body = report(location=_spread(0))
    first = await intake.post(
        "/reports",
        json=body,
        headers={**stack.headers("district_operator", "op-a"), "Idempotency-Key": "desk-1"},
    )
    assert first.status_code == 201, first.text
    other = await intake.post(
        "/reports",
        json=report(location=_spread(1)),
        headers={**stack.headers("district_operator", "op-b"), "Idempotency-Key": "desk-1"},
    )
    assert other.status_code == 201, other.text  # not 422: op-a's key is not op-b's
    assert "idempotency-replayed" not in other.headers
    assert other.json()["report_id"] != first.json()["report_id"]
    same_body = await intake.post(
        "/reports",
        json=body,
        headers={**stack.headers("district_operator", "op-c"), "Idempotency-Key": "desk-1"},
    )
    assert "idempotency-replayed" not in same_body.headers
    assert same_body.json()["report_id"] != first.json()["report_id"]
    again = await intake.post(
        "/reports",
        json=body,
        headers={**stack.headers("district_operator", "op-a"), "Idempotency-Key": "desk-1"},
    )
    assert again.headers["idempotency-replayed"] == "true"
    assert again.json()["report_id"] == first.json()["report_id"]


async def test_a_residents_key_never_gives_another_resident_their_tracking_token(
    stack: Stack, intake: httpx.AsyncClient
) -> None:
    mine = report(location=_spread(0), contact={"phone": "13712345678"})
    first = await intake.post("/public/reports", json=mine, headers={"Idempotency-Key": "r-1"})
    assert first.status_code == 201, first.text
    theirs = report(location=_spread(0), contact={"phone": "13900001111"})
    other = await intake.post("/public/reports", json=theirs, headers={"Idempotency-Key": "r-1"})
    assert other.status_code in (200, 201), other.text
    assert "idempotency-replayed" not in other.headers
    assert other.json()["tracking_token"] != first.json()["tracking_token"]
    again = await intake.post("/public/reports", json=mine, headers={"Idempotency-Key": "r-1"})
    assert again.headers["idempotency-replayed"] == "true"
    assert again.json()["tracking_token"] == first.json()["tracking_token"]
    changed = await intake.post(
        "/public/reports",
        json={**mine, "title": "别的事"},
        headers={"Idempotency-Key": "r-1"},
    )
    assert changed.status_code == 422


async def test_an_open311_clients_key_never_gives_another_client_its_token(
    stack: Stack, intake: httpx.AsyncClient
) -> None:
    form = {
        "service_code": "city-appearance",
        "lat": str(IN_GRID_2["lat"]),
        "long": str(IN_GRID_2["lng"]),
        "description": "路边垃圾堆积",
    }
    key = {"Idempotency-Key": "o311-1"}
    first = await intake.post(
        "/open311/v2/requests.json", data={**form, "api_key": "dev-open311-key"}, headers=key
    )
    assert first.status_code == 201, first.text
    partner = mint_token(
        stack.settings.secret_key, "partner-app", roles.CLIENT, scopes=[roles.SCOPE_OPEN311]
    )
    other = await intake.post(
        "/open311/v2/requests.json", data={**form, "api_key": partner}, headers=key
    )
    assert other.status_code in (200, 201), other.text
    assert "idempotency-replayed" not in other.headers
    assert other.json()[0]["token"] != first.json()[0]["token"]
    again = await intake.post(
        "/open311/v2/requests.json", data={**form, "api_key": "dev-open311-key"}, headers=key
    )
    assert again.json()[0]["token"] == first.json()[0]["token"]
