"""Intake's reads, returning rows or plain values: what a reporter, an officer's phone
or an Open311 client may see, and what the write path checks against (reference data,
duplicate candidates, uploaded attachments)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, exists, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake.adapters.tables import (
    attachments,
    case_progress,
    categories,
    diary_entries,
    registry_units,
    submission_attachments,
    submissions,
)
from services.intake.domain.area import MirroredUnit, ServingArea
from services.intake.domain.categories import Category, CategoryDictionary
from services.intake.domain.commands import SubmitReport
from services.intake.domain.duplicates import Candidate, DuplicatePolicy, searches_duplicates
from services.intake.domain.progress import STATUS_LABELS
from services.intake.domain.validation import Reference
from shared.auth.scoping import jurisdiction
from shared.auth.tokens import Principal
from shared.privacy.free_text import mask_text


def _public_view(row: Any) -> dict[str, Any]:
    """A case as the public may see it: no reporter, no parties, no contact, and phone
    and ID numbers in the title masked."""
    return {
        "case_id": row.case_id,
        "case_number": row.case_number,
        "kind": row.kind,
        "category": row.category,
        "subcategory": row.subcategory,
        "title": mask_text(row.title),
        "status": row.status,
        "status_label": STATUS_LABELS.get(row.status, row.status),
        "submitted_at": row.submitted_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
    }


async def _links(conn: AsyncConnection, case_id: str) -> list[str]:
    return list(
        (
            await conn.execute(
                select(submissions.c.case_number)
                .where(submissions.c.duplicate_of == case_id)
                .order_by(submissions.c.submitted_at)
            )
        ).scalars()
    )


async def case_view(conn: AsyncConnection, row: Any) -> dict[str, Any]:
    """A report and, if it was linked, the case it joined; both reporters see the link."""
    view = _public_view(row)
    if row.duplicate_of:
        primary = (
            await conn.execute(select(submissions).where(submissions.c.case_id == row.duplicate_of))
        ).one()
        view["linked_to"] = _public_view(primary)
        view["status"], view["status_label"] = (
            primary.status,
            STATUS_LABELS.get(primary.status, primary.status),
        )
    view["linked_reports"] = await _links(conn, row.case_id)
    view["attachments"] = list(
        (
            await conn.execute(
                select(submission_attachments.c.sha256).where(
                    submission_attachments.c.case_id == row.case_id
                )
            )
        ).scalars()
    )
    view["risk_signals"] = list(row.risk_signals or [])
    return view


async def primary_of(conn: AsyncConnection, row: Any) -> Any:
    """The case a report was linked to (or the report itself): for the holder of its
    tracking token, who may see both."""
    if not row.duplicate_of:
        return row
    return (
        await conn.execute(select(submissions).where(submissions.c.case_id == row.duplicate_of))
    ).first()


def in_jurisdiction(principal: Principal) -> ColumnElement[bool]:
    """A submission's unit is its assignment's, or before routing its grid."""
    return jurisdiction(
        principal,
        unit=func.coalesce(submissions.c.unit_code, submissions.c.grid_code, ""),
        assignee=submissions.c.assignee_id,
        reporter=submissions.c.reporter_id,
    )


async def by_id(conn: AsyncConnection, case_id: str, principal: Principal) -> Any:
    """The submission, if it is in ``principal``'s jurisdiction."""
    return (
        await conn.execute(
            select(submissions).where(submissions.c.case_id == case_id, in_jurisdiction(principal))
        )
    ).first()


async def by_tracking_hash(conn: AsyncConnection, digest: str) -> Any:
    return (
        await conn.execute(select(submissions).where(submissions.c.tracking_hash == digest))
    ).first()


def _list_item(row: Any, staff_id: str) -> dict[str, Any]:
    item = _public_view(row)
    item.update(
        assignee_id=row.assignee_id,
        unit_code=row.unit_code,
        duplicate_of=row.duplicate_of,
        grid_code=row.grid_code,
        address=row.address,
        location={"lng": row.lng, "lat": row.lat} if row.lng is not None else None,
        risk_signals=list(row.risk_signals or []),
        in_list=row.assignee_id == staff_id and row.status != "closed",
    )
    return item


# Cursors handed out before the cursor followed transaction ids counted a sequence and
# are all below this; a cursor below it reads from the start, so such a phone sees every
# row once more instead of missing any.
CURSOR_BASE = 2**40


# The oldest transaction of this database still running (or, with none, the next id):
# every one of its transactions below it has finished. Transactions of other databases
# on the server (never writers of these tables) do not hold it back; one that cannot be
# placed (no session shown, a prepared transaction) does, which only delays.
_HORIZON = text(
    """
SELECT least(
    pg_snapshot_xmax(s),
    (SELECT min(x) FROM pg_snapshot_xip(s) AS x
     WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a
                       WHERE a.backend_xid = xid(x)
                         AND a.datname IS DISTINCT FROM current_database()))
)::text::bigint AS horizon
FROM pg_current_snapshot() AS s
"""
)


