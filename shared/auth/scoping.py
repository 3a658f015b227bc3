"""Jurisdiction as a SQL condition, added to the WHERE of every staff query.

- administrators: everything;
- centre operators and machine clients: units under theirs (code prefix, 下辖);
- grid officers: their grid (a grid code has nothing under it);
- mediators, community police, legal advisers: cases assigned to them and cases of
  their committee's unit (the exact unit code);
- everyone: cases assigned to them or reported by them (where the table says so).

Because the limit is in the query, a case outside the caller's jurisdiction is simply
not found: the routes answer 404 for it, never 403.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, or_, true

from shared.auth.roles import ADMIN, CLIENT, GRID_OFFICER, HANDLERS, OPERATORS
from shared.auth.tokens import Principal


def _codes(principal: Principal) -> list[str]:
    # Unit codes are digits; anything else in a token is ignored rather than trusted
    # inside a LIKE pattern.
    return [c for c in principal.unit_codes if c.isdigit()]


def jurisdiction(
    principal: Principal,
    *,
    unit: Any,
    assignee: Any | None = None,
    reporter: Any | None = None,
) -> ColumnElement[bool]:
    """The condition a row must meet to be visible to ``principal``.

    ``unit`` is the row's unit-code column (or expression); ``assignee`` and
    ``reporter`` the columns naming the staff member handling or reporting it, where
    the table has them.
    """
    if principal.role == ADMIN:
        return true()
    codes = _codes(principal)
    own: list[ColumnElement[bool]] = []
    if assignee is not None:
        own.append(assignee == principal.staff_id)
    if reporter is not None:
        own.append(reporter == principal.staff_id)
    if principal.role in OPERATORS or principal.role == CLIENT or principal.role == GRID_OFFICER:
        terms = [unit.startswith(c, autoescape=True) for c in codes] + own
        return or_(*terms) if terms else false()
    if principal.role in HANDLERS:
        terms = own + ([unit.in_(codes)] if codes else [])
        return or_(*terms) if terms else false()
    return false()


def covers_unit(principal: Principal, unit_code: str) -> bool:
    """The same rule for one unit code held in memory (e.g. a registry lookup answer)."""
    if principal.role == ADMIN:
        return True
    codes = _codes(principal)
    if principal.role in HANDLERS:
        return unit_code in codes
    return any(unit_code.startswith(c) for c in codes)
