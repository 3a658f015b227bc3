"""Builds deploy/grafana/dashboards/gridcase.json with grafana-foundation-sdk.

    .venv/bin/python deploy/grafana/build_dashboard.py

Dashboards as code: edit this file, regenerate, commit both. A test checks that the
committed JSON is what this script produces and that every query names a metric the
services export.
"""

from __future__ import annotations

import json
from pathlib import Path

from grafana_foundation_sdk.builders import dashboard, prometheus, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder

OUT = Path(__file__).parent / "dashboards" / "gridcase.json"

PANELS: list[tuple[str, str, list[tuple[str, str]]]] = [
    (
        "HTTP 请求/s  HTTP requests/s",
        "reqps",
        [
            ("sum by (service) (rate(gridcase_http_requests_total[1m]))", "{{service}}"),
        ],
    ),
    (
        "HTTP p99 延迟  HTTP p99 latency",
        "s",
        [
            (
                "histogram_quantile(0.99, sum by (le, service) "
                "(rate(gridcase_http_request_duration_seconds_bucket[5m])))",
                "{{service}}",
            ),
        ],
    ),
    (
        "HTTP 5xx",
        "reqps",
        [
            (
                'sum by (service) (rate(gridcase_http_requests_total{status=~"5.."}[5m]))',
                "{{service}}",
            ),
        ],
    ),
    (
        "发件箱积压  Outbox backlog",
        "short",
        [
            ("max by (service) (gridcase_outbox_backlog)", "{{service}}"),
        ],
    ),
    (
        "已发布事件/s  Events published/s",
        "ops",
        [
            (
                "sum by (service, topic) (rate(gridcase_outbox_published_total[1m]))",
                "{{service}} {{topic}}",
            ),
        ],
    ),
    (
        "已处理事件/s  Events consumed/s",
        "ops",
        [
            (
                "sum by (service, consumer, outcome) (rate(gridcase_events_consumed_total[1m]))",
                "{{service}}/{{consumer}} {{outcome}}",
            ),
        ],
    ),
    (
        "死信  Dead-lettered events",
        "short",
        [
            (
                "sum by (service, consumer) "
                '(increase(gridcase_events_consumed_total{outcome="dead_lettered"}[1h]))',
                "{{service}}/{{consumer}}",
            ),
        ],
    ),
    (
        "事件时延 p99（产生→应用） Event age p99",
        "s",
        [
            (
                "histogram_quantile(0.99, sum by (le, service, consumer) "
                "(rate(gridcase_event_age_seconds_bucket[5m])))",
                "{{service}}/{{consumer}}",
            ),
        ],
    ),
]


def build() -> dict[str, object]:
    board = (
        dashboard.Dashboard("GridCase 运行总览 · Operations")
        .uid("gridcase-operations")
        .tags(["gridcase"])
        .refresh("10s")
        .time("now-1h", "now")
        .timezone("browser")
    )
    for title, unit, queries in PANELS:
        panel = timeseries.Panel().title(title).unit(unit).height(8).span(12)
        for ref, (expr, legend) in zip("ABCDEFGH", queries, strict=False):
            panel = panel.with_target(
                prometheus.Dataquery().ref_id(ref).expr(expr).legend_format(legend)
            )
        board = board.with_panel(panel)
    built = json.loads(JSONEncoder(sort_keys=True, indent=2).encode(board.build()))
    assert isinstance(built, dict)
    return built


def render() -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}")
