"""``gridcase load``: a realistic stream of reports and disputes at a target rate.

The mix imitates the people who use intake: grid officers reporting from their phones
(``/mobile/v1/reports`` with a bearer token, as the grid's own officer), residents
reporting through the public channel (``/public/reports`` with a contact phone), and
disputes with parties taken in at the district centre's desk (``/reports`` with a
district operator's token, valid GB 11643 ID numbers and mainland phones). Text comes
from Faker's ``zh_CN`` locale; points fall inside the demo district's grids.

The load is open-loop: requests leave on schedule whatever the answers take, so a
slow system shows up as latency, not as a politely reduced rate. Every request carries
an ``Idempotency-Key``; when the connection fails (a service being restarted) the
same request is sent again with the same key, as a phone's offline queue would, so a
report is accepted once however often it is sent.

The generator shares the machine with the system it loads, so it keeps its own CPU
down. Drawing a request is the expensive part: ``Workload.next()`` costs about 0.15 ms
of CPU for the default mix (0.07 ms for an officer's or resident's report, 0.5 ms for
a dispute, whose parties need Faker's names, ID numbers and addresses), which at
1,000 requests/s would be 15% of a core spent inside the timed window. With
``prepare=True`` ``run_load`` draws the whole plan before the clock starts (about 1 KB
of memory per request), bodies already rendered to JSON bytes with orjson. Requests
go out through :mod:`gridcase.http_client`, a small keep-alive client that costs far
less CPU per request than httpx.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import orjson
from shapely.geometry import Point, shape

from gridcase.http_client import ConnectionPool, TransportError
from shared.auth.tokens import mint_token

REPORT_CATEGORIES = {
    "市容环境": ["暴露垃圾", "积存垃圾渣土", "道路不洁"],
    "宣传广告": ["非法小广告", "违规户外广告"],
    "施工管理": [],
    "街面秩序": [],
    "其他": [],
}
DISPUTE_TYPES = ["婚姻家庭邻里", "房屋宅基地", "劳资纠纷(欠薪)", "物业管理/建筑质量", "损害赔偿"]


@dataclass(frozen=True)
class Mix:
    """Shares of each kind of request; normalised when drawn."""

    officer: float = 0.5
    resident: float = 0.3
    dispute: float = 0.2

    @classmethod
    def parse(cls, text: str) -> Mix:
        """``officer=0.5,resident=0.3,dispute=0.2``."""
        parts = dict(item.split("=", 1) for item in text.split(",") if item.strip())
        unknown = set(parts) - {"officer", "resident", "dispute"}
        if unknown:
            raise ValueError(f"unknown kinds in the mix: {', '.join(sorted(unknown))}")
        return cls(**{k: float(v) for k, v in parts.items()})

    def kinds(self) -> tuple[list[str], list[float]]:
        return ["officer", "resident", "dispute"], [self.officer, self.resident, self.dispute]


@dataclass(frozen=True)
class Grid:
    code: str
    polygon: Any


@dataclass(frozen=True)
class Officer:
    staff_id: str
    grid_code: str


@dataclass
class Territory:
    """Where reports come from: the grids, the grid officers who report from them, and
    the district centre's desk where disputes are taken in."""

    grids: list[Grid]
    officers: list[Officer]
    district_code: str = ""
    desk_operator: str = "desk-operator"

    @classmethod
    def from_units(cls, units: dict[str, Any], staff: list[dict[str, Any]]) -> Territory:
        grids = [
            Grid(f["properties"]["code"], shape(f["geometry"]))
            for f in units["features"]
            if f["properties"].get("level") == "grid" or len(f["properties"]["code"]) == 15
        ]
        officers = [
            Officer(s["staff_id"], s["unit_code"])
            for s in staff
            if s.get("role") == "grid_officer" and len(s.get("unit_code", "")) == 15
        ]
        if not grids:
            raise ValueError("the territory has no grids")
        district = min((f["properties"]["code"] for f in units["features"]), key=len)
        desk = next(
            (
                s["staff_id"]
                for s in staff
                if s.get("role") == "centre_operator" and s.get("unit_code") == district
            ),
            "desk-operator",
        )
        return cls(grids, officers, district, desk)

    @classmethod
    def demo(cls) -> Territory:
        """The demo district `gridcase up` loads (same generator, same seed)."""
        from gridcase.demo_district import generate

        district = generate()
        return cls.from_units(district.units, district.staff)

    def point_in(self, rng: random.Random, grid: Grid) -> dict[str, float]:
        minx, miny, maxx, maxy = grid.polygon.bounds
        for _ in range(100):
            lng, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if grid.polygon.contains(Point(lng, lat)):
                return {"lng": round(lng, 6), "lat": round(lat, 6)}
        centre = grid.polygon.representative_point()
        return {"lng": round(centre.x, 6), "lat": round(centre.y, 6)}


