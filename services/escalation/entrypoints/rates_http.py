"""The rates over HTTP: ``GET /rates?unit=<code>&period=2026-12`` (a month) or
``period=2026`` (a year, to date), for the unit and every unit below it, each rate with
its numerator and denominator (``domain/rates.py``), within the caller's jurisdiction."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from functools import cache

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from services.escalation.adapters.rate_queries import facts_under, ratings_under
from services.escalation.domain.rate_weights import (
    THREE_RATES,
    load_weights,
    weighted_score,
    weights_for,
)
from services.escalation.domain.rates import (
    MEDIATION_SUCCESS,
    ON_TIME_CLOSURE,
    RATES,
    RESOLUTION,
    RESPONSE,
    SATISFACTION,
    PeriodInvalid,
    parse_period,
    tally,
)
from services.escalation.domain.satisfaction import satisfaction_rate
from shared.auth import roles
from shared.auth.policy import Access
from shared.auth.scoping import covers_unit
from shared.auth.tokens import Principal
from shared.http.problems import VALIDATION, FieldError, not_found
from shared.runtime import ServiceRuntime

router = APIRouter(tags=["rates"])
READERS = Access(*roles.STAFF, scopes=(roles.SCOPE_CASES_READ,))

NAMES = {
    RESPONSE: ("响应率", "accepted within the accept limit / due to be accepted"),
    RESOLUTION: ("解决率", "closed as resolved / due to close"),
    SATISFACTION: ("满意率", "rated satisfied / rated"),
    ON_TIME_CLOSURE: ("按期结案率", "closed by the closing limit / due to close"),
    MEDIATION_SUCCESS: ("成功率", "disputes mediated successfully / accepted for mediation"),
}


class RateOut(BaseModel):
    rate: str = Field(description=", ".join(RATES))
    name_zh: str
    formula: str
    numerator: int
    denominator: int
    value: float | None = Field(description="numerator / denominator; null when nothing counted")


class ThreeRatesOut(BaseModel):
    """三率 weighted by the unit's district (data: ``domain/rate_weights.json``)."""

    weights: dict[str, float]
    score: float | None = Field(description="Σ weight × rate; null while any rate is null")


@cache
def _weights() -> dict[str, dict[str, Fraction]]:
    return load_weights()


class RatesOut(BaseModel):
    unit: str
    period: str
    start: datetime
    end: datetime
    as_of: datetime
    rates: list[RateOut]
    three_rates: ThreeRatesOut


@router.get(
    "/rates",
    response_model=RatesOut,
    responses={404: {"description": "No such unit within the caller's jurisdiction"}},
)
async def rates(
    request: Request,
    unit: str = Query(description="unit code: the unit and everything below it"),
    period: str = Query(description="a month (2026-12) or a year to date (2026)"),
    principal: Principal = Depends(READERS),
) -> RatesOut:
    """响应率, 解决率, 满意率, 按期结案率 and 成功率 of a unit and the units below it in a
    month or a year, each with its counts (DOMAIN.md "Rates, written down")."""
    errors = []
    if not (unit.isdigit() and 2 <= len(unit) <= 15):
        errors.append(
            FieldError(
                "#/query/unit",
                "unit_code",
                "A unit code: 2 to 15 digits.",
                "单位编码应为 2 至 15 位数字。",
            )
        )
    try:
        window = parse_period(period)
    except PeriodInvalid:
        errors.append(
            FieldError(
                "#/query/period",
                "period",
                "A month (2026-12) or a year (2026).",
                "应为月份（如 2026-12）或年份（如 2026）。",
            )
        )
    if errors:
        raise VALIDATION("The query is not valid.", "查询参数有误。", errors=errors)
    if not covers_unit(principal, unit):
        raise not_found("unit", "单位")
    runtime: ServiceRuntime[None] = request.app.state.runtime
    now = runtime.clock.now()
    async with runtime.uow() as uow:
        facts = await facts_under(uow.connection, principal, unit, window)
        rated = await ratings_under(uow.connection, principal, unit, window)
    found = {**tally(facts, window, now).rates(), SATISFACTION: satisfaction_rate(rated)}
    weights = weights_for(unit, _weights())
    score = weighted_score(found, weights)
    return RatesOut(
        unit=unit,
        period=window.label,
        start=window.start,
        end=window.end,
        as_of=now,
        rates=[
            RateOut(
                rate=name,
                name_zh=NAMES[name][0],
                formula=NAMES[name][1],
                numerator=found[name].numerator,
                denominator=found[name].denominator,
                value=float(value) if (value := found[name].value) is not None else None,
            )
            for name in RATES
        ],
        three_rates=ThreeRatesOut(
            weights={name: float(weights[name]) for name in THREE_RATES},
            score=float(score) if score is not None else None,
        ),
    )
