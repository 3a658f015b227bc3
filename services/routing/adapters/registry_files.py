"""Registry files: the tree as a GeoJSON FeatureCollection or CSV, staff as JSON or CSV.

Readers never stop at the first problem: every unreadable feature or line becomes an
``Issue`` with its place (``features[4]``, ``line 7``) and reading goes on, so one
import reports everything wrong with the file.

CSV columns for units: ``code,name,level,parent_code,area_type,wkt`` — the boundary
as WKT in WGS84 (longitude first), the form QGIS and PostGIS read and write.
CSV columns for staff: ``staff_id,name,role,unit_code,covers,skills,capacity,active,
employment,off_duty,phone``; lists are separated by ``;`` and an off-duty period is an
ISO 8601 interval ``start/end`` optionally followed by ``|reason``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import shapely
from shapely.geometry import mapping, shape

from services.routing.domain.registry import Issue, OrgUnit, UnitDraft
from services.routing.domain.staff import OffDuty, StaffMember

UNIT_COLUMNS = ("code", "name", "level", "parent_code", "area_type", "wkt")
STAFF_COLUMNS = (
    "staff_id",
    "name",
    "role",
    "unit_code",
    "covers",
    "skills",
    "capacity",
    "active",
    "employment",
    "off_duty",
    "phone",
)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def read_units_geojson(raw: bytes | str | dict[str, Any]) -> tuple[list[UnitDraft], list[Issue]]:
    issues: list[Issue] = []
    try:
        doc = raw if isinstance(raw, dict) else json.loads(raw)
    except ValueError as exc:
        return [], [Issue("file", "bad-json", f"Not JSON: {exc}.", f"不是有效的 JSON：{exc}。")]
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        return [], [
            Issue(
                "file",
                "not-feature-collection",
                "Expected a GeoJSON FeatureCollection.",
                "应为 GeoJSON FeatureCollection。",
            )
        ]
    drafts: list[UnitDraft] = []
    for i, feature in enumerate(doc.get("features") or []):
        where = f"features[{i}]"
        props = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(props, dict):
            issues.append(
                Issue(
                    where,
                    "bad-feature",
                    "A feature needs a properties object.",
                    "要素缺少 properties 对象。",
                )
            )
            continue
        geometry = feature.get("geometry")
        drafts.append(
            UnitDraft(
                where=where,
                code=_text(props.get("code")),
                name=_text(props.get("name")),
                level=_text(props.get("level")) or None,
                parent_code=_text(props.get("parent_code")) or None,
                area_type=_text(props.get("area_type")) or None,
                boundary=geometry if geometry else None,
            )
        )
    return drafts, issues


def read_units_csv(raw: bytes | str) -> tuple[list[UnitDraft], list[Issue]]:
    text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("code", "name") if c not in (reader.fieldnames or [])]
    if missing:
        return [], [
            Issue(
                "line 1",
                "missing-columns",
                f"Missing columns: {', '.join(missing)}.",
                f"缺少列：{'、'.join(missing)}。",
            )
        ]
    drafts: list[UnitDraft] = []
    issues: list[Issue] = []
    for row in reader:
        where = f"line {reader.line_num}"
        wkt = _text(row.get("wkt"))
        boundary = None
        if wkt:
            try:
                boundary = dict(mapping(shapely.from_wkt(wkt)))
                boundary = json.loads(json.dumps(boundary))  # tuples → lists, as GeoJSON
            except Exception as exc:
                issues.append(
                    Issue(
                        where,
                        "bad-wkt",
                        f"The wkt column cannot be read: {exc}.",
                        f"wkt 列无法解析：{exc}。",
                        _text(row.get("code")),
                    )
                )
                continue
        drafts.append(
            UnitDraft(
                where=where,
                code=_text(row.get("code")),
                name=_text(row.get("name")),
                level=_text(row.get("level")) or None,
                parent_code=_text(row.get("parent_code")) or None,
                area_type=_text(row.get("area_type")) or None,
                boundary=boundary,
            )
        )
    return drafts, issues


def read_units(raw: bytes | str, fmt: str) -> tuple[list[UnitDraft], list[Issue]]:
    return read_units_csv(raw) if fmt == "csv" else read_units_geojson(raw)


def units_to_geojson(units: Iterable[OrgUnit]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": u.code,
                "properties": {
                    "code": u.code,
                    "name": u.name,
                    "level": u.level,
                    "parent_code": u.parent_code,
                    "area_type": u.area_type,
                },
                "geometry": u.boundary,
            }
            for u in sorted(units, key=lambda u: u.code)
        ],
    }


def units_to_csv(units: Iterable[OrgUnit]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(UNIT_COLUMNS)
    for u in sorted(units, key=lambda u: u.code):
        wkt = shapely.to_wkt(shape(u.boundary), rounding_precision=-1) if u.boundary else ""
        writer.writerow([u.code, u.name, u.level, u.parent_code or "", u.area_type or "", wkt])
    return out.getvalue()


def _off_duty_from(value: Any, where: str, sid: str, issues: list[Issue]) -> tuple[OffDuty, ...]:
    periods: list[OffDuty] = []
    items: list[Any]
    if isinstance(value, str):
        items = [p for p in value.split(";") if p.strip()]
    else:
        items = list(value or [])
    for item in items:
        try:
            if isinstance(item, str):
                span, _, reason = item.partition("|")
                start, end = span.split("/")
                periods.append(
                    OffDuty(
                        datetime.fromisoformat(start.strip()),
                        datetime.fromisoformat(end.strip()),
                        reason.strip(),
                    )
                )
            else:
                periods.append(
                    OffDuty(
                        datetime.fromisoformat(item["start"]),
                        datetime.fromisoformat(item["end"]),
                        str(item.get("reason", "")),
                    )
                )
        except (ValueError, KeyError, TypeError, AttributeError):
            issues.append(
                Issue(
                    where,
                    "bad-off-duty",
                    f"Cannot read off-duty period {item!r}.",
                    f"无法解析离岗时段 {item!r}。",
                    sid,
                )
            )
            continue
        if periods[-1].start.tzinfo is None or periods[-1].end.tzinfo is None:
            issues.append(
                Issue(
                    where,
                    "bad-off-duty",
                    "Off-duty times need a UTC offset (e.g. +08:00).",
                    "离岗时间需带时区（如 +08:00）。",
                    sid,
                )
            )
    return tuple(periods)


def _list(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(";") if v.strip())
    return tuple(str(v) for v in (value or []))


def staff_from_record(
    record: dict[str, Any], where: str, issues: list[Issue]
) -> StaffMember | None:
    sid = _text(record.get("staff_id"))
    try:
        capacity = int(record.get("capacity") or 20)
    except (TypeError, ValueError):
        issues.append(
            Issue(
                where, "bad-capacity", "Capacity must be a whole number.", "容量必须是整数。", sid
            )
        )
        return None
    active = record.get("active", True)
    if isinstance(active, str):
        active = active.strip().lower() not in ("false", "0", "no", "否", "")
    return StaffMember(
        staff_id=sid,
        name=_text(record.get("name")),
        role=_text(record.get("role")),
        unit_code=_text(record.get("unit_code")),
        capacity=capacity,
        active=bool(active),
        covers=_list(record.get("covers")),
        skills=_list(record.get("skills")),
        employment=_text(record.get("employment")) or None,
        off_duty=_off_duty_from(record.get("off_duty"), where, sid, issues),
        phone=_text(record.get("phone")) or None,
    )


def read_staff(raw: bytes | str, fmt: str) -> tuple[list[tuple[str, StaffMember]], list[Issue]]:
    issues: list[Issue] = []
    records: list[tuple[str, dict[str, Any]]] = []
    if fmt == "csv":
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
        reader = csv.DictReader(io.StringIO(text))
        records = [(f"line {reader.line_num}", dict(row)) for row in reader]
    else:
        try:
            doc = json.loads(raw)
        except ValueError as exc:
            return [], [Issue("file", "bad-json", f"Not JSON: {exc}.", f"不是有效的 JSON：{exc}。")]
        items = doc.get("staff") if isinstance(doc, dict) else doc
        if not isinstance(items, list):
            return [], [Issue("file", "not-a-list", "Expected a list of staff.", "应为人员数组。")]
        for i, item in enumerate(items):
            if isinstance(item, dict):
                records.append((f"staff[{i}]", item))
            else:
                issues.append(Issue(f"staff[{i}]", "bad-record", "Not an object.", "不是对象。"))
    members = []
    for where, record in records:
        member = staff_from_record(record, where, issues)
        if member is not None:
            members.append((where, member))
    return members, issues


def staff_to_records(members: Iterable[StaffMember]) -> list[dict[str, Any]]:
    return [m.as_row() | {"open_cases": m.open_cases} for m in members]


def staff_to_csv(members: Iterable[StaffMember]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(STAFF_COLUMNS)
    for m in members:
        writer.writerow(
            [
                m.staff_id,
                m.name,
                m.role,
                m.unit_code,
                ";".join(m.covers),
                ";".join(m.skills),
                m.capacity,
                "true" if m.active else "false",
                m.employment or "",
                ";".join(
                    f"{p.start.isoformat()}/{p.end.isoformat()}"
                    + (f"|{p.reason}" if p.reason else "")
                    for p in m.off_duty
                ),
                m.phone or "",
            ]
        )
    return out.getvalue()
