"""Reads behind the rates: each case's facts in a period for a unit and everything
below it (within the caller's jurisdiction), the ratings given, and the same per
street for the gauges. Counting is the domain's (``domain/rates.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.escalation.adapters.rate_facts import rate_facts
from services.escalation.adapters.screening_tables import registry_units
from services.escalation.adapters.tables import case_ratings
from services.escalation.domain.rates import CaseRateFacts, Period
from services.escalation.domain.satisfaction import RatedCounts
from shared.auth.scoping import jurisdiction
from shared.auth.tokens import Principal

_FACTS = [rate_facts.c[name] for name in CaseRateFacts.__dataclass_fields__]
# A unit code's first 9 digits are its street or township (乡镇/街道).
_STREET = func.left(rate_facts.c.unit_code, 9).label("street")


def _in_period(period: Period) -> ColumnElement[bool]:
    """Rows some rate may count in ``period`` (the domain decides which)."""
    return or_(
        *(
            and_(column >= period.start, column < period.end)
            for column in (
                rate_facts.c.accept_due_at,
                rate_facts.c.close_due_at,
                rate_facts.c.mediation_accepted_at,
            )
        )
    )


def _facts(row: object) -> CaseRateFacts:
    return CaseRateFacts(
        **{name: getattr(row, name) for name in CaseRateFacts.__dataclass_fields__}
    )


async def facts_under(
    conn: AsyncConnection, principal: Principal, unit: str, period: Period
) -> list[CaseRateFacts]:
    """Cases of ``unit`` and the units below it that may count in ``period``."""
    rows = await conn.execute(
        select(*_FACTS).where(
            rate_facts.c.unit_code.startswith(unit, autoescape=True),
            jurisdiction(principal, unit=rate_facts.c.unit_code),
            _in_period(period),
        )
    )
    return [_facts(row) for row in rows]


def _counts(by_rating: dict[str, int]) -> RatedCounts:
    return RatedCounts(
        satisfied=by_rating.get("satisfied", 0),
        basically_satisfied=by_rating.get("basically_satisfied", 0),
        not_satisfied=by_rating.get("not_satisfied", 0),
    )


async def ratings_under(
    conn: AsyncConnection, principal: Principal, unit: str, period: Period
) -> RatedCounts:
    """Ratings given in ``period`` to cases of ``unit`` and below, by rating (满意率)."""
    rows = await conn.execute(
        select(case_ratings.c.rating, func.count().label("n"))
        .where(
            case_ratings.c.rated_at >= period.start,
            case_ratings.c.rated_at < period.end,
            case_ratings.c.unit_code.startswith(unit, autoescape=True),
            jurisdiction(principal, unit=case_ratings.c.unit_code),
        )
        .group_by(case_ratings.c.rating)
    )
    return _counts({row.rating: int(row.n) for row in rows})


@dataclass(frozen=True)
class StreetFacts:
    street: str
    facts: CaseRateFacts


async def facts_by_street(conn: AsyncConnection, period: Period) -> list[StreetFacts]:
    """Every case that may count in ``period``, with its street (for the gauges)."""
    rows = await conn.execute(
        select(_STREET, *_FACTS).where(rate_facts.c.unit_code.is_not(None), _in_period(period))
    )
    return [StreetFacts(row.street, _facts(row)) for row in rows]


async def ratings_by_street(conn: AsyncConnection, period: Period) -> dict[str, RatedCounts]:
    street = func.left(case_ratings.c.unit_code, 9).label("street")
    rows = await conn.execute(
        select(street, case_ratings.c.rating, func.count().label("n"))
        .where(
            case_ratings.c.rated_at >= period.start,
            case_ratings.c.rated_at < period.end,
            case_ratings.c.unit_code.is_not(None),
        )
        .group_by(street, case_ratings.c.rating)
    )
    found: dict[str, dict[str, int]] = {}
    for row in rows:
        found.setdefault(row.street, {})[row.rating] = int(row.n)
    return {street: _counts(by_rating) for street, by_rating in found.items()}


async def known_streets(conn: AsyncConnection) -> list[str]:
    """The streets (乡镇/街道) escalation knows from the registry and from its cases, so
    every street's gauges exist at zero before its first case."""
    from_units = select(func.left(registry_units.c.code, 9).label("street")).where(
        func.length(registry_units.c.code) >= 9
    )
    from_cases = select(_STREET).where(rate_facts.c.unit_code.is_not(None))
    rows = await conn.execute(from_units.union(from_cases))
    return sorted(row.street for row in rows)
