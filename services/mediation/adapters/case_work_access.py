"""Who may work or read a case file, as SQL conditions (never a filter after loading).

- work (write) on a dispute: mediators, community police and legal advisers on cases
  assigned to them, to their committee's unit, or that they joined (invited,
  referred), unless a party refused them or they recused (arts. 19, 23);
- work on a situation report: grid officers on reports assigned to them, reported by
  them (they verify) or in their grid, and centre operators over its unit (they
  verify, close, or act for the unit);
- everyone above: also on cases routing keeps them on as a co-handler (the first
  receiver of an escalated or handed-down case, 首接负责);
- read: the same people, and centre operators of the units above (下辖, code prefix)
  and administrators; a grid officer also reads the reports they made.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, any_, exists, func, literal, not_, or_, select

from services.mediation.adapters.case_work_tables import case_files
from services.mediation.adapters.tables import cases
from shared.auth.roles import GRID_OFFICER, HANDLERS, OPERATORS
from shared.auth.scoping import jurisdiction
from shared.auth.tokens import Principal


def _joined(principal: Principal) -> ColumnElement[bool]:
    return literal(principal.staff_id) == func.any(
        func.coalesce(case_files.c.participants, literal([], type_=case_files.c.participants.type))
    )


def _co_handler(principal: Principal) -> ColumnElement[bool]:
    """Kept on the case by routing: the first receiver of an escalated case (首接负责)."""
    return literal(principal.staff_id) == func.any(cases.c.co_handler_ids)


def _excluded(principal: Principal) -> ColumnElement[bool]:
    return literal(principal.staff_id) == func.any(
        func.coalesce(case_files.c.excluded, literal([], type_=case_files.c.excluded.type))
    )


def may_read(principal: Principal) -> Any:
    """Rows of ``cases`` (left-joined to ``case_files``) the caller may read."""
    scoped = jurisdiction(
        principal,
        unit=cases.c.unit_code,
        assignee=cases.c.assignee_id,
        reporter=cases.c.reporter_id,
    )
    return and_(or_(scoped, _joined(principal), _co_handler(principal)), not_(_excluded(principal)))


def may_work(principal: Principal) -> Any:
    """Rows the caller may change."""
    if principal.role in HANDLERS:
        scoped = jurisdiction(principal, unit=cases.c.unit_code, assignee=cases.c.assignee_id)
        return and_(
            cases.c.kind == "dispute",
            or_(scoped, _joined(principal), _co_handler(principal)),
            not_(_excluded(principal)),
        )
    if principal.role == GRID_OFFICER or principal.role in OPERATORS:
        scoped = jurisdiction(
            principal,
            unit=cases.c.unit_code,
            assignee=cases.c.assignee_id,
            reporter=cases.c.reporter_id,
        )
        return and_(cases.c.kind == "report", or_(scoped, _co_handler(principal)))
    return literal(False)


def not_refused(principal: Principal) -> ColumnElement[bool]:
    """For queries of ``cases`` alone (the case view): not a case on which a party
    refused the caller or the caller recused."""
    return ~exists(
        select(literal(1)).where(
            case_files.c.case_id == cases.c.case_id,
            literal(principal.staff_id) == any_(case_files.c.excluded),
        )
    )