@dataclass(frozen=True)
class PlannedRequest:
    kind: str
    path: str
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass(frozen=True, slots=True)
class PreparedRequest:
    """A planned request with its body rendered to JSON bytes, ready to send."""

    kind: str
    path: str
    body: bytes
    headers: dict[str, str]

    @classmethod
    def of(cls, planned: PlannedRequest) -> PreparedRequest:
        # orjson's result sits in a ~4 KB allocation whatever its length; a plan keeps
        # hundreds of thousands of bodies, so keep a compact copy instead.
        body = bytes(memoryview(orjson.dumps(planned.body)))
        return cls(planned.kind, planned.path, body, planned.headers)

    @property
    def idempotency_key(self) -> str:
        return self.headers["Idempotency-Key"]


class RequestSource(Protocol):
    """What ``run_load`` draws requests from; :class:`Workload` in real use."""

    def next(self) -> PlannedRequest: ...


class Workload:
    """Draws realistic requests. Deterministic for a given seed."""

    def __init__(self, territory: Territory, mix: Mix, secret: str, seed: int = 1):
        from faker import Faker

        self.territory = territory
        self.mix = mix
        self.rng = random.Random(seed)  # noqa: S311 - test data, reproducible by seed
        self.faker = Faker("zh_CN")
        self.faker.seed_instance(seed)
        self._secret = secret
        self._tokens: dict[str, str] = {}

    def _token(self, staff_id: str, role: str, unit_code: str) -> str:
        if staff_id not in self._tokens:
            self._tokens[staff_id] = mint_token(
                self._secret, staff_id, role, [unit_code], ttl=timedelta(days=1)
            )
        return self._tokens[staff_id]

    def _report(self) -> dict[str, Any]:
        category = self.rng.choice(list(REPORT_CATEGORIES))
        subtypes = REPORT_CATEGORIES[category]
        body: dict[str, Any] = {
            "kind": "report",
            "category": category,
            "title": (self.rng.choice(subtypes) if subtypes else category) + "问题",
            "description": self.faker.paragraph(nb_sentences=2),
        }
        if subtypes:
            body["subcategory"] = self.rng.choice(subtypes)
        return body

    def next(self) -> PlannedRequest:
        kinds, weights = self.mix.kinds()
        kind = self.rng.choices(kinds, weights)[0]
        key = {"Idempotency-Key": str(uuid.uuid4())}
        if kind == "officer" and self.territory.officers:
            officer = self.rng.choice(self.territory.officers)
            grid = next((g for g in self.territory.grids if g.code == officer.grid_code), None)
            body = self._report()
            body["location"] = self.territory.point_in(
                self.rng, grid or self.rng.choice(self.territory.grids)
            )
            return PlannedRequest(
                "officer",
                "/mobile/v1/reports",
                body,
                {
                    **key,
                    "Authorization": "Bearer "
                    + self._token(officer.staff_id, "grid_officer", officer.grid_code),
                },
            )
        grid = self.rng.choice(self.territory.grids)
        if kind == "dispute":
            body = {
                "kind": "dispute",
                "category": self.rng.choice(DISPUTE_TYPES),
                "title": "纠纷调解申请",
                "description": self.faker.paragraph(nb_sentences=3),
                "facts": self.faker.paragraph(nb_sentences=2),
                "people_involved": self.rng.choice([2, 2, 2, 3, 5, 12]),
                "amount_involved": str(self.rng.choice([0, 500, 3000, 20000])),
                "location": self.territory.point_in(self.rng, grid),
                "parties": [
                    self._party("申请人"),
                    self._party("被申请人"),
                ],
            }
            desk = self._token(
                self.territory.desk_operator, "district_operator", self.territory.district_code
            )
            return PlannedRequest(
                "dispute", "/reports", body, {**key, "Authorization": f"Bearer {desk}"}
            )
        body = self._report()
        body["location"] = self.territory.point_in(self.rng, grid)
        body["contact"] = {"phone": self._mobile(), "anonymous": True}
        return PlannedRequest("resident", "/public/reports", body, key)

    def _party(self, role: str) -> dict[str, str]:
        return {
            "role": role,
            "name": self.faker.name(),
            "id_number": self.faker.ssn(),
            "phone": self._mobile(),
            "address": self.faker.address(),
        }

    def _mobile(self) -> str:
        return "1" + self.rng.choice("3456789") + "".join(self.rng.choices("0123456789", k=9))


