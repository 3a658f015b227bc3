"""Each kind of submission, where it may come from, and what reaches the case stream."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from services.intake.domain.coordinates import distance_m, wgs84_to_gcj02
from shared.privacy.crypto import KeyRing
from tests.harness import Stack
from tests.integration.intake.helpers import (
    IN_GRID_2,
    OUTSIDE,
    SPECIMEN_ID,
    count,
    dispute,
    officer_headers,
    report,
)

pytestmark = pytest.mark.integration


async def _outbox(stack: Stack) -> list[dict[str, Any]]:
    rows = await stack.sql("SELECT envelope FROM intake.outbox ORDER BY id")
    return [
        orjson.loads(r["envelope"]) if isinstance(r["envelope"], str) else r["envelope"]
        for r in rows
    ]


async def test_report_in_gcj02_is_stored_as_wgs84_with_the_original_kept(
    stack: Stack, intake: httpx.AsyncClient
) -> None:
    wgs = (111.5672, 24.4121)
    gcj = wgs84_to_gcj02(*wgs)
    response = await intake.post(
        "/mobile/v1/reports",
        json=report(location={"lng": gcj[0], "lat": gcj[1], "crs": "GCJ-02"}),
        headers=officer_headers(stack),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["outcome"] == "created" and body["jurisdiction_checked"] is True
    [row] = await stack.sql(
        "SELECT lng, lat, original_lng, original_lat, crs, channel, reporter_id "
        "FROM intake.submissions"
    )
    assert distance_m(wgs, (row["lng"], row["lat"])) < 0.05
    assert (row["original_lng"], row["original_lat"], row["crs"]) == (gcj[0], gcj[1], "GCJ-02")
    assert (row["channel"], row["reporter_id"]) == ("officer", "go-002")
    [event] = await _outbox(stack)
    assert event["type"] == "cn.gridcase.case.submitted.v1"
    assert event["data"]["original_crs"] == "GCJ-02"
    assert event["data"]["subcategory"] == "暴露垃圾"
    assert event["data"]["case_id"] == body["case_id"]


async def test_dispute_parties_are_masked_on_the_stream_and_kept_whole_in_intake(
    stack: Stack, intake: httpx.AsyncClient
) -> None:
    response = await intake.post("/reports", json=dispute())
    assert response.status_code == 201, response.text
    assert "民转刑" in response.json()["risk_signals"]
    # The case event (public topic) and, after it, the parties in full (restricted topic).
    event, restricted = await _outbox(stack)
    topics_used = await stack.sql("SELECT topic FROM intake.outbox ORDER BY id")
    assert [r["topic"] for r in topics_used] == [
        stack.topics("gridcase.case.v1"),
        stack.topics("gridcase.case.restricted.v1"),
    ]
    assert restricted["data"]["parties"][0]["id_number"] == SPECIMEN_ID
    data = event["data"]
    assert data["kind"] == "dispute" and data["category"] == "劳资纠纷(欠薪)"
    assert data["amount_involved"] == "86000.50" and data["people_involved"] == 12
    applicant, respondent = data["parties"]
    assert applicant == {
        "role": "申请人",
        "name_masked": "张*",
        "id_number_masked": "110***********002X",
        "phone_masked": "138****5678",
    }
    assert respondent["phone_masked"] == "139****1111"
    raw = orjson.dumps(event).decode()
    assert SPECIMEN_ID not in raw and "13812345678" not in raw and "东融社区3栋" not in raw
    [row] = await stack.sql("SELECT parties FROM intake.submissions")
    parties = orjson.loads(row["parties"])
    # Kept whole in intake, encrypted at rest: readable with the configured keys only.
    assert SPECIMEN_ID not in row["parties"] and "13900001111" not in row["parties"]
    keys = KeyRing.parse(stack.settings.pii_keys)
    assert keys.decrypt("party.id_number", parties[0]["id_number"]) == SPECIMEN_ID
    assert keys.decrypt("party.phone", parties[1]["phone"]) == "13900001111"


@pytest.mark.parametrize(("lang", "fragment"), [("en", "GB 11643"), ("zh-CN", "身份证号码无效")])
async def test_bad_id_number_is_refused_with_a_pointer_in_the_chosen_language(
    stack: Stack, intake: httpx.AsyncClient, lang: str, fragment: str
) -> None:
    body = dispute()
    body["parties"][0]["id_number"] = "110105194912310021"
    response = await intake.post("/reports", json=body, headers={"Accept-Language": lang})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    [error] = response.json()["errors"]
    assert error["pointer"] == "#/parties/0/id_number"
    assert fragment in error["detail"]
    assert await count(stack) == 0


async def test_a_dispute_needs_both_sides(stack: Stack, intake: httpx.AsyncClient) -> None:
    body = dispute(parties=[{"role": "申请人", "name": "张三"}])
    response = await intake.post("/reports", json=body)
    assert response.status_code == 422
    assert [e["code"] for e in response.json()["errors"]] == ["respondent-required"]


async def test_point_outside_the_serving_area_is_refused(
    stack: Stack, intake: httpx.AsyncClient
) -> None:
    response = await intake.post(
        "/reports", json=report(location=OUTSIDE), headers={"Accept-Language": "en"}
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["pointer"] == "#/location" and error["code"] == "outside-serving-area"
    assert "coordinate system" in error["detail"]
    assert await count(stack) == 0 and await count(stack, "outbox") == 0


async def test_unknown_category_subtype_and_grid_are_refused(
    stack: Stack, intake: httpx.AsyncClient
) -> None:
    response = await intake.post(
        "/reports",
        json=report(category="外星人", location=None, grid_code="451102001001099"),
    )
    assert response.status_code == 422
    codes = {e["code"] for e in response.json()["errors"]}
    assert codes == {"unknown-category", "unknown-grid"}
    response = await intake.post("/reports", json=report(subcategory="不存在的小类"))
    assert [e["pointer"] for e in response.json()["errors"]] == ["#/subcategory"]


async def test_address_or_grid_code_alone_is_a_location(
    stack: Stack, intake: httpx.AsyncClient
) -> None:
    by_grid = await intake.post("/reports", json=report(location=None, grid_code="451102001001002"))
    by_address = await intake.post(
        "/reports", json=report(location=None, address="八步区东融路1号")
    )
    nothing = await intake.post("/reports", json=report(location=None))
    assert (by_grid.status_code, by_address.status_code, nothing.status_code) == (201, 201, 422)


async def test_diary_entry_is_promoted_into_a_report_once(
    stack: Stack, intake: httpx.AsyncClient
) -> None:
    headers = officer_headers(stack)
    entry = await intake.post(
        "/mobile/v1/diary",
        json={
            "content": "走访3栋，居民反映楼道堆放杂物",
            "occurred_on": "2026-11-20",
            "grid_code": "451102001001002",
        },
        headers=headers,
    )
    assert entry.status_code == 201, entry.text
    entry_id = entry.json()["entry_id"]
    assert await count(stack) == 0  # a diary entry is not a case
    promote = {"category": "市容环境", "title": "楼道堆物"}
    promoted = await intake.post(
        f"/mobile/v1/diary/{entry_id}/promote", json=promote, headers=headers
    )
    assert promoted.status_code == 201, promoted.text
    [row] = await stack.sql("SELECT description, grid_code FROM intake.submissions")
    assert row["description"] == "走访3栋，居民反映楼道堆放杂物"
    again = await intake.post(f"/mobile/v1/diary/{entry_id}/promote", json=promote, headers=headers)
    assert again.status_code == 422
    other = await intake.post(
        f"/mobile/v1/diary/{entry_id}/promote",
        json=promote,
        headers=officer_headers(stack, "go-001"),
    )
    assert other.status_code == 404
    diary = await intake.get("/mobile/v1/diary", headers=headers)
    assert diary.json()["items"][-1]["promoted_case_id"] == promoted.json()["case_id"]


async def test_mobile_routes_need_a_valid_token(stack: Stack, intake: httpx.AsyncClient) -> None:
    missing = await intake.post("/mobile/v1/reports", json=report(), headers={"Authorization": ""})
    forged = await intake.post(
        "/mobile/v1/reports", json=report(), headers={"Authorization": "Bearer not.a.token"}
    )
    assert missing.status_code == forged.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")


async def test_resident_report_gives_a_tracking_token_and_hides_the_contact(
    stack: Stack, intake: httpx.AsyncClient
) -> None:
    body = report(contact={"name": "王女士", "phone": "13712345678"})
    response = await intake.post("/public/reports", json=body)
    assert response.status_code == 201, response.text
    token = response.json()["tracking_token"]
    tracked = await intake.get(f"/public/track/{token}")
    assert tracked.status_code == 200
    assert tracked.json()["case_number"] == response.json()["case_number"]
    assert "王女士" not in tracked.text and "13712345678" not in tracked.text
    assert (await intake.get("/public/track/" + "x" * 32)).status_code == 404
    no_contact = await intake.post("/public/reports", json=report())
    assert no_contact.status_code == 422
    [row] = await stack.sql("SELECT reporter, tracking_hash FROM intake.submissions")
    stored_phone = orjson.loads(row["reporter"])["phone"]
    assert "13712345678" not in row["reporter"]
    assert KeyRing.parse(stack.settings.pii_keys).decrypt("reporter.phone", stored_phone) == (
        "13712345678"
    )
    assert row["tracking_hash"] != token  # only the hash is kept


async def test_resident_intake_is_rate_limited_per_client(
    stack: Stack, intake: httpx.AsyncClient
) -> None:
    from shared.db.rate_limits import RateLimitCounters
    from shared.http.ratelimit import SharedRateLimiter

    runtime = stack.runtime("intake")
    runtime.state.rate_limiter = SharedRateLimiter(
        RateLimitCounters(lambda: runtime.engine, "intake"),
        3,
        name="resident",
        clock=lambda: 1_000_000.0,  # one window throughout, wherever the minute is
    )
    body = report(contact={"phone": "13712345678"}, category="施工管理", subcategory=None)
    statuses = [(await intake.post("/public/reports", json=body)).status_code for _ in range(4)]
    assert statuses[:3] != [429, 429, 429] and statuses[3] == 429
    limited = await intake.post("/public/reports", json=body)
    assert int(limited.headers["retry-after"]) >= 1


async def test_categories_are_data_that_operators_edit(
    stack: Stack, intake: httpx.AsyncClient
) -> None:
    listed = (await intake.get("/categories", params={"kind": "report"})).json()
    assert [c["code"] for c in listed][:6] == [
        "市容环境",
        "宣传广告",
        "施工管理",
        "突发事件",
        "街面秩序",
        "其他",
    ]
    new = {"name_en": "Shared bikes", "subtypes": ["乱停放", "损坏"], "response_hours": 48}
    officer = await intake.put(
        "/categories/report/共享单车", json=new, headers=officer_headers(stack)
    )
    assert officer.status_code == 403
    from shared.auth.tokens import mint_token

    operator = {
        "Authorization": "Bearer "
        + mint_token(stack.settings.secret_key, "op-street", "street_operator", ["451102001"])
    }
    # The dictionary is system-wide: a street centre may not change it, an admin may.
    assert (
        await intake.put("/categories/report/共享单车", json=new, headers=operator)
    ).status_code == 403
    admin = {
        "Authorization": "Bearer " + mint_token(stack.settings.secret_key, "admin", "admin", [])
    }
    assert (
        await intake.put("/categories/report/共享单车", json=new, headers=admin)
    ).status_code == 204
    accepted = await intake.post("/reports", json=report(category="共享单车", subcategory="损坏"))
    assert accepted.status_code == 201, accepted.text


async def test_a_diary_entry_without_a_place_is_promoted_with_the_place_the_officer_gives(
    stack: Stack, intake: httpx.AsyncClient
) -> None:
    headers = officer_headers(stack)
    entry = await intake.post(
        "/mobile/v1/diary",
        json={"content": "走访中听说路灯坏了", "occurred_on": "2026-11-20"},
        headers=headers,
    )
    assert entry.status_code == 201, entry.text
    path = f"/mobile/v1/diary/{entry.json()['entry_id']}/promote"
    promote = {"category": "市容环境", "title": "路灯损坏"}
    # Neither the entry nor the request has a place: a field-level problem, both languages.
    nowhere = await intake.post(path, json=promote, headers=headers)
    assert nowhere.status_code == 422, nowhere.text
    assert nowhere.headers["content-type"].startswith("application/problem+json")
    [error] = nowhere.json()["errors"]
    assert (error["pointer"], error["code"]) == ("#/location", "location-required")
    english = await intake.post(path, json=promote, headers={**headers, "Accept-Language": "en"})
    assert english.json()["errors"][0]["detail"] == "Give a point, a grid code or an address."
    assert await count(stack) == 0
    promoted = await intake.post(
        path, json={**promote, "location": dict(IN_GRID_2)}, headers=headers
    )
    assert promoted.status_code == 201, promoted.text
    [row] = await stack.sql("SELECT lng, lat, description FROM intake.submissions")
    assert (row["lng"], row["lat"]) == (IN_GRID_2["lng"], IN_GRID_2["lat"])
    assert row["description"] == "走访中听说路灯坏了"
    by_grid = await intake.post(
        "/mobile/v1/diary",
        json={"content": "另一条", "occurred_on": "2026-11-21"},
        headers=headers,
    )
    promoted_by_grid = await intake.post(
        f"/mobile/v1/diary/{by_grid.json()['entry_id']}/promote",
        json={**promote, "grid_code": "451102001001002"},
        headers=headers,
    )
    assert promoted_by_grid.status_code == 201, promoted_by_grid.text
