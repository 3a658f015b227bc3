"""Mediation's one consumer of the cycle topic (``gridcase.cycle.v1``): escalation's
notices about cases (clock warnings and cards, extensions, supervision, escalations up
the tree), for the dashboard's cards, timeline and "my work"; and the monthly reports'
submissions up the tree (月报告), for the reports page.

Table-driven: each event type that concerns a case is one row of ``CYCLE_EVENTS``, a
reader from its payload to the domain's notice (``domain/clocks.py`` for a clock's
notices, ``domain/cycle_notices.py`` for the others); the topic's other events
(screening tasks) are not mediation's and are passed over by the consumer.
"""

from __future__ import annotations

from collections.abc import Callable

from services.mediation.domain import cycle_notices as cn
from services.mediation.domain import report_states as rs
from services.mediation.domain.clocks import RED_CARD, WARNED, YELLOW_CARD, ClockNotice
from services.mediation.service_layer.clocks import apply_cycle_notices
from services.mediation.service_layer.report_view import apply_report_notices
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.envelope import CloudEvent
from shared.events.escalation import (
    CaseEscalatedV1,
    ClockNoticeV1,
    ClockWarnedV1,
    ExtensionDecidedV1,
    ExtensionRequestedV1,
    MonthlyReportAcceptedV1,
    MonthlyReportMissingV1,
    MonthlyReportReturnedV1,
    MonthlyReportSubmittedV1,
    RedCardIssuedV1,
    SupervisionAnsweredV1,
    SupervisionAnswerOverdueV1,
    SupervisionCancelledV1,
    SupervisionIssuedV1,
    YellowCardIssuedV1,
)
from shared.messaging.received import read_payload
from shared.messaging.specs import VIEW_GATHER_MS, ConsumerSpec

Notice = ClockNotice | cn.CycleNotice | rs.ReportNotice


def _clock(model: type[ClockNoticeV1], notice: str) -> Callable[[CloudEvent], Notice]:
    def read(event: CloudEvent) -> Notice:
        p = read_payload(model, event)
        return ClockNotice(
            notice,
            p.clock_id,
            p.case_id,
            p.stage,
            p.due_at,
            p.yellow_at,
            p.red_at,
            p.fired_at,
            p.handler_id,
        )

    return read


def _extension_requested(event: CloudEvent) -> Notice:
    p = read_payload(ExtensionRequestedV1, event)
    return cn.extension_requested(
        p.case_id, p.requested_at, p.stage, p.requested_days, p.reason, p.current_due_at
    )


def _extension_decided(event: CloudEvent) -> Notice:
    p = read_payload(ExtensionDecidedV1, event)
    return cn.extension_decided(
        p.case_id,
        p.decided_at,
        approved=p.decision == "approved",
        stage=p.stage,
        requested=p.requested_days,
        granted=p.granted_days,
        moved=cn.ClockMoved(p.clock_id, p.due_at, p.yellow_at, p.red_at),
    )


def _supervision_issued(event: CloudEvent) -> Notice:
    p = read_payload(SupervisionIssuedV1, event)
    opened = cn.SupervisionOpened(
        p.supervision_id, p.case_id, p.level, p.handler_id, p.answer_due_at, p.issued_at
    )
    return cn.supervision_issued(opened, by_policy=p.origin == "red_card")


def _supervision_answered(event: CloudEvent) -> Notice:
    p = read_payload(SupervisionAnsweredV1, event)
    return cn.supervision_answered(p.case_id, p.supervision_id, p.answered_at, on_time=p.on_time)


def _supervision_cancelled(event: CloudEvent) -> Notice:
    p = read_payload(SupervisionCancelledV1, event)
    return cn.supervision_cancelled(p.case_id, p.supervision_id, p.cancelled_at)


def _supervision_answer_overdue(event: CloudEvent) -> Notice:
    p = read_payload(SupervisionAnswerOverdueV1, event)
    return cn.supervision_answer_overdue(p.case_id, p.supervision_id, p.flagged_at, p.answer_due_at)


