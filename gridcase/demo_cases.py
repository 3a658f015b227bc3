"""Demo cases for ``gridcase up``: disputes and situation reports at every stage of their
procedure, so the dashboard, the files and the printed documents have something to show.

Each case goes in the way a person would put it in (a dispute at the community centre's
desk, ``POST :8001/reports``; a report from a grid officer's phone,
``POST /mobile/v1/reports``), routing assigns it, and it is worked through mediation's
HTTP API by the people routing chose, each step with an ``Idempotency-Key`` and the
file's ``If-Match``, up to its stage. Nothing is written behind the services' backs.

Tokens are minted as ``gridcase auth token`` does in development, with the role and unit
routing's sign-in would give: routing throttles sign-ins per client address (10 a
minute), and a dozen people signing in from the seeder would lock the person who just
ran ``gridcase up`` out of the dashboard for a minute.

Times lie a little in the past: the rules refuse sessions and signatures recorded in
the future.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import httpx
from shapely.geometry import shape

from gridcase.demo_district import DISTRICT_CODE, DemoDistrict, generate
from shared.auth import roles
from shared.auth.tokens import mint_token

Kind = Literal["dispute", "report"]

# Stages as the README lists them: (kind, stage) → (the file's state, label).
STAGES: dict[tuple[Kind, str], tuple[str, str]] = {
    ("dispute", "new"): ("new", "待受理"),
    ("dispute", "in_mediation"): ("in_mediation", "调解中"),
    ("dispute", "awaiting_signatures"): ("awaiting_signatures", "协议待签"),
    ("dispute", "confirmed"): ("agreement_effective", "协议已生效，司法确认"),
    ("dispute", "followed_up"): ("agreement_effective", "已回访"),
    ("dispute", "closed"): ("closed", "已结案"),
    ("dispute", "archived"): ("archived", "已归档"),
    ("dispute", "terminated"): ("terminated", "调解终止"),
    ("dispute", "declined"): ("declined", "不予受理"),
    ("report", "new"): ("new", "待受理"),
    ("report", "handling"): ("handling", "办理中"),
    ("report", "awaiting_verification"): ("awaiting_verification", "待验证"),
    ("report", "returned"): ("handling", "回退重办"),
    ("report", "verified"): ("verified", "已验证"),
    ("report", "closed"): ("closed", "已结案"),
    ("report", "handed_over"): ("new", "已转办，待新单位受理"),
}

COMMUNITY_A = f"{DISTRICT_CODE}001001"  # 八步街道, urban
COMMUNITY_B = f"{DISTRICT_CODE}001002"  # 八步街道, urban
VILLAGE = f"{DISTRICT_CODE}004001"  # 贺街镇, rural
STREET = f"{DISTRICT_CODE}001"
COURT = "贺州市八步区人民法院"


@dataclass(frozen=True)
class DemoCase:
    """One demo case: what is submitted, where, and the stage it is worked to."""

    kind: Kind
    stage: str
    community: str
    slot: int  # which of the community's on-duty grids it lies in
    category: str
    title: str
    description: str
    subcategory: str | None = None
    parties: tuple[tuple[str, str, str], ...] = ()  # (role, name, phone)
    facts: str | None = None
    amount: str | None = None
    terms: tuple[tuple[str, str, str], ...] = ()  # (obligor, content, method)
    # Reports: the reporter is the officer of another grid unless it is their own.
    own_grid: bool = False


def _parties(applicant: str, respondent: str, p1: str, p2: str) -> tuple[tuple[str, str, str], ...]:
    return (("申请人", applicant, p1), ("被申请人", respondent, p2))


CASES: tuple[DemoCase, ...] = (
    DemoCase(
        "dispute",
        "new",
        COMMUNITY_A,
        0,
        "婚姻家庭邻里",
        "楼上卫生间漏水纠纷",
        "5栋602卫生间漏水，楼下502天花板发霉脱落，多次协商未果。",
        parties=_parties("王秀英", "陈建国", "13877401234", "13977405678"),
        facts="502住户王秀英称自9月起天花板渗水，602住户陈建国认为是公共管道问题。",
    ),
    DemoCase(
        "dispute",
        "in_mediation",
        COMMUNITY_A,
        1,
        "房屋宅基地",
        "砌墙堵住通道纠纷",
        "邻居在两户之间砌起围墙，堵住了老人进出的通道。",
        parties=_parties("刘德明", "黄志强", "13807741122", "13907743344"),
        facts="黄志强在两家之间砌墙约2米高，刘德明家老人无法推轮椅出入。",
    ),
    DemoCase(
        "dispute",
        "awaiting_signatures",
        COMMUNITY_B,
        0,
        "物业管理/建筑质量",
        "电梯停运物业费纠纷",
        "业主以电梯长期停运为由拒交物业费，物业公司上门催缴发生争执。",
        parties=_parties("周丽", "桂东物业服务有限公司", "13677419876", "07745123456"),
        facts="3号楼电梯停运两个月，业主周丽拒交2026年物业费1440元。",
        amount="1440",
        terms=(
            ("桂东物业服务有限公司", "十五日内修复3号楼电梯并减免停运期间物业费240元", "维修"),
            ("周丽", "电梯修复后七日内缴清其余物业费1200元", "转账"),
        ),
    ),
    DemoCase(
        "dispute",
        "confirmed",
        COMMUNITY_A,
        2,
        "劳资纠纷(欠薪)",
        "装修工人工资拖欠纠纷",
        "装修工人完工后，包工头以房主未结款为由拖欠工资8600元。",
        parties=_parties("李春生", "赵宏伟", "15177402468", "15277401357"),
        facts="李春生在东融小区装修工地做工43天，日工资200元，赵宏伟至今未付。",
        amount="8600",
        terms=(("赵宏伟", "分两期支付拖欠工资8600元", "银行转账"),),
    ),
    DemoCase(
        "dispute",
        "followed_up",
        COMMUNITY_B,
        1,
        "损害赔偿",
        "宠物犬咬伤赔偿纠纷",
        "小区内未拴绳的宠物犬咬伤路过居民小腿，双方就医药费赔偿有争议。",
        parties=_parties("孙敏", "吴强", "13397746655", "13597748899"),
        facts="吴强饲养的犬只未拴绳，咬伤孙敏左小腿，孙敏支出狂犬疫苗及门诊费1260元。",
        amount="1260",
        terms=(("吴强", "赔偿医药费及误工费共1800元，今后遛狗拴绳", "现金"),),
    ),
    DemoCase(
        "dispute",
        "closed",
        VILLAGE,
        0,
        "损害赔偿",
        "放养鸭群损坏菜地纠纷",
        "邻居放养的鸭群多次进入菜地，啄食青菜约半亩。",
        parties=_parties("莫秀珍", "钟大勇", "18277411230", "18377414560"),
        facts="钟大勇家鸭群约60只，一周内三次进入莫秀珍菜地。",
    ),
    DemoCase(
        "dispute",
        "archived",
        COMMUNITY_A,
        3,
        "物业管理/建筑质量",
        "装修损坏公共排水管纠纷",
        "住户装修时打穿公共排水管，导致楼下多户返水。",
        parties=_parties("何丽萍", "梁永辉", "13707748811", "13807749922"),
        facts="梁永辉装修凿墙损坏公共排水立管，何丽萍家厨房被污水浸泡。",
        amount="3500",
        terms=(("梁永辉", "修复排水立管并赔偿何丽萍损失3500元", "修复并转账"),),
    ),
    DemoCase(
        "dispute",
        "terminated",
        VILLAGE,
        1,
        "农村土地承包",
        "承包地边界纠纷",
        "两户承包地相邻，田埂位置各执一词，互相毁苗。",
        parties=_parties("黄桂兰", "莫家福", "18977415566", "18877417788"),
        facts="双方承包地界址以旧田埂为准，莫家福称田埂被移动过约半米。",
    ),
    DemoCase(
        "dispute",
        "declined",
        COMMUNITY_B,
        2,
        "经济活动/债权债务",
        "民间借款纠纷",
        "朋友借款5万元逾期未还，申请人已向法院起诉后又来申请调解。",
        parties=_parties("邓志刚", "韦海军", "13978412345", "13878416789"),
        amount="50000",
    ),
    DemoCase(
        "report",
        "new",
        COMMUNITY_A,
        4,
        "其他",
        "路灯损坏",
        "东融路与建设路交叉口两盏路灯不亮，夜间行人看不清路面。",
        subcategory="其他",
    ),
    DemoCase(
        "report",
        "handling",
        COMMUNITY_A,
        5,
        "市容环境",
        "垃圾堆放",
        "小区北门围墙外堆放建筑垃圾和生活垃圾，气味大，招蚊蝇。",
        subcategory="积存垃圾渣土",
    ),
    DemoCase(
        "report",
        "awaiting_verification",
        COMMUNITY_A,
        6,
        "街面秩序",
        "占道经营",
        "菜市场门口水果摊占用人行道经营，行人只能走机动车道。",
        subcategory="店外经营",
    ),
    DemoCase(
        "report",
        "returned",
        COMMUNITY_B,
        3,
        "街面秩序",
        "露天烧烤油烟扰民",
        "夜市露天烧烤摊每晚经营到凌晨，油烟和噪音影响楼上住户。",
        subcategory="露天烧烤",
    ),
    DemoCase(
        "report",
        "verified",
        COMMUNITY_B,
        4,
        "宣传广告",
        "楼道小广告",
        "单元楼道墙面被张贴大量开锁、贷款小广告。",
        subcategory="非法小广告",
    ),
    DemoCase(
        "report",
        "closed",
        COMMUNITY_A,
        7,
        "突发事件",
        "下水道井盖破损",
        "人民路12号门前下水道井盖破损塌陷，有行人踩空危险。",
        subcategory="下水道堵塞或破损",
        own_grid=True,
    ),
    DemoCase(
        "report",
        "handed_over",
        COMMUNITY_B,
        5,
        "施工管理",
        "工地扬尘",
        "在建楼盘工地未覆盖裸土，大风天扬尘严重，周边住户无法开窗。",
        subcategory="工地扬尘",
    ),
)


class DemoSeedFailed(Exception):
    """A step was refused or the system did not answer; the message says which."""


@dataclass(frozen=True)
class SeededCase:
    title: str
    kind: Kind
    stage: str
    case_id: str
    case_number: str | None
    continue_as: tuple[str, ...]  # who signs in to take the next step (empty: final)


@dataclass
class _Case:
    spec: DemoCase
    case_id: str = ""
    case_number: str | None = None
    handler: str = ""
    reporter: str = ""
    etag: str | None = None
    continue_as: tuple[str, ...] = ()


def _ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


def _in_days(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).date().isoformat()


@dataclass
class _People:
    """Who is who in the demo district: tokens as routing's sign-in would issue them."""

    district: DemoDistrict
    secret: str
    _tokens: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.staff = {s["staff_id"]: s for s in self.district.staff}

    def headers(self, staff_id: str) -> dict[str, str]:
        if staff_id not in self._tokens:
            member = self.staff[staff_id]
            unit = member["unit_code"]
            role = (
                roles.operator_role_for(unit)
                if member["role"] == "centre_operator"
                else member["role"]
            )
            self._tokens[staff_id] = mint_token(
                self.secret, staff_id, role, [unit], ttl=timedelta(minutes=15)
            )
        return {"Authorization": f"Bearer {self._tokens[staff_id]}"}

    def grids(self, community: str) -> list[str]:
        """The community's grids whose officer is on duty (routing assigns them)."""
        return [
            code
            for code in self.district.grid_codes
            if code.startswith(community) and not self.staff[f"go-{code}"].get("off_duty")
        ]

    def point_in(self, grid: str) -> dict[str, float]:
        p = shape(self.district.boundary_of(grid)).representative_point()
        return {"lng": round(p.x, 6), "lat": round(p.y, 6)}


