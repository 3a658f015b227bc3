"""Monthly report bench (issue 15 item 6): the district's report over a year with
1,000,000 cases (target < 2 s), and rebuilding the report tables from the stream
(target ≥ 20,000 events/s).

    .venv/bin/python -m bench.monthly_report_bench                       # a few minutes
    .venv/bin/python -m bench.monthly_report_bench --cases 100000 --events 50000
    .venv/bin/python -m bench.monthly_report_bench --rebuild-only --events 100000

Uses the server named by GRIDCASE_TEST_DATABASE_URL (or starts its own) and a fresh
database migrated to escalation's head. The process's collector is tuned as a service
process tunes it (``shared.gc_tuning.tune_gc`` with the settings' default).

- Report: the district's read model is filled in SQL with the shape the handlers write
  for ``--cases`` disputes over a year (6 streets × 8 communities × 6 grids, 14 dispute
  types, accepted 80 %, closed 70 %, succeeded 60 %, screening returns per grid and
  month; the rates' facts and ratings of the same disputes), then ``report_of`` (what
  ``GET /monthly-reports/{district}/{month}`` reads: counts, returns, the month's
  time-limit counts, the children's submissions and names) runs ``--rounds`` times for
  the district, a street and a community; medians and p95 in ms.
- Rebuild: ``--events`` case events (submitted; accepted for 80 %, ``ACCEPT_LAG``
  cases later; closed for 70 %, ``CLOSE_LAG`` cases later, so most facts reach a case
  inserted batches before, as on the topic) serialised as on the topic.
  From the topics (``rebuild_from_topics``): published to a fresh case topic of 6
  partitions (and an empty cycle topic), then ``rebuild_report``, what ``gridcase
  report rebuild`` runs, with ``--batch`` records per batch: Kafka's fetch included.
  From memory (``rebuild``): per batch of ``--batch``, read as the rebuild reads a
  record (the types it folds only, each validated once) and folded as it folds a batch
  (``fold_batch``: the report's cases and counts, with ``--rates`` the rates' facts,
  in one unit of work and commit), one batch after the other; events per
  second for the parse, the handler (fold and commit) and both. Medians of
  ``--repeats`` runs, each on emptied tables, a digest of the rebuilt report rows (both
  ways must agree) and the number of rates' facts. ``--rates`` rebuilds the rates'
  facts too (``gridcase report rebuild --rates``); ``--in-memory-only`` skips the
  topics.

``--against TREE`` compares the from-memory rebuild of two checkouts in one sitting (the
machine is shared and noisy): this file runs alternately with ``TREE`` and with this tree
on ``PYTHONPATH``, one rebuild each per repeat, and answers both medians, the median of the
new/old ratio of each pair, and whether both gave the same rows (a tree without
``fold_batch`` folds the report alone, with ``read_report_record`` or reading records as
the case consumer does):

    git archive <commit> | tar -x -C /tmp/old
    .venv/bin/python -m bench.monthly_report_bench --against /tmp/old --events 100000 --repeats 5

Written to bench/results/monthly-report-<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import orjson
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import text

from services.escalation import bootstrap as escalation
from services.escalation.adapters.report_repository import ReportRepository
from services.escalation.adapters.tables import TABLES
from services.escalation.domain.monthly_report import load_policies
from services.escalation.service_layer import monthly_report, report_submissions
from shared.db.engine import create_engine, plain_url
from shared.db.migrations import upgrade_async
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.envelope import CloudEvent
from shared.events.intake import CaseSubmittedV1
from shared.events.mediation import BY_STEP
from shared.events.topics import TopicNames
from shared.gc_tuning import tune_gc
from shared.messaging.kafka_admin import ensure_topics
from shared.settings import GridcaseSettings
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


# How far behind its submission a case's acceptance and close come on the topic, in
# cases: a batch holds the facts of cases submitted batches before, as in a real year.
ACCEPT_LAG, CLOSE_LAG = 300, 1200


def case_stream(count: int) -> list[bytes]:
    """``count`` events as they sit on the case topic: per dispute submitted, then for
    80 % accepted (``ACCEPT_LAG`` cases later), for 70 % closed (``CLOSE_LAG`` cases
    later; success for 60 %)."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    submitted = CaseSubmittedV1.example_data()
    accepted, closed = BY_STEP["accepted"].example_data(), BY_STEP["closed"].example_data()
    # Per case position: its events, each (type, data, cases after its submission).
    slots: dict[int, list[tuple[str, dict[str, Any]]]] = {}
    cases = count  # more than enough: the stream is cut at ``count`` events
    for g in range(1, cases + 1):
        case_id = f"e{g}"
        at = start + timedelta(minutes=g)
        grid = f"{DISTRICT}{1 + g % 6:03d}{1 + (g // 6) % 8:03d}{1 + (g // 48) % 6:03d}"
        slots.setdefault(g, []).append(
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
        )
        if g % 5:
            slots.setdefault(g + ACCEPT_LAG, []).append(
                (
                    BY_STEP["accepted"].event_type,
                    accepted | {"case_id": case_id, "occurred_at": at.isoformat()},
                )
            )
        if g % 10 < 7:
            slots.setdefault(g + CLOSE_LAG, []).append(
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
    out: list[bytes] = []
    for g in sorted(slots):
        for event_type, data in slots[g]:
            key = str(data["case_id"])
            event = CloudEvent(source="/bench", type=event_type, partitionkey=key, data=data)
            out.append(event.to_json_bytes())
            if len(out) == count:
                return out
    return out


Parse = Callable[[list[bytes]], Any]
Fold = Callable[[Any, Any], Awaitable[None]]
Finish = Callable[[Any], Awaitable[None]]


def _batch_folder(rates: bool) -> tuple[Parse, Fold, Finish]:
    """How this tree's rebuild reads and folds a batch, and finishes (``--rates``: with
    the rates' facts): ``fold_batch`` where it exists; else (an older tree,
    ``--against``) the report's records only, read with ``read_report_record`` or as the
    case consumer does, and folded with ``monthly_report.apply_case_events``."""
    try:
        from services.escalation.entrypoints.report_rebuild import (
            RebuildBatch,
            fold_batch,
            read_case_record,
            read_report_record,
        )
        from services.escalation.service_layer.rates import refresh_every_case
    except ImportError:
        return (*_older_batch_folder(), _nothing)
    policies = load_policies()
    read_case = read_case_record if rates else read_report_record

    def parse(raws: list[bytes]) -> Any:
        parsed = RebuildBatch()
        for raw in raws:
            parsed.add_case_payload(read_case(raw))
        return parsed

    async def fold(engine: Any, parsed: Any) -> None:
        await fold_batch(lambda: _uow(engine), parsed, policies, rates)

    async def finish(engine: Any) -> None:
        if rates:
            async with _uow(engine) as uow:
                await refresh_every_case(uow)
                await uow.commit()

    return parse, fold, finish


async def _nothing(engine: Any) -> None:
    return None


def _older_batch_folder() -> tuple[Parse, Fold]:
    try:
        from services.escalation.entrypoints.report_rebuild import read_report_record

        read: Callable[[bytes], Any] = read_report_record
    except ImportError:
        read = _read_as_consumer

    def parse(raws: list[bytes]) -> Any:
        return [e for e in (read(raw) for raw in raws) if e is not None]

    async def fold(engine: Any, events: Any) -> None:
        async with _uow(engine) as uow:
            await monthly_report.apply_case_events(uow, events)
            await uow.commit()

    return parse, fold


def _read_as_consumer(value: bytes) -> Any:
    from services.escalation.entrypoints.consumers import HANDLED, read_case_event

    event = CloudEvent.read(orjson.loads(value))
    return read_case_event(event) if event.type in HANDLED else None


async def _digest(engine: Any) -> str:
    """The rebuilt rows, hashed: the same stream must give the same rows in every tree."""
    async with engine.connect() as conn:
        return str(await conn.scalar(text(DIGEST)))


async def _rate_facts(engine: Any) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(text("SELECT count(*) FROM escalation.rate_facts")))


