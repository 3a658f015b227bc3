"""A running system for case-work tests: the four services over real PostgreSQL and
Kafka, the small demo community with two mediators, a community police officer and a
legal adviser, and a desk that drives the procedure through mediation's HTTP API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.harness import Stack, demo_point, eventually

COMMUNITY = "451102001001"
NEIGHBOUR_COMMUNITY = "451102001002"
STAFF = {
    "med-1": ("王调解", "mediator"),
    "med-2": ("李调解", "mediator"),
    "pol-1": ("赵民警", "community_police"),
    "law-1": ("孙律师", "legal_adviser"),
}
PARTIES = [
    {"role": "申请人", "name": "张三"},
    {"role": "被申请人", "name": "李四"},
]
SPECIMEN_ID = "11010519491231002X"


async def add_staff(stack: Stack) -> None:
    admin = stack.client("routing", "admin")
    for staff_id, (name, role) in STAFF.items():
        response = await admin.put(
            f"/admin/registry/staff/{staff_id}",
            json={"name": name, "role": role, "unit_code": COMMUNITY, "capacity": 100},
        )
        assert response.status_code == 200, response.text


_points = iter(range(10_000))


async def submit_dispute(stack: Stack, **overrides: Any) -> tuple[str, str]:
    """A dispute at the desk; its case id and the mediator routing assigned."""
    body: dict[str, Any] = {
        "kind": "dispute",
        "category": "婚姻家庭邻里",
        "title": "相邻通行纠纷",
        "description": "邻居砌墙堵住通道",
        "facts": "李四在两家之间砌墙，张三无法通行",
        "location": demo_point(next(_points)),
        "parties": [
            {
                "role": "申请人",
                "name": "张三",
                "id_number": SPECIMEN_ID,
                "phone": "13812345678",
                "address": "东融社区3栋2单元",
            },
            {"role": "被申请人", "name": "李四", "phone": "13900001111"},
        ],
    }
    body.update(overrides)
    response = await stack.client("intake", "district_operator").post("/reports", json=body)
    assert response.status_code == 201, response.text
    case_id = response.json()["case_id"]
    view = await assigned_view(stack, case_id)
    assert view["assignee_role"] == "mediator", view
    return case_id, view["assignee_id"]


async def assigned_view(stack: Stack, case_id: str, *, not_to: str | None = None) -> Any:
    """Mediation's view of the case once routing assigned it (to someone but ``not_to``)."""

    async def probe() -> Any:
        r = await stack.client("mediation", "district_operator").get(f"/cases/{case_id}")
        if r.status_code != 200 or r.json()["status"] != "assigned":
            return None
        return r.json() if r.json()["assignee_id"] != not_to else None

    return await eventually(probe)


@dataclass
class Desk:
    """One staff member working cases through mediation's HTTP API: each write with a
    fresh Idempotency-Key and the ETag of the last answer as If-Match."""

    stack: Stack
    staff_id: str
    role: str
    units: tuple[str, ...] = (COMMUNITY,)
    etags: dict[str, str] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return self.stack.headers(self.role, self.staff_id, self.units)

    @property
    def client(self) -> httpx.AsyncClient:
        return self.stack.client("mediation")

    async def read(self, case_id: str, *, full: bool = False) -> httpx.Response:
        path = f"/cases/{case_id}/file" + ("/full" if full else "")
        response = await self.client.get(path, headers=self.headers)
        if response.status_code == 200:
            self.etags[case_id] = response.headers["etag"]
        return response

    async def step(
        self,
        case_id: str,
        path: str,
        body: dict[str, Any],
        *,
        key: str | None = None,
        if_match: str | None = None,
        expect: int | None = 200,
    ) -> httpx.Response:
        headers = {**self.headers, "Idempotency-Key": key or uuid.uuid4().hex}
        etag = if_match if if_match is not None else self.etags.get(case_id)
        if etag:
            headers["If-Match"] = etag
        response = await self.client.post(f"/cases/{case_id}/{path}", json=body, headers=headers)
        if response.status_code in (200, 201):
            self.etags[case_id] = response.headers["etag"]
        if expect is not None:
            assert response.status_code == expect, response.text
        return response

    async def fresh(self, case_id: str) -> None:
        """Read the file again (another person changed it)."""
        assert (await self.read(case_id)).status_code == 200


def acceptance(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "came_in": "application",
        "parties": PARTIES,
        "summary": "相邻通行纠纷，申请人要求拆除围墙",
        "rules_explained": True,
        "applies_voluntarily": True,
    }
    body.update(overrides)
    return body


def ago(**delta: float) -> str:
    """An ISO time ``delta`` before now (sessions and signatures are recorded after)."""
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


def session(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "started_at": ago(hours=3),
        "ended_at": ago(hours=1),
        "place": "东融社区人民调解室",
        "host": "med-1",
        "note_taker": "陈记录",
        "parties_present": ["张三", "李四"],
        "record": "双方陈述意见，申请人称通道被堵，联系电话13812345678。",
        "outcome": "continue",
    }
    body.update(overrides)
    return body


def agreement() -> dict[str, Any]:
    return {
        "number": "东融调字〔2026〕第7号",
        "parties": [
            {
                "role": "申请人",
                "name": "张三",
                "gender": "男",
                "id_number": SPECIMEN_ID,
                "phone": "13812345678",
                "address": "东融社区3栋2单元",
            },
            {"role": "被申请人", "name": "李四", "gender": "女", "phone": "13900001111"},
        ],
        "facts": "李四在两家之间砌墙，张三无法通行。",
        "disputed_matters": "围墙是否拆除及费用承担。",
        "responsibilities": [{"party": "李四", "responsibility": "未经协商砌墙，负主要责任"}],
        "terms": [
            {
                "obligor": "李四",
                "content": "拆除围墙，恢复通道",
                "method": "自行拆除",
                "place": "东融社区3栋北侧",
                "deadline": "2026-12-31",
            }
        ],
    }