@dataclass(frozen=True)
class SyncPage:
    """One page of a phone's incremental sync and the cursor for the next.

    Every row carries ``change_xid``, the id of the transaction that last changed it.
    Transaction ids are handed out when a transaction first writes, not when it commits,
    so a plain "greater than the last one seen" cursor skips a change whose transaction
    began before, and committed after, one already read. Here a page holds only rows
    below the oldest transaction still running (``_HORIZON``): every
    transaction below it has committed or rolled back, so nothing below the cursor can
    appear later. The price is a delay, never a loss: a change shows once every older
    transaction in the database has finished (normally milliseconds). A transaction's
    rows are never split between pages; ``next_since`` is that horizon (plus
    ``CURSOR_BASE``), or the first transaction a full page had no room for.
    """

    rows: list[Any]
    next_since: int


async def _sync_page(
    conn: AsyncConnection,
    table: Table,
    where: list[ColumnElement[bool]],
    order: ColumnElement[Any],
    since: int,
    limit: int,
) -> SyncPage:
    horizon = int((await conn.execute(_HORIZON)).scalar_one())
    start = max(since - CURSOR_BASE, 0)
    xid = table.c.change_xid
    rows = (
        await conn.execute(
            select(table)
            .where(*where, xid >= start, xid < horizon)
            .order_by(xid, order)
            .limit(limit)
        )
    ).all()
    if len(rows) < limit:
        return SyncPage(list(rows), horizon + CURSOR_BASE)
    last = int(rows[-1].change_xid)
    if rows[0].change_xid < last:
        # The last transaction may go on past this page: it comes whole on the next.
        return SyncPage([r for r in rows if r.change_xid < last], last + CURSOR_BASE)
    # One transaction fills the page: all of it, however many rows it changed.
    whole = await conn.execute(select(table).where(*where, xid == last).order_by(order))
    return SyncPage(list(whole.all()), last + 1 + CURSOR_BASE)


async def todo(conn: AsyncConnection, staff_id: str, since: int, limit: int) -> SyncPage:
    """Cases assigned to me and not closed; with ``in_list`` false for ones that left me."""
    page = await _sync_page(
        conn,
        submissions,
        [
            or_(
                submissions.c.assignee_id == staff_id,
                submissions.c.previous_assignee_id == staff_id,
            ),
            submissions.c.duplicate_of.is_(None),
        ],
        submissions.c.case_id,
        since,
        limit,
    )
    items = [_list_item(r, staff_id) for r in page.rows]
    # A first sync (since=0) needs only what is still mine.
    return SyncPage([i for i in items if i["in_list"]] if since == 0 else items, page.next_since)


async def done(conn: AsyncConnection, staff_id: str, since: int, limit: int) -> SyncPage:
    """What I reported (上报), and cases assigned to me that are closed."""
    page = await _sync_page(
        conn,
        submissions,
        [
            or_(
                submissions.c.reporter_id == staff_id,
                (submissions.c.assignee_id == staff_id) & (submissions.c.status == "closed"),
            )
        ],
        submissions.c.case_id,
        since,
        limit,
    )
    return SyncPage([_list_item(r, staff_id) for r in page.rows], page.next_since)


async def diary(conn: AsyncConnection, staff_id: str, since: int, limit: int) -> SyncPage:
    page = await _sync_page(
        conn,
        diary_entries,
        [diary_entries.c.staff_id == staff_id],
        diary_entries.c.entry_id,
        since,
        limit,
    )
    items = [
        {
            "entry_id": r.entry_id,
            "content": r.content,
            "occurred_on": r.occurred_on,
            "grid_code": r.grid_code,
            "address": r.address,
            "location": {"lng": r.lng, "lat": r.lat} if r.lng is not None else None,
            "promoted_case_id": r.promoted_case_id,
            "created_at": r.created_at.isoformat(),
        }
        for r in page.rows
    ]
    return SyncPage(items, page.next_since)


async def open311_requests(
    conn: AsyncConnection,
    *,
    ids: list[str] | None,
    service_codes: list[str] | None,
    statuses: list[str] | None,
    start: datetime | None,
    end: datetime | None,
    limit: int = 1000,
) -> list[Any]:
    """Reports for GeoReport v2 ``GET requests`` (ids are case numbers), with their
    case-work progress (``work_state``, ``work_due_at``) when intake has heard of any."""
    query = (
        select(
            submissions,
            case_progress.c.state.label("work_state"),
            case_progress.c.due_at.label("work_due_at"),
        )
        .select_from(
            submissions.outerjoin(case_progress, case_progress.c.case_id == submissions.c.case_id)
        )
        .where(submissions.c.kind == "report")
    )
    if ids:
        query = query.where(submissions.c.case_number.in_(ids))
    if service_codes:
        query = query.where(submissions.c.category.in_(service_codes))
    if statuses:
        wants_closed = "closed" in statuses
        wants_open = "open" in statuses
        if wants_closed and not wants_open:
            query = query.where(submissions.c.status == "closed")
        elif wants_open and not wants_closed:
            query = query.where(submissions.c.status != "closed")
    if start:
        query = query.where(submissions.c.submitted_at >= start)
    if end:
        query = query.where(submissions.c.submitted_at <= end)
    return list(
        (await conn.execute(query.order_by(submissions.c.submitted_at.desc()).limit(limit))).all()
    )


