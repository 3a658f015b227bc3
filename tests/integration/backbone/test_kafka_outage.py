"""Kafka goes away while intake keeps accepting; nothing accepted is lost.

Runs against a broker of its own, so that stopping it does not disturb other tests.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from gridcase.devstack.kafka import LocalKafka
from services.routing.adapters.demo import seed_demo
from shared.db.engine import create_engine
from tests.harness import Stack, TestInfra, demo_point, eventually

pytestmark = pytest.mark.integration


@pytest.fixture
def own_kafka() -> Iterator[LocalKafka]:
    broker = LocalKafka(Path(tempfile.mkdtemp(prefix="gridcase-outage-")) / "kafka")
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


async def test_reports_accepted_during_a_kafka_outage_are_all_routed_after_it(
    infra: TestInfra, own_kafka: LocalKafka
) -> None:
    stack = await Stack.create(infra, bootstrap=own_kafka.bootstrap)
    try:
        engine = create_engine(stack.settings.database_url_for("routing"), pool_size=1)
        async with engine.begin() as conn:
            await seed_demo(conn)
        await engine.dispose()
        await stack.start()
        await stack.wait_until_consuming()
        intake = stack.client("intake", "district_operator")

        async def submit(n: int) -> str:
            r = await intake.post(
                "/reports",
                json={
                    "category": "市容环境",
                    "title": f"第{n}号报告",
                    "description": "停电期间的上报",
                    "location": demo_point(n),
                },
            )
            assert r.status_code == 201, r.text
            return str(r.json()["case_id"])

        before = [await submit(n) for n in range(3)]
        own_kafka.kill()  # kill -9: no clean shutdown

        during = []
        for n in range(3, 23):
            during.append(await submit(n))
        unsent = await stack.sql("SELECT count(*) AS n FROM intake.outbox WHERE sent_at IS NULL")
        assert unsent[0]["n"] >= 1, "with the broker down, events wait in the outbox"

        await asyncio.sleep(2)  # let clients notice the broker is gone and retry a while
        own_kafka.start()  # same data directory and port

        expected = set(before + during)

        async def all_assigned() -> bool:
            rows = await stack.sql("SELECT case_id FROM mediation.cases WHERE status = 'assigned'")
            return expected <= {r["case_id"] for r in rows}

        await eventually(all_assigned, timeout=120, interval=0.5)
        per_case = await stack.sql(
            "SELECT case_id, count(*) AS n FROM routing.assignments GROUP BY case_id"
        )
        assert {r["case_id"] for r in per_case} == expected
        assert all(r["n"] == 1 for r in per_case), "each case routed exactly once"
    finally:
        await stack.close()
