"""Reads for the web app: the case list with its filters, one case, counts for the
supervisors' overview. Every query carries the caller's jurisdiction in its WHERE
clause (``shared.auth.scoping``), so a case outside it is simply not there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from services.mediation.adapters import staff_directory
from services.mediation.adapters.case_work_access import may_read, may_work
from services.mediation.adapters.case_work_tables import case_files
from services.mediation.adapters.queries import CaseView, visible_to
from services.mediation.adapters.tables import case_counts, cases
from services.mediation.domain.clocks import CARDS
from shared.auth.scoping import jurisdiction
from shared.auth.tokens import Principal

MAX_PAGE_SIZE = 100
PAGE_SIZES = (25, 50, 100)
# The CSV export is one answer, not a stream: bounded so a district's whole history
# cannot pin a process. The page says when the list was cut.
MAX_EXPORT_ROWS = 20_000

SORTS: dict[str, tuple[Any, ...]] = {
    "-submitted": (cases.c.submitted_at.desc().nulls_last(), cases.c.case_id.desc()),
    "submitted": (cases.c.submitted_at.asc().nulls_last(), cases.c.case_id.asc()),
    "-assigned": (cases.c.assigned_at.desc().nulls_last(), cases.c.case_id.desc()),
    "number": (cases.c.case_number.asc().nulls_last(), cases.c.case_id.asc()),
    "status": (cases.c.status.asc(), cases.c.submitted_at.desc().nulls_last()),
}
DEFAULT_SORT = "-submitted"
KINDS = ("dispute", "report")  # CaseSubmittedV1.kind
# What a typed search must look like to be taken for (the start of) a case number.
CASE_NUMBER = re.compile(r"[A-Za-z]{2}[0-9]{6,}")
# Dates typed into the filter are days in China.
LOCAL_TIME = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class CaseFilters:
    """What the list is narrowed to; every field comes from the page's URL."""

    status: str = ""
    kind: str = ""
    category: str = ""
    unit: str = ""  # a unit code: that unit and everything under it
    handler: str = ""  # a staff id
    submitted_from: date | None = None
    submitted_to: date | None = None  # inclusive
    text: str = ""  # case number or title contains
    card: str = ""  # "yellow" or "red": the worst card of the case's clocks
    # A deadline bucket (``domain/agenda.py``: overdue, today, tomorrow, this-week,
    # later) and the range of deadlines it stands for at the time of asking
    # (``agenda.bucket_window``), on the file's next deadline, the one "my work" shows.
    due: str = ""
    due_window: tuple[datetime | None, datetime | None] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class CasePage:
    rows: list[CaseView]
    page: int
    page_size: int
    has_next: bool


@dataclass(frozen=True)
class Facets:
    """Choices offered by the filter form, from the cases the caller can see."""

    kinds: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    handlers: list[tuple[str, str]] = field(default_factory=list)  # (staff id, name)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _conditions(principal: Principal, filters: CaseFilters) -> list[ColumnElement[bool]]:
    terms: list[ColumnElement[bool]] = [visible_to(principal)]
    if filters.status:
        terms.append(cases.c.status == filters.status)
    if filters.kind:
        terms.append(cases.c.kind == filters.kind)
    if filters.category:
        terms.append(cases.c.category == filters.category)
    if filters.unit:
        terms.append(cases.c.unit_code.startswith(filters.unit, autoescape=True))
    if filters.handler:
        terms.append(cases.c.assignee_id == filters.handler)
    if filters.submitted_from is not None:
        start = datetime.combine(filters.submitted_from, time.min, LOCAL_TIME)
        terms.append(cases.c.submitted_at >= start)
    if filters.submitted_to is not None:
        end = datetime.combine(filters.submitted_to + timedelta(days=1), time.min, LOCAL_TIME)
        terms.append(cases.c.submitted_at < end)
    if filters.card in CARDS:
        # The worst card of the case's clocks, kept on its row (``ix_cases_card``).
        terms.append(cases.c.card == filters.card)
    if filters.due and filters.due_window is not None:
        terms.append(_due_within(*filters.due_window))
    if filters.text and CASE_NUMBER.fullmatch(filters.text):
        # A case number is searched from its start (``ix_cases_number``).
        terms.append(cases.c.case_number.startswith(filters.text.upper(), autoescape=True))
    elif filters.text:
        pattern = f"%{_escape_like(filters.text)}%"
        terms.append(
            or_(
                cases.c.case_number.ilike(pattern, escape="\\"),
                cases.c.title.ilike(pattern, escape="\\"),
            )
        )
    return terms


