"""Registry administration over HTTP: tree import/export, units, staff, policy, coverage.

Imports take the file as the request body: ``application/geo+json`` or
``application/json`` for a FeatureCollection, ``text/csv`` for CSV. A rejected
import answers 422 with one entry per problem (``errors``: the place in the file as
the pointer; ``problems``: the same with both languages and the unit code).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from services.routing.adapters import queries
from services.routing.adapters.registry_files import (
    read_staff,
    read_units,
    staff_from_record,
    staff_to_csv,
    staff_to_records,
    units_to_csv,
    units_to_geojson,
)
from services.routing.adapters.repository import RoutingRepository
from services.routing.domain.policy import PolicyInvalid
from services.routing.domain.registry import Issue, RegistryRejected, chain_of
from services.routing.domain.routing import locate
from services.routing.domain.tree_validation import DEFAULT_TOLERANCE
from services.routing.entrypoints.problems import REGISTRY_REJECTED
from services.routing.service_layer import policy as policy_handlers
from services.routing.service_layer import registry as registry_handlers
from services.routing.state import RoutingRuntime
from shared.auth import roles
from shared.auth.policy import Access
from shared.auth.tokens import Principal
from shared.db.unit_of_work import EventContext
from shared.http.problems import (
    REQUEST_TOO_LARGE,
    VALIDATION,
    FieldError,
    Problem,
    not_found,
)

router = APIRouter(tags=["registry"])

# Changing the registry or the routing policy is the administrator's; the tree and the
# point lookup are organisational facts every staff member and client may read; the
# staff list (names, phones) is for centres and admins, limited to their units.
ADMIN = Access(roles.ADMIN)
TREE_READERS = Access(*roles.STAFF, scopes=(roles.SCOPE_CASES_READ,))
STAFF_READERS = Access(*roles.OPERATORS, roles.ADMIN)

MAX_IMPORT_BYTES = 50 * 1024 * 1024


def _runtime(request: Request) -> RoutingRuntime:
    runtime: RoutingRuntime = request.app.state.runtime
    return runtime


def _context(request: Request) -> EventContext:
    return EventContext(correlation_id=getattr(request.state, "correlation_id", None))


def rejected(issues: list[Issue]) -> Problem:
    return REGISTRY_REJECTED(
        f"{len(issues)} problem(s) found.",
        f"发现 {len(issues)} 处问题。",
        errors=[FieldError(i.where, i.problem, i.en, i.zh) for i in issues],
        extra={"problems": [i.as_dict() for i in issues]},
    )


async def _body(request: Request) -> bytes:
    raw = await request.body()
    if len(raw) > MAX_IMPORT_BYTES:
        raise REQUEST_TOO_LARGE()
    return raw


def _format_of(request: Request) -> str:
    return "csv" if "csv" in request.headers.get("content-type", "") else "geojson"


# --- organisation tree ---------------------------------------------------------------


@router.post("/admin/registry/units/import", dependencies=[Depends(ADMIN)])
async def import_units(
    request: Request,
    replace: bool = Query(False, description="the file is the whole tree: remove the rest"),
    tolerance: float = Query(DEFAULT_TOLERANCE, ge=0, le=0.5),
) -> dict[str, Any]:
    """Import units (GeoJSON FeatureCollection or CSV); all-or-nothing."""
    drafts, parse_issues = read_units(await _body(request), _format_of(request))
    try:
        async with _runtime(request).uow(_context(request)) as uow:
            report = await registry_handlers.import_units(
                uow, drafts, replace=replace, tolerance=tolerance, parse_issues=parse_issues
            )
    except RegistryRejected as exc:
        raise rejected(exc.issues) from exc
    return report.as_dict()


CSV_TEXT = {"text/csv": {"schema": {"type": "string"}}}


@router.get(
    "/admin/registry/units/export",
    dependencies=[Depends(ADMIN)],
    responses={
        200: {"content": {"application/geo+json": {"schema": {"type": "object"}}, **CSV_TEXT}}
    },
)
async def export_units(request: Request, format: Literal["geojson", "csv"] = "geojson") -> Response:
    """The whole tree as a GeoJSON FeatureCollection or CSV (re-importable as is)."""
    async with _runtime(request).uow() as uow:
        units = (await queries.all_units(uow.connection)).values()
    if format == "csv":
        return PlainTextResponse(units_to_csv(units), media_type="text/csv; charset=utf-8")
    return JSONResponse(units_to_geojson(units), media_type="application/geo+json")


class UnitOut(BaseModel):
    code: str
    name: str
    level: str
    parent_code: str | None
    area_type: str | None
    boundary: dict[str, Any] | None = None


@router.get("/units", response_model=list[UnitOut], dependencies=[Depends(TREE_READERS)])
async def list_units(
    request: Request,
    under: str | None = Query(None, pattern=r"^\d{6,15}$", description="code prefix"),
    level: Literal["district", "street", "community", "grid"] | None = None,
    with_boundary: bool = False,
) -> list[UnitOut]:
    """Units, optionally everything under a code (a prefix) and of one level."""
    async with _runtime(request).uow() as uow:
        units = (await queries.all_units(uow.connection)).values()
    out = [
        UnitOut(**(u.as_row() if with_boundary else u.as_row() | {"boundary": None}))
        for u in sorted(units, key=lambda u: u.code)
        if (under is None or u.code.startswith(under)) and (level is None or u.level == level)
    ]
    return out


@router.get("/units/{code}", response_model=UnitOut, dependencies=[Depends(TREE_READERS)])
async def get_unit(code: str, request: Request) -> UnitOut:
    async with _runtime(request).uow() as uow:
        units = await queries.all_units(uow.connection)
    if code not in units:
        raise not_found("unit", "单位")
    return UnitOut(**units[code].as_row())


@router.delete("/admin/registry/units/{code}", status_code=204, dependencies=[Depends(ADMIN)])
async def delete_unit(code: str, request: Request) -> Response:
    """Remove a unit without children or staff."""
    try:
        async with _runtime(request).uow(_context(request)) as uow:
            await registry_handlers.remove_unit(uow, code)
    except KeyError as exc:
        raise not_found("unit", "单位") from exc
    except RegistryRejected as exc:
        raise rejected(exc.issues) from exc
    return Response(status_code=204)


class Located(BaseModel):
    unit_code: str
    located_by: str
    chain: list[UnitOut]


@router.get("/locate", response_model=Located, dependencies=[Depends(TREE_READERS)])
async def locate_point(
    request: Request,
    lng: float = Query(ge=-180, le=180),
    lat: float = Query(ge=-90, le=90),
) -> Located:
    """Which unit owns a WGS84 point: its grid, or the locality backstop (属地兜底)."""
    runtime = _runtime(request)
    async with runtime.uow() as uow:
        snapshot, _ = await runtime.state.routing_cache.current(RoutingRepository(uow.connection))
    location = locate(
        snapshot.index, snapshot.units, point=(lng, lat), grid_code=None, district=snapshot.district
    )
    if location is None:
        raise not_found("unit", "单位")
    chain = [snapshot.units[c] for c in chain_of(location.unit_code, snapshot.units)]
    return Located(
        unit_code=location.unit_code,
        located_by=location.located_by,
        chain=[UnitOut(**u.as_row() | {"boundary": None}) for u in chain],
    )


# --- staff ---------------------------------------------------------------------------


@router.post("/admin/registry/staff/import", dependencies=[Depends(ADMIN)])
async def import_staff(
    request: Request,
    replace: bool = Query(False, description="the file is the whole staff list"),
) -> dict[str, Any]:
    """Import staff (JSON list or CSV); all-or-nothing."""
    fmt = "csv" if _format_of(request) == "csv" else "json"
    members, parse_issues = read_staff(await _body(request), fmt)
    try:
        async with _runtime(request).uow(_context(request)) as uow:
            report = await registry_handlers.import_staff(
                uow, members, replace=replace, parse_issues=parse_issues
            )
    except RegistryRejected as exc:
        raise rejected(exc.issues) from exc
    return report.as_dict()


class OffDutyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: str
    end: str
    reason: str = ""


class StaffIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=50)
    role: Literal[
        "grid_officer", "mediator", "community_police", "legal_adviser", "centre_operator"
    ]
    unit_code: str = Field(pattern=r"^\d{6,15}$")
    covers: list[str] = Field(default_factory=list)
    skills: list[str] = Field(default_factory=list)
    capacity: int = Field(default=20, ge=0, le=100000)
    active: bool = True
    employment: Literal["full_time", "part_time"] | None = None
    off_duty: list[OffDutyIn] = Field(default_factory=list)
    phone: str | None = Field(default=None, max_length=30)


@router.put("/admin/registry/staff/{staff_id}", dependencies=[Depends(ADMIN)])
async def put_staff(staff_id: str, body: StaffIn, request: Request) -> dict[str, Any]:
    """Create or change one person."""
    issues: list[Issue] = []
    member = staff_from_record(body.model_dump() | {"staff_id": staff_id}, "#", issues)
    if member is None or issues:
        raise rejected(issues)
    try:
        async with _runtime(request).uow(_context(request)) as uow:
            report = await registry_handlers.import_staff(uow, [("#", member)])
    except RegistryRejected as exc:
        raise rejected(exc.issues) from exc
    return report.as_dict()


@router.delete("/admin/registry/staff/{staff_id}", status_code=204, dependencies=[Depends(ADMIN)])
async def delete_staff(staff_id: str, request: Request) -> Response:
    try:
        async with _runtime(request).uow(_context(request)) as uow:
            await registry_handlers.remove_staff(uow, staff_id)
    except KeyError as exc:
        raise not_found("staff member", "人员") from exc
    except RegistryRejected as exc:
        raise rejected(exc.issues) from exc
    return Response(status_code=204)


@router.get("/staff", responses={200: {"content": CSV_TEXT}})
async def list_staff(
    request: Request,
    unit: str | None = Query(None, description="serving this unit (home or covered)"),
    role: str | None = None,
    format: Literal["json", "csv"] = "json",
    principal: Principal = Depends(STAFF_READERS),
) -> Response:
    """Staff whose home unit is under the caller's units."""
    async with _runtime(request).uow() as uow:
        members = await queries.staff_visible_to(uow.connection, principal)
    members = [
        m
        for m in members
        if (unit is None or unit in m.units_served) and (role is None or m.role == role)
    ]
    if format == "csv":
        return PlainTextResponse(staff_to_csv(members), media_type="text/csv; charset=utf-8")
    return JSONResponse(staff_to_records(members))


