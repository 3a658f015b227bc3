"""Monthly report bench (issue 15 item 6): the district's report over a year with
1,000,000 cases (target < 2 s), and rebuilding the report tables from the stream
(target ≥ 20,000 events/s).

    .venv/bin/python -m bench.monthly_report_bench                       # a few minutes
    .venv/bin/python -m bench.monthly_report_bench --cases 100000 --events 50000

Uses the server named by GRIDCASE_TEST_DATABASE_URL (or starts its own) and a fresh
database migrated to escalation's head.

- Report: the district's read model is filled in SQL with the shape the handlers write
  for ``--cases`` disputes over a year (6 streets × 8 communities × 6 grids, 14 dispute
  types, accepted 80 %, closed 70 %, succeeded 60 %, screening returns per grid and
  month; the rates' facts and ratings of the same disputes), then ``report_of`` (what
  ``GET /monthly-reports/{district}/{month}`` reads: counts, returns, the month's
  time-limit counts, the children's submissions and names) runs ``--rounds`` times for
  the district, a street and a community; medians and p95 in ms.
- Rebuild: ``--events`` case events (submitted, accepted, closed) serialised as on the
  topic, then read back into payloads and applied through the consumer's handler in
  batches of ``--batch`` (the consumer's own work: parse, fold, one commit per batch);
  Kafka's fetch is left out. Events per second, median of ``--repeats`` runs, each on
  truncated tables.
Written to bench/results/monthly-report-<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import orjson

from services.escalation import bootstrap as escalation
from services.escalation.adapters.report_repository import ReportRepository
from services.escalation.adapters.tables import TABLES
from services.escalation.entrypoints.consumers import read_case_event
from services.escalation.service_layer import monthly_report, report_submissions
from shared.db.engine import create_engine, plain_url
from shared.db.migrations import upgrade_async
from shared.db.unit_of_work import UnitOfWork
from shared.events.envelope import CloudEvent
from shared.events.intake import CaseSubmittedV1
from shared.events.mediation import BY_STEP
from shared.events.topics import TopicNames
from tests.harness import TestInfra

RESULTS = Path(__file__).parent / "results"
DISTRICT = "451102"
MONTH = "2026-12"
NOW = datetime(2027, 1, 2, 10, 0, tzinfo=UTC)  # the month over: every limit decided
CATEGORIES = [
    "婚姻家庭邻里", "房屋宅基地", "土地山林水利权属", "征地拆迁安置", "劳资纠纷(欠薪)", "医患纠纷",
    "物业管理/建筑质量", "经济活动/债权债务", "损害赔偿", "环境污染", "村(社区)务管理",
    "农村土地承包", "民族宗教", "其他",
]  # fmt: skip

# The shape the handlers write, generated in SQL: one case per g, a grid of the
# district (6 × 8 × 6), a month of 2026, a category; then the counts grouped from it.
FILL_CASES = f"""
INSERT INTO escalation.report_cases (case_id, area_code, category, band, major, screened,
    found_month, accepted_month, accepted_level, mediated_month, succeeded_month, closed_level)
SELECT 'c' || g,
       '{DISTRICT}' || lpad((1 + g % 6)::text, 3, '0') || lpad((1 + (g / 6) % 8)::text, 3, '0')
         || lpad((1 + (g / 48) % 6)::text, 3, '0'),
       (ARRAY{CATEGORIES!r})[1 + (g / 7) % 14],
       CASE WHEN g % 50 = 0 THEN 'b50_100' WHEN g % 199 = 0 THEN 'b100_500' ELSE 'lt50' END,
       g % 50 = 0 OR g % 199 = 0,
       g % 7 <> 0,
       '2026-' || lpad((1 + (g / 11) % 12)::text, 2, '0'),
       CASE WHEN g % 5 <> 0 THEN '2026-' || lpad((1 + (g / 11) % 12)::text, 2, '0') END,
       CASE WHEN g % 5 <> 0 THEN (CASE WHEN g % 9 = 0 THEN 'street' ELSE 'community' END) END,
       CASE WHEN g % 10 < 7 THEN '2026-' || lpad((1 + (g / 11) % 12)::text, 2, '0') END,
       CASE WHEN g % 10 < 6 THEN '2026-' || lpad((1 + (g / 11) % 12)::text, 2, '0') END,
       CASE WHEN g % 10 < 7 THEN (CASE WHEN g % 9 = 0 THEN 'street' ELSE 'community' END) END
