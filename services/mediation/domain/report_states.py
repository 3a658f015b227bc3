"""The monthly reports (月报告, seed 001; GridCase issue 15 item 3 "shown on the
dashboard") as mediation hears of them from escalation's events on the cycle topic:
one state per unit and month, with the totals and the time-limit rates the submission
carried. Escalation owns the report; this is the dashboard's view of it.

States, as the supervisors read them: 未报 nothing submitted, 已报 submitted and waiting
for the level above, 退回 returned with a reason, 已接收 accepted, 逾期 flagged missing at
the deadline (not submitted, or returned and not resubmitted). Late (迟报) is shown
beside 已报/已接收 when the submission came after the deadline.

Each event carries the report's version (escalation's If-Match counter): a notice
older than what is kept changes nothing, so replays and reordering across partitions
leave the same state. A missing flag only marks the state; a later submission clears
the 逾期 state (it is then late, not missing).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

NOT_SUBMITTED = "not_submitted"
SUBMITTED = "submitted"
RETURNED = "returned"
ACCEPTED = "accepted"
MISSING = "missing"
STATES = (NOT_SUBMITTED, SUBMITTED, RETURNED, ACCEPTED, MISSING)

# The rates the submission carries as counts (escalation's ``domain/rates.py``), in the
# order the dashboard shows them.
RATES = ("response", "resolution", "satisfaction", "on_time_closure", "mediation_success")
# The report's own figures shown beside them (escalation's ``domain/monthly_report.py``).
FIGURES = ("screened", "mediated", "succeeded")


@dataclass(frozen=True)
class ReportNotice:
    """One monthly-report event, as the fold needs it."""

    kind: str  # submitted | returned | accepted | missing
    unit_code: str
    level: str
    month: str
    at: datetime
    version: int | None = None  # None for a missing flag (it has no version)
    late: bool | None = None
    deadline: datetime | None = None
    totals: dict[str, int] = field(default_factory=dict)
    rates: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ReportState:
    unit_code: str
    level: str
    month: str
    status: str
    version: int
    late: bool
    missing: bool
    deadline: datetime | None
    submitted_at: datetime | None
    decided_at: datetime | None
    totals: dict[str, int]
    rates: dict[str, int]


def fold(state: ReportState | None, notice: ReportNotice) -> ReportState:
    """The state after ``notice``; an older or repeated notice leaves it as it was."""
    if state is None:
        state = ReportState(
            notice.unit_code,
            notice.level,
            notice.month,
            NOT_SUBMITTED,
            0,
            False,
            False,
            notice.deadline,
            None,
            None,
            {},
            {},
        )
    if notice.kind == MISSING:
        # Flagged at the deadline: only a report not (re)submitted by then.
        if state.status in (SUBMITTED, ACCEPTED):
            return state
        return replace(state, missing=True, deadline=notice.deadline or state.deadline)
    if notice.version is None or notice.version <= state.version:
        return state
    if notice.kind == SUBMITTED:
        return replace(
            state,
            status=SUBMITTED,
            version=notice.version,
            late=bool(notice.late),
            missing=False,
            deadline=notice.deadline or state.deadline,
            submitted_at=notice.at,
            decided_at=None,
            totals=dict(notice.totals),
            rates=dict(notice.rates),
        )
    return replace(
        state,
        status=ACCEPTED if notice.kind == ACCEPTED else RETURNED,
        version=notice.version,
        decided_at=notice.at,
    )


def shown_status(state: ReportState | None) -> str:
    """What the dashboard shows: 逾期 wins while the report is not in."""
    if state is None:
        return NOT_SUBMITTED
    if state.missing and state.status in (NOT_SUBMITTED, RETURNED):
        return MISSING
    return state.status


@dataclass(frozen=True)
class RateCount:
    numerator: int
    denominator: int

    @property
    def percent(self) -> float | None:
        """None when nothing was counted (never 100 %, ``domain/rates.py``)."""
        return None if self.denominator == 0 else round(100 * self.numerator / self.denominator, 1)


def rate_counts(rates: dict[str, int]) -> dict[str, RateCount]:
    """The carried counts by rate; a rate the submission did not carry is left out."""
    out: dict[str, RateCount] = {}
    for name in RATES:
        num, den = rates.get(f"{name}_numerator"), rates.get(f"{name}_denominator")
        if num is not None and den is not None:
            out[name] = RateCount(num, den)
    return out
