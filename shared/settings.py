"""Settings read from the environment (prefix ``GRIDCASE_``), one base for every service."""

from __future__ import annotations

import ipaddress
from enum import StrEnum

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    STAGING = "staging"
    PRODUCTION = "production"


PLACEHOLDER_SECRET = "change-me-development-only-never-in-production"  # noqa: S105 - the refused placeholder itself
# "<key id>:<base64 of 32 bytes>"; like the secret, refused outside development and tests.
PLACEHOLDER_PII_KEYS = "dev:Z3JpZGNhc2UtZGV2LW9ubHktbmV2ZXItcHJvZC1rZXk="
# PIPL practice and the issue: audit rows are kept at least six months.
MIN_AUDIT_RETENTION_DAYS = 183


class GridcaseSettings(BaseSettings):
    """Everything a service needs to reach its infrastructure.

    ``database_url`` and ``kafka_bootstrap_servers`` are normally written by
    ``gridcase infra up`` into the environment of the processes it starts; set them
    yourself to use external servers. ``database_url`` may be overridden per service
    (``GRIDCASE_INTAKE_DATABASE_URL`` …) so that one database per service works by
    configuration alone.
    """

    model_config = SettingsConfigDict(env_prefix="GRIDCASE_", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    database_url: str = ""
    kafka_bootstrap_servers: str = ""
    # Prepended to every topic name; tests give each stack its own so that runs never
    # see each other's events. Empty in normal operation.
    topic_prefix: str = ""
    topic_partitions: int = 6
    topic_replication_factor: int = 1

    secret_key: str = PLACEHOLDER_SECRET
    # Keys for parties' personal data at rest: "<id>:<base64 32 bytes>,…". The first
    # encrypts; every listed key decrypts, so keys rotate by prepending a new one.
    pii_keys: str = PLACEHOLDER_PII_KEYS
    # Proxies (CIDRs, comma-separated) whose X-Forwarded-For is believed, walked from
    # the right (shared.http.client_address). Empty: the TCP peer is the client.
    trusted_proxies: str = ""
    # Browser origins allowed to call the APIs (comma-separated). Empty: CORS closed.
    cors_allow_origins: str = ""
    # /docs, /redoc and /openapi.json. Unset: served in development and tests only, so a
    # production service does not describe itself to anyone who asks.
    api_docs: bool | None = None
    # Identity (issued by routing): token lifetimes, login throttling and lockout.
    access_ttl_minutes: int = Field(default=15, ge=1, le=60)
    refresh_ttl_days: int = Field(default=14, ge=1, le=90)
    login_rate_per_minute: int = Field(default=10, ge=1)
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_minutes: int = Field(default=15, ge=1)
    # Audit rows older than this are purged (never fewer than MIN_AUDIT_RETENTION_DAYS).
    audit_retention_days: int = 400
    log_level: str = "INFO"
    log_json: bool = True

    relay_batch_size: int = 500
    relay_poll_interval_s: float = 1.0
    # Sent outbox rows are kept this long (for inspection, replay by hand), then purged
    # in batches by every service (shared.messaging.outbox_purge); unsent rows never.
    outbox_retention_hours: float = Field(default=72.0, gt=0)
    outbox_purge_interval_s: float = Field(default=300.0, gt=0)
    outbox_purge_batch: int = Field(default=2000, ge=1)
    consumer_max_attempts: int = 5
    consumer_retry_backoff_s: float = 0.2
    # Allocations between young-generation collections in a service process (Python's
    # default is 700); 0 keeps Python's defaults. See shared.gc_tuning.tune_gc.
    gc_gen0_threshold: int = Field(default=20000, ge=0)

    # Distinct ports for the four services when started by ``gridcase up``.
    intake_port: int = 8001
    # Processes serving intake's port (uvicorn workers): intake's requests are the
    # heaviest path, and each process has its own group commit, relay and consumers.
    intake_workers: int = Field(default=1, ge=1)
    routing_port: int = 8002
    mediation_port: int = 8003
    escalation_port: int = 8004
    host: str = "127.0.0.1"
    # Where the mediation web app reaches routing server side (sign-in, explanations,
    # the unit tree); empty: http://<host>:<routing_port>.
    routing_url: str = ""
    # Where the mediation web app fetches escalation's monthly-report exports server
    # side, with the user's own token; empty: http://<host>:<escalation_port>.
    escalation_url: str = ""

    state_dir: str = Field(default=".gridcase", description="local infrastructure state")

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> GridcaseSettings:
        """Outside development and tests, the placeholder keys are refused at start."""
        if self.environment not in (Environment.DEVELOPMENT, Environment.TEST):
            if self.secret_key == PLACEHOLDER_SECRET or len(self.secret_key) < 32:
                raise ValueError(
                    "GRIDCASE_SECRET_KEY is the development placeholder or shorter than 32 "
                    f"characters; set a real secret for GRIDCASE_ENVIRONMENT={self.environment}"
                )
            if PLACEHOLDER_PII_KEYS.split(":")[1] in self.pii_keys:
                raise ValueError(
                    "GRIDCASE_PII_KEYS holds the development key; set real keys for "
                    f"GRIDCASE_ENVIRONMENT={self.environment}"
                )
        for proxy in filter(None, (p.strip() for p in self.trusted_proxies.split(","))):
            try:
                ipaddress.ip_network(proxy)
            except ValueError as exc:
                raise ValueError(f"GRIDCASE_TRUSTED_PROXIES: {exc}") from None
        if self.audit_retention_days < MIN_AUDIT_RETENTION_DAYS:
            raise ValueError(
                f"GRIDCASE_AUDIT_RETENTION_DAYS must be at least {MIN_AUDIT_RETENTION_DAYS} "
                "(audit records are kept six months or more)"
            )
        return self

    def api_docs_enabled(self) -> bool:
        if self.api_docs is not None:
            return self.api_docs
        return self.environment in (Environment.DEVELOPMENT, Environment.TEST)

    def cors_origins(self) -> list[str]:
        return [o.strip() for o in self.cors_allow_origins.split(",") if o.strip()]

    def database_url_for(self, service: str) -> str:
        """The database URL for one service: ``GRIDCASE_<SERVICE>_DATABASE_URL`` wins."""
        import os

        specific = os.environ.get(f"GRIDCASE_{service.upper()}_DATABASE_URL")
        url = specific or self.database_url
        if not url:
            raise RuntimeError(
                "No database configured: set GRIDCASE_DATABASE_URL or run `gridcase infra up`"
            )
        return url

    def kafka_servers(self) -> str:
        if not self.kafka_bootstrap_servers:
            raise RuntimeError(
                "No Kafka configured: set GRIDCASE_KAFKA_BOOTSTRAP_SERVERS "
                "or run `gridcase infra up`"
            )
        return self.kafka_bootstrap_servers

    def routing_base_url(self) -> str:
        return (self.routing_url or f"http://{self.host}:{self.routing_port}").rstrip("/")

    def escalation_base_url(self) -> str:
        return (self.escalation_url or f"http://{self.host}:{self.escalation_port}").rstrip("/")

    def port_for(self, service: str) -> int:
        return int(getattr(self, f"{service}_port"))