FROM generate_series(1, $1) AS g
"""
FILL_COUNTS = """
INSERT INTO escalation.report_counts
SELECT area_code, found_month, category, 'grid',
       count(*) FILTER (WHERE screened), 0, 0, 0, count(*) FILTER (WHERE major),
       count(*) FILTER (WHERE band = 'lt50'), count(*) FILTER (WHERE band = 'b50_100'),
       count(*) FILTER (WHERE band = 'b100_500'), count(*) FILTER (WHERE band = 'gt500')
FROM escalation.report_cases GROUP BY 1, 2, 3;
INSERT INTO escalation.report_counts (area_code, month, category, level, accepted)
SELECT area_code, accepted_month, category, accepted_level, count(*)
FROM escalation.report_cases WHERE accepted_month IS NOT NULL GROUP BY 1, 2, 3, 4;
INSERT INTO escalation.report_counts AS c (area_code, month, category, level, mediated, succeeded)
SELECT area_code, mediated_month, category, closed_level, count(*),
       count(*) FILTER (WHERE succeeded_month IS NOT NULL)
FROM escalation.report_cases WHERE mediated_month IS NOT NULL GROUP BY 1, 2, 3, 4
ON CONFLICT (area_code, month, category, level) DO UPDATE
  SET mediated = c.mediated + excluded.mediated, succeeded = c.succeeded + excluded.succeeded;
INSERT INTO escalation.report_returns (task_id, grid_code, month, nil_report)
SELECT 't' || g || ':' || m, g, '2026-' || lpad(m::text, 2, '0'), (g::bigint + m) % 4 = 0
FROM (SELECT DISTINCT area_code AS g FROM escalation.report_cases) AS grids,
     generate_series(1, 12) AS m;
INSERT INTO escalation.registry_units (code, name, level, parent_code, changed_at)
SELECT DISTINCT left(area_code, 9), '街道' || left(area_code, 9), 'street', '451102', now()
FROM escalation.report_cases;
ANALYZE escalation.report_cases;
ANALYZE escalation.report_counts;
ANALYZE escalation.report_returns;
"""
# The rates' facts of the same disputes (the time-limit columns): accept limit a day
# after it was found (answered for 7 in 8, a third of those late), the mediation month
# for those accepted, closed as the counts say, half of the closed rated.
FILL_RATE_FACTS = """
INSERT INTO escalation.rate_facts (case_id, category, kind, unit_code, area_code,
    accept_due_at, accept_level, responded_at, close_due_at, close_level, closed_at,
    close_result, mediation_accepted_at)
SELECT c.case_id, c.category, 'dispute', left(c.area_code, 12), c.area_code,
       d.day + interval '1 day',
       'community',
       CASE WHEN d.g % 8 <> 0 THEN d.day + (d.g % 3) * interval '20 hours' END,
       CASE WHEN c.accepted_month IS NOT NULL THEN d.day + interval '31 days' END,
       coalesce(c.closed_level, c.accepted_level),
       CASE WHEN c.mediated_month IS NOT NULL THEN d.day + (10 + d.g % 30) * interval '1 day' END,
       CASE WHEN c.succeeded_month IS NOT NULL THEN 'success'
            WHEN c.mediated_month IS NOT NULL THEN 'failure' END,
       CASE WHEN c.accepted_month IS NOT NULL THEN d.day + interval '1 day' END
FROM escalation.report_cases c,
     LATERAL (SELECT substr(c.case_id, 2)::int AS g,
                     (c.found_month || '-01 00:00+08')::timestamptz
                       + (substr(c.case_id, 2)::int % 27) * interval '1 day' AS day) d;
UPDATE escalation.rate_facts
SET rating = (ARRAY['satisfied', 'basically_satisfied', 'not_satisfied'])[1 + length(case_id) % 3],
    rated_at = closed_at + interval '2 days', rated_level = close_level
