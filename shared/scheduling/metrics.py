"""Prometheus metrics of the scheduler, labelled by service (and job kind, a code constant)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

JOBS_FIRED = Counter(
    "gridcase_scheduler_jobs_fired_total",
    "Scheduled jobs whose handler's effect committed",
    ["service", "kind"],
)
JOB_RETRIES = Counter(
    "gridcase_scheduler_job_retries_total",
    "Failed attempts of a scheduled job that will be retried after a back-off",
    ["service", "kind"],
)
JOBS_FAILED = Counter(
    "gridcase_scheduler_jobs_failed_total",
    "Scheduled jobs given up after their bounded attempts (state 'failed', needs a person)",
    ["service", "kind"],
)
SWEEP_DURATION = Histogram(
    "gridcase_scheduler_sweep_duration_seconds",
    "Time of one sweep: claim a batch of due jobs, run them, commit",
    ["service"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5),
)
OLDEST_DUE_LAG = Gauge(
    "gridcase_scheduler_oldest_due_lag_seconds",
    "How long the oldest due pending job has been waiting (0 when none is due)",
    ["service"],
)
