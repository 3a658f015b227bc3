"""The monthly report as files: xlsx in the layout of the official statistics tables
("矛盾纠纷排查化解基本情况统计表（N月）", DOMAIN.md "The cycle in practice"), CSV, and PDF
typeset by typst with a bar chart of the trend.

One table layout for all three: a header block (unit, period, filled by), then one
line per area × dispute type × level with this month's counts and rates, the year to
date, the previous month and month on month, and after them the month's time-limit
column group (响应率, 解决率, 按期结案率, 满意率, each beside its counts; DOMAIN.md
"Rates, written down": "Always show the counts beside a rate"). The PDF sets that group
in a second table with the same line heads, as a landscape A4 page cannot hold 36
columns legibly. PDF fonts come only from the named directories (Debian's
fonts-noto-cjk), as mediation prints, so every machine prints the same pages.
"""

from __future__ import annotations

import csv
import io
import json
import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import typst
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from services.escalation.domain.monthly_report import (
    BAND_LABELS,
    Figures,
    MonthlyReport,
    ReportRow,
    TimeLimitRates,
)

TEMPLATES = Path(__file__).parent / "report_templates"
FONT_DIRS: tuple[Path, ...] = (Path("/usr/share/fonts/opentype/noto"),)
LEVEL_ZH = {"grid": "网格", "community": "社区/村", "street": "街道/乡镇", "district": "区/县"}
STATUS_ZH = {None: "未上报", "submitted": "已上报", "returned": "已退回", "accepted": "已接收"}

# This month's time-limit rates (domain/rates.py), each after its counts.
TIME_LIMIT_HEADERS: tuple[str, ...] = (
    "应响应数",
    "按时响应数",
    "响应率",
    "应结案数",
    "解决数",
    "解决率",
    "按期结案数",
    "按期结案率",
    "参评数",
    "满意数",
    "满意率",
)
HEADERS: tuple[str, ...] = (
    "地区/单位",
    "纠纷类型",
    "层级",
    "排查数",
    "受理数",
    "调处数",
    "成功数",
    "调处率",
    "成功率",
    "重大纠纷",
    *(f"涉及{label}" for label in BAND_LABELS.values()),
    "报告数",
    "零报告",
    "本年累计排查",
    "本年累计调处",
    "本年累计成功",
    "上月排查",
    "环比",
    *TIME_LIMIT_HEADERS,
)
TIME_LIMIT_COLUMNS = len(TIME_LIMIT_HEADERS)
LINE_HEAD_COLUMNS = 3  # area, dispute type, level
NOTES = (
    "调处率 = 调处数 / 排查数；成功率 = 成功数 / 受理数。",
    "时限三率按本月到期的时限计，已受理、已结案或已逾期即计入：响应率 = 按时响应数 / 应响应数；"
    "解决率 = 解决数 / 应结案数；按期结案率 = 按期结案数 / 应结案数；"
    "满意率 = 满意数 / 参评数，按本月评价计，未评价的不计入。比率为“—”表示分母为 0。",
    "数据均来自事件流。",
)
NOTE_NOT_ACCEPTED = "未接收：下级报告尚未经本级接收，所示为实时数。"


def title_of(report: MonthlyReport) -> str:
    return f"矛盾纠纷排查化解基本情况统计表（{int(report.month[5:])}月）"


def period_of(month: str) -> str:
    return f"{month[:4]}年{int(month[5:])}月"


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _line(
    area: str,
    category: str,
    level: str,
    m: Figures,
    y: Figures,
    p: Figures,
    t: TimeLimitRates,
) -> list[str | int]:
    return [
        area,
        category or "（排查报告）",
        LEVEL_ZH.get(level, level),
        m.screened,
        m.accepted,
        m.mediated,
        m.succeeded,
        _rate(m.mediation_rate),
        _rate(m.success_rate),
        m.major,
        m.lt50,
        m.b50_100,
        m.b100_500,
        m.gt500,
        m.returns,
        m.nil_reports,
        y.screened,
        y.mediated,
        y.succeeded,
        p.screened,
        f"{m.screened - p.screened:+d}",
        t.due_to_respond,
        t.responded_in_time,
        _rate(t.response_rate),
        t.due_to_close,
        t.resolved,
        _rate(t.resolution_rate),
        t.closed_on_time,
        _rate(t.on_time_closure_rate),
        t.rated,
        t.satisfied,
        _rate(t.satisfaction_rate),
    ]


