"""Settings read from the environment (prefix ``GRIDCASE_``), one base for every service."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


PLACEHOLDER_SECRET = "change-me-development-only-never-in-production"  # noqa: S105 - the refused placeholder itself


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
    log_level: str = "INFO"
    log_json: bool = True

    relay_batch_size: int = 500
    relay_poll_interval_s: float = 1.0
    consumer_max_attempts: int = 5
    consumer_retry_backoff_s: float = 0.2

    # Distinct ports for the four services when started by ``gridcase up``.
    intake_port: int = 8001
    routing_port: int = 8002
    mediation_port: int = 8003
    escalation_port: int = 8004
    host: str = "127.0.0.1"

    state_dir: str = Field(default=".gridcase", description="local infrastructure state")

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> GridcaseSettings:
        if self.environment == Environment.PRODUCTION and self.secret_key == PLACEHOLDER_SECRET:
            raise ValueError(
                "GRIDCASE_SECRET_KEY is the development placeholder; set a real secret "
                "before running with GRIDCASE_ENVIRONMENT=production"
            )
        return self

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

    def port_for(self, service: str) -> int:
        return int(getattr(self, f"{service}_port"))