DIGEST = """
SELECT md5(
  (SELECT string_agg(c::text, ';' ORDER BY area_code, month, category, level)
   FROM escalation.report_counts c)
  || (SELECT string_agg(c::text, ';' ORDER BY case_id) FROM escalation.report_cases c))
"""


async def rebuild(engine: Any, stream: list[bytes], batch: int, rates: bool) -> dict[str, Any]:
    """Apply the stream as a replay does, on emptied tables: per batch, read each record
    into its payload (types the report does not use are skipped), fold the batch and
    commit it. Answers events per second for the parse, the handler (fold and commit)
    and end to end."""
    async with _uow(engine) as uow:
        await ReportRepository(uow.connection).truncate_read_model()
        await uow.connection.execute(text("TRUNCATE escalation.rate_facts"))
        await uow.commit()
    read, fold, finish = _batch_folder(rates)
    parse = handle = 0.0
    for i in range(0, len(stream), batch):
        t0 = time.perf_counter()
        parsed = read(stream[i : i + batch])
        t1 = time.perf_counter()
        await fold(engine, parsed)
        parse, handle = parse + t1 - t0, handle + time.perf_counter() - t1
    t0 = time.perf_counter()
    await finish(engine)
    handle += time.perf_counter() - t0
    return {
        "handler_events_per_s": len(stream) / handle,
        "end_to_end_events_per_s": len(stream) / (parse + handle),
        "parse_events_per_s": len(stream) / parse,
        "digest": await _digest(engine),
        "rate_facts": await _rate_facts(engine),
    }


