"""Every message GridCase writes to Kafka is a CloudEvent the official SDK reads."""

from __future__ import annotations

import pytest
from cloudevents.core.bindings.kafka import KafkaMessage, from_kafka_event

from shared.events import topics
from tests.harness import Stack, demo_point, eventually, read_topic

pytestmark = pytest.mark.integration


async def test_the_official_sdk_reads_every_case_event(stack: Stack) -> None:
    await stack.start()
    case_ids = []
    for n, title in enumerate(("垃圾堆放", "噪音扰民")):
        r = await stack.client("intake", "district_operator").post(
            "/reports",
            json={
                "category": "市容环境",
                "title": title,
                "description": "请处理",
                "location": demo_point(n),
            },
        )
        case_ids.append(r.json()["case_id"])

    async def assigned() -> bool:
        rows = await stack.sql("SELECT case_id FROM mediation.cases WHERE status = 'assigned'")
        return {r["case_id"] for r in rows} >= set(case_ids)

    await eventually(assigned)
    records = await read_topic(
        stack.settings.kafka_servers(), stack.topics(topics.CASE), at_least=4
    )
    assert len(records) == 4

    types = []
    for record in records:
        message = KafkaMessage(headers=dict(record.headers), key=record.key, value=record.value)
        event = from_kafka_event(message)  # raises on anything that is not a valid CloudEvent
        attributes = event.get_attributes()
        data = event.get_data()
        assert isinstance(data, dict)
        assert attributes["specversion"] == "1.0"
        assert attributes["partitionkey"] == record.key.decode() == data["case_id"]
        assert attributes["source"].startswith("/gridcase/")
        assert attributes["correlationid"]
        types.append(attributes["type"])
    assert sorted(types) == sorted(
        ["cn.gridcase.case.submitted.v1"] * 2 + ["cn.gridcase.case.assigned.v1"] * 2
    )