async def count_reports(conn: AsyncConnection) -> int:
    return int((await conn.execute(select(func.count()).select_from(submissions))).scalar_one())


async def attachment_media_type(
    conn: AsyncConnection, digest: str, principal: Principal
) -> str | None:
    """The attachment's type, if it belongs to a report in ``principal``'s jurisdiction."""
    linked_in_scope = exists(
        select(submission_attachments.c.case_id)
        .join(submissions, submissions.c.case_id == submission_attachments.c.case_id)
        .where(submission_attachments.c.sha256 == digest, in_jurisdiction(principal))
    )
    return (
        await conn.execute(
            select(attachments.c.media_type).where(attachments.c.sha256 == digest, linked_in_scope)
        )
    ).scalar_one_or_none()


# --- what the write path reads ---------------------------------------------------------

# The duplicate search reads at most this many candidates per submission.
CANDIDATES = 50

# Table name and limit are constants; every value is a bound parameter.
_CANDIDATES_SQL = f"""
SELECT q.i, s.case_id, s.case_number, s.category, s.lng, s.lat
FROM unnest(CAST(:i AS int[]), CAST(:category AS text[]),
            CAST(:lng0 AS float8[]), CAST(:lng1 AS float8[]),
            CAST(:lat0 AS float8[]), CAST(:lat1 AS float8[]))
     AS q(i, category, lng0, lng1, lat0, lat1)
CROSS JOIN LATERAL (
    SELECT case_id, case_number, category, lng, lat
    FROM {submissions.fullname} s
    WHERE s.category = q.category
      AND s.duplicate_of IS NULL AND s.status <> 'closed' AND s.kind = 'report'
      AND s.lat BETWEEN q.lat0 AND q.lat1 AND s.lng BETWEEN q.lng0 AND q.lng1
      AND s.submitted_at >= :since
    LIMIT {CANDIDATES}
) s
"""  # noqa: S608


async def stored_candidates(
    conn: AsyncConnection, cmds: Sequence[SubmitReport], now: datetime, policy: DuplicatePolicy
) -> list[list[Candidate]]:
    """For each command, the open reports of its category near it (one query for all)."""
    found: list[list[Candidate]] = [[] for _ in cmds]
    params: dict[str, list[Any]] = {
        k: [] for k in ("i", "category", "lng0", "lng1", "lat0", "lat1")
    }
    dlat = policy.radius_m / 111_000
    for i, cmd in enumerate(cmds):
        point = cmd.location.point
        if point is None or not searches_duplicates(cmd, policy):
            continue
        dlng = dlat / max(math.cos(math.radians(point.lat)), 0.01)
        for name, value in (
            ("i", i),
            ("category", cmd.category),
            ("lng0", point.lng - dlng),
            ("lng1", point.lng + dlng),
            ("lat0", point.lat - dlat),
            ("lat1", point.lat + dlat),
        ):
            params[name].append(value)
    if not params["i"]:
        return found
    rows = await conn.execute(text(_CANDIDATES_SQL), {**params, "since": now - policy.window})
    for row in rows:
        found[row.i].append(Candidate(row.case_id, row.case_number, row.category, row.lng, row.lat))
    return found


async def missing_attachments(conn: AsyncConnection, digests: set[str]) -> set[str]:
    """Which of these attachment ids were never uploaded."""
    if not digests:
        return set()
    found = set(
        (
            await conn.execute(
                select(attachments.c.sha256).where(attachments.c.sha256.in_(sorted(digests)))
            )
        ).scalars()
    )
    return digests - found


async def load_reference(conn: AsyncConnection) -> Reference:
    """The serving area (the registry mirror) and the category dictionary."""
    units = (
        await conn.execute(
            select(
                registry_units.c.code,
                registry_units.c.level,
                registry_units.c.parent_code,
                registry_units.c.boundary,
            )
        )
    ).all()
    rows = (await conn.execute(select(categories).order_by(categories.c.sort))).all()
    return Reference(
        area=ServingArea(MirroredUnit(u.code, u.level, u.parent_code, u.boundary) for u in units),
        categories=CategoryDictionary(
            Category(
                kind=r.kind,
                code=r.code,
                name_en=r.name_en,
                slug=r.slug,
                subtypes=tuple(r.subtypes or ()),
                response_hours=r.response_hours,
                active=r.active,
            )
            for r in rows
        ),
    )


async def parties_and_text(conn: AsyncConnection, case_id: str, principal: Principal) -> Any:
    """A case's stored parties (sealed) and free text, if in ``principal``'s jurisdiction."""
    return (
        await conn.execute(
            select(
                submissions.c.case_id,
                submissions.c.case_number,
                submissions.c.parties,
                submissions.c.title,
                submissions.c.description,
                submissions.c.facts,
            ).where(submissions.c.case_id == case_id, in_jurisdiction(principal))
        )
    ).first()
