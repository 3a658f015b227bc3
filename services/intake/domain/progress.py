"""A case's progress as its reporter may follow it: state, handler's unit, next deadline.

Intake folds the case stream into one row per case: routing's ``case.assigned`` names
the handler's unit (code and name), and every case-work step of mediation (a dispute's
procedure or a situation report's 受理 → 办理 → 反馈 → 验证 → 结案) carries the state it
moved to, its unit and the procedure's time limit (``CaseWorkStepV1``). The fold reads
only those common fields, so a new step of either kind needs no change here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

# The states that are a result a resident can rate (DOMAIN.md "Case work"): a dispute
# closed (结案) or archived (立卷归档, art. 27 People's Mediation Law), or terminated
# because mediation failed (art. 26: the parties were told their other routes); a
# situation report closed after verification (结案).
RESULT_STATES: dict[str, frozenset[str]] = {
    "dispute": frozenset({"closed", "archived", "terminated"}),
    "report": frozenset({"closed"}),
}

# Chinese labels of mediation's states (mediation's LABELS_ZH and REPORT_LABELS_ZH say
# the same); a state not listed shows as "办理中".
STATE_LABELS: dict[str, dict[str, str]] = {
    "dispute": {
        "new": "待受理",
        "declined": "不予受理",
        "in_mediation": "调解中",
        "awaiting_signatures": "协议待签",
        "agreement_effective": "协议已生效",
        "terminated": "调解终止",
        "closed": "已结案",
        "archived": "已归档",
    },
    "report": {
        "new": "待受理",
        "handling": "办理中",
        "awaiting_verification": "待验证",
        "verified": "已验证",
        "closed": "已结案",
    },
}
# Before any case-work step: what intake itself knows.
STATUS_LABELS = {"submitted": "已受理", "assigned": "已分派", "closed": "已办结"}
IN_HAND = "办理中"


@dataclass(frozen=True)
class Progress:
    """What intake last heard of a case's work (None: not heard yet)."""

    case_id: str
    kind: str | None = None
    state: str | None = None
    unit_code: str | None = None
    unit_name: str | None = None
    due_at: datetime | None = None
    progressed_at: datetime | None = None  # the last step's time

    @property
    def has_result(self) -> bool:
        return has_result(self.kind, self.state)


def has_result(kind: str | None, state: str | None) -> bool:
    return state is not None and state in RESULT_STATES.get(kind or "", frozenset())


def state_label(kind: str | None, state: str | None) -> str | None:
    if state is None:
        return None
    return STATE_LABELS.get(kind or "", {}).get(state, IN_HAND)


def assigned(current: Progress | None, case_id: str, unit_code: str, unit_name: str) -> Progress:
    """Routing named the handler's unit (its name comes with the assignment)."""
    return replace(current or Progress(case_id), unit_code=unit_code, unit_name=unit_name)


def stepped(
    current: Progress | None,
    case_id: str,
    *,
    kind: str,
    state: str,
    unit_code: str | None,
    due_at: datetime | None,
    occurred_at: datetime,
) -> Progress:
    """A case-work step: its state, unit and time limit. A step older than the last one
    applied (a replay out of order) changes nothing; a step at another unit forgets the
    name the assignment gave (the reader falls back to the registry's name or the code)."""
    base = current or Progress(case_id)
    if base.progressed_at is not None and occurred_at < base.progressed_at:
        return base
    unit_name = base.unit_name if unit_code in (None, base.unit_code) else None
    return replace(
        base,
        kind=kind,
        state=state,
        unit_code=unit_code or base.unit_code,
        unit_name=unit_name,
        due_at=due_at,
        progressed_at=occurred_at,
    )


def next_deadline(
    progress: Progress | None, submitted_at: datetime, response_hours: int | None
) -> datetime | None:
    """The deadline the reporter waits on: none once there is a result; the procedure's
    time limit once case work has begun; before that, the category's response time
    (the Open311 ``expected_datetime`` intake already shows)."""
    if progress is not None and progress.has_result:
        return None
    if progress is not None and progress.state is not None:
        return progress.due_at
    return submitted_at + timedelta(hours=response_hours) if response_hours else None
