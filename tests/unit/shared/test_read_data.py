"""``read_data`` (one pass over envelope and payload, for replays) reads what
``CloudEvent.read`` then ``read_payload`` read, as tolerantly, and refuses what they
refuse: a replay must accept exactly the events the consumer accepted."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from shared.events.envelope import CloudEvent
from shared.events.intake import CaseSubmittedV1
from shared.events.mediation import BY_STEP
from shared.messaging.received import read_data, read_payload


def _raw(model: Any, data: dict[str, Any]) -> dict[str, Any]:
    event = CloudEvent(source="/t", type=model.event_type, partitionkey="k", data=data)
    raw: dict[str, Any] = orjson.loads(event.to_json_bytes())
    return raw


@pytest.mark.parametrize("model", [CaseSubmittedV1, BY_STEP["accepted"], BY_STEP["closed"]])
def test_the_same_payload_as_the_two_steps_with_unknown_attributes_and_fields_ignored(
    model: Any,
) -> None:
    data = model.example_data() | {"added_later": {"any": 1}}
    if isinstance(data.get("parties"), list):
        data["parties"][0]["added_later"] = True  # at depth too
    raw = _raw(model, data) | {"newextension": "x"}
    assert read_data(model, raw) == read_payload(model, CloudEvent.read(raw))
    assert type(read_data(model, raw)) is model


def test_a_missing_payload_field_or_envelope_attribute_is_refused() -> None:
    data = CaseSubmittedV1.example_data()
    del data["case_id"]
    with pytest.raises(ValidationError):
        read_data(CaseSubmittedV1, _raw(CaseSubmittedV1, data))
    no_source = _raw(CaseSubmittedV1, CaseSubmittedV1.example_data())
    del no_source["source"]
    with pytest.raises(ValidationError):
        read_data(CaseSubmittedV1, no_source)
