"""The rates' gauges: this month's numerator and denominator of every rate, and the
ratings given, per street; every known street at zero so the series exist before its
first case. Part of the grouped figures refresh (``figures.py``), never per scrape."""

from __future__ import annotations

from services.escalation.adapters.rate_queries import (
    facts_by_street,
    known_streets,
    ratings_by_street,
)
from services.escalation.domain.rates import RATES, SATISFACTION, RateCounts, month_of
from services.escalation.domain.satisfaction import RatedCounts, satisfaction_rate
from shared.metrics import CASE_RATINGS, RATE_DENOMINATOR, RATE_NUMERATOR
from shared.runtime import ServiceRuntime

RATINGS = ("satisfied", "basically_satisfied", "not_satisfied")


async def refresh_rate_figures(runtime: ServiceRuntime[None]) -> None:
    now = runtime.clock.now()
    period = month_of(now)
    async with runtime.uow() as uow:
        facts = await facts_by_street(uow.connection, period)
        ratings = await ratings_by_street(uow.connection, period)
        streets = set(await known_streets(uow.connection))
    counts: dict[str, RateCounts] = {}
    for one in facts:
        counts.setdefault(one.street, RateCounts()).add(one.facts, period, now)
    streets |= counts.keys() | ratings.keys()
    # Cleared and set with no await between: a scrape never sees half a refresh.
    RATE_NUMERATOR.clear()
    RATE_DENOMINATOR.clear()
    CASE_RATINGS.clear()
    for street in sorted(streets):
        rated = ratings.get(street, RatedCounts())
        rates = {**counts.get(street, RateCounts()).rates(), SATISFACTION: satisfaction_rate(rated)}
        for name in RATES:
            RATE_NUMERATOR.labels(runtime.name, street, name).set(rates[name].numerator)
            RATE_DENOMINATOR.labels(runtime.name, street, name).set(rates[name].denominator)
        for rating in RATINGS:
            CASE_RATINGS.labels(runtime.name, street, rating).set(getattr(rated, rating))
