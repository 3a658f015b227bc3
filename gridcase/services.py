"""The four services as the launcher and tests see them: name, migrations, runtime, app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from services.escalation import bootstrap as escalation
from services.intake import bootstrap as intake
from services.mediation import bootstrap as mediation
from services.routing import bootstrap as routing
from shared.audit import ChainReport
from shared.db.migrations import upgrade
from shared.runtime import ServiceRuntime
from shared.settings import GridcaseSettings


@dataclass(frozen=True)
class ServiceEntry:
    name: str
    migrations: Path
    build_runtime: Callable[[GridcaseSettings], ServiceRuntime[Any]]
    build_app: Callable[..., FastAPI]

    @property
    def factory(self) -> str:
        return f"services.{self.name}.bootstrap:app_factory"


SERVICES: tuple[ServiceEntry, ...] = tuple(
    ServiceEntry(m.NAME, m.MIGRATIONS, m.build_runtime, m.build_app)
    for m in (intake, routing, mediation, escalation)
)
BY_NAME = {s.name: s for s in SERVICES}


def migrate_all(settings: GridcaseSettings) -> None:
    """Upgrade every service's schema to head (each with its own alembic history)."""
    for service in SERVICES:
        upgrade(service.migrations, settings.database_url_for(service.name), service.name)


async def verify_audit(settings: GridcaseSettings) -> list[ChainReport]:
    """Walk every service's audit chain (``gridcase audit verify``, and the tests)."""
    from shared.audit import verify
    from shared.db.engine import create_engine

    reports = []
    for service in SERVICES:
        tables = service.build_runtime(settings).tables
        engine = create_engine(settings.database_url_for(service.name), pool_size=1)
        try:
            async with engine.connect() as conn:
                reports.append(await verify(conn, tables.audit_log, tables.audit_purges))
        finally:
            await engine.dispose()
    return reports
