"""Registry handlers: tree imports, unit and staff edits, coverage; each one transaction.

Every change bumps the registry version row and publishes ``gridcase.registry.v1``
events through the outbox in the same transaction, so mirrors (intake, the
governance centre) and every routing process see the change exactly when it commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from services.routing.adapters.repository import RoutingRepository
from services.routing.domain.registry import Issue, OrgUnit, RegistryRejected, UnitDraft
from services.routing.domain.staff import CoverageReport, StaffMember, coverage, validate_staff
from services.routing.domain.tree_validation import DEFAULT_TOLERANCE, validate_import
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.routing import StaffRemovedV1, StaffUpsertedV1, UnitRemovedV1, UnitUpsertedV1


@dataclass
class ChangeReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    registry_version: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "removed": len(self.removed),
            "unchanged": self.unchanged,
            "registry_version": self.registry_version,
            "created_codes": self.created,
            "updated_codes": self.updated,
            "removed_codes": self.removed,
        }


def _unit_event(unit: OrgUnit, now: datetime) -> UnitUpsertedV1:
    return UnitUpsertedV1(
        code=unit.code,
        name=unit.name,
        level=unit.level,  # type: ignore[arg-type]
        parent_code=unit.parent_code,
        area_type=unit.area_type,  # type: ignore[arg-type]
        boundary=unit.boundary,
        changed_at=now,
    )


def _staff_event(m: StaffMember, now: datetime) -> StaffUpsertedV1:
    row = m.as_row()
    return StaffUpsertedV1(
        staff_id=m.staff_id,
        name=m.name,
        role=m.role,  # type: ignore[arg-type]
        unit_code=m.unit_code,
        covers=list(m.covers),
        skills=list(m.skills),
        capacity=m.capacity,
        active=m.active,
        employment=m.employment,  # type: ignore[arg-type]
        off_duty=row["off_duty"],
        changed_at=now,
    )


async def import_units(
    uow: UnitOfWork,
    drafts: list[UnitDraft],
    *,
    replace: bool = False,
    tolerance: float = DEFAULT_TOLERANCE,
    parse_issues: list[Issue] | None = None,
) -> ChangeReport:
    """Apply an import file all-or-nothing; ``RegistryRejected`` lists every problem.

    ``parse_issues`` are problems the file reader already found (bad JSON, bad WKT);
    they are reported together with the validation's own.
    """
    repo = RoutingRepository(uow.connection)
    await repo.lock_registry()
    existing = await repo.all_units()
    tree, issues = validate_import(
        drafts,
        existing,
        replace=replace,
        staffed_codes=await repo.staffed_unit_codes(),
        tolerance=tolerance,
    )
    issues = list(parse_issues or []) + issues
    if issues or tree is None:
        raise RegistryRejected(issues)
    report = ChangeReport(
        created=[u.code for u in tree.upserted if u.code not in existing],
        updated=[u.code for u in tree.upserted if u.code in existing],
        removed=tree.removed,
        unchanged=len(drafts) - len(tree.upserted),
    )
    if tree.upserted or tree.removed:
        await repo.upsert_units(tree.upserted)
        await repo.delete_units(tree.removed)
        report.registry_version = await repo.bump_registry_version()
        now = datetime.now(UTC)
        for unit in tree.upserted:
            uow.publish(topics.REGISTRY, unit.code, _unit_event(unit, now))
        for code in tree.removed:
            uow.publish(topics.REGISTRY, code, UnitRemovedV1(code=code, changed_at=now))
    await uow.commit()
    return report


async def remove_unit(uow: UnitOfWork, code: str) -> int:
    """Remove one unit that has no children and no staff; the new registry version."""
    repo = RoutingRepository(uow.connection)
    await repo.lock_registry()
    existing = await repo.all_units()
    where = f"unit {code}"
    if code not in existing:
        raise KeyError(code)
    issues = [
        Issue(
            where,
            "unit-has-children",
            f"{code} still has the unit {child}.",
            f"{code} 仍有下级单位 {child}。",
            code,
        )
        for child, u in existing.items()
        if u.parent_code == code
    ]
    if code in await repo.staffed_unit_codes():
        issues.append(
            Issue(
                where,
                "unit-has-staff",
                f"Staff still serve {code}.",
                f"仍有人员服务于 {code}。",
                code,
            )
        )
    if issues:
        raise RegistryRejected(issues)
    await repo.delete_units([code])
    version = await repo.bump_registry_version()
    uow.publish(topics.REGISTRY, code, UnitRemovedV1(code=code, changed_at=datetime.now(UTC)))
    await uow.commit()
    return version


def _registry_fields(m: StaffMember) -> dict[str, object]:
    row = m.as_row()
    return {k: v for k, v in row.items() if k != "open_cases"}


async def import_staff(
    uow: UnitOfWork,
    members: list[tuple[str, StaffMember]],
    *,
    replace: bool = False,
    parse_issues: list[Issue] | None = None,
) -> ChangeReport:
    """Add or change staff all-or-nothing; with ``replace`` the list is the whole registry."""
    repo = RoutingRepository(uow.connection)
    await repo.lock_registry()
    units = await repo.all_units()
    existing = await repo.all_staff()
    issues = list(parse_issues or []) + validate_staff(members, units)
    listed = {m.staff_id for _, m in members}
    removed = sorted(sid for sid in existing if sid not in listed) if replace else []
    for sid in removed:
        if existing[sid].open_cases:
            issues.append(
                Issue(
                    f"staff {sid}",
                    "removed-staff-has-cases",
                    f"{sid} would be removed but still has {existing[sid].open_cases} open cases.",
                    f"{sid} 将被删除，但仍有 {existing[sid].open_cases} 件在办案件。",
                    sid,
                )
            )
    if issues:
        raise RegistryRejected(issues)
    changed = [
        m
        for _, m in members
        if m.staff_id not in existing
        or _registry_fields(existing[m.staff_id]) != _registry_fields(m)
    ]
    report = ChangeReport(
        created=[m.staff_id for m in changed if m.staff_id not in existing],
        updated=[m.staff_id for m in changed if m.staff_id in existing],
        removed=removed,
        unchanged=len(members) - len(changed),
    )
    if changed or removed:
        await repo.upsert_staff(changed)
        await repo.delete_staff(removed)
        report.registry_version = await repo.bump_registry_version()
        now = datetime.now(UTC)
        for m in changed:
            uow.publish(topics.REGISTRY, m.staff_id, _staff_event(m, now))
        for sid in removed:
            uow.publish(topics.REGISTRY, sid, StaffRemovedV1(staff_id=sid, changed_at=now))
    await uow.commit()
    return report


async def remove_staff(uow: UnitOfWork, staff_id: str) -> None:
    repo = RoutingRepository(uow.connection)
    await repo.lock_registry()
    existing = await repo.all_staff()
    if staff_id not in existing:
        raise KeyError(staff_id)
    if existing[staff_id].open_cases:
        raise RegistryRejected(
            [
                Issue(
                    f"staff {staff_id}",
                    "staff-has-cases",
                    f"{staff_id} still has open cases; reassign them first.",
                    f"{staff_id} 仍有在办案件，请先改派。",
                    staff_id,
                )
            ]
        )
    await repo.delete_staff([staff_id])
    await repo.bump_registry_version()
    uow.publish(
        topics.REGISTRY, staff_id, StaffRemovedV1(staff_id=staff_id, changed_at=datetime.now(UTC))
    )
    await uow.commit()


async def coverage_report(uow: UnitOfWork) -> CoverageReport:
    repo = RoutingRepository(uow.connection)
    return coverage((await repo.all_units()).values(), (await repo.all_staff()).values())
