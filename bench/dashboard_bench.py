"""Dashboard bench: the queries behind the case list, the case detail and the overview,
with a year of a district's cases (1,000,000 by default) in mediation's view.

    .venv/bin/python -m bench.dashboard_bench                   # about three minutes
    .venv/bin/python -m bench.dashboard_bench --cases 100000    # quicker

Uses the server named by GRIDCASE_TEST_DATABASE_URL (or starts its own) and a fresh
database migrated to mediation's head. The cases are generated in SQL over the shape of
a real district (6 streets × 8 communities × 6 grids; reports to grid officers,
disputes to committees; 12 categories; a year of submissions; one file in ten opened).

Each scenario runs the same calls the page makes, as the district operator (every case
in the view) unless named otherwise, ``--rounds`` times; medians and p95 in ms are
printed beside a baseline in the same run (one primary-key read of the view, the
cheapest thing a page does), with each query's plan. Written to
bench/results/dashboard-<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.mediation import bootstrap as mediation
from services.mediation.adapters import case_deadlines
from services.mediation.adapters import dashboard_queries as queries
from services.mediation.adapters.case_work_queries import case_file, timeline
from services.mediation.adapters.tables import cases
from services.mediation.domain import agenda
from shared.auth.tokens import Principal
from shared.db.engine import create_engine, plain_url
from shared.db.migrations import upgrade_async
from shared.privacy.crypto import KeyRing
from shared.working_calendar import WorkingCalendar
from tests.harness import TestInfra

RESULTS = Path(__file__).parent / "results"
DISTRICT = "451102"
KEYS = KeyRing.parse("bench:" + base64.b64encode(b"b" * 32).decode())

GENERATE = """
INSERT INTO mediation.cases (case_id, case_number, kind, category, title, status,
    unit_code, unit_name, assignee_id, assignee_name, assignee_role, reporter_id,
    submitted_at, assigned_at, updated_at)
SELECT 'c' || g,
       'GC2026' || lpad(g::text, 9, '0'),
       CASE WHEN g % 4 = 0 THEN 'dispute' ELSE 'report' END,
       (ARRAY['市容环境','婚姻家庭邻里','物业纠纷','劳资纠纷','道路交通','环境保护',
              '房屋宅基地','消费纠纷','医疗纠纷','治安隐患','公共设施','其他'])[1 + g % 12],
       (ARRAY['占道经营','楼上漏水','相邻通行纠纷','拖欠工资','路灯损坏','垃圾堆放',
              '噪音扰民','宅基地边界','装修纠纷','井盖缺失'])[1 + g % 10] || '（' || g || '）',
       CASE WHEN g % 50 = 0 THEN 'submitted' ELSE 'assigned' END,
       u.unit, '单位' || u.unit,
       CASE WHEN g % 4 = 0 THEN 'md-' || left(u.unit, 12) || '-1' ELSE 'go-' || u.unit END,
       '承办人', CASE WHEN g % 4 = 0 THEN 'mediator' ELSE 'grid_officer' END,
       'go-' || u.unit,
       now() - (g % 525600) * interval '1 minute',
       now() - (g % 525600) * interval '1 minute' + interval '5 minutes',
       now()
FROM generate_series(1, $1::int) g,
LATERAL (SELECT $2 || lpad((1 + g % 6)::text, 3, '0') || lpad((1 + (g / 6) % 8)::text, 3, '0')
        || CASE WHEN g % 4 = 0 THEN '' ELSE lpad((1 + (g / 48) % 6)::text, 3, '0') END) AS u(unit)
"""
OPEN_FILES = """
INSERT INTO mediation.case_files (case_id, kind, state, version, document, due_at,
    next_action, next_action_due)
SELECT case_id, kind, 'handling', 3, $1::jsonb, now() + interval '10 days', 'handle',
       now() + ((substr(case_id, 2)::int % 40) - 10) * interval '1 day'
FROM mediation.cases WHERE kind = 'report' AND right(case_id, 1) = '1'
"""
# Escalation's clocks as mediation heard them: one case in 200 has a warned clock, one
# in 400 a yellow card and one in 2,000 a red one (the list's card filter).
CLOCKS = """
INSERT INTO mediation.case_clocks (clock_id, case_id, stage, due_at, yellow_at, red_at,
    card, card_at)