@router.get("/admin/registry/coverage", dependencies=[Depends(ADMIN)])
async def coverage(request: Request) -> dict[str, Any]:
    """Grids without an officer, communities without police or a legal adviser, and
    mediation committees with fewer than three members."""
    async with _runtime(request).uow() as uow:
        report = await registry_handlers.coverage_report(uow)
    return {
        "complete": report.complete,
        "grids_without_officer": report.grids_without_officer,
        "communities_without_police": report.communities_without_police,
        "urban_communities_without_full_time_police": (
            report.urban_communities_without_full_time_police
        ),
        "communities_without_legal_adviser": report.communities_without_legal_adviser,
        "small_committees": report.small_committees,
    }


# --- routing policy ------------------------------------------------------------------


class PolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rules: list[dict[str, Any]]
    note: str | None = Field(default=None, max_length=500)


@router.get("/admin/routing-policy", dependencies=[Depends(ADMIN)])
async def get_policy(request: Request) -> dict[str, Any]:
    """The rules in force, first match wins."""
    async with _runtime(request).uow() as uow:
        return (await policy_handlers.current_policy(uow)).as_dict()


@router.get("/admin/routing-policy/versions", dependencies=[Depends(ADMIN)])
async def policy_versions(request: Request) -> list[dict[str, Any]]:
    async with _runtime(request).uow() as uow:
        versions = await queries.policy_versions(uow.connection)
    return [asdict(v) for v in versions]


@router.put("/admin/routing-policy", dependencies=[Depends(ADMIN)])
async def put_policy(body: PolicyIn, request: Request) -> dict[str, Any]:
    """Publish a new policy version (the old ones stay for the decisions made under them)."""
    try:
        async with _runtime(request).uow(_context(request)) as uow:
            policy = await policy_handlers.publish_policy(uow, body.rules, body.note)
    except PolicyInvalid as exc:
        raise VALIDATION(
            "The routing policy is not valid.",
            "分派策略有误。",
            errors=[FieldError(p, "policy", en, zh) for p, en, zh in exc.problems],
        ) from exc
    return policy.as_dict()
