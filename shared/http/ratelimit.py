"""Per-client rate limits shared by every process of a service (public intake, sign-in).

Fixed windows of ``window_s`` seconds, counted in PostgreSQL
(``shared.db.rate_limits``), so the limit holds however many uvicorn workers or
replicas serve the port. To keep the report path fast, a process sends at most one
counter statement at a time: the checks that arrive while one is in flight wait for
the next, which bumps all their keys at once (one round trip, whatever the number of
requests). A key a process has already seen over the limit in the current window is
refused without asking the database again.

A fixed window can let through up to twice the limit across a window boundary; the
limits protect against floods, where that does not matter.

If the database cannot be reached the check lets the request through (and logs):
the request's own work needs the database anyway and answers for itself.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Protocol

from shared.logging import get_logger
from shared.messaging.errors import describe_error

log = get_logger(__name__)


class Counters(Protocol):
    async def bump(self, window_start: int, counts: dict[str, int]) -> dict[str, int]: ...

    async def forget_before(self, window_start: int) -> None: ...


class SharedRateLimiter:
    def __init__(
        self,
        counters: Counters,
        limit: int,
        *,
        name: str,
        window_s: float = 60.0,
        clock: Callable[[], float] = time.time,
    ):
        self.limit = limit
        self.name = name
        self.window_s = window_s
        self._counters = counters
        self._clock = clock
        self._pending: list[tuple[str, asyncio.Future[int]]] = []
        self._flusher: asyncio.Task[None] | None = None
        # Keys seen over the limit, by the window they were over in.
        self._over: dict[str, int] = {}
        self._forgotten_before = 0

    async def allow(self, client: str) -> float:
        """0 if the request may go ahead, else the seconds until it may."""
        now = self._clock()
        window = int(now // self.window_s)
        if self._over.get(client) == window:
            return self._until_next(now, window)
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._pending.append((client, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name=f"ratelimit-{self.name}")
        count = await future
        if count <= self.limit:
            return 0.0
        self._over[client] = window
        return self._until_next(now, window)

    def _until_next(self, now: float, window: int) -> float:
        return max(0.0, (window + 1) * self.window_s - now)

    async def _flush(self) -> None:
        """Send the gathered checks, one statement at a time, until none is left."""
        while self._pending:
            await asyncio.sleep(0)  # let the checks of this loop turn join the batch
            batch, self._pending = self._pending, []
            window = int(self._clock() // self.window_s)
            counts: dict[str, int] = {}
            for client, _ in batch:
                counts[f"{self.name}:{client}"] = counts.get(f"{self.name}:{client}", 0) + 1
            try:
                totals = await self._counters.bump(window, counts)
                if window > self._forgotten_before:
                    await self._counters.forget_before(window - 1)
                    self._forgotten_before = window
            except Exception as exc:
                log.warning("rate_limit_unavailable", limiter=self.name, error=describe_error(exc))
                for _, future in batch:
                    if not future.done():
                        future.set_result(0)
                continue
            # The i-th of n checks of a key in this batch was hit number total - n + i.
            seen: dict[str, int] = {}
            for client, future in batch:
                key = f"{self.name}:{client}"
                seen[key] = seen.get(key, 0) + 1
                if not future.done():
                    future.set_result(totals[key] - counts[key] + seen[key])
            if len(self._over) > 100_000:
                self._over = {k: w for k, w in self._over.items() if w >= window}
