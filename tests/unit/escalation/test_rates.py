"""The rates' formulas (DOMAIN.md "Rates, written down"; GridCase issue 14 item 8):
响应率 and 满意率 and 解决率 (三率, Beijing 12345 practice), 按期结案率 (a city's
published 737 / 972), 成功率 (a justice bureau's published 6,217 / 6,368); the 三率
weights as data."""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction

import pytest

from services.escalation.domain.clocks import BEIJING
from services.escalation.domain.rate_weights import (
    WeightsInvalid,
    load_weights,
    parse_weights,
    weighted_score,
    weights_for,
)
from services.escalation.domain.rates import (
    MEDIATION_SUCCESS,
    ON_TIME_CLOSURE,
    RESOLUTION,
    RESPONSE,
    CaseRateFacts,
    PeriodInvalid,
    month_of,
    parse_period,
    tally,
)
from services.escalation.domain.satisfaction import Rate

DEC = parse_period("2026-12")
DUE = datetime(2026, 12, 10, 18, tzinfo=BEIJING)
LATER = datetime(2027, 1, 20, tzinfo=BEIJING)  # "now", after every limit below


def case(**facts: object) -> CaseRateFacts:
    return CaseRateFacts(**facts)  # type: ignore[arg-type]


def test_response_rate_12345_is_accepted_within_the_accept_limit_over_due() -> None:
    cases = [
        case(accept_due_at=DUE, responded_at=DUE - timedelta(hours=5)),
        case(accept_due_at=DUE, responded_at=DUE),  # at the limit: within it
        case(accept_due_at=DUE, responded_at=DUE + timedelta(minutes=1)),  # late
        case(accept_due_at=DUE),  # never answered, limit passed
    ]
    rate = tally(cases, DEC, LATER).rates()[RESPONSE]
    assert (rate.numerator, rate.denominator, rate.value) == (2, 4, Fraction(1, 2))


def test_response_rate_counts_a_case_only_once_answered_or_past_its_limit() -> None:
    now = DUE - timedelta(days=1)
    waiting = case(accept_due_at=DUE)  # not yet due, not yet answered: in neither
    answered = case(accept_due_at=DUE, responded_at=now - timedelta(hours=1))
    rate = tally([waiting, answered], DEC, now).rates()[RESPONSE]
    assert (rate.numerator, rate.denominator) == (1, 1)


def test_a_case_counts_in_the_period_its_limit_falls_due_in() -> None:
    november_due = case(accept_due_at=datetime(2026, 11, 30, 18, tzinfo=BEIJING))
    # Midnight 1 January Beijing time is January's, even though it is 31 December in UTC.
    new_year = case(accept_due_at=datetime(2027, 1, 1, 0, tzinfo=BEIJING))
    assert tally([november_due, new_year], DEC, LATER).rates()[RESPONSE].denominator == 0


def test_on_time_closure_city_published_is_closed_by_the_limit_over_due_to_close() -> None:
    cases = [
        case(close_due_at=DUE, closed_at=DUE - timedelta(days=2), close_result="success"),
        case(close_due_at=DUE, closed_at=DUE + timedelta(days=2), close_result="success"),
        case(close_due_at=DUE),  # still open past its limit
    ]
    rate = tally(cases, DEC, LATER).rates()[ON_TIME_CLOSURE]
    assert (rate.numerator, rate.denominator) == (1, 3)


def test_resolution_rate_12345_is_resolved_over_due_to_close() -> None:
    cases = [
        case(close_due_at=DUE, closed_at=DUE, close_result="success"),
        case(close_due_at=DUE, closed_at=DUE, close_result="resolved"),  # a report
        case(close_due_at=DUE, closed_at=DUE, close_result="not_resolvable"),
        case(close_due_at=DUE, closed_at=DUE, close_result="failure"),
        case(close_due_at=DUE, closed_at=DUE, close_result="partial"),
        case(close_due_at=DUE),
    ]
    rate = tally(cases, DEC, LATER).rates()[RESOLUTION]
    assert (rate.numerator, rate.denominator) == (2, 6)


