"""``gridcase infra up|down|status``: the state folder and what is running from it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from gridcase.devstack.kafka import LocalKafka
from gridcase.devstack.postgres import EmbeddedPostgres


@dataclass
class Infrastructure:
    """External servers when configured, else local ones under ``state_dir``."""

    state_dir: Path
    # Read once, at creation: ``up`` exports the local servers' URLs into the
    # environment, and ``down`` must not mistake them for external ones afterwards.
    external_database: str | None = field(
        default_factory=lambda: os.environ.get("GRIDCASE_DATABASE_URL") or None
    )
    external_kafka: str | None = field(
        default_factory=lambda: os.environ.get("GRIDCASE_KAFKA_BOOTSTRAP_SERVERS") or None
    )

    @property
    def postgres(self) -> EmbeddedPostgres:
        return EmbeddedPostgres(self.state_dir / "postgres")

    @property
    def kafka(self) -> LocalKafka:
        return LocalKafka(self.state_dir / "kafka")

    def up(self) -> dict[str, str]:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        database = self.external_database or self.postgres.start()
        kafka = self.external_kafka or self.kafka.start()
        return {"GRIDCASE_DATABASE_URL": database, "GRIDCASE_KAFKA_BOOTSTRAP_SERVERS": kafka}

    def down(self) -> None:
        if not self.external_kafka:
            self.kafka.stop()
        if not self.external_database:
            self.postgres.stop()

    def status(self) -> dict[str, str]:
        pg = (
            "external " + self.external_database
            if self.external_database
            else (f"running at {self.postgres.url()}" if self.postgres.running() else "stopped")
        )
        kafka = (
            "external " + self.external_kafka
            if self.external_kafka
            else (f"running at {self.kafka.bootstrap}" if self.kafka.running() else "stopped")
        )
        return {"postgres": pg, "kafka": kafka}
