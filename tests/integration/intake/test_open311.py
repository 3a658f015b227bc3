"""Every Open311 GeoReport v2 call, in JSON and in XML."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

import httpx
import pytest

from tests.harness import Stack
from tests.integration.intake.helpers import IN_GRID_2

pytestmark = pytest.mark.integration
FORMATS = ["json", "xml"]
KEY = "dev-open311-key"


def parse(response: httpx.Response, fmt: str) -> Any:
    """Turn either format into lists of dicts, the shape the spec's JSON has."""
    if fmt == "json":
        assert response.headers["content-type"].startswith("application/json")
        return response.json()
    assert response.headers["content-type"].startswith("text/xml")
    root = ET.fromstring(response.content)  # noqa: S314 - our own output

    def element(e: ET.Element) -> Any:
        children = list(e)
        if not children:
            return e.text or ""
        return {c.tag: element(c) for c in children}

    if root.tag in ("services", "service_requests", "errors"):
        return [element(c) for c in root]
    return element(root)


def new_request(**extra: str) -> dict[str, str]:
    form = {
        "api_key": KEY,
        "service_code": "city-appearance",
        "lat": str(IN_GRID_2["lat"]),
        "long": str(IN_GRID_2["lng"]),
        "description": "路边垃圾堆积",
        "attribute[subtype]": "暴露垃圾",
        "email": "resident@example.cn",
    }
    form.update(extra)
    return form


@pytest.mark.parametrize("fmt", FORMATS)
async def test_services_and_definitions(stack: Stack, intake: httpx.AsyncClient, fmt: str) -> None:
    services = parse(await intake.get(f"/open311/v2/services.{fmt}"), fmt)
    codes = [s["service_code"] for s in services]
    assert codes == [
        "city-appearance",
        "advertising",
        "construction",
        "emergency",
        "street-order",
        "other",
    ]
    assert str(services[0]["metadata"]).lower() == "true"
    definition = parse(await intake.get(f"/open311/v2/services/emergency.{fmt}"), fmt)
    assert definition["service_code"] == "emergency"
    attribute = (
        definition["attributes"][0] if fmt == "json" else definition["attributes"]["attribute"]
    )
    assert attribute["code"] == "subtype" and attribute["datatype"] == "singlevaluelist"
    missing = await intake.get(f"/open311/v2/services/nope.{fmt}")
    assert missing.status_code == 404
    assert parse(missing, fmt)[0]["description"].startswith("Unknown service_code")


@pytest.mark.parametrize("fmt", FORMATS)
async def test_post_token_and_get_requests(
    stack: Stack, intake: httpx.AsyncClient, fmt: str
) -> None:
    created = await intake.post(f"/open311/v2/requests.{fmt}", data=new_request())
    assert created.status_code == 201, created.text
    [answer] = parse(created, fmt)
    request_id, token = answer["service_request_id"], answer["token"]
    assert request_id.startswith("GC")

    [by_token] = parse(await intake.get(f"/open311/v2/tokens/{token}.{fmt}"), fmt)
    assert by_token["service_request_id"] == request_id

    [single] = parse(await intake.get(f"/open311/v2/requests/{request_id}.{fmt}"), fmt)
    assert single["status"] == "open" and single["service_code"] == "city-appearance"
    assert float(single["lat"]) == pytest.approx(IN_GRID_2["lat"])
    assert single["expected_datetime"]  # 168 h for 市容环境 in the dictionary

    listed = parse(await intake.get(f"/open311/v2/requests.{fmt}"), fmt)
    assert [r["service_request_id"] for r in listed] == [request_id]
    for params, expected in [
        ({"service_code": "city-appearance"}, 1),
        ({"service_code": "emergency"}, 0),
        ({"status": "open"}, 1),
        ({"status": "closed"}, 0),
        ({"start_date": "2000-01-01T00:00:00Z", "end_date": "2001-01-01T00:00:00Z"}, 0),
        ({"service_request_id": f"{request_id},GC0"}, 1),
    ]:
        found = parse(await intake.get(f"/open311/v2/requests.{fmt}", params=params), fmt)
        assert len(found) == expected, params


@pytest.mark.parametrize("fmt", FORMATS)
async def test_errors_use_the_spec_format(
    stack: Stack, intake: httpx.AsyncClient, fmt: str
) -> None:
    bad_key = await intake.post(f"/open311/v2/requests.{fmt}", data=new_request(api_key="x"))
    assert bad_key.status_code == 403
    [error] = parse(bad_key, fmt)
    assert str(error["code"]) == "403" and error["description"] == "Invalid api_key"
    outside = await intake.post(
        f"/open311/v2/requests.{fmt}", data=new_request(lat="23.0", long="113.0")
    )
    assert outside.status_code == 400
    assert "outside the area" in parse(outside, fmt)[0]["description"]
    no_place = new_request()
    del no_place["lat"], no_place["long"]
    assert (await intake.post(f"/open311/v2/requests.{fmt}", data=no_place)).status_code == 400
    bad_date = await intake.get(f"/open311/v2/requests.{fmt}", params={"start_date": "soon"})
    assert bad_date.status_code == 400
    assert (await intake.get(f"/open311/v2/requests/GC0.{fmt}")).status_code == 404
    assert (await intake.get(f"/open311/v2/tokens/{'t' * 30}.{fmt}")).status_code == 404
    assert await intake.get("/open311/v2/services.csv") is not None
    assert (await intake.get("/open311/v2/services.csv")).status_code == 400


@pytest.mark.parametrize("fmt", FORMATS)
async def test_discovery(stack: Stack, intake: httpx.AsyncClient, fmt: str) -> None:
    found = parse(await intake.get(f"/open311/v2/discovery.{fmt}"), fmt)
    endpoint = found["endpoints"][0] if fmt == "json" else found["endpoints"]["endpoint"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
