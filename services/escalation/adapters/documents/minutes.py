"""Printed minutes of a regular meeting (例会纪要): the view decides every printed word
once (Beijing time, flags and decisions in Chinese), typst typesets it through the
shared runner (``shared.printing``)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from services.escalation.adapters.meeting_queries import MeetingDetail
from services.escalation.domain.meetings import FLAG_ZH, Flag
from shared.printing import TypstPrinter

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE = "meeting_minutes.typ"
_BEIJING = ZoneInfo("Asia/Shanghai")
_ACTION_ZH = {
    "assign": "交办",
    "escalate": "上报上一级",
    "plan": "一事一策",
    "noted": "知悉",
}
_STATE_ZH = {
    None: "待受理",
    "new": "待受理",
    "in_mediation": "调解中",
    "awaiting_signatures": "待签署",
    "agreement_effective": "协议已生效",
    "declined": "不予受理",
    "terminated": "调解终止",
    "closed": "已结案",
    "archived": "已归档",
}


def _when(at: datetime | str | None) -> str:
    if at is None:
        return ""
    instant = datetime.fromisoformat(at) if isinstance(at, str) else at
    local = instant.astimezone(_BEIJING)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def _item_facts(facts: dict[str, Any]) -> tuple[str, str]:
    flags = "、".join(FLAG_ZH[Flag(f)] for f in facts.get("flags") or [])
    if facts.get("kind") == "missing_return":
        heading = f"【{flags}】{facts.get('grid_name') or facts.get('grid_code')}"
        detail = f"网格 {facts.get('grid_code')}，排查报告应于 {_when(facts.get('due_at'))} 前报送"
        return heading, detail
    heading = (
        f"【{flags}】{facts.get('case_number') or facts.get('case_id')} {facts.get('title') or ''}"
    )
    parts = [
        f"类别：{facts.get('category')}",
        f"状态：{_STATE_ZH.get(facts.get('state'), facts.get('state'))}",
    ]
    if facts.get("risk_signals"):
        parts.append("风险：" + "、".join(facts["risk_signals"]))
    if facts.get("people_involved"):
        parts.append(f"涉及人数：{facts['people_involved']}")
    if facts.get("unit_code"):
        parts.append(f"承办单位：{facts['unit_code']}")
    if facts.get("due_at"):
        parts.append(f"期限：{_when(facts['due_at'])}")
    return heading.strip(), "；".join(parts)


def minutes_view(detail: MeetingDetail) -> dict[str, Any]:
    m = detail.meeting
    decisions = {d.item_id: d for d in detail.decisions}
    items = []
    for number, item in enumerate(detail.items, start=1):
        heading, facts = _item_facts(item.facts)
        d = decisions.get(item.item_id)
        if d is None:
            decision, note = "（未作决定）", ""
        else:
            decision = _ACTION_ZH[d.action]
            if d.action == "assign":
                decision += f"：由{d.assignee_name}（{d.assignee_id}）承办"
            elif d.action == "escalate":
                decision += f"：{d.escalated_to}"
            elif d.action == "plan":
                decision += (
                    f"，{d.plan_due.year}年{d.plan_due.month}月{d.plan_due.day}日前完成：{d.plan}"
                    if d.plan_due
                    else f"：{d.plan}"
                )
            note = d.note or ""
        items.append(
            {
                "number": str(number),
                "heading": heading,
                "facts": facts,
                "decision": decision,
                "note": note,
            }
        )
    present = [a for a in m.attendance if a.get("present")]
    absent = [a for a in m.attendance if not a.get("present")]
    return {
        "title": (
            f"{m.unit_name or m.unit_code}{m.name}纪要（{m.period[:4]}年{int(m.period[5:])}月）"
        ),
        "unit": f"{m.unit_name or ''}（{m.unit_code}）",
        "starts": _when(m.starts_at),
        "agenda_generated": _when(m.agenda_generated_at),
        "window": f"{_when(m.window_start)} 起",
        "present_count": str(len(present)),
        "present": "、".join(f"{a['name']}（{a['staff_id']}）" for a in present),
        "absent_count": str(len(absent)),
        "absent": [
            f"{a['name']}（{a['staff_id']}）：{a.get('absence_reason') or ''}" for a in absent
        ],
        "items": items,
        "minutes": m.minutes or "",
        "closed_by": m.closed_by or "",
        "closed": _when(m.closed_at),
    }


class MinutesPrinter:
    """One per process; fonts are read on the first print."""

    def __init__(self, printer: TypstPrinter | None = None) -> None:
        self._printer = printer or TypstPrinter(TEMPLATES)

    async def pdf(self, detail: MeetingDetail) -> bytes:
        return await self._printer.pdf(
            TEMPLATE, json.dumps(minutes_view(detail), ensure_ascii=False)
        )
