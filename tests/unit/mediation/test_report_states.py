"""Mediation's view of the monthly reports (月报告, seed 001; issue 15 item 3): the
states the dashboard shows, folded from escalation's events in any order, once."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from services.mediation.domain.report_states import (
    ACCEPTED,
    MISSING,
    NOT_SUBMITTED,
    RETURNED,
    SUBMITTED,
    RateCount,
    ReportNotice,
    ReportState,
    fold,
    rate_counts,
    shown_status,
)

AT = datetime(2027, 1, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
DEADLINE = datetime(2027, 1, 3, 18, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
UNIT, MONTH = "451102001001", "2026-12"


def notice(
    kind: str,
    version: int | None = None,
    *,
    late: bool | None = None,
    deadline: datetime | None = None,
    totals: dict[str, int] | None = None,
    rates: dict[str, int] | None = None,
) -> ReportNotice:
    return ReportNotice(
        kind, UNIT, "community", MONTH, AT, version, late, deadline, totals or {}, rates or {}
    )


def run(*notices: ReportNotice) -> ReportState | None:
    state: ReportState | None = None
    for n in notices:
        state = fold(state, n)
    return state


SUBMIT = notice(
    SUBMITTED,
    1,
    late=False,
    deadline=DEADLINE,
    totals={"screened": 3, "mediated": 2, "succeeded": 1},
    rates={"mediation_success_numerator": 1, "mediation_success_denominator": 2},
)


def test_nothing_heard_is_not_submitted_未报() -> None:
    assert shown_status(None) == NOT_SUBMITTED


def test_submitted_keeps_the_totals_and_rates_it_carried_已报() -> None:
    state = run(SUBMIT)
    assert state is not None and shown_status(state) == SUBMITTED
    assert state.totals["screened"] == 3
    assert rate_counts(state.rates) == {"mediation_success": RateCount(1, 2)}


def test_returned_then_accepted_by_version_退回_已接收() -> None:
    assert shown_status(run(SUBMIT, notice(RETURNED, 2))) == RETURNED
    resubmitted = notice(SUBMITTED, 3, late=True, totals={"screened": 4})
    state = run(SUBMIT, notice(RETURNED, 2), resubmitted, notice(ACCEPTED, 4))
    assert state is not None and shown_status(state) == ACCEPTED
    assert state.late and state.totals == {"screened": 4}


def test_a_replayed_or_older_event_changes_nothing() -> None:
    accepted = run(SUBMIT, notice(RETURNED, 2), notice(SUBMITTED, 3), notice(ACCEPTED, 4))
    assert run(SUBMIT, notice(RETURNED, 2), notice(SUBMITTED, 3), notice(ACCEPTED, 4), SUBMIT) == (
        accepted
    )
    # Heard out of order: the accepted version wins over an older submission.
    assert shown_status(run(notice(ACCEPTED, 4), SUBMIT, notice(RETURNED, 2))) == ACCEPTED


def test_flagged_missing_at_the_deadline_is_overdue_until_submitted_逾期() -> None:
    flagged = notice(MISSING, deadline=DEADLINE)
    assert shown_status(run(flagged)) == MISSING
    assert shown_status(run(SUBMIT, notice(RETURNED, 2), flagged)) == MISSING
    late = run(flagged, notice(SUBMITTED, 1, late=True))
    assert late is not None and shown_status(late) == SUBMITTED and late.late
    # A flag heard after a submission (another partition) does not undo it.
    assert shown_status(run(SUBMIT, flagged)) == SUBMITTED


def test_a_rate_with_nothing_counted_has_no_percentage_never_100() -> None:
    assert RateCount(0, 0).percent is None
    assert RateCount(4, 5).percent == 80.0
    assert rate_counts({"response_numerator": 1}) == {}
