"""The CloudEvents 1.0 envelope every GridCase event travels in.

Events are written to Kafka in the CloudEvents *structured* content mode: the message
value is the JSON event, the ``content-type`` header is
``application/cloudevents+json``, and the Kafka key is the ``partitionkey`` extension
(the aggregate id), so an outside consumer can read them with the official
``cloudevents`` SDK (``cloudevents.kafka.from_structured``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Self

import orjson
from pydantic import BaseModel, ConfigDict, Field

STRUCTURED_CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"


def _now() -> datetime:
    return datetime.now(UTC)


class CloudEvent(BaseModel):
    """A CloudEvents 1.0 event with GridCase's extension attributes.

    Extensions (lower-case alphanumerics, as the spec requires): ``partitionkey``
    (CloudEvents Partitioning extension; also the Kafka key), ``correlationid`` (the
    request or batch that started the chain) and ``causationid`` (the event that
    directly caused this one).

    Built strictly (an attribute it does not declare is refused) and read tolerantly
    (``read`` ignores extension attributes it does not know, as the specification asks
    of consumers).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    specversion: str = "1.0"
    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    source: str
    type: str
    subject: str | None = None
    time: datetime = Field(default_factory=_now)
    datacontenttype: str = "application/json"
    dataschema: str | None = None
    partitionkey: str
    correlationid: str | None = None
    causationid: str | None = None
    data: dict[str, Any]

    @classmethod
    def read(cls, raw: Mapping[str, Any]) -> Self:
        """A received event; attributes this version does not know are ignored."""
        return cls.model_validate(raw, extra="ignore")

    def to_json_bytes(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json", exclude_none=True))

    def kafka_headers(self) -> list[tuple[str, bytes]]:
        return [("content-type", STRUCTURED_CONTENT_TYPE.encode())]
