"""The extractor the oversight tests use to compare rules and panels with the metrics."""

from __future__ import annotations

from tests.promql_names import needs


def test_names_matchers_and_grouping_labels_are_read_and_strings_are_not() -> None:
    found = needs(
        'sum by (service) (rate(gridcase_http_requests_total{service=~"$service", '
        'status=~"5.."}[$__rate_interval])) / sum by (service) '
        "(rate(gridcase_http_requests_total[5m])) > 0.05"
    )
    assert found.metrics == {"gridcase_http_requests_total": {"service", "status"}}
    assert found.grouping == {"service"}


def test_histograms_functions_and_bare_names() -> None:
    found = needs(
        "histogram_quantile(0.99, sum by (service, le) "
        '(rate(gridcase_http_request_duration_seconds_bucket{route!~"/metrics|/healthz"}[5m]))) > 1'
        " and time() - max by (service) (gridcase_figures_refreshed_timestamp_seconds) > 120"
    )
    assert found.metrics == {
        "gridcase_http_request_duration_seconds_bucket": {"route"},
        "gridcase_figures_refreshed_timestamp_seconds": set(),
    }
    assert found.grouping == {"service", "le"}


def test_grafana_label_values_queries() -> None:
    found = needs('label_values(up{job="gridcase"}, service)')
    assert found.metrics == {"up": {"job", "service"}}