def test_mediation_success_justice_bureau_is_succeeded_over_accepted_for_mediation() -> None:
    accepted = DUE - timedelta(days=5)
    disputes = [
        case(kind="dispute", mediation_accepted_at=accepted, closed_at=DUE, close_result="success"),
        case(kind="dispute", mediation_accepted_at=accepted, closed_at=DUE, close_result="failure"),
        case(
            kind="dispute", mediation_accepted_at=accepted, closed_at=DUE, close_result="terminated"
        ),
        case(kind="dispute", mediation_accepted_at=accepted),  # still being mediated
        case(kind="report", mediation_accepted_at=accepted),  # reports are not mediated
    ]
    rate = tally(disputes, DEC, LATER).rates()[MEDIATION_SUCCESS]
    assert (rate.numerator, rate.denominator) == (1, 4)


def test_the_published_figures_come_out_of_the_formulas() -> None:
    """6,217 / 6,368 = 97.6 % (成功率); 737 / 972 = 75.82 % (按期结案率)."""
    accepted = DUE - timedelta(days=5)
    disputes = [
        case(kind="dispute", mediation_accepted_at=accepted, closed_at=DUE, close_result=result)
        for result in ["success"] * 6217 + ["failure"] * 151
    ]
    success = tally(disputes, DEC, LATER).rates()[MEDIATION_SUCCESS]
    assert round(float(success.value or 0) * 100, 1) == 97.6
    closings = [case(close_due_at=DUE, closed_at=DUE, close_result="success")] * 737 + [
        case(close_due_at=DUE, closed_at=LATER, close_result="success")
    ] * 235
    on_time = tally(closings, DEC, LATER).rates()[ON_TIME_CLOSURE]
    assert round(float(on_time.value or 0) * 100, 2) == 75.82


def test_nothing_due_is_no_rate_not_a_hundred_percent() -> None:
    rates = tally([], DEC, LATER).rates()
    assert {name: (r.denominator, r.value) for name, r in rates.items()} == dict.fromkeys(
        rates, (0, None)
    )


def test_periods_are_beijing_months_and_years() -> None:
    assert (DEC.start, DEC.end) == (
        datetime(2026, 12, 1, tzinfo=BEIJING),
        datetime(2027, 1, 1, tzinfo=BEIJING),
    )
    year = parse_period("2026")
    assert (year.start, year.end) == (
        datetime(2026, 1, 1, tzinfo=BEIJING),
        datetime(2027, 1, 1, tzinfo=BEIJING),
    )
    assert month_of(datetime(2026, 11, 30, 16, 30, tzinfo=BEIJING) + timedelta(hours=8)) == DEC


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "26-12", "2026-1", "december", "1999"])
def test_a_period_is_a_month_or_a_year(text: str) -> None:
    with pytest.raises(PeriodInvalid):
        parse_period(text)


def test_three_rates_weighted_score_uses_the_districts_weights_12345_practice() -> None:
    """One district weights 响应率 / 解决率 / 满意率 30 / 35 / 35 % (DOMAIN.md "Rates")."""
    table = load_weights()
    weights = weights_for("451102001001", table)
    assert weights == {
        "response": Fraction(3, 10),
        "resolution": Fraction(7, 20),
        "satisfaction": Fraction(7, 20),
    }
    rates = {
        "response": Rate(9, 10),
        "resolution": Rate(4, 5),
        "satisfaction": Rate(1, 2),
    }
    assert weighted_score(rates, weights) == Fraction(3, 10) * Fraction(9, 10) + Fraction(7, 20) * (
        Fraction(4, 5) + Fraction(1, 2)
    )
    rates["satisfaction"] = Rate(0, 0)
    assert weighted_score(rates, weights) is None  # nothing rated: no score either


def test_a_districts_own_weights_are_data_and_are_checked() -> None:
    table = parse_weights(
        {
            "default": {"response": 0.3, "resolution": 0.35, "satisfaction": 0.35},
            "451103": {"response": 0.2, "resolution": 0.4, "satisfaction": 0.4},
        }
    )
    assert weights_for("451103001", table)["response"] == Fraction(1, 5)
    assert weights_for("451102001", table)["response"] == Fraction(3, 10)
    with pytest.raises(WeightsInvalid):
        parse_weights({"default": {"response": 0.5, "resolution": 0.35, "satisfaction": 0.35}})
