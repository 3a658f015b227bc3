"""Every published event type, the topic it travels on, and the AsyncAPI 3.0 document.

The catalogue finds the payloads itself: every module of ``shared.events`` is imported
and each ``Payload`` class it defines with an ``event_type`` is a published event (one
module per producing service, named after it). The topic follows from the type's name
(``cn.gridcase.<stream>.…``), so defining a payload class in its producer's module is
all it takes to publish its schema.
"""

from __future__ import annotations

import importlib
import pkgutil
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import shared.events
from shared.events import topics
from shared.events.envelope import STRUCTURED_CONTENT_TYPE, CloudEvent
from shared.events.payload import Payload

_STREAM_TOPICS = {
    "case": topics.CASE,
    "registry": topics.REGISTRY,
    "cycle": topics.CYCLE,
    # cn.gridcase.restricted.…: personal data in full, on the topic that ACLs restrict.
    "restricted": topics.CASE_RESTRICTED,
}


def payloads_defined_in(module: ModuleType) -> list[type[Payload]]:
    """The event payloads ``module`` defines (not imports), in the order written."""
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, Payload)
        and value.__module__ == module.__name__
        and "event_type" in vars(value)
    ]


def discover_payloads(package: ModuleType) -> list[type[Payload]]:
    """Every payload defined in ``package``'s modules, module by module in name order."""
    found: list[type[Payload]] = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        found.extend(
            payloads_defined_in(importlib.import_module(f"{package.__name__}.{info.name}"))
        )
    return found


def all_payloads() -> list[type[Payload]]:
    """Every event type GridCase publishes."""
    return discover_payloads(shared.events)


def topic_of(payload: type[Payload]) -> str:
    stream = payload.event_type.split(".")[2]
    return _STREAM_TOPICS[stream]


def _readers_schema(schema: Any) -> Any:
    """The schema as readers must apply it: open to fields they do not know.

    The models forbid unknown fields so that producers cannot misspell one, but a
    version (``….v1``) may gain optional fields; a reader that validated with
    ``additionalProperties: false`` would reject the next producer's events.
    """
    if isinstance(schema, dict):
        return {
            key: _readers_schema(value)
            for key, value in schema.items()
            if not (key == "additionalProperties" and value is False)
        }
    if isinstance(schema, list):
        return [_readers_schema(item) for item in schema]
    return schema


def _message_name(payload: type[Payload]) -> str:
    return payload.__name__


# The field an example's key comes from, by what the stream is keyed on (topics.py).
_KEY_FIELDS = ("case_id", "task_id", "code", "staff_id")


def example_event(payload: type[Payload]) -> CloudEvent:
    """The payload's ``example`` in the envelope it travels in, as a consumer receives it."""
    data = payload.example_data()
    key = next((str(data[f]) for f in _KEY_FIELDS if data.get(f)), payload.event_type)
    return CloudEvent(
        id="00000000-0000-4000-8000-000000000000",
        source=f"/gridcase/{payload.producer}",
        type=payload.event_type,
        subject=key,
        time=datetime(2026, 12, 2, 10, 0, tzinfo=UTC),
        dataschema=f"urn:gridcase:schema:{payload.event_type}",
        partitionkey=key,
        correlationid="11111111-1111-4111-8111-111111111111",
        data=data,
    )


