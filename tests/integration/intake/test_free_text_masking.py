"""Phone and ID numbers typed into free text (title, description, facts, address) are
masked wherever masked data goes (the public case stream, Open311, public and staff
views), and travel in full only where parties' full data goes (the restricted topic and
the audited full view). PIPL art. 28 and 51: sensitive personal information
(identity numbers) is disclosed only where necessary, with de-identification."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from shared.events import topics
from tests.harness import Stack, eventually, read_topic
from tests.integration.intake.helpers import IN_GRID_2, assign, dispute, report

pytestmark = pytest.mark.integration

ID_NUMBER = "11010519491231002X"
# Every way the same numbers are typed: digits, groups, +86, full-width digits.
TYPED = {
    "title": "张三 138 1234 5678 欠薪",
    "description": "联系电话13812345678，身份证号11010519491231002X，座机0774-5123456",
    "facts": (
        "被申请人电话+86 139-0000-1111，证号１１０１０５１９４９１２３１００２Ｘ，扬言同归于尽"
    ),
}
PLAIN = (
    "13812345678",
    "138 1234 5678",
    ID_NUMBER,
    "5123456",
    "139-0000-1111",
    "１１０１０５１９４９１２３１００２Ｘ",
)


def _masked(text: str) -> None:
    for plain in PLAIN:
        assert plain not in text, plain


async def _all_published(stack: Stack) -> bool:
    [row] = await stack.sql("SELECT count(*) AS n, count(sent_at) AS sent FROM intake.outbox")
    return int(row["n"]) >= 2 and int(row["sent"]) == int(row["n"])


async def test_phone_and_id_numbers_in_free_text_are_masked_on_the_published_case_event(
    stack: Stack,
) -> None:
    await stack.start("intake", consumers=False)
    intake = stack.client("intake", "district_operator")
    filed = await intake.post("/reports", json=dispute(**TYPED, address="东融社区 13812345678"))
    assert filed.status_code == 201, filed.text
    case_id = filed.json()["case_id"]
    await eventually(lambda: _all_published(stack))

    [record] = await read_topic(stack.infra.bootstrap, stack.topics(topics.CASE))
    _masked(record.value.decode())
    data = orjson.loads(record.value)["data"]
    assert "138****5678" in data["description"] and "110***********002X" in data["description"]
    assert data["description"].startswith("联系电话138****5678，")
    assert data["title"] == "张三 138****5678 欠薪"
    assert "139****1111" in data["facts"] and data["facts"].endswith("扬言同归于尽")
    assert data["risk_signals"]  # detected from the full text before masking

    restricted = await read_topic(
        stack.infra.bootstrap, stack.topics(topics.CASE_RESTRICTED), at_least=2
    )
    full: dict[str, Any] = {}
    for r in restricted:
        event = orjson.loads(r.value)
        if event["type"] == "cn.gridcase.restricted.case-text.v1":
            full = event["data"]
    assert full["case_id"] == case_id
    assert (full["title"], full["description"], full["facts"]) == (
        TYPED["title"],
        TYPED["description"],
        TYPED["facts"],
    )
    assert full["address"] == "东融社区 13812345678"


async def test_free_text_is_masked_in_open311_and_public_views_and_full_in_the_audited_view(
    stack: Stack, intake: httpx.AsyncClient
) -> None:
    created = await intake.post(
        "/open311/v2/requests.json",
        data={
            "api_key": "dev-open311-key",
            "service_code": "city-appearance",
            "lat": str(IN_GRID_2["lat"]),
            "long": str(IN_GRID_2["lng"]),
            "description": TYPED["description"],
        },
    )
    assert created.status_code == 201, created.text
    number = created.json()[0]["service_request_id"]
    for fmt in ("json", "xml"):
        one = await intake.get(f"/open311/v2/requests/{number}.{fmt}")
        listed = await intake.get(f"/open311/v2/requests.{fmt}")
        assert one.status_code == listed.status_code == 200
        _masked(one.text)
        _masked(listed.text)
        assert "138****5678" in one.text
    desk = await intake.post("/reports", json=report(title=TYPED["title"]))
    assert desk.status_code == 200  # linked to the Open311 request nearby
    desk_alone = await intake.post(
        "/reports", json=report(title=TYPED["title"], category="施工管理", subcategory=None)
    )
    assert desk_alone.status_code == 201, desk_alone.text
    case_id = desk_alone.json()["case_id"]
    view = await intake.get(f"/reports/{case_id}")
    assert view.status_code == 200
    _masked(view.text)
    assert view.json()["title"] == "张三 138****5678 欠薪"
    await assign(stack, case_id, "med-1")
    mediator = stack.client("intake", "mediator")
    full = await mediator.get(f"/reports/{case_id}/parties/full")
    assert full.status_code == 200, full.text
    assert full.json()["title"] == TYPED["title"]
