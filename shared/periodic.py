"""In-process work a service repeats while it runs (purges, cache refreshes).

Not for deadlines or anything that must fire exactly once: a task runs in every
process, is lost when the process stops, and starts its interval afresh on restart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from shared.logging import get_logger
from shared.messaging.errors import describe_error

log = get_logger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class PeriodicTask(Generic[T]):
    """``run`` is called every ``interval_s`` with what the service passes (its
    runtime); failures are logged and retried at the next tick, never allowed to stop
    the service."""

    name: str
    interval_s: float
    run: Callable[[T], Awaitable[object]]


async def repeat(task: PeriodicTask[T], argument: T) -> None:
    """Run ``task`` forever (until cancelled), first after one interval."""
    while True:
        await asyncio.sleep(task.interval_s)
        try:
            await task.run(argument)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("periodic_task_failed", task=task.name, error=describe_error(exc))
