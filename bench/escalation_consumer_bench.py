"""Escalation's case-clocks consumer on real PostgreSQL: events per second through its
batch handler (clocks, cards, rate facts, meeting view, monthly report), Kafka left out.

    .venv/bin/python -m bench.escalation_consumer_bench --cases 1000 --repeats 3

A realistic stream as the system bench offers it: per case ``case.submitted``, its first
``case.assigned`` (opens the 受理 clock and its cards), then for 80 % the dispute
``accepted`` step (stops 受理, opens the mediation clock) and for 40 % ``closed``
(stops everything). Events are serialised as on the topic, then each batch of
``--batch`` is parsed and applied in one unit of work and committed, as the consumer
does. Every repeat runs on a fresh database; answers the median events/s and the round
trips per event (PostgreSQL's ``xact``/statement counters are not per session, so the
statements are counted on the connection).

``--against TREE`` compares two checkouts in one sitting (the machine is shared and
noisy): this file runs alternately with ``TREE`` and with this tree on ``PYTHONPATH``,
one run each per repeat, and answers both medians and their ratio (the file uses only
the consumer's public handler, so an older tree runs it unchanged):

    git archive main | tar -x -C /tmp/old
    .venv/bin/python -m bench.escalation_consumer_bench --against /tmp/old --repeats 3

Written to bench/results/escalation-consumer-<time>.json.
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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import event

from services.escalation import bootstrap as escalation
from services.escalation.adapters.tables import TABLES
from services.escalation.entrypoints.consumers import clock_consumer
from shared.db.engine import create_engine
from shared.db.migrations import upgrade_async
from shared.db.unit_of_work import UnitOfWork
from shared.events.envelope import CloudEvent
from shared.events.intake import CaseSubmittedV1
from shared.events.mediation import BY_STEP
from shared.events.routing import CaseAssignedV1
from shared.events.topics import TopicNames
from tests.harness import TestInfra

RESULTS = Path(__file__).parent / "results"


def _uow(engine: Any) -> UnitOfWork:
    return UnitOfWork(
        engine,
        schema="escalation",
        outbox=TABLES.outbox,
        inbox=TABLES.inbox,
        topics=TopicNames(),
        source="/bench",
    )


def case_stream(cases: int) -> list[bytes]:
    """The events in the order a partition would hold them, cases interleaved so a batch
    holds submissions, assignments and steps of different cases."""
    start = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    submitted = CaseSubmittedV1.example_data()
    assigned = CaseAssignedV1.example_data()
    accepted, closed = BY_STEP["accepted"].example_data(), BY_STEP["closed"].example_data()
    phases: list[list[tuple[str, dict[str, Any]]]] = [[], [], [], []]
    for g in range(cases):
        case_id = f"b{g:07d}-0000-4000-8000-000000000000"
        at = start + timedelta(seconds=g)
        phases[0].append(
            (
                CaseSubmittedV1.event_type,
                submitted | {"case_id": case_id, "submitted_at": at.isoformat()},
            )
        )
        phases[1].append(
            (
                CaseAssignedV1.event_type,
                assigned
                | {
                    "case_id": case_id,
                    "assignment_id": f"a{g:07d}-0000-4000-8000-000000000000",
                    "assigned_at": (at + timedelta(seconds=2)).isoformat(),
                },
            )
        )
        if g % 5:
            phases[2].append(
                (
                    BY_STEP["accepted"].event_type,
                    accepted
                    | {
                        "case_id": case_id,
                        "occurred_at": (at + timedelta(hours=1)).isoformat(),
                        "accepted_at": (at + timedelta(hours=1)).isoformat(),
                    },
                )
            )
        if g % 5 in (1, 2):
            phases[3].append(
                (
                    BY_STEP["closed"].event_type,
                    closed
                    | {"case_id": case_id, "occurred_at": (at + timedelta(days=3)).isoformat()},
                )
            )
    # Each case's events in order; the phases of nearby cases interleaved (a lag of 50).
    out: list[bytes] = []
    lag = 50
    for i in range(cases + 3 * lag):
        for p, phase in enumerate(phases):
            j = i - p * lag
            if 0 <= j < len(phase):
                event_type, data = phase[j]
                key = str(data["case_id"])
                ce = CloudEvent(source="/bench", type=event_type, partitionkey=key, data=data)
                out.append(ce.to_json_bytes())
    return out


async def run(url: str, stream: list[bytes], batch: int) -> dict[str, float]:
    await upgrade_async(escalation.MIGRATIONS, url, "escalation")
    engine = create_engine(url, pool_size=2)
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    spec = clock_consumer()
    parse = handle = commit = 0.0
    try:
        started = time.perf_counter()
        for i in range(0, len(stream), batch):
            t0 = time.perf_counter()
            events = [CloudEvent.read(orjson.loads(raw)) for raw in stream[i : i + batch]]
            t1 = time.perf_counter()
            async with _uow(engine) as uow:
                # One handler per batch as the consumer calls it (all types share it).
                handler = spec.batch_handlers[events[0].type]
                await handler(uow, events)
                t2 = time.perf_counter()
                await uow.commit()
            t3 = time.perf_counter()
            parse, handle, commit = parse + t1 - t0, handle + t2 - t1, commit + t3 - t2
        elapsed = time.perf_counter() - started
    finally:
        await engine.dispose()
    return {
        "events_per_s": len(stream) / elapsed,
        "statements_per_event": statements / len(stream),
        "seconds": elapsed,
        "parse_s": parse,
        "handle_s": handle,
        "commit_s": commit,
    }


async def main(args: argparse.Namespace) -> dict[str, Any]:
    infra = TestInfra.start()
    stream = case_stream(args.cases)
    runs = []
    try:
        for _ in range(args.repeats):
            url = await infra.create_database()
            try:
                runs.append(await run(url, stream, args.batch))
            finally:
                await infra.drop_database(url)
    finally:
        infra.stop()
    return {
        "cases": args.cases,
        "events": len(stream),
        "batch": args.batch,
        "runs": runs,
        "median_events_per_s": statistics.median(r["events_per_s"] for r in runs),
        "statements_per_event": runs[0]["statements_per_event"],
    }


def _one_run(tree: Path, args: argparse.Namespace) -> dict[str, Any]:
    """One run of this file with ``tree``'s code."""
    command = [sys.executable, __file__, "--cases", str(args.cases), "--batch", str(args.batch)]
    out = subprocess.run(
        [*command, "--repeats", "1", "--print-only"],
        env={**os.environ, "PYTHONPATH": str(tree)},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, Any] = json.loads(out)
    return result