def lines(report: MonthlyReport, names: dict[str, str] | None = None) -> list[list[str | int]]:
    """The table's body: a line per row, then the total (合计)."""
    names = names or {c.unit_code: c.name for c in report.children}

    def area(row: ReportRow) -> str:
        label = names.get(row.area_code, row.area_code)
        return label if row.source != "live" or not report.children else f"{label}（未接收）"

    body = [
        _line(area(r), r.category, r.level, r.month, r.year_to_date, r.previous, r.time_limits)
        for r in report.rows
    ]
    m, y, p = report.totals
    body.append(_line("合计", "—", report.level, m, y, p, report.time_limit_totals))
    return body


def header_block(report: MonthlyReport, filled_by: str) -> list[tuple[str, str]]:
    return [
        ("填报单位", f"{report.unit_name}（{report.unit_code}）"),
        ("统计期间", period_of(report.month)),
        ("填报人", filled_by),
        ("状态", STATUS_ZH.get(report.status, report.status or "")),
    ]


def to_csv(report: MonthlyReport, filled_by: str) -> bytes:
    """UTF-8 with a BOM, so that spreadsheet programs read the Chinese right."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([title_of(report)])
    for label, value in header_block(report, filled_by):
        writer.writerow([label, value])
    writer.writerow(HEADERS)
    writer.writerows(lines(report))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(report: MonthlyReport, filled_by: str) -> bytes:
    """The official layout: the title merged over the table, the header block, the
    column heads, the lines and the total, thin borders."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"{report.month}"
    width = len(HEADERS)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.cell(1, 1, title_of(report)).font = Font(size=14, bold=True)
    sheet.cell(1, 1).alignment = Alignment(horizontal="center")
    for i, (label, value) in enumerate(header_block(report, filled_by)):
        col = 1 + i * 5
        sheet.cell(2, col, f"{label}：{value}")
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for col, head in enumerate(HEADERS, start=1):
        head_cell = sheet.cell(4, col, head)
        head_cell.font = Font(bold=True)
        head_cell.alignment = Alignment(horizontal="center", wrap_text=True)
        head_cell.border = border
    for r, line in enumerate(lines(report), start=5):
        for col, cell_value in enumerate(line, start=1):
            sheet.cell(r, col, cell_value).border = border
    for col in range(1, width + 1):
        sheet.column_dimensions[get_column_letter(col)].width = 18 if col <= 3 else 9
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def pdf_view(report: MonthlyReport, filled_by: str) -> dict[str, object]:
    """The PDF's data: the counts' table, then the time-limit group in a second table
    with the same line heads (area, dispute type, level)."""
    rows = [[str(v) for v in line] for line in lines(report)]
    split = len(HEADERS) - TIME_LIMIT_COLUMNS
    return {
        "title": title_of(report),
        "unit": f"{report.unit_name}（{report.unit_code}）",
        "period": period_of(report.month),
        "filled_by": filled_by,
        "status": STATUS_ZH.get(report.status, report.status or ""),
        "headers": list(HEADERS[:split]),
        "rows": [row[:split] for row in rows],
        "limits_title": f"时限三率及按期结案率（{int(report.month[5:])}月到期）",
        "limits_headers": [*HEADERS[:LINE_HEAD_COLUMNS], *TIME_LIMIT_HEADERS],
        "limits_rows": [row[:LINE_HEAD_COLUMNS] + row[split:] for row in rows],
        "chart_title": "近几月趋势（排查数 / 调处数）",
        "trend": [
            {"month": m, "screened": f.screened, "mediated": f.mediated}
            for m, f in sorted(report.trend.items())
        ],
        # A note a line. No closing bracket or quote right before "。": typst compresses
        # the pair and text extraction (pdftotext) reads the "。" as a stray line.
        "notes": [*NOTES, *([NOTE_NOT_ACCEPTED] if report.children else [])],
    }


class ReportPrinter:
    """Compiles one report at a time (typst's compiler is not thread-safe); fonts are
    read once. CPU work: call it from a worker thread."""

    def __init__(self, font_dirs: Sequence[Path] = FONT_DIRS) -> None:
        fonts = typst.Fonts(
            include_system_fonts=False,
            include_embedded_fonts=True,
            font_paths=[str(d) for d in font_dirs],
        )
        self._compiler = typst.Compiler(
            root=str(TEMPLATES), font_paths=fonts, ignore_system_fonts=True
        )
        self._lock = threading.Lock()

    def pdf(self, report: MonthlyReport, filled_by: str) -> bytes:
        data = json.dumps(pdf_view(report, filled_by), ensure_ascii=False)
        with self._lock:
            pdf = self._compiler.compile(
                input=str(TEMPLATES / "monthly_report.typ"),
                format="pdf",
                sys_inputs={"data": data},
            )
        if not isinstance(pdf, bytes):
            raise TypeError(f"typst returned {type(pdf).__name__} for a PDF")
        return pdf


@cache
def default_printer() -> ReportPrinter:
    return ReportPrinter()