@dataclass
class Accepted:
    kind: str
    case_id: str
    outcome: str  # "created" | "linked"
    idempotency_key: str
    sent_at: datetime
    latency_s: float
    attempts: int


@dataclass
class LoadResult:
    planned: int = 0
    accepted: list[Accepted] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)  # "<kind> <status>"
    gave_up: int = 0
    retried: int = 0
    elapsed_s: float = 0.0

    @property
    def accepted_per_s(self) -> float:
        return len(self.accepted) / self.elapsed_s if self.elapsed_s else 0.0

    def latencies(self) -> list[float]:
        return [a.latency_s for a in self.accepted]


ProgressHook = Callable[[LoadResult, int], None]
PrepareHook = Callable[[int, int], None]  # (drawn so far, to draw)


async def prepare_plan(
    workload: RequestSource,
    count: int,
    *,
    on_progress: PrepareHook | None = None,
    stop: asyncio.Event | None = None,
) -> list[PreparedRequest]:
    """Draw ``count`` requests ahead of time (fewer if ``stop`` is set meanwhile).

    Faker is slow (see the module's docstring); this pays for it before the clock starts.
    It yields to the event loop every few hundred requests, so a live display keeps
    drawing and ``stop`` is noticed.
    """
    plan: list[PreparedRequest] = []
    while len(plan) < count:
        if stop is not None and stop.is_set():
            break
        for _ in range(min(250, count - len(plan))):
            plan.append(PreparedRequest.of(workload.next()))
        if on_progress:
            on_progress(len(plan), count)
        await asyncio.sleep(0)
    return plan


async def run_load(
    intake_url: str,
    workload: RequestSource,
    *,
    rate: float,
    duration_s: float,
    retry_for_s: float = 60.0,
    max_in_flight: int = 2000,
    connections: int = 64,
    timeout_s: float = 30.0,
    prepare: bool = False,
    on_prepare: PrepareHook | None = None,
    on_progress: ProgressHook | None = None,
    stop: asyncio.Event | None = None,
) -> LoadResult:
    """Offer ``rate`` requests per second for ``duration_s`` seconds (open loop), or
    until ``stop`` is set; then wait for the answers still outstanding.

    Requests share ``connections`` keep-alive connections; a request's latency includes
    any wait for a free one, so a slow system still shows up as latency. With
    ``prepare`` the ``rate * duration_s`` requests are drawn before the clock starts
    (``on_prepare`` reports how far); leave it off for a load that runs until ``stop``
    rather than for a known duration.
    """
    result = LoadResult()
    total = int(rate * duration_s)
    plan: Sequence[PreparedRequest] | None = None
    if prepare:
        plan = await prepare_plan(workload, total, on_progress=on_prepare, stop=stop)
        total = len(plan)
    in_flight = asyncio.Semaphore(max_in_flight)
    async with ConnectionPool(intake_url, connections=connections, timeout=timeout_s) as pool:

        async def send(request: PreparedRequest) -> None:
            sent_at = datetime.now(UTC)
            started = time.perf_counter()
            deadline = started + retry_for_s
            attempts = 0
            async with in_flight:
                while True:
                    attempts += 1
                    try:
                        response = await pool.post(request.path, request.body, request.headers)
                    except TransportError:
                        response = None
                    if response is not None and response.status_code < 500:
                        break
                    # Down or restarting: the phone's queue sends it again, same key.
                    if time.perf_counter() > deadline:
                        result.gave_up += 1
                        return
                    result.retried += 1
                    await asyncio.sleep(min(0.25 * attempts, 2.0))
            if response.status_code in (200, 201):
                data = response.json()
                result.accepted.append(
                    Accepted(
                        request.kind,
                        data.get("case_id", ""),
                        data.get("outcome", "created"),
                        request.idempotency_key,
                        sent_at,
                        time.perf_counter() - started,
                        attempts,
                    )
                )
            else:
                result.refused[f"{request.kind} {response.status_code}"] += 1

        tasks: set[asyncio.Task[None]] = set()
        result.planned = total
        start = time.perf_counter()
        last_progress = start
        for n in range(total):
            if stop is not None and stop.is_set():
                result.planned = n
                break
            delay = start + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            request = plan[n] if plan is not None else PreparedRequest.of(workload.next())
            task = asyncio.create_task(send(request))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            if on_progress and time.perf_counter() - last_progress > 0.5:
                last_progress = time.perf_counter()
                result.elapsed_s = last_progress - start
                on_progress(result, len(tasks))
        if tasks:
            await asyncio.gather(*tasks)
        result.elapsed_s = time.perf_counter() - start
        if on_progress:
            on_progress(result, 0)
    return result
