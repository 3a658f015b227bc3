"""Base of every event payload, and value types several payloads share.

Producers are strict and readers tolerant. A producer builds a payload from these
models, which forbid fields they do not declare, so a typo never reaches the stream.
A consumer reads with ``Payload.read``, which ignores fields it does not know at every
depth, so a producer adding an optional field never dead-letters an older consumer.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field


class Contract(BaseModel):
    """A published shape: built strictly (unknown fields refused), read tolerantly."""

    model_config = ConfigDict(extra="forbid")


class Payload(Contract):
    """An event's ``data``: its CloudEvents ``type`` and the service that produces it.

    A breaking change gets a new ``.v2`` type next to the old one; consumers ignore
    types they do not know, and fields they do not know (``read``). ``example`` is a
    valid payload: it is published in the AsyncAPI document and the contract tests
    send it to every consumer of the type.
    """

    event_type: ClassVar[str]
    producer: ClassVar[str]
    example: ClassVar[dict[str, Any]]

    @classmethod
    def read(cls, data: Mapping[str, Any]) -> Self:
        """The payload of a received event; fields this version does not know, at any
        depth, are ignored (a newer producer may have added them)."""
        return cls.model_validate(data, extra="ignore")

    @classmethod
    def example_data(cls) -> dict[str, Any]:
        """A fresh copy of ``example``, for tests and tools to change."""
        return copy.deepcopy(cls.example)


class GeoPoint(Contract):
    """A WGS84 point (EPSG:4326)."""

    lng: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