class _Seeder:
    def __init__(self, client: httpx.AsyncClient, urls: dict[str, str], people: _People):
        self.client = client
        self.urls = urls
        self.people = people
        self.district_operator = f"op-{DISTRICT_CODE}-1"

    # ---- HTTP ---------------------------------------------------------------------

    async def _send(
        self,
        method: str,
        url: str,
        who: str,
        *,
        json: Any = None,
        key: str | None = None,
        if_match: str | None = None,
    ) -> httpx.Response:
        """One request; sent again (same Idempotency-Key) when no answer came or the
        server failed, so a retry cannot apply a step twice."""
        headers = self.people.headers(who)
        if key:
            headers["Idempotency-Key"] = key
        if if_match:
            headers["If-Match"] = if_match
        for attempt in range(4):
            try:
                response = await self.client.request(method, url, json=json, headers=headers)
            except httpx.TransportError:
                if attempt == 3:
                    raise
            else:
                if response.status_code < 500 or attempt == 3:
                    return response
            await asyncio.sleep(0.2 * (attempt + 1))
        raise AssertionError("unreachable")

    async def step(self, case: _Case, who: str, path: str, body: dict[str, Any]) -> None:
        """One step on the case's file as ``who``, with the file's current ETag."""
        if case.etag is None:
            read = await self._send(
                "GET", f"{self.urls['mediation']}/cases/{case.case_id}/file", who
            )
            if read.status_code == 200:
                case.etag = read.headers.get("etag")
        response = await self._send(
            "POST",
            f"{self.urls['mediation']}/cases/{case.case_id}/{path}",
            who,
            json=body,
            key=uuid.uuid4().hex,
            if_match=case.etag,
        )
        if response.status_code not in (200, 201):
            raise DemoSeedFailed(
                f"「{case.spec.title}」 {path} as {who}: {response.status_code} "
                f"{_problem(response)}"
            )
        case.etag = response.headers.get("etag")

    async def any_cases(self) -> bool:
        r = await self._send(
            "GET", f"{self.urls['mediation']}/cases?limit=1", self.district_operator
        )
        if r.status_code != 200:
            raise DemoSeedFailed(f"GET /cases answered {r.status_code} {_problem(r)}")
        return bool(r.json())

    async def assigned(self, case: _Case, *, not_to: str | None = None) -> None:
        """Wait for routing's assignment as mediation's view shows it."""
        url = f"{self.urls['mediation']}/cases/{case.case_id}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            r = await self._send("GET", url, self.district_operator)
            if r.status_code == 200:
                view = r.json()
                if view["status"] == "assigned" and view["assignee_id"] not in (None, not_to):
                    case.handler = view["assignee_id"]
                    case.case_number = view["case_number"]
                    return
            await asyncio.sleep(0.1)
        raise DemoSeedFailed(f"「{case.spec.title}」 was not assigned within 30 s")

    # ---- submitting -----------------------------------------------------------------

    async def submit(self, spec: DemoCase) -> _Case:
        case = _Case(spec)
        grids = self.people.grids(spec.community)
        grid = grids[spec.slot]
        body: dict[str, Any] = {
            "kind": spec.kind,
            "category": spec.category,
            "title": spec.title,
            "description": spec.description,
            "location": self.people.point_in(grid),
        }
        if spec.subcategory:
            body["subcategory"] = spec.subcategory
        if spec.kind == "dispute":
            body["parties"] = [{"role": r, "name": n, "phone": p} for r, n, p in spec.parties]
            if spec.facts:
                body["facts"] = spec.facts
            if spec.amount:
                body["amount_involved"] = spec.amount
            desk = f"op-{spec.community[:9]}-1"  # registered at the street centre's desk
            r = await self._send("POST", f"{self.urls['intake']}/reports", desk, json=body)
        else:
            # A grid officer on patrol reports what they saw in the next grid (or their own).
            reporter_grid = grid if spec.own_grid else grids[(spec.slot + 1) % len(grids)]
            case.reporter = f"go-{reporter_grid}"
            r = await self._send(
                "POST",
                f"{self.urls['intake']}/mobile/v1/reports",
                case.reporter,
                json=body,
                key=uuid.uuid4().hex,
            )
        if r.status_code != 201:
            raise DemoSeedFailed(f"submitting 「{spec.title}」: {r.status_code} {_problem(r)}")
        case.case_id = r.json()["case_id"]
        return case

    # ---- disputes -------------------------------------------------------------------

    async def work_dispute(self, case: _Case) -> None:
        spec, md = case.spec, case.handler
        community = spec.community
        names = [n for _, n, _ in spec.parties]
        parties = [{"role": r, "name": n} for r, n, _ in spec.parties]
        stage = spec.stage
        if stage == "new":
            case.continue_as = (md,)
            return
        if stage == "declined":
            await self.step(
                case,
                md,
                "declination",
                {
                    "reason": "before_court",
                    "note": "申请人已于上月向八步区人民法院起诉，法院已立案。",
                },
            )
            return
        await self.step(
            case,
            md,
            "acceptance",
            {
                "came_in": "application",
                "parties": parties,
                "summary": spec.description,
                "rules_explained": True,
                "applies_voluntarily": True,
                "accepted_at": _ago(days=2),
            },
        )
        if stage == "in_mediation":
            await self.step(
                case,
                md,
                "investigations",
                {
                    "at": _ago(days=1, hours=4),
                    "place": "现场",
                    "investigators": [md],
                    "persons_interviewed": ["邻居覃阿姨"],
                    "record": "围墙高约2米，位于两户之间的公共通道上，轮椅无法通过。",
                },
            )
            await self.step(
                case,
                md,
                "police-referral",
                {
                    "police_staff_id": f"pc-{community}",
                    "reason": "双方曾因砌墙发生推搡，请民警协助。",
                },
            )
            await self.step(
                case,
                md,
                "sessions",
                self._session(md, names, "continue", "双方各执一词，约定三日后再调。"),
            )
            case.continue_as = (md, f"pc-{community}")
            return
        if stage == "terminated":
            await self.step(
                case,
                md,
                "sessions",
                self._session(md, names, "failed", "双方对田埂位置分歧大，均不让步。"),
            )
            await self.step(
                case,
                md,
                "termination",
                {
                    "reason": "双方分歧较大，调解不成",
                    "routes_told": ["administrative", "court"],
                },
            )
            case.continue_as = (md,)
            return
        if stage == "closed":
            await self.step(
                case, md, "sessions", self._session(md, names, "agreed", "双方当场达成一致。")
            )
            await self.step(
                case,
                md,
                "oral-agreement",
                {
                    "content": "钟大勇赔偿莫秀珍青菜损失300元，今后鸭群圈养。",
                    "parties_agreeing": names,
                    "reached_at": _ago(hours=1),
                },
            )
            await self.step(case, md, "closing", {"result": "success"})
            case.continue_as = (md,)
            return
        adviser = f"la-{community}"
        invited = [
            {
                "name": "法律顾问",
                "kind": "legal_adviser",
                "staff_id": adviser,
                "consented_by": names,
            }
        ]
        await self.step(
            case,
            md,
            "sessions",
            {
                **self._session(md, names, "agreed", "经释法说理，双方同意协商方案。"),
                "invited": invited,
            },
        )
        await self.step(case, md, "agreement", self._agreement(case))
        if stage == "awaiting_signatures":
            case.continue_as = (adviser, md)
            return
        await self.step(
            case,
            adviser,
            "agreement/review",
            {"opinion": "协议内容合法，条款可执行。", "approves": True},
        )
        for i, (name, kind) in enumerate(zip(names, ("signed", "fingerprint"), strict=True)):
            await self.step(
                case,
                md,
                "agreement/party-signatures",
                {"party": name, "kind": kind, "at": _ago(minutes=40 - i)},
            )
        await self.step(case, md, "agreement/mediator-signature", {"at": _ago(minutes=35)})
        await self.step(
            case, md, "agreement/seal", {"committee": "人民调解委员会", "at": _ago(minutes=34)}
        )
        obligor = spec.terms[0][0]
        if stage == "confirmed":
            await self.step(
                case,
                md,
                "judicial-confirmation/application",
                {"court": COURT, "applied_on": _today()},
            )
            await self.step(
                case,
                md,
                "judicial-confirmation/decision",
                {"result": "confirmed", "decided_on": _today(), "note": "裁定调解协议有效"},
            )
            await self.step(case, md, "follow-ups/schedule", {"due_on": _in_days(14)})
            case.continue_as = (md,)
            return
        await self.step(
            case,
            md,
            "performance",
            {"party": obligor, "what": spec.terms[0][1], "at": _ago(minutes=20)},
        )
        await self.step(
            case,
            md,
            "follow-ups",
            {
                "visited_at": _ago(minutes=10),
                "visitor": md,
                "person_visited": names[0],
                "performance": "performed",
                "situation": "协议已履行，双方关系缓和。",
            },
        )
        if stage == "followed_up":
            case.continue_as = (md,)
            return
        await self.step(case, md, "closing", {"result": "success"})
        await self.step(
            case,
            md,
            "archive",
            {"year": datetime.now(UTC).year, "volume_number": "1", "retention": "10年"},
        )

    @staticmethod
    def _session(host: str, names: list[str], outcome: str, record: str) -> dict[str, Any]:
        return {
            "started_at": _ago(days=1, hours=2),
            "ended_at": _ago(days=1, hours=1),
            "place": "人民调解室",
            "host": host,
            "note_taker": "社区干部",
            "parties_present": names,
            "record": record,
            "outcome": outcome,
        }

    @staticmethod
    def _agreement(case: _Case) -> dict[str, Any]:
        spec = case.spec
        deadline = _in_days(30)
        return {
            "number": f"调字〔{datetime.now(UTC).year}〕第{case.case_number or '1'}号",
            "parties": [{"role": r, "name": n, "phone": p} for r, n, p in spec.parties],
            "facts": spec.facts or spec.description,
            "disputed_matters": spec.description,
            "responsibilities": [
                {"party": spec.terms[0][0], "responsibility": "对纠纷发生负主要责任"}
            ],
            "terms": [
                {
                    "obligor": obligor,
                    "content": content,
                    "method": method,
                    "place": "社区人民调解委员会",
                    "deadline": deadline,
                }
                for obligor, content, method in spec.terms
            ],
        }

    # ---- situation reports ------------------------------------------------------------

    async def work_report(self, case: _Case) -> None:
        spec, go = case.spec, case.handler
        verifier = case.reporter if case.reporter != go else f"op-{spec.community[:9]}-1"
        stage = spec.stage
        if stage == "new":
            case.continue_as = (go,)
            return
        await self.step(case, go, "handling/acceptance", {"note": "已收到，今日处理"})
        if stage == "handed_over":
            await self.step(
                case,
                go,
                "handling/handover",
                {
                    "reason": "工地扬尘属街道综合行政执法职责，网格无权处置。",
                    "to_unit_code": STREET,
                },
            )
            await self.assigned(case, not_to=go)
            case.continue_as = (case.handler,)
            return
        await self.step(
            case,
            go,
            "handling/actions",
            {"description": "到现场查看并拍照，联系责任人限期整改。", "at": _ago(hours=3)},
        )
        if stage == "handling":
            case.continue_as = (go,)
            return
        await self.step(
            case, go, "handling/feedback", {"result": "resolved", "content": "已督促整改完毕。"}
        )
        if stage == "awaiting_verification":
            case.continue_as = (verifier, f"op-{spec.community[:9]}-1")
            return
        if stage == "returned":
            await self.step(
                case,
                verifier,
                "handling/return",
                {"reason": "复查时仍在经营，问题未解决。", "on_site": True},
            )
            case.continue_as = (go,)
            return
        await self.step(
            case, verifier, "handling/verification", {"on_site": True, "note": "现场核查已整改"}
        )
        if stage == "verified":
            case.continue_as = (go,)
            return
        await self.step(case, go, "handling/closing", {})