async def publish(bootstrap: str, names: TopicNames, stream: list[bytes]) -> None:
    """The stream on a fresh case topic (and an empty cycle topic), keyed by case as
    mediation's relay keys it."""
    await ensure_topics(
        bootstrap, [names(topics.CASE), names(topics.CYCLE)], partitions=6, replication_factor=1
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=20, max_batch_size=1 << 20)
    await producer.start()
    try:
        sent = [
            await producer.send(
                names(topics.CASE), raw, key=orjson.loads(raw)["partitionkey"].encode()
            )
            for raw in stream
        ]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def delete_topics(bootstrap: str, names: list[str]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.delete_topics(names)
    finally:
        await admin.close()


async def rebuild_from_topics(
    engine: Any, bootstrap: str, names: TopicNames, batch: int, rates: bool
) -> dict[str, Any]:
    """``gridcase report rebuild``'s path (``rebuild_report``): the tables emptied, both
    topics read from offset 0 and folded, Kafka's fetch included."""
    from services.escalation.entrypoints.report_rebuild import rebuild_report

    counts = await rebuild_report(
        lambda: _uow(engine), bootstrap, names, batch=batch, rate_facts=rates
    )
    return {
        "events_per_s": counts.records_per_s,
        "digest": await _digest(engine),
        "rate_facts": await _rate_facts(engine),
    }


async def main(args: argparse.Namespace) -> dict[str, Any]:
    # The collector as a service process has it (shared.runtime calls tune_gc at start):
    # with Python's defaults a third of the parse went to full collections of the heap.
    tune_gc(GridcaseSettings.model_fields["gc_gen0_threshold"].default)
    infra = TestInfra.start()
    url = await infra.create_database()
    out: dict[str, Any] = {}
    try:
        await upgrade_async(escalation.MIGRATIONS, url, "escalation")
        engine = create_engine(url, pool_size=2)
        if not args.rebuild_only:
            out |= await report(engine, url, args)
        stream = case_stream(args.events)
        rates = [await rebuild(engine, stream, args.batch, args.rates) for _ in range(args.repeats)]
        if not args.in_memory_only:
            names = TopicNames(f"bench{uuid.uuid4().hex[:8]}.")
            await publish(infra.bootstrap, names, stream)
            from_topics = [
                await rebuild_from_topics(engine, infra.bootstrap, names, args.batch, args.rates)
                for _ in range(args.repeats)
            ]
            await delete_topics(infra.bootstrap, [names(topics.CASE), names(topics.CYCLE)])
            out["rebuild_from_topics"] = {
                "events": args.events,
                "batch": args.batch,
                "rates": args.rates,
                "runs": from_topics,
                "median_events_per_s": statistics.median(r["events_per_s"] for r in from_topics),
                "digests": sorted({r["digest"] for r in from_topics}),
            }
        await engine.dispose()
    finally:
        await infra.drop_database(url)
        infra.stop()
    medians = {
        f"median_{name}": statistics.median(r[name] for r in rates)
        for name in rates[0]
        if name.endswith("_per_s")
    }
    return out | {
        "rebuild": {
            "events": args.events,
            "batch": args.batch,
            "rates": args.rates,
            "runs": rates,
            **medians,
            "digests": sorted({r["digest"] for r in rates}),
        }
    }


async def report(engine: Any, url: str, args: argparse.Namespace) -> dict[str, Any]:
    """The district's, a street's and a community's report over ``--cases`` disputes."""
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
                found = await report_submissions.report_of(
                    uow, unit, MONTH, now=NOW, with_trend=True
                )
            samples.append(time.perf_counter() - t0)
        reports[name] = _stats(samples) | {
            "rows": len(found.rows),
            "screened_ytd": found.totals[1].screened,
            "due_to_respond": found.time_limit_totals.due_to_respond,
            "due_to_close": found.time_limit_totals.due_to_close,
            "rated": found.time_limit_totals.rated,
        }
    return {
        "cases": args.cases,
        "report_counts_rows": count_rows,
        "fill_seconds": fill_s,
        "report": reports,
    }


def _one_run(tree: Path, args: argparse.Namespace) -> dict[str, Any]:
    """One rebuild run of this file with ``tree``'s code."""
    command = [sys.executable, __file__, "--events", str(args.events), "--batch", str(args.batch)]
    out = subprocess.run(
        [*command, "--repeats", "1", "--rebuild-only", "--in-memory-only", "--print-only"],
        env={**os.environ, "PYTHONPATH": str(tree)},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, Any] = json.loads(out)["rebuild"]
    return result


def against(args: argparse.Namespace) -> dict[str, Any]:
    """Old and new tree alternately, one rebuild each per repeat: medians and ratios."""
    here = Path(__file__).resolve().parent.parent
    runs: dict[str, list[dict[str, Any]]] = {"old": [], "new": []}
    for _ in range(args.repeats):
        runs["old"].append(_one_run(Path(args.against), args))
        runs["new"].append(_one_run(here, args))
    out: dict[str, Any] = {"events": args.events, "batch": args.batch, "old_tree": args.against}
    for name in ("handler", "parse", "end_to_end"):
        key = f"median_{name}_events_per_s"
        old = [r[key] for r in runs["old"]]
        new = [r[key] for r in runs["new"]]
        out[name] = {
            "old": old,
            "new": new,
            "old_median": statistics.median(old),
            "new_median": statistics.median(new),
            # Each new run against the old run just before it: steadier on a shared machine.
            "median_pair_ratio": statistics.median(n / o for o, n in zip(old, new, strict=True)),
        }
    digests = {d for tree in runs.values() for r in tree for d in r["digests"]}
    out["same_rows"] = len(digests) == 1
    return out


def _rebuild_batch() -> int:
    """The rebuild's batch in this tree; an older one (``--against``) had none: 500, its
    consumer's."""
    try:
        from services.escalation.entrypoints.report_rebuild import REBUILD_BATCH
    except ImportError:
        return 500
    return REBUILD_BATCH


def cli() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=_rebuild_batch())
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rebuild-only", action="store_true", help="skip the report's part")
    parser.add_argument("--against", help="an older checkout to compare the rebuild with")
    parser.add_argument(
        "--rates", action="store_true", help="rebuild the rates' facts too (gridcase … --rates)"
    )
    parser.add_argument(
        "--in-memory-only", action="store_true", help="skip the rebuild from Kafka topics"
    )
    parser.add_argument("--print-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.print_only:
        print(json.dumps(asyncio.run(main(args))))
        return
    result = against(args) if args.against else asyncio.run(main(args))
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"monthly-report-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"written to {path}")


if __name__ == "__main__":
    cli()
