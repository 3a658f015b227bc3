"""Validation of an organisation-tree import: every problem, each pinned to its source.

The import is checked against the tree it would produce (the current registry with
the file applied), so a file may add grids under communities that already exist.
Geometry checks use areas relative to the smaller shape, so the tolerance means the
same for a 50 m grid as for a township: 0.001 allows slivers of 0.1 % from rounding.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.strtree import STRtree
from shapely.validation import explain_validity

from services.routing.domain.registry import (
    AREA_TYPES,
    LEVEL_ZH,
    LEVELS,
    Issue,
    OrgUnit,
    UnitDraft,
    level_of,
    parent_code_of,
)

DEFAULT_TOLERANCE = 0.001


@dataclass(frozen=True)
class ValidatedTree:
    """The tree an import would produce, and what changes relative to the registry."""

    units: dict[str, OrgUnit]
    upserted: list[OrgUnit]  # new or changed units, parents before children
    removed: list[str]  # codes, children before parents


def _geometry_issues(draft: UnitDraft) -> tuple[list[Issue], Any]:
    """Problems with one boundary, and the shapely geometry when it is usable."""
    where, code, geojson = draft.where, draft.code, draft.boundary
    if geojson is None:
        if (draft.level or level_of(code)) == "grid":
            return [
                Issue(
                    where,
                    "missing-boundary",
                    "A grid needs a boundary polygon.",
                    "网格必须有边界多边形。",
                    code,
                )
            ], None
        return [], None
    kind = geojson.get("type") if isinstance(geojson, dict) else None
    if kind not in ("Polygon", "MultiPolygon"):
        return [
            Issue(
                where,
                "bad-geometry-type",
                f"The boundary must be a Polygon or MultiPolygon, not {kind!r}.",
                f"边界必须是 Polygon 或 MultiPolygon，而不是 {kind!r}。",
                code,
            )
        ], None
    try:
        geom = shape(geojson)
    except Exception as exc:
        return [
            Issue(
                where,
                "bad-geometry",
                f"The boundary cannot be read: {exc}.",
                f"无法读取边界：{exc}。",
                code,
            )
        ], None
    if geom.is_empty:
        return [Issue(where, "bad-geometry", "The boundary is empty.", "边界为空。", code)], None
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        return [
            Issue(
                where,
                "not-wgs84",
                "Coordinates are outside WGS84 longitude/latitude ranges.",
                "坐标超出 WGS84 经纬度范围。",
                code,
            )
        ], None
    if not geom.is_valid:
        reason = explain_validity(geom)
        slug = "self-intersection" if "Self-intersection" in reason else "invalid-polygon"
        zh_kind = "自相交" if slug == "self-intersection" else "不合法"
        return [
            Issue(
                where,
                slug,
                f"The boundary polygon is invalid: {reason}.",
                f"边界多边形无效（{zh_kind}）：{reason}。",
                code,
            )
        ], None
    return [], geom


def _field_issues(draft: UnitDraft, seen: dict[str, str]) -> list[Issue]:
    where, code = draft.where, draft.code
    issues: list[Issue] = []
    level = level_of(code)
    if level is None:
        issues.append(
            Issue(
                where,
                "malformed-code",
                f"Code {code!r} is not 6, 9, 12 or 15 digits.",
                f"编码 {code!r} 不是 6、9、12 或 15 位数字。",
                code,
            )
        )
        return issues
    if code in seen:
        issues.append(
            Issue(
                where,
                "duplicate-code",
                f"Code {code} already appears at {seen[code]}.",
                f"编码 {code} 与 {seen[code]} 重复。",
                code,
            )
        )
    if draft.level and draft.level != level:
        issues.append(
            Issue(
                where,
                "level-mismatch",
                f"Level {draft.level!r} does not match a {len(code)}-digit code ({level}).",
                f"层级 {draft.level!r} 与 {len(code)} 位编码（{LEVEL_ZH[level]}）不符。",
                code,
            )
        )
    expected_parent = parent_code_of(code)
    if draft.parent_code and draft.parent_code != expected_parent:
        issues.append(
            Issue(
                where,
                "code-not-extending-parent",
                f"Code {code} does not extend its parent's code {draft.parent_code}.",
                f"编码 {code} 不是以上级编码 {draft.parent_code} 开头的下级编码。",
                code,
            )
        )
    if not draft.name.strip():
        issues.append(Issue(where, "missing-name", "The unit has no name.", "单位缺少名称。", code))
    if draft.area_type and draft.area_type not in AREA_TYPES:
        issues.append(
            Issue(
                where,
                "bad-area-type",
                f"Area type must be urban or rural, not {draft.area_type!r}.",
                f"城乡类型必须是 urban（城市）或 rural（农村），而不是 {draft.area_type!r}。",
                code,
            )
        )
    if level == "community" and not draft.area_type:
        issues.append(
            Issue(
                where,
                "missing-area-type",
                "A community or village must say whether it is urban or rural.",
                "社区/村必须注明城市（urban）或农村（rural）。",
                code,
            )
        )
    return issues


def validate_import(
    drafts: list[UnitDraft],
    existing: dict[str, OrgUnit],
    *,
    replace: bool = False,
    staffed_codes: Iterable[str] = (),
    tolerance: float = DEFAULT_TOLERANCE,
) -> tuple[ValidatedTree | None, list[Issue]]:
    """Check ``drafts`` against the tree they would produce; the tree only if no issue.

    With ``replace`` the file is the whole tree: registry units missing from it are
    removed (refused while staff still belong to them).
    """
    issues: list[Issue] = []
    seen: dict[str, str] = {}
    geometries: dict[str, Any] = {}
    imported: dict[str, OrgUnit] = {}
    where_of: dict[str, str] = {}
    for draft in drafts:
        draft_issues = _field_issues(draft, seen)
        geom_issues, geom = _geometry_issues(draft)
        issues += draft_issues + geom_issues
        if draft.code not in seen:
            seen[draft.code] = draft.where
        # Keep units whose code is usable, so the tree checks still run around them.
        if not any(i.problem in ("malformed-code", "duplicate-code") for i in draft_issues):
            unit = draft.to_unit()
            imported[unit.code] = unit
            where_of[unit.code] = draft.where
            if geom is not None:
                geometries[unit.code] = geom

    merged = {} if replace else dict(existing)
    merged.update(imported)
    removed = [code for code in existing if code not in merged]
    staffed = set(staffed_codes)
    for code in sorted(removed):
        if code in staffed:
            issues.append(
                Issue(
                    f"registry unit {code}",
                    "removed-unit-has-staff",
                    f"Unit {code} would be removed but staff still belong to it.",
                    f"单位 {code} 将被删除，但仍有工作人员隶属该单位，请先调整人员。",
                    code,
                )
            )

    def where(code: str) -> str:
        return where_of.get(code, f"registry unit {code}")

    for code, unit in merged.items():
        if unit.parent_code is not None and unit.parent_code not in merged:
            issues.append(
                Issue(
                    where(code),
                    "unknown-parent",
                    f"Parent {unit.parent_code} of {code} is in neither the file nor the registry.",
                    f"{code} 的上级 {unit.parent_code} 既不在文件中也不在登记册中。",
                    code,
                )
            )
        if unit.level == "grid" and unit.parent_code in merged:
            parent = merged[unit.parent_code]
            if unit.area_type and parent.area_type and unit.area_type != parent.area_type:
                issues.append(
                    Issue(
                        where(code),
                        "area-type-differs",
                        f"Grid {code} is {unit.area_type} but its community is {parent.area_type}.",
                        f"网格 {code} 的城乡类型与所属社区/村不一致。",
                        code,
                    )
                )

    # Geometry of existing units that the file does not touch.
    for code, unit in merged.items():
        if code not in geometries and code not in imported and unit.boundary:
            geometries[code] = shape(unit.boundary)
    issues += _spatial_issues(merged, geometries, where, tolerance)

    if issues:
        return None, issues
    order = {level: i for i, level in enumerate(LEVELS)}
    upserted = sorted(
        (u for code, u in imported.items() if existing.get(code) != u),
        key=lambda u: (order[u.level], u.code),
    )
    removed.sort(key=lambda c: (-len(c), c))
    return ValidatedTree(merged, upserted, removed), []


def _spatial_issues(
    units: dict[str, OrgUnit],
    geometries: dict[str, Any],
    where: Any,
    tolerance: float,
) -> list[Issue]:
    """Children inside their parent, siblings not overlapping, grids covering communities."""
    issues: list[Issue] = []
    children: dict[str, list[str]] = defaultdict(list)
    for code, unit in units.items():
        if unit.parent_code is not None and code in geometries:
            children[unit.parent_code].append(code)

    for parent_code, kids in sorted(children.items()):
        kids.sort()
        parent_geom = geometries.get(parent_code)
        if parent_geom is not None:
            shapely.prepare(parent_geom)
            for code in kids:
                geom = geometries[code]
                outside = geom.difference(parent_geom).area
                if outside > tolerance * geom.area:
                    share = outside / geom.area
                    what = "grid-outside-community" if len(code) == 15 else "outside-parent"
                    issues.append(
                        Issue(
                            where(code),
                            what,
                            f"{code} lies {share:.1%} outside its parent {parent_code}.",
                            f"{code} 有 {share:.1%} 的面积超出上级 {parent_code} 的边界。",
                            code,
                        )
                    )
        kid_geoms = [geometries[c] for c in kids]
        tree = STRtree(kid_geoms)
        left, right = tree.query(kid_geoms, predicate="intersects")
        for i, j in zip(left.tolist(), right.tolist(), strict=True):
            if i >= j:
                continue
            a, b = kid_geoms[i], kid_geoms[j]
            overlap = a.intersection(b).area
            if overlap > tolerance * min(a.area, b.area):
                issues.append(
                    Issue(
                        where(kids[j]),
                        "overlapping-siblings",
                        f"{kids[j]} overlaps its sibling {kids[i]} "
                        f"({overlap / min(a.area, b.area):.1%} of the smaller).",
                        f"{kids[j]} 与同级单位 {kids[i]} 边界重叠"
                        f"（占较小者面积的 {overlap / min(a.area, b.area):.1%}）。",
                        kids[j],
                    )
                )
        if parent_geom is not None and units[parent_code].level == "community" and kid_geoms:
            gap = parent_geom.difference(shapely.union_all(kid_geoms)).area
            if gap > tolerance * parent_geom.area:
                share = gap / parent_geom.area
                issues.append(
                    Issue(
                        where(parent_code),
                        "gap",
                        f"{share:.1%} of community {parent_code} is in no grid.",
                        f"社区/村 {parent_code} 有 {share:.1%} 的面积不属于任何网格（存在空隙）。",
                        parent_code,
                    )
                )
    return issues
