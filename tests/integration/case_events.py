"""Case events as intake and routing publish them, for tests that feed consumers' handlers."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.events.envelope import CloudEvent
from shared.events.intake import CaseSubmittedV1
from shared.events.routing import CaseAssignedV1


def submitted(
    case_id: str, category: str = "市容环境", location: dict[str, float] | None = None
) -> CloudEvent:
    payload = CaseSubmittedV1(
        case_id=case_id,
        case_number=f"GC-{case_id}",
        kind="report",
        category=category,
        title="垃圾堆放",
        description="小区门口垃圾三天未清运",
        location=location,  # type: ignore[arg-type]
        submitted_at=datetime.now(UTC),
    )
    return CloudEvent(
        source="/t",
        type=payload.event_type,
        partitionkey=case_id,
        data=payload.model_dump(mode="json"),
    )


def assigned(case_id: str, staff_id: str) -> CloudEvent:
    payload = CaseAssignedV1(
        case_id=case_id,
        assignment_id=f"a-{case_id}-{staff_id}",
        unit_code="451102001001002",
        unit_level="grid",
        unit_name="第2网格",
        assignee_id=staff_id,
        assignee_name="王芳",
        assignee_role="grid_officer",
        rule="point-in-grid",
        explanation="test",
        assigned_at=datetime.now(UTC),
    )
    return CloudEvent(
        source="/t",
        type=payload.event_type,
        partitionkey=case_id,
        data=payload.model_dump(mode="json"),
    )
