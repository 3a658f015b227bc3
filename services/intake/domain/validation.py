"""Business rules a submission must meet beyond its shape: category, place, parties."""

from __future__ import annotations

from dataclasses import dataclass

from services.intake.domain.area import ServingArea
from services.intake.domain.categories import CategoryDictionary
from services.intake.domain.commands import Location, SubmitReport
from services.intake.domain.refusals import Issue

APPLICANT = "申请人"
RESPONDENT = "被申请人"


@dataclass(frozen=True)
class Reference:
    """What intake checks submissions against: the serving area and the dictionary."""

    area: ServingArea
    categories: CategoryDictionary


def location_issues(
    location: Location, area: ServingArea, pointer: str = "#/location"
) -> list[Issue]:
    issues: list[Issue] = []
    if location.point is None and not location.grid_code and not location.address:
        issues.append(
            Issue(
                pointer,
                "location-required",
                "Give a point, a grid code or an address.",
                "请提供坐标、网格编码或地址之一。",
            )
        )
    if location.point is not None and not area.contains(location.point.lng, location.point.lat):
        issues.append(
            Issue(
                pointer,
                "outside-serving-area",
                "The point is outside the area this system serves; "
                "check the coordinate system (WGS84, GCJ-02 or BD-09).",
                "该位置不在本系统服务区域内，请核对坐标系（WGS84、GCJ-02 或 BD-09）。",
            )
        )
    if location.grid_code and not area.knows_grid(location.grid_code):
        issues.append(
            Issue(
                "#/grid_code" if pointer == "#/location" else pointer + "/grid_code",
                "unknown-grid",
                "No grid has this code.",
                "不存在该网格编码。",
            )
        )
    return issues


def submission_issues(cmd: SubmitReport, ref: Reference) -> list[Issue]:
    issues = location_issues(cmd.location, ref.area)
    category = ref.categories.find(cmd.kind, cmd.category)
    if category is None:
        issues.append(
            Issue(
                "#/category",
                "unknown-category",
                f"Not a {cmd.kind} category of the dictionary.",
                "不是字典中的类别。" if cmd.kind == "report" else "不是字典中的纠纷类型。",
            )
        )
    elif cmd.subcategory and category.subtypes and cmd.subcategory not in category.subtypes:
        issues.append(
            Issue(
                "#/subcategory",
                "unknown-subcategory",
                f"Not a subtype of {cmd.category}.",
                f"不是“{cmd.category}”的小类。",
            )
        )
    if cmd.kind == "dispute":
        roles = {p.role for p in cmd.parties}
        if APPLICANT not in roles:
            issues.append(
                Issue(
                    "#/parties",
                    "applicant-required",
                    "A dispute needs at least one applicant (申请人).",
                    "纠纷至少需要一名申请人。",
                )
            )
        if RESPONDENT not in roles:
            issues.append(
                Issue(
                    "#/parties",
                    "respondent-required",
                    "A dispute needs at least one respondent (被申请人).",
                    "纠纷至少需要一名被申请人。",
                )
            )
    return issues