def _case_escalated(event: CloudEvent) -> Notice:
    p = read_payload(CaseEscalatedV1, event)
    return cn.case_escalated(
        p.case_id,
        p.escalated_at,
        reason=p.reason,
        from_level=p.from_level,
        from_unit=p.from_unit_code,
        to_level=p.to_level,
        to_unit=p.to_unit_code,
    )


def _rate_counts(p: MonthlyReportSubmittedV1) -> dict[str, int]:
    """Flat counts (``<rate>_numerator``/``_denominator``) as the view keeps them."""
    if p.time_limit_rates is None:
        return {}
    out: dict[str, int] = {}
    for name, rate in p.time_limit_rates:
        out[f"{name}_numerator"] = rate.numerator
        out[f"{name}_denominator"] = rate.denominator
    return out


def _report_submitted(event: CloudEvent) -> Notice:
    p = read_payload(MonthlyReportSubmittedV1, event)
    return rs.ReportNotice(
        rs.SUBMITTED,
        p.unit_code,
        p.level,
        p.month,
        p.submitted_at,
        version=p.version,
        late=p.late,
        deadline=p.deadline,
        totals=p.totals.model_dump(),
        rates=_rate_counts(p),
    )


def _report_returned(event: CloudEvent) -> Notice:
    p = read_payload(MonthlyReportReturnedV1, event)
    return rs.ReportNotice(rs.RETURNED, p.unit_code, p.level, p.month, p.returned_at, p.version)


def _report_accepted(event: CloudEvent) -> Notice:
    p = read_payload(MonthlyReportAcceptedV1, event)
    return rs.ReportNotice(rs.ACCEPTED, p.unit_code, p.level, p.month, p.accepted_at, p.version)


def _report_missing(event: CloudEvent) -> Notice:
    p = read_payload(MonthlyReportMissingV1, event)
    return rs.ReportNotice(
        rs.MISSING, p.unit_code, p.level, p.month, p.flagged_at, deadline=p.deadline
    )


CYCLE_EVENTS: dict[str, Callable[[CloudEvent], Notice]] = {
    ClockWarnedV1.event_type: _clock(ClockWarnedV1, WARNED),
    YellowCardIssuedV1.event_type: _clock(YellowCardIssuedV1, YELLOW_CARD),
    RedCardIssuedV1.event_type: _clock(RedCardIssuedV1, RED_CARD),
    ExtensionRequestedV1.event_type: _extension_requested,
    ExtensionDecidedV1.event_type: _extension_decided,
    SupervisionIssuedV1.event_type: _supervision_issued,
    SupervisionAnsweredV1.event_type: _supervision_answered,
    SupervisionCancelledV1.event_type: _supervision_cancelled,
    SupervisionAnswerOverdueV1.event_type: _supervision_answer_overdue,
    CaseEscalatedV1.event_type: _case_escalated,
    MonthlyReportSubmittedV1.event_type: _report_submitted,
    MonthlyReportReturnedV1.event_type: _report_returned,
    MonthlyReportAcceptedV1.event_type: _report_accepted,
    MonthlyReportMissingV1.event_type: _report_missing,
}


async def _on_cycle_events(uow: UnitOfWork, events: list[CloudEvent]) -> None:
    notices = [CYCLE_EVENTS[e.type](e) for e in events]
    await apply_cycle_notices(uow, [n for n in notices if not isinstance(n, rs.ReportNotice)])
    await apply_report_notices(uow, [n for n in notices if isinstance(n, rs.ReportNotice)])


def cycle_view_consumer() -> ConsumerSpec:
    return ConsumerSpec(
        name="cycle-view",
        topics=[topics.CYCLE],
        # One handler for every case notice: a batch's notices apply together, in order.
        batch_handlers=dict.fromkeys(CYCLE_EVENTS, _on_cycle_events),
        gather_ms=VIEW_GATHER_MS,
    )
