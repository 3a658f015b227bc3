"""A commit's log line names the cases it touched, and only those."""

from __future__ import annotations

from shared.case_log import case_fields
from shared.events.envelope import CloudEvent


def _event(type_: str, data: dict[str, object], correlation: str) -> CloudEvent:
    return CloudEvent(
        source="/gridcase/test",
        type=type_,
        data=data,
        correlationid=correlation,
        partitionkey=correlation,
    )


def test_case_events_give_their_case_and_correlation_ids_each_once_in_order() -> None:
    fields = case_fields(
        [
            _event("cn.gridcase.case.submitted.v1", {"case_id": "c1"}, "k1"),
            _event("cn.gridcase.case.assigned.v1", {"case_id": "c1"}, "k1"),
            _event("cn.gridcase.case.submitted.v1", {"case_id": "c2"}, "k2"),
        ]
    )
    assert fields["case_ids"] == ["c1", "c2"]
    assert fields["correlation_ids"] == ["k1", "k2"]


def test_a_registry_import_of_thousands_of_units_logs_only_its_event_type() -> None:
    fields = case_fields(
        _event("cn.gridcase.registry.unit-upserted.v1", {"code": f"{i:015d}"}, f"k{i}")
        for i in range(5000)
    )
    assert fields == {
        "case_ids": [],
        "correlation_ids": [],
        "event_types": ["cn.gridcase.registry.unit-upserted.v1"],
    }