WHERE closed_at IS NOT NULL AND right(case_id, 1) IN ('1', '3', '5', '7', '9');
INSERT INTO escalation.case_ratings (case_id, rating_id, rating, kind, unit_code, rated_at)
SELECT case_id, 'r' || case_id, rating, 'dispute', unit_code, rated_at
FROM escalation.rate_facts WHERE rating IS NOT NULL;
ANALYZE escalation.rate_facts;
ANALYZE escalation.case_ratings;
"""


def _uow(engine: Any) -> UnitOfWork:
    return UnitOfWork(
        engine,
        schema="escalation",
        outbox=TABLES.outbox,
        inbox=TABLES.inbox,
        topics=TopicNames(),
        source="/bench",
    )


def _stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": statistics.median(ordered) * 1000,
        "p95_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000,
    }


def case_stream(count: int) -> list[bytes]:
    """``count`` events as they sit on the case topic: per dispute submitted, then for
    80 % accepted, for 70 % closed (success for 60 %)."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    submitted = CaseSubmittedV1.example_data()
    accepted, closed = BY_STEP["accepted"].example_data(), BY_STEP["closed"].example_data()
    out: list[bytes] = []
    g = 0
    while len(out) < count:
        g += 1
        case_id = f"e{g}"
        at = start + timedelta(minutes=g)
        grid = f"{DISTRICT}{1 + g % 6:03d}{1 + (g // 6) % 8:03d}{1 + (g // 48) % 6:03d}"
        payloads: list[tuple[str, dict[str, Any]]] = [
            (
                CaseSubmittedV1.event_type,
                submitted
                | {
                    "case_id": case_id,
                    "grid_code": grid,
                    "category": CATEGORIES[g % 14],
                    "people_involved": 60 if g % 50 == 0 else 3,
                    "submitted_at": at.isoformat(),
                    "screening_task_id": f"t{g % 500}" if g % 3 else None,
                },
            )
        ]
        if g % 5:
            payloads.append(
                (
                    BY_STEP["accepted"].event_type,
                    accepted | {"case_id": case_id, "occurred_at": at.isoformat()},
                )
            )
        if g % 10 < 7:
            payloads.append(
                (
                    BY_STEP["closed"].event_type,
                    closed
                    | {
                        "case_id": case_id,
                        "occurred_at": (at + timedelta(days=3)).isoformat(),
                        "result": "success" if g % 10 < 6 else "failure",
                    },
                )
            )
        for event_type, data in payloads:
            event = CloudEvent(source="/bench", type=event_type, partitionkey=case_id, data=data)
            out.append(event.to_json_bytes())
    return out[:count]


async def rebuild(engine: Any, stream: list[bytes], batch: int) -> dict[str, float]:
    """Apply the stream as the consumer does, on emptied tables: read each record into
    its payload, fold each batch and commit it. Answers events per second for the
    handler (fold and commit) and end to end (with the parse)."""
    async with _uow(engine) as uow:
        await ReportRepository(uow.connection).truncate_read_model()
        await uow.commit()
    started = time.perf_counter()
    events = [read_case_event(CloudEvent.read(orjson.loads(raw))) for raw in stream]
    parsed = time.perf_counter()
    for i in range(0, len(events), batch):
        async with _uow(engine) as uow:
            await monthly_report.apply_case_events(uow, events[i : i + batch])
            await uow.commit()
    done = time.perf_counter()
    return {
        "handler_events_per_s": len(stream) / (done - parsed),
        "end_to_end_events_per_s": len(stream) / (done - started),
        "parse_events_per_s": len(stream) / (parsed - started),
    }


async def main(args: argparse.Namespace) -> dict[str, Any]:
    infra = TestInfra.start()
    url = await infra.create_database()
    try:
        await upgrade_async(escalation.MIGRATIONS, url, "escalation")
        engine = create_engine(url, pool_size=2)
        conn = await asyncpg.connect(plain_url(url))
        started = time.perf_counter()
        await conn.execute(FILL_CASES, args.cases)
        await conn.execute(FILL_COUNTS)
        await conn.execute(FILL_RATE_FACTS)
        fill_s = time.perf_counter() - started
        count_rows = await conn.fetchval("SELECT count(*) FROM escalation.report_counts")
        await conn.close()
        reports: dict[str, Any] = {}
        for name, unit in (
            ("district", DISTRICT),
            ("street", f"{DISTRICT}001"),
            ("community", f"{DISTRICT}001001"),
        ):
            samples = []
            for _ in range(args.rounds):
                t0 = time.perf_counter()
                async with _uow(engine) as uow:
                    report = await report_submissions.report_of(
                        uow, unit, MONTH, now=NOW, with_trend=True
                    )
                samples.append(time.perf_counter() - t0)
            reports[name] = _stats(samples) | {
                "rows": len(report.rows),
                "screened_ytd": report.totals[1].screened,
                "due_to_respond": report.time_limit_totals.due_to_respond,
                "due_to_close": report.time_limit_totals.due_to_close,
                "rated": report.time_limit_totals.rated,
            }
        stream = case_stream(args.events)
        rates = [await rebuild(engine, stream, args.batch) for _ in range(args.repeats)]
        await engine.dispose()
    finally:
        await infra.drop_database(url)
        infra.stop()
    return {
        "cases": args.cases,
        "report_counts_rows": count_rows,
        "fill_seconds": fill_s,
        "report": reports,
        "rebuild": {
            "events": args.events,
            "batch": args.batch,
            "runs": rates,
            **{f"median_{name}": statistics.median(r[name] for r in rates) for name in rates[0]},
        },
    }


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    result = asyncio.run(main(args))
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"monthly-report-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"written to {path}")


if __name__ == "__main__":
    cli()
