"""Log lines that name the cases they are about, so one case can be followed across
the four services (``gridcase logs --case``).

Every unit of work that commits events logs one ``events_recorded`` line, and every
consumer batch that applied events logs one ``events_applied`` line, each with the
cases' ids and the correlation ids. One line per commit, not per event: at 500
reports/s a line per event would be thousands of JSON lines a second on two cores.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from shared.events.envelope import CloudEvent


def case_of(event: CloudEvent) -> str | None:
    """The case an event is about: ``data.case_id`` (case events carry it)."""
    case_id = event.data.get("case_id") if isinstance(event.data, dict) else None
    return case_id if isinstance(case_id, str) else None


def case_fields(events: Iterable[CloudEvent]) -> dict[str, Any]:
    """``case_ids``, ``correlation_ids`` and ``event_types`` of ``events``, each once,
    in order; events about no case (registry changes) add only their type."""
    cases: dict[str, None] = {}
    correlations: dict[str, None] = {}
    types: dict[str, None] = {}
    for event in events:
        types[event.type] = None
        case_id = case_of(event)
        if case_id is not None:
            cases[case_id] = None
            correlations[event.correlationid or event.id] = None
    return {
        "case_ids": list(cases),
        "correlation_ids": list(correlations),
        "event_types": list(types),
    }
