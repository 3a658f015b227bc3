"""Hostile, malformed and oversized input gets a 4xx, never a 5xx, and stores nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.harness import Stack
from tests.integration.intake.helpers import count, officer_headers, report

pytestmark = pytest.mark.integration

JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("null byte", report(title="垃圾\u0000堆放")),
        (
            "lone surrogate",
            '{"category":"市容环境","title":"\\ud800","description":"x","address":"a"}',
        ),
        ("deep nesting", "[" * 5000 + "]" * 5000),
        ("deep object", '{"a":' * 1000 + "1" + "}" * 1000),
        (
            "huge integer",
            '{"category":"市容环境","title":"t","description":"d","address":"a",'
            '"people_involved":' + "9" * 5000 + "}",
        ),
        (
            "infinite float",
            '{"category":"市容环境","title":"t","description":"d",'
            '"location":{"lng":1e400,"lat":24.4}}',
        ),
        ("huge amount", {**report(kind="dispute"), "amount_involved": "1e30"}),
        ("not json", "category=市容环境"),
        ("truncated json", '{"category": "市容'),
        ("wrong types", {"category": ["x"], "title": {"a": 1}, "description": 5}),
        ("unknown field", {**report(), "is_admin": True}),
        ("latin-1 body", '{"title": "caf\xe9"}'.encode("latin-1")),
        ("empty body", ""),
        ("json null", "null"),
        ("too long title", report(title="长" * 201)),
    ],
)
async def test_hostile_json_is_refused_without_storing(
    stack: Stack, intake: httpx.AsyncClient, name: str, content: object
) -> None:
    if isinstance(content, dict):
        response = await intake.post("/reports", json=content)
    else:
        raw = content if isinstance(content, bytes) else str(content).encode()
        response = await intake.post("/reports", content=raw, headers=JSON)
    assert 400 <= response.status_code < 500, (name, response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await count(stack) == 0


async def test_oversized_body_is_refused_even_without_content_length(
    stack: Stack, intake: httpx.AsyncClient
) -> None:
    big = report(description="长" * 200_000)
    assert (await intake.post("/reports", json=big)).status_code == 413

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b" " * 10_000

    streamed = await intake.post("/reports", content=chunks(), headers=JSON)
    assert streamed.status_code == 413
    assert await count(stack) == 0


@pytest.mark.parametrize(
    "value",
    [
        "'; DROP TABLE intake.submissions; --",
        "<script>alert(1)</script>",
        "${jndi:ldap://x/a}",
        "{{7*7}}",
        "../../etc/passwd",
    ],
)
async def test_injection_strings_are_stored_as_plain_text(
    stack: Stack, intake: httpx.AsyncClient, value: str
) -> None:
    response = await intake.post("/reports", json=report(title=value, address=value))
    assert response.status_code == 201
    [row] = await stack.sql("SELECT title, address FROM intake.submissions")
    assert (row["title"], row["address"]) == (value, value)


@pytest.mark.parametrize(
    "path",
    [
        "/reports/%00",
        "/reports/x?y=%00",
        "/open311/v2/requests/GC%00.json",
        "/open311/v2/requests.json?service_request_id=%00",
        "/reports/" + "a" * 5000,
        "/attachments/%ED%A0%80",
    ],
)
async def test_hostile_paths_are_4xx(stack: Stack, intake: httpx.AsyncClient, path: str) -> None:
    response = await intake.get(path, headers=officer_headers(stack))
    assert 400 <= response.status_code < 500, (path, response.status_code)


async def test_bad_idempotency_key_and_bad_sync_items(
    stack: Stack, intake: httpx.AsyncClient
) -> None:
    headers = {**officer_headers(stack), "Idempotency-Key": "k" * 500}
    assert (
        await intake.post("/mobile/v1/reports", json=report(), headers=headers)
    ).status_code == 400
    sync = await intake.post(
        "/mobile/v1/sync",
        json={"items": [{"client_id": "a b\u0000", "type": "submission", "body": {}}]},
        headers=officer_headers(stack),
    )
    assert sync.status_code == 422
    assert await count(stack) == 0


async def test_attachments_are_checked_from_content(
    stack: Stack, intake: httpx.AsyncClient
) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    uploaded = await intake.post(
        "/attachments",
        files={"file": ("scene.txt", png, "text/plain")},
        headers=officer_headers(stack),
    )
    assert uploaded.status_code == 201, uploaded.text
    digest = uploaded.json()["attachment_id"]
    assert uploaded.json()["media_type"] == "image/png"
    again = await intake.post("/attachments", files={"file": ("b.png", png, "image/png")})
    assert again.json()["attachment_id"] == digest  # content-addressed
    disguised = await intake.post(
        "/attachments", files={"file": ("photo.jpg", b"MZ\x90\x00" + b"\x00" * 64, "image/jpeg")}
    )
    assert disguised.status_code == 415
    assert (await intake.post("/attachments", content=b"x", headers=JSON)).status_code == 422

    linked = await intake.post("/reports", json=report(attachments=[digest]))
    assert linked.status_code == 201
    view = (await intake.get(f"/reports/{linked.json()['case_id']}")).json()
    assert view["attachments"] == [digest]
    unknown = await intake.post("/reports", json=report(attachments=["0" * 64]))
    assert unknown.status_code == 422
    # The operator who filed the report sees its attachment; nobody else before routing.
    fetched = await intake.get(f"/attachments/{digest}")
    assert fetched.status_code == 200, fetched.text
    other_grid = await intake.get(f"/attachments/{digest}", headers=officer_headers(stack))
    assert other_grid.status_code == 404
    assert fetched.content == png and fetched.headers["content-type"] == "image/png"
    anonymous = {"Authorization": ""}
    assert (await intake.get(f"/attachments/{digest}", headers=anonymous)).status_code == 401
