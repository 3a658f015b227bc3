"""Reads for "my work": the cases waiting for the signed-in person's action now, with
their deadline, within their jurisdiction (the condition is in the WHERE clause, the
same ``may_work`` rule that decides who may take a step).

What the file waits for is stored with it (``case_files.next_action``, indexed), so
this is one query: a case nobody has opened yet waits to be accepted by its assignee;
verification waits for the grid officer who reported it or a centre operator over its
unit; everything else waits for the case's handler or the people who joined it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, literal, or_, select, text, true
from sqlalchemy.ext.asyncio import AsyncConnection

from services.mediation.adapters.case_work_access import may_work
from services.mediation.adapters.case_work_tables import case_files
from services.mediation.adapters.clock_tables import case_supervisions
from services.mediation.adapters.tables import cases
from services.mediation.domain.agenda import ACCEPT, ANSWER_SUPERVISION, REVIEW_AGREEMENT, VERIFY
from services.mediation.domain.cycle_notices import OPEN
from services.mediation.domain.dispute import State
from shared.auth.roles import OPERATORS
from shared.auth.tokens import Principal

MAX_ITEMS = 200


@dataclass(frozen=True)
class WorkItem:
    case_id: str
    case_number: str | None
    kind: str | None
    title: str | None
    unit_name: str | None
    state: str
    action: str
    due_at: datetime | None
    risk_signals: tuple[str, ...]
    # Escalation's card on the clock that times this action (``domain/clocks.py``).
    card: str | None = None
    # A supervision (督办) the item answers: its level.
    supervision_level: str | None = None


def _item(r: Any, action: str, due_at: datetime | None, **extra: Any) -> WorkItem:
    """A row of one of the queries below (each selects the case's columns and state)."""
    return WorkItem(
        r.case_id,
        r.case_number,
        r.kind,
        r.title,
        r.unit_name,
        r.state,
        action,
        due_at,
        tuple(r.risk_signals or ()),
        **extra,
    )


async def my_work(conn: AsyncConnection, principal: Principal) -> list[WorkItem]:
    """Up to ``MAX_ITEMS`` cases waiting for ``principal``, earliest deadline first."""
    joined = func.coalesce(
        case_files.c.participants, literal([], type_=case_files.c.participants.type)
    )
    mine = or_(
        cases.c.assignee_id == principal.staff_id,
        literal(principal.staff_id) == func.any(joined),
    )
    # Centre operators verify for their whole area (``may_work`` bounds it).
    verifier = true() if principal.role in OPERATORS else cases.c.reporter_id == principal.staff_id
    action = func.coalesce(case_files.c.next_action, ACCEPT)
    waiting = or_(and_(action == VERIFY, verifier), and_(action != VERIFY, mine))
    query = (
        select(
            cases.c.case_id,
            cases.c.case_number,
            cases.c.kind,
            cases.c.title,
            cases.c.unit_name,
            func.coalesce(case_files.c.state, "new").label("state"),
            action.label("action"),
            case_files.c.next_action_due.label("due_at"),
            cases.c.risk_signals,
        )
        .select_from(cases.outerjoin(case_files, case_files.c.case_id == cases.c.case_id))
        .where(
            cases.c.status == "assigned",
            may_work(principal),
            or_(case_files.c.case_id.is_(None), case_files.c.next_action.is_not(None)),
            waiting,
        )
        .order_by(
            case_files.c.next_action_due.asc().nulls_last(),
            cases.c.assigned_at.asc().nulls_last(),
            cases.c.case_id,
        )
        .limit(MAX_ITEMS)
    )
    return [_item(r, r.action, r.due_at) for r in await conn.execute(query)]


async def supervisions_to_answer(conn: AsyncConnection, principal: Principal) -> list[WorkItem]:
    """Open supervisions (督办) of cases ``principal`` handles (named by escalation, or
    the case's handler now), within their jurisdiction, earliest answer due first."""
    mine = or_(
        case_supervisions.c.handler_id == principal.staff_id,
        cases.c.assignee_id == principal.staff_id,
    )
    query = (
        select(
            cases.c.case_id,
            cases.c.case_number,
            cases.c.kind,
            cases.c.title,
            cases.c.unit_name,
            func.coalesce(case_files.c.state, "new").label("state"),
            case_supervisions.c.answer_due_at,
            case_supervisions.c.level,
            cases.c.risk_signals,
        )
        .select_from(
            case_supervisions.join(cases, cases.c.case_id == case_supervisions.c.case_id).outerjoin(
                case_files, case_files.c.case_id == cases.c.case_id
            )
        )
        .where(case_supervisions.c.status == OPEN, mine, may_work(principal))
        .order_by(case_supervisions.c.answer_due_at, case_supervisions.c.supervision_id)
        .limit(MAX_ITEMS)
    )
    return [
        _item(r, ANSWER_SUPERVISION, r.answer_due_at, supervision_level=r.level)
        for r in await conn.execute(query)
    ]


async def agreements_to_review(conn: AsyncConnection, principal: Principal) -> list[WorkItem]:
    """Written agreements awaiting signatures that no legal adviser has reviewed yet,
    on the cases ``principal`` (a legal adviser) may work: their community's
    (一社区一法律顾问, practice; the review is ``Dispute.review_agreement``). Due by the
    mediation time limit, before which the parties sign (MoJ 2002 art. 33)."""
    unreviewed = (
        func.jsonb_array_length(
            func.coalesce(
                case_files.c.document.op("#>")(text("'{written_agreement,reviews}'")),
                text("'[]'::jsonb"),
            )
        )
        == 0
    )
    query = (
        select(
            cases.c.case_id,
            cases.c.case_number,
            cases.c.kind,
            cases.c.title,
            cases.c.unit_name,
            case_files.c.state,
            case_files.c.due_at,
            cases.c.risk_signals,
        )
        .select_from(cases.join(case_files, case_files.c.case_id == cases.c.case_id))
        .where(
            cases.c.status == "assigned",
            case_files.c.state == State.AWAITING_SIGNATURES.value,
            unreviewed,
            may_work(principal),
        )
        .order_by(case_files.c.due_at.asc().nulls_last(), cases.c.case_id)
        .limit(MAX_ITEMS)
    )
    return [_item(r, REVIEW_AGREEMENT, r.due_at) for r in await conn.execute(query)]