def asyncapi_document() -> dict[str, Any]:
    schemas: dict[str, Any] = {}

    def add_schema(payload: type[Payload], name: str) -> None:
        schema = _readers_schema(
            payload.model_json_schema(ref_template="#/components/schemas/{model}")
        )
        for def_name, definition in schema.pop("$defs", {}).items():
            schemas[def_name] = definition
        schema["examples"] = [payload.example]
        schemas[name] = schema

    envelope = _readers_schema(
        CloudEvent.model_json_schema(ref_template="#/components/schemas/{model}")
    )
    envelope["description"] = (
        "CloudEvents 1.0, structured content mode; `data` holds the payload named by `type`."
    )
    schemas["CloudEvent"] = envelope

    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for topic in topics.ALL:  # every topic is a channel, even before its first message
        channel_id = topic.replace(".", "_")
        channels[channel_id] = {
            "address": topic,
            "description": _TOPIC_DESCRIPTIONS[topic],
            "tags": [_TOPIC_TAGS[topic]],
            "messages": {},
            "bindings": {"kafka": {"topic": topic, "bindingVersion": "0.5.0"}},
        }
        operations[f"receive_{channel_id}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "messages": [],
        }
    for payload in all_payloads():
        name = _message_name(payload)
        add_schema(payload, name)
        messages[name] = {
            "name": payload.event_type,
            "title": name,
            "summary": ((payload.__doc__ or "").strip().splitlines() or [payload.event_type])[0],
            "contentType": STRUCTURED_CONTENT_TYPE,
            "headers": {
                "type": "object",
                "properties": {"content-type": {"const": STRUCTURED_CONTENT_TYPE}},
            },
            "payload": {
                "allOf": [
                    {"$ref": "#/components/schemas/CloudEvent"},
                    {
                        "type": "object",
                        "properties": {
                            "type": {"const": payload.event_type},
                            "data": {"$ref": f"#/components/schemas/{name}"},
                        },
                    },
                ]
            },
            "bindings": {"kafka": {"key": {"type": "string"}, "bindingVersion": "0.5.0"}},
            "examples": [
                {
                    "name": f"{name}Example",
                    "summary": f"{payload.event_type} as a consumer receives it",
                    "headers": {"content-type": STRUCTURED_CONTENT_TYPE},
                    "payload": example_event(payload).model_dump(mode="json", exclude_none=True),
                }
            ],
            "x-producer": payload.producer,
        }
        channel_id = topic_of(payload).replace(".", "_")
        channels[channel_id]["messages"][name] = {"$ref": f"#/components/messages/{name}"}
        operations[f"receive_{channel_id}"]["messages"].append(
            {"$ref": f"#/channels/{channel_id}/messages/{name}"}
        )

    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "GridCase events",
            "version": "1.0.0",
            "description": (
                "What the GridCase services publish, for the comprehensive-governance "
                "centre (综治中心) and other consumers. Every message is a CloudEvent in "
                "structured mode, keyed by its aggregate id (the `partitionkey` "
                "extension), in order per key. Failed messages of a consumer go to "
                "`<topic>.dlq`. Read tolerantly: a type's version (`.v1`) changes only "
                "when a change would break readers, so new optional fields, at any depth, "
                "and new CloudEvents extension attributes may appear in any version; "
                "ignore what you do not know, and ignore event types you do not handle."
            ),
        },
        "defaultContentType": STRUCTURED_CONTENT_TYPE,
        "servers": {
            "local": {
                "host": "127.0.0.1:9092",
                "protocol": "kafka",
                "description": "`gridcase infra up`",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


_TOPIC_TAGS = {
    topics.CASE: {
        "name": "masked",
        "description": "For the governance centre: personal data masked.",
    },
    topics.REGISTRY: {"name": "masked", "description": "For the governance centre."},
    topics.CYCLE: {"name": "masked", "description": "For the governance centre."},
    topics.CASE_RESTRICTED: {
        "name": "restricted",
        "description": "Personal data in full: not for the governance centre's feed.",
    },
}

_TOPIC_DESCRIPTIONS = {
    topics.CASE: (
        "Everything that happens to one case, keyed by case id, in order: submitted, "
        "assigned, each case-work step, rated. Parties and free text masked."
    ),
    topics.REGISTRY: "Organisation tree and staff changes, keyed by unit code or staff id.",
    topics.CYCLE: (
        "Time limits, supervision and the monthly cycle: clock warnings and cards keyed by "
        "case id, screening tasks, returns and missing returns keyed by task id."
    ),
    topics.CASE_RESTRICTED: (
        "RESTRICTED. Dispute parties' full ID numbers, phones and addresses, and free text "
        "that holds phone or ID numbers, keyed by case id, in order with the case. "
        "Production limits this topic and its `.dlq` with Kafka ACLs: write for intake "
        "only, read for consumers entitled to personal data. The public `gridcase.case.v1` "
        "carries the same parties and text masked."
    ),
}