def _due_within(start: datetime | None, end: datetime | None) -> ColumnElement[bool]:
    """Cases whose next step is due in ``[start, end)`` (``None``: unbounded), by the
    deadline kept on the case's row (``adapters/case_deadlines.py``, ``ix_cases_deadline``)."""
    terms: list[ColumnElement[bool]] = [cases.c.deadline_at.is_not(None)]
    if start is not None:
        terms.append(cases.c.deadline_at >= start)
    if end is not None:
        terms.append(cases.c.deadline_at < end)
    return and_(*terms)


def _row(record: Any) -> CaseView:
    return CaseView(**{name: getattr(record, name) for name in CaseView.__dataclass_fields__})


async def list_cases(
    conn: AsyncConnection,
    principal: Principal,
    filters: CaseFilters,
    *,
    sort: str = DEFAULT_SORT,
    page: int = 1,
    page_size: int = PAGE_SIZES[0],
) -> CasePage:
    """One page of the filtered list (offset paging with a bounded page size; one row
    more than the page is read to know whether there is a next page)."""
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    page = max(1, page)
    query = (
        select(cases)
        .where(and_(*_conditions(principal, filters)))
        .order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT]))
        .limit(page_size + 1)
        .offset((page - 1) * page_size)
    )
    records = (await conn.execute(query)).all()
    rows = [_row(r) for r in records[:page_size]]
    return CasePage(rows, page, page_size, len(records) > page_size)


async def export_cases(
    conn: AsyncConnection, principal: Principal, filters: CaseFilters, *, sort: str
) -> tuple[list[CaseView], bool]:
    """The whole filtered list for CSV, up to ``MAX_EXPORT_ROWS``; True if cut."""
    query = (
        select(cases)
        .where(and_(*_conditions(principal, filters)))
        .order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT]))
        .limit(MAX_EXPORT_ROWS + 1)
    )
    records = (await conn.execute(query)).all()
    return [_row(r) for r in records[:MAX_EXPORT_ROWS]], len(records) > MAX_EXPORT_ROWS


async def get_case(conn: AsyncConnection, principal: Principal, case_id: str) -> CaseView | None:
    record = (
        await conn.execute(select(cases).where(cases.c.case_id == case_id, visible_to(principal)))
    ).first()
    return _row(record) if record is not None else None


def _distinct_values(column: Any, name: str) -> Any:
    """The distinct non-null values of an indexed column, one index probe each (a loose
    index scan): a dozen categories among a million cases cost a dozen probes, where
    ``SELECT DISTINCT`` reads every row."""
    walk = select(func.min(column).label("v")).cte(name, recursive=True)
    following = select(column).where(column > walk.c.v).order_by(column).limit(1)
    walk = walk.union_all(
        select(following.scalar_subquery().label("v")).where(walk.c.v.is_not(None))
    )
    return select(walk.c.v).where(walk.c.v.is_not(None))


async def facets(conn: AsyncConnection, principal: Principal) -> Facets:
    """The filter's choices. Kinds are the two the stream has; categories are those in
    use anywhere (a choice that finds nothing in one's area is harmless, and cheap to
    list); handlers are those holding a case the caller may see, each checked with one
    probe of ``ix_cases_assignee_unit``."""
    categories = await conn.execute(_distinct_values(cases.c.category, "categories"))
    handler_ids = _distinct_values(cases.c.assignee_id, "handlers").subquery()
    held = cases.alias("held")
    sees_one = (
        select(held.c.assignee_name)
        .where(
            held.c.assignee_id == handler_ids.c.v,
            jurisdiction(
                principal,
                unit=held.c.unit_code,
                assignee=held.c.assignee_id,
                reporter=held.c.reporter_id,
            ),
        )
        .limit(1)
        .lateral()
    )
    handlers = await conn.execute(
        select(handler_ids.c.v, sees_one.c.assignee_name).select_from(
            handler_ids.join(sees_one, true())
        )
    )
    return Facets(
        list(KINDS),
        sorted(c for (c,) in categories),
        sorted(((h, n or h) for h, n in handlers), key=lambda pair: pair[1]),
    )