def _problem(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("title") or body)[:300]
    return str(body)[:300]


async def seed_demo_cases(
    urls: dict[str, str],
    secret_key: str,
    *,
    district: DemoDistrict | None = None,
    timeout_s: float = 90.0,
) -> list[SeededCase] | None:
    """Submit and work the demo cases; None if the system already has cases."""
    people = _People(district or generate(), secret_key)
    async with httpx.AsyncClient(timeout=10.0) as client, asyncio.timeout(timeout_s):
        seeder = _Seeder(client, urls, people)
        if await seeder.any_cases():
            return None
        # One at a time, each assigned before the next, so routing's choices (by load)
        # are the same on every fresh start and the README can name who holds what.
        cases: list[_Case] = []
        for spec in CASES:
            case = await seeder.submit(spec)
            await seeder.assigned(case)
            cases.append(case)
        await asyncio.gather(
            *(
                seeder.work_dispute(c) if c.spec.kind == "dispute" else seeder.work_report(c)
                for c in cases
            )
        )
    return [
        SeededCase(c.spec.title, c.spec.kind, c.spec.stage, c.case_id, c.case_number, c.continue_as)
        for c in cases
    ]


def summary(seeded: Sequence[SeededCase]) -> list[str]:
    """Lines for ``gridcase up``: how many demo cases stand at each stage."""
    lines = []
    kinds: tuple[tuple[Kind, str], ...] = (("dispute", "disputes"), ("report", "reports"))
    for kind, name in kinds:
        counts = Counter(c.stage for c in seeded if c.kind == kind)
        stages = [s for k, s in STAGES if k == kind and counts[s]]
        lines.append(
            f"{name} {sum(counts.values())}: "
            + ", ".join(f"{STAGES[(kind, s)][1]} {counts[s]}" for s in stages)
        )
    return lines
