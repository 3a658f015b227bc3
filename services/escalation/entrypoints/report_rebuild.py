"""Reading the case topic to rebuild the monthly report (issue 15 item 6: truncate the
report tables, replay the topics from offset 0).

A replay reads every record of the topic, and the report uses four types of them: a
record's type is looked at before anything is validated, the others are skipped, and a
record the report uses is validated once, envelope and payload together
(``read_data``), with the same models the case consumer reads them with, so the replay
accepts exactly what the consumer accepted.
"""

from __future__ import annotations

import orjson

from services.escalation.service_layer.monthly_report import ReportEvent
from shared.events.intake import CaseSubmittedV1
from shared.events.mediation import CaseWorkClosedV1, DisputeAcceptedV1
from shared.events.routing import CaseAssignedV1
from shared.messaging.received import read_data

# The case events the report folds (monthly_report.apply_case_events).
REPORT_TYPES: dict[str, type[ReportEvent]] = {
    model.event_type: model
    for model in (CaseSubmittedV1, CaseAssignedV1, DisputeAcceptedV1, CaseWorkClosedV1)
}


def read_report_record(value: bytes) -> ReportEvent | None:
    """A case-topic record's payload if the report uses its type, else None. A record
    that is not a valid event of its type raises (``ValueError``, pydantic's
    ``ValidationError``) as it did in the consumer, which dead-lettered it."""
    raw = orjson.loads(value)
    kind = raw.get("type") if isinstance(raw, dict) else None
    model = REPORT_TYPES.get(kind) if isinstance(kind, str) else None
    return None if model is None else read_data(model, raw)
