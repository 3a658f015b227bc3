"""``gridcase report rebuild`` on real PostgreSQL and Kafka (issue 15 items 4 and 6):
the report tables and the rates' facts emptied and folded again from the topics'
beginning give the rows escalation's consumers folded live, skip what they
dead-lettered, and the live folds wait while a rebuild holds the tables."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from services.escalation.adapters.report_repository import ReportRepository
from shared.events import topics
from shared.events.envelope import CloudEvent
from shared.events.intake import CaseSubmittedV1
from tests.harness import Stack, eventually
from tests.integration.escalation.test_monthly_report import (
    SHANGHAI,
    _assigned,
    _event,
    _publish,
    _rated,
    _step,
)
from tests.integration.intake.helpers import COMMUNITY

pytestmark = pytest.mark.integration

GRID = f"{COMMUNITY}001"
AT = datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI)


# Each table the rebuild writes, in a stable order.
_TABLES = {
    "report_cases": "SELECT * FROM escalation.report_cases ORDER BY case_id",
    "report_counts": "SELECT * FROM escalation.report_counts"
    " ORDER BY area_code, month, category, level",
    "report_returns": "SELECT * FROM escalation.report_returns ORDER BY task_id",
    "rate_facts": "SELECT * FROM escalation.rate_facts ORDER BY case_id",
}
REPORT_TABLES = ("report_cases", "report_counts", "report_returns")


def _submitted(case_id: str, grid: str | None = GRID) -> CloudEvent:
    return _event(
        CaseSubmittedV1, case_id, "/intake", kind="dispute", grid_code=grid, submitted_at=AT
    )


async def _rows(stack: Stack) -> dict[str, list[tuple[Any, ...]]]:
    return {table: [tuple(r) for r in await stack.sql(q)] for table, q in _TABLES.items()}


def _report(rows: dict[str, list[tuple[Any, ...]]]) -> list[list[tuple[Any, ...]]]:
    return [rows[table] for table in REPORT_TABLES]


async def _gridcase(stack: Stack, state_dir: Path, *args: str) -> str:
    """The ``gridcase`` command against this stack's servers and topics."""
    env = os.environ | {
        "GRIDCASE_DATABASE_URL": stack.database_url,
        "GRIDCASE_KAFKA_BOOTSTRAP_SERVERS": stack.settings.kafka_servers(),
        "GRIDCASE_TOPIC_PREFIX": stack.settings.topic_prefix,
        "GRIDCASE_STATE_DIR": str(state_dir),
    }
    command = Path(sys.executable).parent / "gridcase"
    # Not subprocess.run: escalation's consumers run in this event loop meanwhile.
    process = await asyncio.create_subprocess_exec(
        str(command), *args, env=env, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await process.communicate()
    assert process.returncode == 0
    return out.decode()


async def test_the_rebuild_command_gives_the_rows_folded_live_and_skips_what_was_dead_lettered(
    stack: Stack, tmp_path: Path
) -> None:
    await stack.start("escalation")
    await stack.wait_until_consuming()
    # Two disputes: one accepted and closed in success, one filed without a grid and
    # placed by its assignment. And a record no consumer can read (dead-lettered).
    await _publish(
        stack,
        [
            _submitted("c-1"),
            _step("c-1", "accepted", AT, accepted_at=AT, due_at=AT.replace(day=24)),
            _step("c-1", "closed", AT.replace(day=9), result="success"),
            _submitted("c-2", grid=None),
            _assigned("c-2", AT),
            _rated("c-1", "satisfied", AT.replace(day=10)),
        ],
    )
    producer = AIOKafkaProducer(bootstrap_servers=stack.settings.kafka_servers())
    await producer.start()
    try:
        await producer.send_and_wait(stack.topics(topics.CASE), b"not an event", key=b"c-9")
    finally:
        await producer.stop()
    await eventually(
        lambda: stack.sql("SELECT 1 FROM escalation.report_counts HAVING sum(succeeded) = 1")
    )
    await eventually(
        lambda: stack.sql(
            "SELECT 1 FROM escalation.report_cases WHERE case_id = 'c-2' AND area_code <> ''"
        )
    )
    await eventually(
        lambda: stack.sql("SELECT 1 FROM escalation.rate_facts WHERE rating = 'satisfied'")
    )
    folded_live = await _rows(stack)
    # What a rebuild must not keep or miss: a stale count, a case lost, a rating lost.
    await stack.sql(
        "INSERT INTO escalation.report_counts (area_code, month, category, level, screened)"
        " VALUES ('stale', '2026-12', '邻里纠纷', 'grid', 7)"
    )
    await stack.sql("DELETE FROM escalation.report_cases WHERE case_id = 'c-2'")
    await stack.sql("UPDATE escalation.rate_facts SET rating = NULL WHERE case_id = 'c-1'")

    # The report's tables alone: the rating stays lost in the rates' facts.
    printed = await _gridcase(stack, tmp_path, "report", "rebuild", "--json", "--batch", "2")
    answer = json.loads(printed)
    assert _report(await _rows(stack)) == _report(folded_live)
    assert not await stack.sql("SELECT 1 FROM escalation.rate_facts WHERE rating IS NOT NULL")
    assert (answer["case_events"], answer["returns"], answer["unreadable"]) == (5, 0, 1)
    # With the rates' facts (the report's time-limit columns): all of it as folded live.
    printed = await _gridcase(stack, tmp_path, "report", "rebuild", "--rates", "--json")
    answer = json.loads(printed)
    assert await _rows(stack) == folded_live
    assert (answer["case_events"], answer["returns"], answer["unreadable"]) == (6, 0, 1)
    assert answer["records"] == 7 and answer["batches"] == 1


async def test_live_folds_wait_while_a_rebuild_holds_the_report_tables(stack: Stack) -> None:
    await stack.start("escalation")
    await stack.wait_until_consuming()
    held = stack.runtime("escalation").uow()
    async with held:  # as a rebuild holds it: in a transaction, until it ends
        await ReportRepository(held.connection).lock_for_rebuild()
        await _publish(stack, [_submitted("c-3")])
        # The case consumer's transaction is waiting on the lock, and has folded nothing.
        await eventually(
            lambda: stack.sql("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        )
        assert not await stack.sql("SELECT 1 FROM escalation.report_cases")
        await held.commit()
    await eventually(
        lambda: stack.sql("SELECT 1 FROM escalation.report_cases WHERE case_id = 'c-3'")
    )
