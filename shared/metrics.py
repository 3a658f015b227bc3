"""Prometheus metrics shared by the services, labelled by service.

Labels are bounded: route templates, not raw paths; event types, not ids.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "gridcase_http_requests_total",
    "HTTP requests handled",
    ["service", "method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "gridcase_http_request_duration_seconds",
    "HTTP request latency",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
OUTBOX_PUBLISHED = Counter(
    "gridcase_outbox_published_total", "Outbox events published to Kafka", ["service", "topic"]
)
OUTBOX_BACKLOG = Gauge(
    "gridcase_outbox_backlog", "Outbox events committed but not yet published", ["service"]
)
OUTBOX_PUBLISH_ERRORS = Counter(
    "gridcase_outbox_publish_errors_total",
    "Failed attempts to publish an outbox batch",
    ["service"],
)
EVENTS_CONSUMED = Counter(
    "gridcase_events_consumed_total",
    "Events handled by a consumer, by outcome (applied, duplicate, dead_lettered)",
    ["service", "consumer", "type", "outcome"],
)
EVENT_HANDLER_RETRIES = Counter(
    "gridcase_event_handler_retries_total",
    "Failed handler attempts that were retried",
    ["service", "consumer"],
)
EVENT_HANDLING_LATENCY = Histogram(
    "gridcase_event_handling_duration_seconds",
    "Time to apply one event, including its database commit",
    ["service", "consumer"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1),
)
CONSUMER_BATCH_EVENTS = Histogram(
    "gridcase_consumer_batch_events",
    "Events fetched together and applied in one transaction",
    ["service", "consumer"],
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500),
)
EVENT_END_TO_END_LATENCY = Histogram(
    "gridcase_event_age_seconds",
    "Age of an event (now minus its CloudEvents time) when a consumer applied it",
    ["service", "consumer", "type"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
CONSUMER_LAG = Gauge(
    "gridcase_consumer_lag",
    "Messages on a consumer's assigned partitions not yet applied (high watermark minus "
    "position), summed per topic in this process",
    ["service", "consumer", "topic"],
)
DEPENDENCY_UP = Gauge(
    "gridcase_dependency_up",
    "1 if the dependency answered the last check (run at each scrape), else 0",
    ["service", "dependency"],
)

# Business figures: gauges refreshed by a periodic query in the owning service (never
# computed per scrape). Labels stop at the street (乡镇/街道, the code's first 9 digits).
CASES = Gauge(
    "gridcase_cases",
    "Cases in mediation's view by street and status (street 'none' before assignment)",
    ["service", "street", "status"],
)
RUNNING_CLOCKS = Gauge(
    "gridcase_running_clocks",
    "Running time-limit clocks by street, stage and the last deadline passed "
    "(on_time, past_due, past_yellow, past_red)",
    ["service", "street", "stage", "state"],
)
ESCALATION_CARDS = Counter(
    "gridcase_escalation_cards_total",
    "Time-limit warnings and cards fired (card: warning, yellow, red), by stage; counted "
    "when the event is committed, once per clock",
    ["service", "stage", "card"],
)
SCREENING_TASKS = Gauge(
    "gridcase_screening_tasks",
    "Screening (排查) tasks of the periods under way by street and status "
    "(open, filed_on_time, filed_late, missing)",
    ["service", "street", "status"],
)
RATE_NUMERATOR = Gauge(
    "gridcase_rate_numerator",
    "Cases counted in a rate's numerator this month (Beijing time) by street and rate "
    "(response, resolution, satisfaction, on_time_closure, mediation_success)",
    ["service", "street", "rate"],
)
RATE_DENOMINATOR = Gauge(
    "gridcase_rate_denominator",
    "Cases counted in a rate's denominator this month by street and rate; the rate is "
    "numerator / denominator, none when this is 0",
    ["service", "street", "rate"],
)
CASE_RATINGS = Gauge(
    "gridcase_case_ratings",
    "Residents' ratings given this month (Beijing time) by street and rating "
    "(satisfied, basically_satisfied, not_satisfied)",
    ["service", "street", "rating"],
)
SUPERVISIONS_OPEN = Gauge(
    "gridcase_supervisions_open",
    "Open supervisions (督办, not answered or cancelled) by the supervised unit's street "
    "and level (normal, yellow_card, red_card)",
    ["service", "street", "level"],
)
FIGURES_REFRESHED = Gauge(
    "gridcase_figures_refreshed_timestamp_seconds",
    "When the business gauges were last refreshed (Unix time)",
    ["service"],
)
