"""A consumed event as a handler sees it: the payload as its typed model, and the few
envelope attributes handlers use.

Entrypoints translate: a consumer's wrapper reads each ``CloudEvent`` into the payload
model of its type (``Received.read``, or the model itself when the handler needs only
the payload) and calls the handler with that. Handlers never look at ``event.type``
or ``event.data``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Generic, TypeVar, cast

from pydantic import create_model

from shared.db.unit_of_work import EventContext
from shared.events.envelope import CloudEvent
from shared.events.payload import Payload

P = TypeVar("P", bound=Payload)


def read_payload(model: type[P], event: CloudEvent) -> P:
    """The event's ``data`` as ``model``, tolerantly: fields this version does not know
    are ignored (``Payload.read``); a missing or invalid known field fails the event."""
    return model.read(event.data)


def read_data(model: type[P], raw: Mapping[str, Any]) -> P:
    """A decoded record's ``data`` as ``model``, the envelope and the payload validated in
    one pass (``CloudEvent.read`` then ``read_payload`` walk ``data`` twice): what a
    replay that reads millions of records uses. As tolerant as those two: attributes and
    fields this version does not know, at any depth, are ignored."""
    event = _typed_envelope(model).model_validate(raw, extra="ignore")
    return cast(P, event.data)


@cache
def _typed_envelope(model: type[Payload]) -> type[CloudEvent]:
    """``CloudEvent`` whose ``data`` is ``model``."""
    return create_model(f"{model.__name__}Event", __base__=CloudEvent, data=(model, ...))


@dataclass(frozen=True, slots=True)
class Received(Generic[P]):
    payload: P
    event_id: str
    time: datetime
    correlation_id: str | None

    @classmethod
    def read(cls, model: type[P], event: CloudEvent) -> Received[P]:
        return cls(read_payload(model, event), event.id, event.time, event.correlationid)

    def caused(self) -> EventContext:
        """Context for events this one causes: the same correlation, caused by it."""
        return EventContext(
            correlation_id=self.correlation_id or self.event_id, causation_id=self.event_id
        )
