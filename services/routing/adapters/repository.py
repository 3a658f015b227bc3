"""SQL for the routing schema, translating rows to and from domain objects."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    any_,
    bindparam,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.routing.adapters.tables import (
    assignments,
    exclusions,
    policies,
    registry_version,
    routed_cases,
    staff,
    units,
)
from services.routing.domain.policy import Policy, parse_rules
from services.routing.domain.registry import OrgUnit
from services.routing.domain.staff import OffDuty, StaffMember
from shared.auth.scoping import jurisdiction
from shared.auth.tokens import Principal


def unit_from_row(row: Any) -> OrgUnit:
    return OrgUnit(row.code, row.name, row.level, row.parent_code, row.area_type, row.boundary)


def staff_from_row(row: Any) -> StaffMember:
    return StaffMember(
        staff_id=row.staff_id,
        name=row.name,
        role=row.role,
        unit_code=row.unit_code,
        open_cases=row.open_cases,
        capacity=row.capacity,
        active=row.on_duty,
        covers=tuple(row.covers or ()),
        skills=tuple(row.skills or ()),
        employment=row.employment,
        off_duty=tuple(
            OffDuty(
                datetime.fromisoformat(p["start"]),
                datetime.fromisoformat(p["end"]),
                p.get("reason", ""),
            )
            for p in (row.off_duty or [])
        ),
        phone=row.phone,
    )


# Built once; a batch's rows go as parameters (one multi-row statement, compiled once:
# ``.values(rows)`` compiled a new one for every batch).
_REMEMBER_CASES = pg_insert(routed_cases).on_conflict_do_nothing().returning(routed_cases)


class RoutingRepository:
    """The routing tables seen through one connection (one unit of work)."""

    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    # --- registry -------------------------------------------------------------------
    async def registry_version(self) -> int:
        return int((await self.conn.execute(select(registry_version.c.version))).scalar_one())

    async def bump_registry_version(self) -> int:
        """Every registry change bumps this row, so that every routing process notices."""
        result = await self.conn.execute(
            update(registry_version)
            .where(registry_version.c.id == 1)
            .values(version=registry_version.c.version + 1, changed_at=func.now())
            .returning(registry_version.c.version)
        )
        return int(result.scalar_one())

    async def lock_registry(self) -> None:
        """Serialise registry writers (imports validate against the tree they read)."""
        await self.conn.execute(
            select(registry_version.c.version).where(registry_version.c.id == 1).with_for_update()
        )

    async def all_units(self) -> dict[str, OrgUnit]:
        rows = (await self.conn.execute(select(units))).all()
        return {r.code: unit_from_row(r) for r in rows}

    async def upsert_units(self, changed: Iterable[OrgUnit]) -> None:
        rows = [u.as_row() for u in changed]
        if not rows:
            return
        stmt = pg_insert(units)
        await self.conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[units.c.code],
                set_={
                    "name": stmt.excluded.name,
                    "level": stmt.excluded.level,
                    "parent_code": stmt.excluded.parent_code,
                    "area_type": stmt.excluded.area_type,
                    "boundary": stmt.excluded.boundary,
                    "updated_at": func.now(),
                },
            ),
            rows,
        )

    async def delete_units(self, codes: list[str]) -> None:
        if codes:
            await self.conn.execute(delete(units).where(units.c.code.in_(codes)))

    # --- staff ----------------------------------------------------------------------
    async def all_staff(self) -> dict[str, StaffMember]:
        rows = (await self.conn.execute(select(staff).order_by(staff.c.staff_id))).all()
        return {r.staff_id: staff_from_row(r) for r in rows}

    async def staff_serving(self, codes: list[str], *, lock: bool = False) -> list[StaffMember]:
        """Staff whose home unit or covered units include any of ``codes``.

        With ``lock`` the rows are locked (in id order, so concurrent deciders never
        deadlock) so that two decisions cannot both fill someone's last free place.
        """
        query = (
            select(staff)
            .where(or_(staff.c.unit_code.in_(codes), staff.c.covers.overlap(codes)))
            .order_by(staff.c.staff_id)
        )
        if lock:
            query = query.with_for_update()
        return [staff_from_row(r) for r in (await self.conn.execute(query)).all()]

    async def staff_member(self, staff_id: str, *, lock: bool = False) -> StaffMember | None:
        query = select(staff).where(staff.c.staff_id == staff_id)
        if lock:
            query = query.with_for_update()
        row = (await self.conn.execute(query)).first()
        return staff_from_row(row) if row else None

    async def staffed_unit_codes(self) -> set[str]:
        rows = (await self.conn.execute(select(staff.c.unit_code, staff.c.covers))).all()
        out: set[str] = set()
        for r in rows:
            out.add(r.unit_code)
            out.update(r.covers or ())
        return out

    async def upsert_staff(self, members: Iterable[StaffMember]) -> None:
        rows = [m.as_row() for m in members]
        if not rows:
            return
        stmt = pg_insert(staff)
        await self.conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[staff.c.staff_id],
                set_={
                    key: getattr(stmt.excluded, key)
                    for key in rows[0]
                    if key not in ("staff_id", "open_cases")
                }
                | {"updated_at": func.now()},
            ),
            rows,
        )

    async def delete_staff(self, staff_ids: list[str]) -> None:
        if staff_ids:
            await self.conn.execute(delete(staff).where(staff.c.staff_id.in_(staff_ids)))

    async def change_load(self, staff_ids: Iterable[str], delta: int) -> None:
        ids = list(staff_ids)
        if ids:
            await self.conn.execute(
                update(staff)
                .where(staff.c.staff_id.in_(ids))
                .values(open_cases=func.greatest(staff.c.open_cases + delta, 0))
            )

    async def set_loads(self, loads: dict[str, int]) -> None:
        """Set open-case counts computed from rows this transaction has locked."""
        if loads:
            await self.conn.execute(
                update(staff)
                .where(staff.c.staff_id == bindparam("b_staff_id"))
                .values(open_cases=bindparam("b_open_cases")),
                [{"b_staff_id": k, "b_open_cases": v} for k, v in loads.items()],
            )

    # --- policy ---------------------------------------------------------------------
    async def policy_version(self) -> int:
        return int((await self.conn.execute(select(func.max(policies.c.version)))).scalar_one())

    async def current_policy(self) -> Policy:
        row = (
            await self.conn.execute(select(policies).order_by(policies.c.version.desc()).limit(1))
        ).one()
        return parse_rules(row.rules, row.version)

    async def add_policy(self, rules: list[dict[str, Any]], note: str | None) -> int:
        """The next version; the table lock keeps two editors from taking the same number."""
        await self.conn.execute(
            select(registry_version.c.id).where(registry_version.c.id == 1).with_for_update()
        )
        version = await self.policy_version() + 1
        await self.conn.execute(policies.insert().values(version=version, rules=rules, note=note))
        return version

    # --- cases and assignments --------------------------------------------------------
    async def remember_cases(self, rows: list[dict[str, Any]]) -> list[Any]:
        """Keep the cases' routing facts: the stored rows, in the order given, leaving
        out cases already known (redelivered events)."""
        if not rows:
            return []
        result = await self.conn.execute(_REMEMBER_CASES, rows)
        stored = {row.case_id: row for row in result}
        return [stored[r["case_id"]] for r in rows if r["case_id"] in stored]

    async def routed_case(self, case_id: str) -> Any:
        return (
            await self.conn.execute(select(routed_cases).where(routed_cases.c.case_id == case_id))
        ).first()

    async def active_assignment(self, case_id: str, *, lock: bool = False) -> Any:
        query = select(assignments).where(
            assignments.c.case_id == case_id, assignments.c.active.is_(True)
        )
        if lock:
            query = query.with_for_update()
        return (await self.conn.execute(query)).first()

    async def first_receiver(self, case_id: str) -> StaffMember | None:
        """Who received the case first and kept it (首接负责): the lead of its earliest
        assignment who was not excluded since (rejecting, recusal and a handover, 转办,
        exclude; they are not responsible), with their registry row; None if nobody."""
        row = (
            await self.conn.execute(
                select(staff)
                .join(assignments, assignments.c.assignee_id == staff.c.staff_id)
                .where(
                    assignments.c.case_id == case_id,
                    ~exists().where(
                        exclusions.c.case_id == case_id,
                        exclusions.c.staff_id == assignments.c.assignee_id,
                    ),
                )
                .order_by(assignments.c.assigned_at, assignments.c.assignment_id)
                .limit(1)
            )
        ).first()
        return staff_from_row(row) if row is not None else None

    async def case_visible(self, case_id: str, principal: Principal) -> bool:
        """Whether the case has an active assignment in ``principal``'s jurisdiction.

        The condition is the selected value, so its truth is the answer (a row that
        merely exists, holding ``false``, is not)."""
        visible = await self.conn.scalar(
            select(case_in_jurisdiction(principal)).where(assignments.c.case_id == case_id).limit(1)
        )
        return bool(visible)

    async def add_assignments(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self.conn.execute(assignments.insert(), rows)

    async def end_assignment(self, assignment_id: str, reason: str, at: datetime) -> None:
        await self.conn.execute(
            update(assignments)
            .where(assignments.c.assignment_id == assignment_id)
            .values(active=False, ended_at=at, ended_reason=reason)
        )

    async def exclusions_of(self, case_id: str) -> dict[str, str]:
        rows = (
            await self.conn.execute(select(exclusions).where(exclusions.c.case_id == case_id))
        ).all()
        return {r.staff_id: r.reason for r in rows}

    async def exclude(self, case_id: str, staff_id: str, kind: str, reason: str) -> None:
        await self.conn.execute(
            pg_insert(exclusions)
            .values(case_id=case_id, staff_id=staff_id, kind=kind, reason=reason)
            .on_conflict_do_nothing()
        )


def case_in_jurisdiction(principal: Principal) -> ColumnElement[bool]:
    """Whether the case of the enclosing ``assignments`` row has an active assignment
    in ``principal``'s jurisdiction (by its unit, or by its assignee), or has them as a
    co-handler (the first receiver kept on an escalated case, 首接负责)."""
    current = assignments.alias("current")
    return exists(
        select(current.c.case_id).where(
            current.c.case_id == assignments.c.case_id,
            current.c.active,
            or_(
                jurisdiction(principal, unit=current.c.unit_code, assignee=current.c.assignee_id),
                literal(principal.staff_id) == any_(current.c.co_handler_ids),
            ),
        )
    )
