"""A one-off command's service: its runtime against the configured (or local) servers,
without consumers, relay or sweeper, for the length of one piece of work
(``gridcase registry``, ``gridcase calendar``, ``gridcase report``)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from gridcase.devstack.stack import Infrastructure
from shared.runtime import ServiceRuntime
from shared.settings import GridcaseSettings

T = TypeVar("T")
R = TypeVar("R", bound=ServiceRuntime[Any])


def run_one_off(
    state_dir: Path,
    build_runtime: Callable[[GridcaseSettings], R],
    work: Callable[[R], Awaitable[T]],
) -> T:
    """Run ``work`` against the service ``build_runtime`` builds (local servers started
    if needed, every schema migrated first)."""
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
