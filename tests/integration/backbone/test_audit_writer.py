"""Batched audit appends keep one intact, gap-free chain under concurrent writers."""

from __future__ import annotations

import asyncio

import pytest

from shared import audit
from shared.audit import AuditEntry
from tests.harness import Stack

pytestmark = pytest.mark.integration


async def test_concurrent_requests_and_two_writers_build_one_intact_chain(stack: Stack) -> None:
    """Two processes' writers (two runtimes of one service) and in-transaction appends
    interleave; the chain still has every row once, in one unbroken sequence."""
    first, second = stack.runtime("escalation"), None
    await first.start(consumers=False, relay=False)
    from gridcase.services import BY_NAME

    second = BY_NAME["escalation"].build_runtime(stack.settings)
    await second.start(consumers=False, relay=False)
    try:

        def entry(n: int, who: str) -> AuditEntry:
            return AuditEntry(who, "street_operator", "GET /cases", str(n), "127.0.0.1", "200")

        async def in_transaction(n: int) -> None:
            assert first.engine is not None
            async with first.engine.begin() as conn:
                await audit.append(
                    conn, first.tables.audit_log, first.tables.audit_purges, entry(n, "tx")
                )

        await asyncio.gather(
            *(first.audit(entry(n, "first")) for n in range(300)),
            *(second.audit(entry(n, "second")) for n in range(300)),
            *(in_transaction(n) for n in range(20)),
        )
        for runtime in (first, second):
            assert runtime.audit_writer is not None
            await runtime.audit_writer.flush()

        rows = await stack.sql("SELECT seq, actor, object FROM escalation.audit_log ORDER BY seq")
        assert [r["seq"] for r in rows] == list(range(1, 621)), "no gaps, no repeats"
        seen = {(r["actor"], r["object"]) for r in rows}
        assert len(seen) == 620, "every record written exactly once"
        assert first.engine is not None
        async with first.engine.connect() as conn:
            report = await audit.verify(conn, first.tables.audit_log, first.tables.audit_purges)
        assert report.intact, report.problems
    finally:
        await second.stop()
