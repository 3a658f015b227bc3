"""Base of every event payload, and value types several payloads share."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field


class Payload(BaseModel):
    """An event's ``data``: its CloudEvents ``type`` and the service that produces it.

    A breaking change gets a new ``.v2`` type next to the old one; consumers ignore
    types they do not know.
    """

    model_config = ConfigDict(extra="forbid")
    event_type: ClassVar[str]
    producer: ClassVar[str]


class GeoPoint(BaseModel):
    """A WGS84 point (EPSG:4326)."""

    lng: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
