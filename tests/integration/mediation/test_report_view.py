"""The monthly reports reach the dashboard (GridCase issue 15 item 3 "shown on the
dashboard", issue 14 item 8 "the rates ... for the dashboard"): published the way
escalation publishes them (its outbox, its relay, real Kafka), mediation's one consumer
of the cycle topic folds each unit's month into its state, figures and time-limit rates,
and the reports page's query shows them within the caller's jurisdiction only."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from services.mediation.adapters.report_queries import latest_month, reports_of_month
from services.mediation.domain.report_states import (
    ACCEPTED,
    MISSING,
    rate_counts,
    shown_status,
)
from services.mediation.domain.report_states import RateCount as Count
from shared.auth.tokens import Principal
from shared.events import topics
from shared.events.escalation import (
    MonthlyReportAcceptedV1,
    MonthlyReportMissingV1,
    MonthlyReportReturnedV1,
    MonthlyReportSubmittedV1,
    RateCount,
    ReportTotals,
    TimeLimitRates,
)
from shared.events.payload import Payload
from tests.harness import Stack, eventually

pytestmark = pytest.mark.integration

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONTH = "2026-11"
SUBMITTING = "451102001001"  # a community of 城东街道 that submits, is returned, resubmits
SILENT = "451102001002"  # one that never submits: flagged missing at the deadline
DEADLINE = datetime(2026, 12, 3, 18, 0, tzinfo=SHANGHAI)
STREET_OPERATOR = Principal("op-451102001-1", "street_operator", ("451102001",))
OTHER_STREET = Principal("op-451102002-1", "street_operator", ("451102002",))
RATES = TimeLimitRates(
    response=RateCount(numerator=4, denominator=5),
    resolution=RateCount(numerator=2, denominator=3),
    satisfaction=RateCount(numerator=0, denominator=0),
    on_time_closure=RateCount(numerator=3, denominator=3),
    mediation_success=RateCount(numerator=1, denominator=2),
)


async def publish_as_escalation(stack: Stack, *keyed: tuple[str, Payload]) -> None:
    async with stack.runtime("escalation").uow() as uow:
        for key, payload in keyed:
            uow.publish(topics.CYCLE, key, payload)
        await uow.commit()


def submitted(version: int, at: datetime, screened: int) -> MonthlyReportSubmittedV1:
    return MonthlyReportSubmittedV1(
        unit_code=SUBMITTING,
        level="community",
        month=MONTH,
        version=version,
        submitted_by="op-451102001001-1",
        submitted_at=at,
        deadline=DEADLINE,
        late=at > DEADLINE,
        totals=ReportTotals(screened=screened, accepted=2, mediated=2, succeeded=1),
        time_limit_rates=RATES,
    )


async def test_submissions_returns_acceptance_and_missing_fold_into_the_dashboards_view(
    system: Stack,
) -> None:
    key, silent_key = f"{SUBMITTING}:{MONTH}", f"{SILENT}:{MONTH}"
    first = submitted(1, datetime(2026, 12, 2, 10, 0, tzinfo=SHANGHAI), 2)
    await publish_as_escalation(system, (key, first))
    await publish_as_escalation(
        system,
        (
            key,
            MonthlyReportReturnedV1(
                unit_code=SUBMITTING,
                level="community",
                month=MONTH,
                version=2,
                returned_by="op-451102001-1",
                returned_at=datetime(2026, 12, 3, 9, 0, tzinfo=SHANGHAI),
                reason="成功数与台账不符",
            ),
        ),
        (
            silent_key,
            MonthlyReportMissingV1(
                unit_code=SILENT,
                level="community",
                month=MONTH,
                deadline=DEADLINE,
                status="not_submitted",
                flagged_at=DEADLINE,
            ),
        ),
    )
    # Resubmitted after the deadline, accepted, and the first submission again (a
    # second publication of the same fact, under a new event id).
    await publish_as_escalation(
        system,
        (key, submitted(3, datetime(2026, 12, 4, 9, 0, tzinfo=SHANGHAI), 3)),
        (
            key,
            MonthlyReportAcceptedV1(
                unit_code=SUBMITTING,
                level="community",
                month=MONTH,
                version=4,
                accepted_by="op-451102001-1",
                accepted_at=datetime(2026, 12, 4, 15, 0, tzinfo=SHANGHAI),
            ),
        ),
        (key, first),
    )

    async def heard() -> bool:
        rows = await system.sql(
            "SELECT 1 FROM mediation.monthly_reports WHERE month = $1 "
            "HAVING count(*) = 2 AND max(version) = 4",
            MONTH,
        )
        return bool(rows)

    await eventually(heard)
    async with system.runtime("mediation").uow() as uow:
        seen = await reports_of_month(uow.connection, STREET_OPERATOR, MONTH)
        other = await reports_of_month(uow.connection, OTHER_STREET, MONTH)
        newest = await latest_month(uow.connection, STREET_OPERATOR)
    assert set(seen) == {SUBMITTING, SILENT}
    done, silent = seen[SUBMITTING], seen[SILENT]
    assert shown_status(done) == ACCEPTED and done.version == 4
    assert done.late is True  # resubmitted after the deadline: 迟报, not 逾期
    assert done.missing is False
    assert done.totals["screened"] == 3  # the resubmission's figures, not the first
    assert rate_counts(done.rates)["response"] == Count(4, 5)
    assert rate_counts(done.rates)["satisfaction"].percent is None  # 0/0: no rate
    assert shown_status(silent) == MISSING and silent.deadline == DEADLINE
    assert other == {}  # another street's operator sees neither
    assert newest is not None and newest >= MONTH