def against(args: argparse.Namespace) -> dict[str, Any]:
    here = Path(__file__).resolve().parent.parent
    old: list[dict[str, Any]] = []
    new: list[dict[str, Any]] = []
    for _ in range(args.repeats):
        old.append(_one_run(Path(args.against), args))
        new.append(_one_run(here, args))
    old_median = statistics.median(r["median_events_per_s"] for r in old)
    new_median = statistics.median(r["median_events_per_s"] for r in new)
    return {
        "cases": args.cases,
        "events": new[0]["events"],
        "batch": args.batch,
        "old_tree": args.against,
        "old_events_per_s": [r["median_events_per_s"] for r in old],
        "new_events_per_s": [r["median_events_per_s"] for r in new],
        "old_median_events_per_s": old_median,
        "new_median_events_per_s": new_median,
        "ratio": new_median / old_median,
        # Each new run against the old run just before it: steadier on a shared machine.
        "pair_ratios": [
            n["median_events_per_s"] / o["median_events_per_s"]
            for o, n in zip(old, new, strict=True)
        ],
        "median_pair_ratio": statistics.median(
            n["median_events_per_s"] / o["median_events_per_s"]
            for o, n in zip(old, new, strict=True)
        ),
        "old_statements_per_event": old[0]["statements_per_event"],
        "new_statements_per_event": new[0]["statements_per_event"],
    }


def cli() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--against", help="an older checkout to compare with, run alternately")
    parser.add_argument("--print-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.print_only:
        print(json.dumps(asyncio.run(main(args))))
        return
    result = against(args) if args.against else asyncio.run(main(args))
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"escalation-consumer-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    cli()
