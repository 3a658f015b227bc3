"""Builds the Grafana dashboards in deploy/grafana/dashboards/ with grafana-foundation-sdk.

    make contracts        # or: .venv/bin/python deploy/grafana/build_dashboard.py

Dashboards as code: edit this file, regenerate, commit both. A contract test checks
that the committed JSON is what this script produces; an end-to-end test checks that
every metric and label a panel queries is exposed by the running services.

- ``gridcase-operations``: per service, requests, errors, latency, outbox backlog,
  consumer lag, dead letters, dependencies, scheduler, processes.
- ``gridcase-governance``: cases by street and status, overdue clocks per street and
  stage, the on-time share, cards, screening returns, and the rates per street with
  their counts.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from grafana_foundation_sdk.builders import dashboard, prometheus, stat, text, timeseries
from grafana_foundation_sdk.builders.common import StackingConfig
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.common import StackingMode
from grafana_foundation_sdk.models.dashboard import (
    DataSourceRef,
    VariableRefresh,
    VariableSort,
)

OUT_DIR = Path(__file__).parent / "dashboards"
DATASOURCE = DataSourceRef(type_val="prometheus", uid="${datasource}")
SVC = 'service=~"$service"'
STREET = 'street=~"$street"'
RATE = "$__rate_interval"


@dataclass(frozen=True)
class Chart:
    title: str
    unit: str
    queries: list[tuple[str, str]]  # (PromQL, legend)
    kind: str = "timeseries"  # or "stat"
    stacked: bool = False
    width: int = 12


OPERATIONS: list[tuple[str, list[Chart]]] = [
    (
        "HTTP",
        [
            Chart(
                "请求/s  Requests/s",
                "reqps",
                [
                    (
                        f"sum by (service) (rate(gridcase_http_requests_total{{{SVC}}}[{RATE}]))",
                        "{{service}}",
                    )
                ],
                width=8,
            ),
            Chart(
                "5xx 比例  5xx ratio",
                "percentunit",
                [
                    (
                        f'sum by (service) (rate(gridcase_http_requests_total{{{SVC}, status=~"5.."}}[{RATE}]))'
                        f" / sum by (service) (rate(gridcase_http_requests_total{{{SVC}}}[{RATE}]))",
                        "{{service}}",
                    )
                ],
                width=8,
            ),
            Chart(
                "延迟 p50 / p99  Latency",
                "s",
                [
                    (
                        f"histogram_quantile({q}, sum by (service, le) (rate("
                        f'gridcase_http_request_duration_seconds_bucket{{{SVC}, route!~"/metrics|/healthz|/readyz"}}'
                        f"[{RATE}])))",
                        f"{{{{service}}}} p{int(q * 100)}",
                    )
                    for q in (0.5, 0.99)
                ],
                width=8,
            ),
        ],
    ),
    (
        "事件  Events",
        [
            Chart(
                "发件箱积压  Outbox backlog",
                "short",
                [(f"sum by (service) (gridcase_outbox_backlog{{{SVC}}})", "{{service}}")],
                width=8,
            ),
            Chart(
                "消费滞后  Consumer lag",
                "short",
                [
                    (
                        f"sum by (service, consumer) (gridcase_consumer_lag{{{SVC}}})",
                        "{{service}}/{{consumer}}",
                    )
                ],
                width=8,
            ),
            Chart(
                "死信（1 小时）  Dead letters (1h)",
                "short",
                [
                    (
                        "sum by (service, consumer) (increase(gridcase_events_consumed_total"
                        f'{{{SVC}, outcome="dead_lettered"}}[1h]))',
                        "{{service}}/{{consumer}}",
                    )
                ],
                width=8,
            ),
            Chart(
                "已发布事件/s  Published/s",
                "ops",
                [
                    (
                        f"sum by (service, topic) (rate(gridcase_outbox_published_total{{{SVC}}}[{RATE}]))",
                        "{{service}} {{topic}}",
                    )
                ],
            ),
            Chart(
                "已处理事件/s  Consumed/s",
                "ops",
                [
                    (
                        "sum by (service, consumer, outcome) "
                        f"(rate(gridcase_events_consumed_total{{{SVC}}}[{RATE}]))",
                        "{{service}}/{{consumer}} {{outcome}}",
                    )
                ],
            ),
            Chart(
                "事件时延 p99（产生→应用）  Event age p99",
                "s",
                [
                    (
                        "histogram_quantile(0.99, sum by (service, consumer, le) "
                        f"(rate(gridcase_event_age_seconds_bucket{{{SVC}}}[{RATE}])))",
                        "{{service}}/{{consumer}}",
                    )
                ],
            ),
            Chart(
                "处理重试/s  Handler retries/s",
                "ops",
                [
                    (
                        "sum by (service, consumer) "
                        f"(rate(gridcase_event_handler_retries_total{{{SVC}}}[{RATE}]))",
                        "{{service}}/{{consumer}}",
                    )
                ],
            ),
        ],
    ),
    (
        "依赖与定时任务  Dependencies and scheduler",
        [
            Chart(
                "依赖可达  Dependencies up",
                "short",
                [
                    (
                        f"min by (service, dependency) (gridcase_dependency_up{{{SVC}}})",
                        "{{service}} {{dependency}}",
                    )
                ],
                width=8,
            ),
            Chart(
                "定时任务最长滞后  Oldest due job",
                "s",
                [
                    (
                        f"max by (service) (gridcase_scheduler_oldest_due_lag_seconds{{{SVC}}})",
                        "{{service}}",
                    )
                ],
                width=8,
            ),
            Chart(
                "定时任务/s  Scheduled jobs/s",
                "ops",
                [
                    (
                        f"sum by (service) (rate(gridcase_scheduler_jobs_fired_total{{{SVC}}}[{RATE}]))",
                        "{{service}} fired",
                    ),
                    (
                        f"sum by (service) (rate(gridcase_scheduler_jobs_failed_total{{{SVC}}}[{RATE}]))",
                        "{{service}} failed",
                    ),
                ],
                width=8,
            ),
        ],
    ),
    (
        "进程  Processes",
        [
            Chart(
                "在线进程  Processes up",
                "short",
                [(f'sum by (service) (up{{job="gridcase", {SVC}}})', "{{service}}")],
                width=8,
            ),
            Chart(
                "CPU（核）  CPU (cores)",
                "short",
                [
                    (
                        f'sum by (service) (rate(process_cpu_seconds_total{{job="gridcase", {SVC}}}[{RATE}]))',
                        "{{service}}",
                    )
                ],
                width=8,
            ),
            Chart(
                "内存  Resident memory",
                "bytes",
                [
                    (
                        f'sum by (service) (process_resident_memory_bytes{{job="gridcase", {SVC}}})',
                        "{{service}}",
                    )
                ],
                width=8,
            ),
        ],
    ),
]

GOVERNANCE: list[tuple[str, list[Chart]]] = [
    (
        "案件  Cases",
        [
            Chart(
                "案件（按状态）  Cases by status",
                "short",
                [(f"sum by (status) (gridcase_cases{{{STREET}}})", "{{status}}")],
                kind="stat",
                width=8,
            ),
            Chart(
                "各街道案件（按状态）  Cases per street and status",
                "short",
                [
                    (
                        f"sum by (street, status) (gridcase_cases{{{STREET}}})",
                        "{{street}} {{status}}",
                    )
                ],
                stacked=True,
                width=16,
            ),
        ],
    ),
    (
        "时限  Time limits",
        [
            Chart(
                "超时在办（按街道）  Overdue per street",
                "short",
                [
                    (
                        f'sum by (street) (gridcase_running_clocks{{{STREET}, state!="on_time"}})',
                        "{{street}}",
                    )
                ],
                stacked=True,
            ),
            Chart(
                "超时（按环节、程度）  Overdue by stage and deadline passed",
                "short",
                [
                    (
                        "sum by (stage, state) "
                        f'(gridcase_running_clocks{{{STREET}, state!="on_time"}})',
                        "{{stage}} {{state}}",
                    )
                ],
                stacked=True,
            ),
            Chart(
                "按时在办比例（按街道）  On-time share per street",
                "percentunit",
                [
                    (
                        f'sum by (street) (gridcase_running_clocks{{{STREET}, state="on_time"}})'
                        f" / sum by (street) (gridcase_running_clocks{{{STREET}}})",
                        "{{street}}",
                    )
                ],
            ),
            Chart(
                "已过红牌时限（按街道）  Past the red-card deadline",
                "short",
                [
                    (
                        f'sum by (street) (gridcase_running_clocks{{{STREET}, state="past_red"}})',
                        "{{street}}",
                    )
                ],
            ),
            Chart(
                "预警与黄红牌（按环节）  Warnings and cards fired per hour",
                "short",
                [
                    (
                        "sum by (stage, card) "
                        f"(increase(gridcase_escalation_cards_total{{{SVC}}}[1h]))",
                        "{{stage}} {{card}}",
                    )
                ],
                stacked=True,
                width=24,
            ),
            Chart(
                "在办督办（按街道、级别）  Open supervisions by street and level",
                "short",
                [
                    (
                        f"sum by (street, level) (gridcase_supervisions_open{{{STREET}}})",
                        "{{street}} {{level}}",
                    )
                ],
                stacked=True,
                width=24,
            ),
            Chart(
                "排查缺报（按街道）  Missing screening returns per street",
                "short",
                [
                    (
                        f'sum by (street) (gridcase_screening_tasks{{{STREET}, status="missing"}})',
                        "{{street}}",
                    )
                ],
            ),
            Chart(
                "本期排查任务（按状态）  Screening tasks this period by status",
                "short",
                [
                    (
                        f"sum by (status) (gridcase_screening_tasks{{{STREET}}})",
                        "{{status}}",
                    )
                ],
                stacked=True,
            ),
            Chart(
                "统计刷新距今  Figures age",
                "s",
                [
                    (
                        "time() - max by (service) (gridcase_figures_refreshed_timestamp_seconds)",
                        "{{service}}",
                    )
                ],
                kind="stat",
                width=24,
            ),
        ],
    ),
]

# The rates (GridCase issue 14 item 8): this month's counts per street, exported by
# escalation; the rate is numerator / denominator, absent when nothing is counted.
RATES = [
    ("response", "响应率", "Response rate"),
    ("resolution", "解决率", "Resolution rate"),
    ("satisfaction", "满意率", "Satisfaction rate"),
    ("on_time_closure", "按期结案率", "On-time closure rate"),
    ("mediation_success", "成功率", "Mediation success rate"),
]


def _rate(rate: str) -> str:
    return (
        f'sum by (street) (gridcase_rate_numerator{{{STREET}, rate="{rate}"}})'
        f' / sum by (street) (gridcase_rate_denominator{{{STREET}, rate="{rate}"}})'
    )


def _rate_charts() -> list[Chart]:
    charts = [
        Chart(
            f"{zh}（按街道，本月）  {en} per street, this month",
            "percentunit",
            [(_rate(r), "{{street}}")],
            width=8,
        )
        for r, zh, en in RATES
    ]
    charts.append(
        Chart(
            "三率计数（本月）  Counts behind the rates, this month",
            "short",
            [
                (f"sum by (rate) (gridcase_rate_numerator{{{STREET}}})", "{{rate}} 分子 numerator"),
                (
                    f"sum by (rate) (gridcase_rate_denominator{{{STREET}}})",
                    "{{rate}} 分母 denominator",
                ),
            ],
            width=8,
        )
    )
    charts.append(
        Chart(
            "满意度评价（本月，按评价）  Ratings this month",
            "short",
            [(f"sum by (rating) (gridcase_case_ratings{{{STREET}}})", "{{rating}}")],
            stacked=True,
            width=24,
        )
    )
    return charts


GOVERNANCE.append(("三率  Rates", _rate_charts()))

GOVERNANCE_NOTE = (
    "街道 = 单位编码前 9 位；`none` 为尚未分派。三率为本月（北京时间）数：分子 / 分母，"
    "分母为 0 时无值（不是 100%）。Street = the unit code's first 9 digits; `none` before "
    "assignment. Rates are month to date: numerator / denominator, none when nothing is counted."
)


def _variable(name: str, label: str, query: str) -> dashboard.QueryVariable:
    return (
        dashboard.QueryVariable(name)
        .label(label)
        .datasource(DATASOURCE)
        .query({"query": query, "refId": name})
        .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(VariableSort.ALPHABETICAL_ASC)
        .multi(True)
        .include_all(True)
        .all_value(".*")
    )


def _panel(chart: Chart) -> object:
    panel: object
    if chart.kind == "stat":
        panel = stat.Panel().title(chart.title).unit(chart.unit).height(6).span(chart.width)
    else:
        panel = timeseries.Panel().title(chart.title).unit(chart.unit).height(8).span(chart.width)
        if chart.stacked:
            panel = panel.stacking(StackingConfig().mode(StackingMode.NORMAL))
    panel = panel.datasource(DATASOURCE)
    for ref, (expr, legend) in zip("ABCDEFGH", chart.queries, strict=False):
        panel = panel.with_target(
            prometheus.Dataquery().ref_id(ref).expr(expr).legend_format(legend)
        )
    return panel


def _board(uid: str, title: str, rows: list[tuple[str, list[Chart]]]) -> dashboard.Dashboard:
    board = (
        dashboard.Dashboard(title)
        .uid(uid)
        .tags(["gridcase"])
        .refresh("30s")
        .time("now-6h", "now")
        .timezone("browser")
        .with_variable(
            dashboard.DatasourceVariable("datasource").label("数据源").type("prometheus")
        )
    )
    for row_title, charts in rows:
        board = board.with_row(dashboard.Row(row_title))
        for chart in charts:
            board = board.with_panel(_panel(chart))  # type: ignore[arg-type]
    return board


def operations() -> dashboard.Dashboard:
    return _board(
        "gridcase-operations", "GridCase 运行监控 · Operations", OPERATIONS
    ).with_variable(_variable("service", "服务", 'label_values(up{job="gridcase"}, service)'))


def governance() -> dashboard.Dashboard:
    board = _board("gridcase-governance", "GridCase 治理态势 · Governance", GOVERNANCE)
    board = board.with_panel(
        text.Panel().title("说明  Notes").content(GOVERNANCE_NOTE).span(24).height(3)
    )
    return board.with_variable(_variable("street", "街道", "label_values(gridcase_cases, street)"))


DASHBOARDS: dict[str, Callable[[], dashboard.Dashboard]] = {
    "gridcase-operations": operations,
    "gridcase-governance": governance,
}


def build(name: str) -> dict[str, object]:
    built = json.loads(JSONEncoder(sort_keys=True, indent=2).encode(DASHBOARDS[name]().build()))
    assert isinstance(built, dict)
    return built


def render(name: str) -> str:
    return json.dumps(build(name), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def queries() -> list[str]:
    """Every PromQL expression the dashboards run: panel targets and variable queries."""
    found: list[str] = []
    for _, charts in OPERATIONS + GOVERNANCE:
        found += [expr for chart in charts for expr, _ in chart.queries]
    found += ['label_values(up{job="gridcase"}, service)', "label_values(gridcase_cases, street)"]
    return found


if __name__ == "__main__":
    for name in DASHBOARDS:
        path = OUT_DIR / f"{name}.json"
        path.write_text(render(name), encoding="utf-8")
        print(f"wrote {path}")
