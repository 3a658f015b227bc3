"""The situation view as text: Chinese first, an English word under each heading, one
table per part, for a terminal or a pipe (``rich`` measures CJK characters' width)."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

from gridcase.centre.view import (
    CARD_LABELS,
    RISK_LABELS,
    STATUS_LABELS,
    SituationView,
)

BEIJING = timezone(timedelta(hours=8))
LEVEL_LABELS = {"district": "区", "street": "街道", "community": "社区", "grid": "网格"}
_INDENT = {"district": 0, "street": 1, "community": 2, "grid": 3}
ESCALATION_REASONS = {"red_card": "红牌自动上报", "meeting_decision": "例会决定上报"}
STAGE_LABELS = {
    "answer": "督办回复",
    "accept": "受理",
    "mediate": "调解",
    "confirm": "司法确认申请",
    "follow_up": "回访",
    "handle": "办理",
    "verify": "验证",
}


def _at(value: datetime | None) -> str:
    return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if value else "—"


def _n(value: int) -> str:
    return str(value) if value else "·"


def _count_column(table: Table, heading: str) -> None:
    """A column of counts, never narrower than its heading (headings are not cut)."""
    width = max(cell_len(line) for line in heading.splitlines())
    table.add_column(heading, justify="right", min_width=width)


def _units(view: SituationView) -> Table:
    statuses = [s for s in STATUS_LABELS if view.open_by_status.get(s)]
    table = Table(
        title="在办案件（按单位逐级汇总） Open cases by unit, rolled up", title_justify="left"
    )
    table.add_column("单位\nunit", no_wrap=True)
    _count_column(table, "在办\nopen")
    for status in statuses:
        _count_column(table, f"{STATUS_LABELS[status]}\n{status}")
    _count_column(table, "民转刑\ncriminal")
    _count_column(table, "风险信号\nsignals")
    _count_column(table, "临期\nwarned")
    _count_column(table, "黄牌\nyellow")
    _count_column(table, "红牌\nred")
    _count_column(table, "督办\nsupervised")
    _count_column(table, "上报接收\nescalated")
    _count_column(table, "排查漏报\nmissing")
    top = min((_INDENT.get(row.level, 0) for row in view.units), default=0)
    for row in view.units:
        indent = "  " * (_INDENT.get(row.level, 0) - top)
        label = f"{indent}{row.name or '（未登记）'} {row.code}"
        table.add_row(
            label,
            _n(row.open),
            *(_n(row.by_status.get(s, 0)) for s in statuses),
            _n(row.by_risk.get("criminal", 0)),
            _n(row.by_risk.get("signalled", 0)),
            _n(row.warned),
            _n(row.yellow),
            _n(row.red),
            _n(row.supervised),
            _n(row.escalated_in),
            _n(row.missing_returns),
        )
    if view.unplaced_open:
        unplaced = view.open_by_status.get("submitted", 0)
        table.add_row(
            "（尚无承办单位 no unit yet）",
            str(view.unplaced_open),
            *(_n(unplaced if s == "submitted" else 0) for s in statuses),
        )
    return table


def _overdue(view: SituationView) -> Table:
    table = Table(
        title="超期（红黄牌未解除） Overdue: cards issued, clock still running",
        title_justify="left",
    )
    for heading in (
        "牌\ncard",
        "案件编号\ncase",
        "单位\nunit",
        "环节\nstage",
        "办结时限\ndue",
        "红牌时限\nred at",
    ):
        table.add_column(heading)
    for item in view.overdue:
        table.add_row(
            CARD_LABELS[item.card],
            item.case_number or item.case_id,
            item.unit_code or "—",
            STAGE_LABELS.get(item.stage, item.stage),
            _at(item.due_at),
            _at(item.red_at),
        )
    return table


def _escalations(view: SituationView) -> Table:
    table = Table(title="上报（升级至上级单位） Escalations", title_justify="left")
    for heading in (
        "案件编号\ncase",
        "原单位\nfrom",
        "上报至\nto",
        "层级\nlevel",
        "原因\nreason",
        "时间\nat",
    ):
        table.add_column(heading)
    for item in view.escalations:
        table.add_row(
            item.case_number or item.case_id,
            item.from_unit_code or "—",
            item.to_unit_code,
            LEVEL_LABELS.get(item.to_level or "", item.to_level or "—"),
            ESCALATION_REASONS.get(item.reason or "", item.reason or "—"),
            _at(item.at),
        )
    return table


def _missing(view: SituationView) -> Table:
    table = Table(title="排查漏报（逾期未交） Missing screening returns", title_justify="left")
    for heading in (
        "网格\ngrid",
        "期次\nperiod",
        "应交时间\ndue",
        "标记时间\nflagged",
        "上报至\nescalated to",
    ):
        table.add_column(heading)
    for item in view.missing_returns:
        table.add_row(
            f"{item.grid_name or ''} {item.grid_code}".strip(),
            item.period_key or "—",
            _at(item.due_at),
            _at(item.flagged_at),
            item.escalated_to or "—",
        )
    return table


def _summary(view: SituationView) -> str:
    open_total = sum(view.open_by_status.values())
    risk = "，".join(
        f"{RISK_LABELS[k]} {v}" for k in RISK_LABELS if (v := view.open_by_risk.get(k))
    )
    s = view.screening
    read = sum(view.events["read"].values())
    skipped = view.events["skipped_unknown_types"]
    lines = [
        f"综治中心态势 Governance centre situation{' · ' + view.scope if view.scope else ''}",
        f"在办 {open_total} 件（{risk or '无'}）；红牌 {view.clocks['red']}，"
        f"黄牌 {view.clocks['yellow']}，临期 {view.clocks['warned']}；"
        f"督办 {view.supervision['open']}（逾期未复 {view.supervision['answer_overdue']}）；"
        f"上报 {len(view.escalations)}；"
        f"排查任务 {s['opened']}：已交 {s['filed']}（零报告 {s['nil_reports']}，"
        f"逾期补交 {s['filed_late']}），未到期 {s['open']}，漏报 {s['missing']}",
        f"读取事件 {read} 条 events read"
        + (
            f"；跳过未知类型 {sum(skipped.values())} 条 skipped unknown types: "
            + ", ".join(f"{t} ×{n}" for t, n in skipped.items())
            if skipped
            else ""
        )
        + (
            f"；无法解析 {sum(view.events['invalid'].values())} 条 unreadable"
            if view.events["invalid"]
            else ""
        ),
    ]
    return "\n".join(lines)


def render(view: SituationView, width: int = 300) -> str:
    """The view as text; tables take their natural width (``width`` is only a ceiling)."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, highlight=False)
    console.print(_summary(view), markup=False)
    for part, present in (
        (_units(view), view.units or view.unplaced_open),
        (_overdue(view), view.overdue),
        (_escalations(view), view.escalations),
        (_missing(view), view.missing_returns),
    ):
        console.print()
        if present:
            console.print(part)
        else:
            console.print(f"{part.title}: 无 none", markup=False)
    return buffer.getvalue()
