"""A one-off command's escalation: its runtime against the configured (or local)
servers, without consumers, relay or sweeper, for the length of one piece of work
(``gridcase calendar``, ``gridcase report``)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from gridcase.devstack.stack import Infrastructure
from services.escalation.bootstrap import build_runtime
from shared.runtime import ServiceRuntime
from shared.settings import GridcaseSettings

T = TypeVar("T")


def run_with_escalation(state_dir: Path, work: Callable[[ServiceRuntime[None]], Awaitable[T]]) -> T:
    """Run ``work`` against the escalation database (local servers started if needed,
    every schema migrated first)."""
    from gridcase.services import migrate_all

    os.environ.update(Infrastructure(state_dir.resolve()).up())
    settings = GridcaseSettings()
    migrate_all(settings)

    async def main() -> T:
        runtime = build_runtime(settings)
        runtime.job_handlers.clear()  # no sweeper in a one-off command
        await runtime.start(consumers=False, relay=False)
        try:
            return await work(runtime)
        finally:
            await runtime.stop()

    return asyncio.run(main())