@dataclass(frozen=True)
class UnitStatusCount:
    unit_code: str | None
    status: str
    count: int


async def status_counts_by_unit(
    conn: AsyncConnection, principal: Principal
) -> Sequence[UnitStatusCount]:
    """Cases by (unit, status) in the units the caller oversees (their unit and
    everything under it); the overview rolls them up the tree. Units only, not the
    caller's own or reported cases elsewhere; read from ``case_counts``, the counts the
    projection keeps, not a count of the cases."""
    result = await conn.execute(
        select(case_counts.c.unit_code, case_counts.c.status, case_counts.c.cases).where(
            jurisdiction(principal, unit=case_counts.c.unit_code), case_counts.c.cases > 0
        )
    )
    return [UnitStatusCount(u or None, s, int(n)) for u, s, n in result]


@dataclass(frozen=True)
class CaseHeader:
    """The case page's header: the view's columns a case file does not hold."""

    case_id: str
    case_number: str | None
    kind: str | None
    category: str | None
    title: str | None
    status: str
    unit_code: str | None
    unit_name: str | None
    assignee_id: str | None
    assignee_name: str | None
    assignee_role: str | None
    reporter_id: str | None
    submitted_at: datetime | None
    assigned_at: datetime | None
    risk_signals: tuple[str, ...]
    people_involved: int | None


async def case_header(
    conn: AsyncConnection, principal: Principal, case_id: str
) -> CaseHeader | None:
    """One case for its page: whoever may read its file (``may_read``: the
    jurisdiction, the people who joined it, and the grid officer who reported it)."""
    record = (
        await conn.execute(
            select(
                *[cases.c[f] for f in CaseHeader.__dataclass_fields__ if f != "risk_signals"],
                cases.c.risk_signals,
            )
            .select_from(cases.outerjoin(case_files, case_files.c.case_id == cases.c.case_id))
            .where(cases.c.case_id == case_id, may_read(principal))
        )
    ).first()
    if record is None:
        return None
    values = dict(record._mapping)
    values["risk_signals"] = tuple(values["risk_signals"] or ())
    return CaseHeader(**values)


@dataclass(frozen=True)
class Colleague:
    staff_id: str
    name: str
    role: str | None
    unit_code: str


async def colleagues(conn: AsyncConnection, unit_codes: Sequence[str]) -> list[Colleague]:
    """The people mediation knows as members of these units (its staff directory,
    from routing's registry events, and whoever routing assigned a case there), for
    the handover's choice (委员会内转交); routing checks its register when it applies
    the handover."""
    if not unit_codes:
        return []
    rows = await conn.execute(
        select(cases.c.assignee_id, cases.c.assignee_name, cases.c.assignee_role, cases.c.unit_code)
        .where(cases.c.unit_code.in_(list(unit_codes)), cases.c.assignee_id.is_not(None))
        .distinct()
        .order_by(cases.c.unit_code, cases.c.assignee_name, cases.c.assignee_id)
    )
    seen: dict[tuple[str, str], Colleague] = {
        (m.unit_code, m.staff_id): Colleague(m.staff_id, m.name, m.role, m.unit_code)
        for m in await staff_directory.members_of(conn, list(unit_codes))
    }
    for r in rows:
        seen.setdefault(
            (r.unit_code, r.assignee_id),
            Colleague(
                r.assignee_id, r.assignee_name or r.assignee_id, r.assignee_role, r.unit_code
            ),
        )
    return list(seen.values())


async def may_work_case(conn: AsyncConnection, principal: Principal, case_id: str) -> bool:
    """Whether the caller may work on the case now (the note and handover forms)."""
    row = (
        await conn.execute(
            select(cases.c.case_id)
            .select_from(cases.outerjoin(case_files, case_files.c.case_id == cases.c.case_id))
            .where(cases.c.case_id == case_id, cases.c.status == "assigned", may_work(principal))
        )
    ).first()
    return row is not None