SELECT 'k' || case_id, case_id, CASE WHEN kind = 'report' THEN 'handle' ELSE 'accept' END,
       now() - interval '1 day', now(), now() + interval '2 days',
       CASE WHEN n % 2000 = 0 THEN 'red' WHEN n % 400 = 0 THEN 'yellow' END,
       CASE WHEN n % 400 = 0 THEN now() END
FROM (SELECT case_id, kind, substr(case_id, 2)::int AS n FROM mediation.cases) c
WHERE n % 200 = 0
"""
TIMELINE = """
INSERT INTO mediation.case_timeline (case_id, file_version, at, actor_id, actor_role, step, what)
SELECT f.case_id, v, now(), 'go-1', 'grid_officer', 'report-accepted', '受理事件'
FROM mediation.case_files f, generate_series(1, 3) v
"""


def _document() -> str:
    from services.mediation.adapters.case_file_codec import sealed
    from services.mediation.domain import report_commands as rc
    from services.mediation.domain.commands import Actor
    from services.mediation.domain.situation_report import SituationReport

    report = SituationReport("sample", handler_id="go-1", reporter_id="go-2")
    now = datetime.now(UTC)
    report.take(rc.AcceptReport("收到"), Actor("go-1", "grid_officer"), now)
    report.take(rc.RecordAction("劝离摊贩，清理路面", now), Actor("go-1", "grid_officer"), now)
    return json.dumps(sealed(report, KEYS), ensure_ascii=False)


async def fill(url: str, count: int) -> None:
    conn = await asyncpg.connect(plain_url(url))
    try:
        await conn.execute(GENERATE, count, DISTRICT)
        await conn.execute(
            "INSERT INTO mediation.case_counts SELECT coalesce(unit_code, ''), status, count(*) "
            "FROM mediation.cases GROUP BY 1, 2"
        )
        await conn.execute(OPEN_FILES, _document())
        await conn.execute(TIMELINE)
        await conn.execute(CLOCKS)
        await conn.execute("VACUUM ANALYZE mediation.cases")
        await conn.execute("VACUUM ANALYZE mediation.case_files")
        await conn.execute("VACUUM ANALYZE mediation.case_timeline")
        await conn.execute("VACUUM ANALYZE mediation.case_clocks")
    finally:
        await conn.close()


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


async def timed(
    conn: AsyncConnection, call: Callable[[AsyncConnection], Awaitable[Any]], rounds: int
) -> dict[str, float]:
    await call(conn)  # warm: prepared statements, caches
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        await call(conn)
        samples.append((time.perf_counter() - started) * 1000)
    return {"median_ms": statistics.median(samples), "p95_ms": _p95(samples)}


async def plan(conn: AsyncConnection, statement: Any) -> list[str]:
    compiled = statement.compile(conn.sync_connection, compile_kwargs={"literal_binds": True})
    rows = await conn.execute(text(f"EXPLAIN (ANALYZE, COSTS OFF, SUMMARY OFF) {compiled}"))
    return [r[0] for r in rows]


async def main(args: argparse.Namespace) -> dict[str, Any]:
    infra = TestInfra.start()
    url = await infra.create_database()
    started = time.perf_counter()
    try:
        await upgrade_async(mediation.MIGRATIONS, url, "mediation")
        await fill(url, args.cases)
        engine = create_engine(url, pool_size=1)
        async with engine.begin() as conn:
            # What the writers keep on each row: the deadline and card of its files and clocks.
            ids = await conn.execute(
                text(
                    "SELECT case_id FROM mediation.case_files"
                    " UNION SELECT case_id FROM mediation.case_clocks"
                )
            )
            await case_deadlines.refresh(conn, [r.case_id for r in ids])
            await conn.execute(text("ANALYZE mediation.cases"))
        filled_s = time.perf_counter() - started
        district = Principal("op-district", "district_operator", (DISTRICT,))
        street = Principal("op-street", "street_operator", (f"{DISTRICT}001",))
        sample = "c4701"  # a report with an open file
        filters = queries.CaseFilters
        scenarios: dict[str, Callable[[AsyncConnection], Awaitable[Any]]] = {
            "baseline: one case by primary key": lambda c: c.execute(
                select(cases).where(cases.c.case_id == sample)
            ),
            "list: first page, newest first": lambda c: queries.list_cases(c, district, filters()),
            "list: facets (filter choices)": lambda c: queries.facets(c, district),
            "list: status + category + kind": lambda c: queries.list_cases(
                c, district, filters(status="assigned", category="婚姻家庭邻里", kind="report")
            ),
            "list: a filter that finds nothing": lambda c: queries.list_cases(
                c, district, filters(category="物业纠纷", kind="dispute")
            ),
            "list: status submitted (2 %)": lambda c: queries.list_cases(
                c, district, filters(status="submitted")
            ),
            "list: one grid (unit filter)": lambda c: queries.list_cases(
                c, district, filters(unit=f"{DISTRICT}003004002")
            ),
            "list: text search on title": lambda c: queries.list_cases(
                c, district, filters(text="井盖")
            ),
            "list: case number search (rare)": lambda c: queries.list_cases(
                c, district, filters(text="GC2026000004701")
            ),
            "list: red cards (card filter)": lambda c: queries.list_cases(
                c, district, filters(card="red")
            ),
            "list: yellow cards (card filter)": lambda c: queries.list_cases(
                c, district, filters(card="yellow")
            ),
            "list: overdue (deadline filter)": lambda c: queries.list_cases(
                c, district, _due(agenda.OVERDUE)
            ),
            "list: due tomorrow (deadline filter)": lambda c: queries.list_cases(
                c, district, _due(agenda.TOMORROW)
            ),
            "list: page 40, newest first": lambda c: queries.list_cases(
                c, district, filters(), page=40
            ),
            "list: street operator, first page": lambda c: queries.list_cases(c, street, filters()),
            "detail: case, file and timeline": lambda c: _detail(c, district, sample),
            "overview: counts by unit and status (district)": lambda c: (
                queries.status_counts_by_unit(c, district)
            ),
            "overview: counts by unit and status (street)": lambda c: queries.status_counts_by_unit(
                c, street
            ),
        }
        results: dict[str, Any] = {}
        async with engine.connect() as conn:
            for name, call in scenarios.items():
                results[name] = await timed(conn, call, args.rounds)
                await conn.rollback()
            base = results["baseline: one case by primary key"]["median_ms"]
            for figures in results.values():
                figures["ratio_to_baseline"] = figures["median_ms"] / base
            plans = {
                "list": await plan(
                    conn,
                    select(cases)
                    .where(*queries._conditions(district, filters()))
                    .order_by(*queries.SORTS[queries.DEFAULT_SORT])
                    .limit(26),
                ),
                "yellow cards": await plan(
                    conn,
                    select(cases)
                    .where(*queries._conditions(district, filters(card="yellow")))
                    .order_by(*queries.SORTS[queries.DEFAULT_SORT])
                    .limit(26),
                ),
                "due tomorrow": await plan(
                    conn,
                    select(cases)
                    .where(*queries._conditions(district, _due(agenda.TOMORROW)))
                    .order_by(*queries.SORTS[queries.DEFAULT_SORT])
                    .limit(26),
                ),
                "text search": await plan(
                    conn,
                    select(cases)
                    .where(*queries._conditions(district, filters(text="井盖")))
                    .order_by(*queries.SORTS[queries.DEFAULT_SORT])
                    .limit(26),
                ),
            }
            await conn.rollback()
        await engine.dispose()
    finally:
        await infra.drop_database(url)
        infra.stop()
    return {
        "cases": args.cases,
        "rounds": args.rounds,
        "fill_seconds": filled_s,
        "results": results,
        "plans": plans,
    }


def _due(bucket: str) -> queries.CaseFilters:
    """The list's deadline filter as the page builds it (working days, this moment)."""
    window = agenda.bucket_window(bucket, datetime.now(UTC), WorkingCalendar.load())
    return queries.CaseFilters(due=bucket, due_window=window)


async def _detail(conn: AsyncConnection, principal: Principal, case_id: str) -> None:
    """What the detail page reads from mediation's own tables."""
    assert await queries.get_case(conn, principal, case_id) is not None
    assert await case_file(conn, case_id, principal, KEYS) is not None
    assert await timeline(conn, case_id, principal, KEYS)


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    report = asyncio.run(main(args))
    print(f"{report['cases']:,} cases (filled in {report['fill_seconds']:.0f} s)")
    width = max(len(name) for name in report["results"])
    for name, figures in report["results"].items():
        print(
            f"  {name:<{width}}  median {figures['median_ms']:8.2f} ms"
            f"  p95 {figures['p95_ms']:8.2f} ms  ×{figures['ratio_to_baseline']:.1f}"
        )
    for name, lines in report["plans"].items():
        print(f"plan ({name}):")
        for line in lines:
            print("   ", line)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (RESULTS / f"dashboard-{stamp}.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    run()
